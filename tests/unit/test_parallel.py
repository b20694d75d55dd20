"""The process pool: results in order (also streamed, a few tasks ahead), and workers that never
import the parent's script."""

from __future__ import annotations

import sys

from etf_warehouse.parallel import ordered_results, process_map


def test_results_come_back_in_task_order() -> None:
    tasks = [5, -3, 0, -8, 2, -1, 7]
    assert process_map(abs, tasks, 2) == [abs(t) for t in tasks]
    assert process_map(abs, tasks, 2, chunksize=3) == [abs(t) for t in tasks]


def test_workers_do_not_import_the_parent_script(tmp_path, monkeypatch) -> None:
    # under dbt the parent's __main__ is dbt's command line (2 s of imports a worker); a
    # script that cannot be imported at all shows the workers never run it
    script = tmp_path / "script.py"
    script.write_text("raise SystemExit('a worker imported the main script')\n")
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__file__", str(script), raising=False)
    monkeypatch.setattr(main, "__spec__", None, raising=False)
    assert process_map(abs, [-1, -2], 2) == [1, 2]
    assert main.__file__ == str(script)  # restored after the workers started


def test_ordered_results_keep_task_order_across_pool_and_here() -> None:
    tasks = [(-4, True), (3, False), (-2, True), (-7, True), (0, False), (5, True)]
    out = list(ordered_results(abs, tasks, 2))
    assert out == [(t, abs(t)) for t, _ in tasks]
    assert list(ordered_results(abs, tasks, 1)) == out  # one worker: no pool, same results


def test_ordered_results_read_their_tasks_a_few_ahead() -> None:
    pulled = []

    def tasks():
        for t in range(-10, 0):
            pulled.append(t)
            yield t, True

    results = ordered_results(abs, tasks(), 2, ahead=3)
    first = next(results)
    assert first == (-10, 10)
    assert len(pulled) == 4  # the one yielded and at most three submitted ahead of it
    assert [r for _, r in results] == list(range(9, 0, -1))

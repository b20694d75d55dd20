"""The process pool: results in order, and workers that never import the parent's script."""

from __future__ import annotations

import sys

from etf_warehouse.parallel import process_map


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

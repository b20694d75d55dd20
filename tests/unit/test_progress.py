"""Progress reports of long steps (etf_warehouse.progress)."""

from __future__ import annotations

import io
import re
import time

from etf_warehouse import progress
from etf_warehouse.parallel import process_map


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_line_says_done_of_total_elapsed_and_time_left():
    clock = FakeClock()
    reporter = progress.Reporter("garch_fits", clock=clock)
    assert reporter.line() == "garch_fits: 0 s elapsed"
    reporter.expect(14_338, "fits")
    reporter.advance(1_200)
    clock.now += 45
    assert reporter.line() == (
        "garch_fits: 1,200 of 14,338 fits (8 %), 45 s elapsed, about 8 min left"
    )
    reporter.advance(13_138)
    clock.now += 6_000
    assert reporter.line() == "garch_fits: 14,338 of 14,338 fits (100 %), 1.7 h elapsed"


def test_a_long_step_reports_at_every_interval_and_at_its_end():
    out = io.StringIO()
    with progress.model_progress("slow_model", every=0.05, stream=out):
        progress.expect(4, "retrains")
        for _ in range(4):
            time.sleep(0.06)
            progress.advance()
    lines = out.getvalue().splitlines()
    assert len(lines) >= 4
    assert all(re.match(r"\[etfw \d\d:\d\d:\d\d\] slow_model: ", line) for line in lines)
    assert re.search(r"slow_model: \d of 4 retrains \(\d+ %\), 0 s elapsed", lines[1])
    assert lines[-1].endswith("slow_model: done in 0 s")


def test_a_short_step_prints_nothing():
    out = io.StringIO()
    with progress.model_progress("quick_model", every=5.0, stream=out):
        progress.expect(3, "funds")
        progress.advance(3)
    assert out.getvalue() == ""


def test_counting_outside_a_report_does_nothing_and_reports_nest():
    progress.expect(10, "funds")  # no report running: no effect, no error
    progress.advance()
    out = io.StringIO()
    with progress.model_progress("outer", every=0, stream=out) as outer:
        with progress.model_progress("inner", every=0, stream=out) as inner:
            progress.expect(2, "strategies")
            progress.advance()
        progress.advance(5)
    assert (inner.total, inner.done) == (2, 1)
    assert (outer.total, outer.done) == (None, 5)
    assert out.getvalue() == ""  # every=0: reports off


def test_interval_from_the_environment(monkeypatch):
    monkeypatch.setenv("ETFW_PROGRESS_SECONDS", "3")
    assert progress.interval_seconds() == 3.0
    monkeypatch.setenv("ETFW_PROGRESS_SECONDS", "soon")
    assert progress.interval_seconds() == progress.DEFAULT_SECONDS
    monkeypatch.delenv("ETFW_PROGRESS_SECONDS")
    assert progress.interval_seconds() == progress.DEFAULT_SECONDS


def test_process_map_counts_each_result():
    with progress.model_progress("pool", every=0) as reporter:
        progress.expect(6, "tasks")
        assert process_map(abs, [-1, -2, -3, 4, 5, -6], 2, chunksize=2) == [1, 2, 3, 4, 5, 6]
    assert reporter.done == 6


def test_two_threads_report_their_own_steps():
    import threading

    done = {}

    def step(name: str, n: int) -> None:
        with progress.model_progress(name, every=0) as reporter:
            progress.expect(n, "tasks")
            for _ in range(n):
                time.sleep(0.001)
                progress.advance()
            done[name] = (reporter.total, reporter.done)

    threads = [threading.Thread(target=step, args=(f"m{k}", 20 + k)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert done == {"m0": (20, 20), "m1": (21, 21)}


def test_a_broken_stream_does_not_fail_the_step(monkeypatch):
    class Broken(io.StringIO):
        def write(self, text):
            raise BrokenPipeError

    with progress.model_progress("piped", every=0.01, stream=Broken()):
        time.sleep(0.05)
    monkeypatch.setenv("ETFW_PROGRESS_SECONDS", "inf")
    assert progress.interval_seconds() == progress.DEFAULT_SECONDS

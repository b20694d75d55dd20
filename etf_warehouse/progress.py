"""Progress of long steps, printed to the terminal while ``dbt build`` or an ``etfw`` command runs.

A dbt Python model is silent until it finishes: at 3,000 funds the GARCH fits or the forecaster
take minutes. Each long model runs inside :func:`model_progress` (its ``model`` function returns
:func:`reported`), whose background thread prints
a line at least every ``ETFW_PROGRESS_SECONDS`` (default 15; 0 turns it off) to stderr::

    [etfw 18:03:15] garch_fits: 1,200 of 14,338 fits (8 %), 45 s elapsed, about 8 min left

The library's loops say what they count (:func:`expect`) and count it (:func:`advance`); both
do nothing outside a :func:`model_progress` block, so the library stays usable on its own. A
model that ends before the first interval prints nothing. The thread prints even while the
main thread waits on worker processes or a long numpy call, so a slow unit of work still
shows the elapsed time.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO

DEFAULT_SECONDS = 15.0


def interval_seconds() -> float:
    """The reporting interval: ``ETFW_PROGRESS_SECONDS`` (0 or negative: no reports)."""
    raw = os.environ.get("ETFW_PROGRESS_SECONDS", "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS
    return value if math.isfinite(value) else DEFAULT_SECONDS


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Reporter:
    """Done/total of one step and its elapsed time; :meth:`line` is what gets printed."""

    def __init__(self, step: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.step = step
        self.clock = clock
        self.started = clock()
        self.total: int | None = None
        self.unit = "tasks"
        self.done = 0
        self._lock = threading.Lock()

    def expect(self, total: int, unit: str) -> None:
        with self._lock:
            self.total, self.unit, self.done = int(total), unit, 0

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n

    def line(self) -> str:
        elapsed = self.clock() - self.started
        with self._lock:
            total, done, unit = self.total, self.done, self.unit
        parts = [f"{self.step}:"]
        if total:
            parts.append(f"{done:,} of {total:,} {unit} ({100 * done / total:.0f} %),")
        parts.append(f"{_duration(elapsed)} elapsed")
        if total and 0 < done < total:
            parts[-1] += f", about {_duration(elapsed * (total - done) / done)} left"
        return " ".join(parts)


# the step each thread is in: dbt runs models in threads (profiles.yml threads: 2), so two
# Python models may report at once, each from its own thread
_local = threading.local()


def _active() -> Reporter | None:
    return getattr(_local, "reporter", None)


def expect(total: int, unit: str) -> None:
    """Say how many ``unit`` the current step will count (no-op outside model_progress)."""
    reporter = _active()
    if reporter is not None:
        reporter.expect(total, unit)


def advance(n: int = 1) -> None:
    """Count ``n`` more done (no-op outside model_progress)."""
    reporter = _active()
    if reporter is not None:
        reporter.advance(n)


@contextmanager
def model_progress(
    step: str, *, every: float | None = None, stream: TextIO | None = None
) -> Iterator[Reporter]:
    """Report ``step``'s progress every ``every`` seconds while the block runs, and once at
    its end if anything was reported."""
    every = interval_seconds() if every is None else every
    reporter = Reporter(step)
    out = stream or sys.stderr
    stop = threading.Event()
    printed = threading.Event()

    def emit(text: str) -> None:
        try:
            out.write(f"[etfw {datetime.now():%H:%M:%S}] {text}\n")
            out.flush()
        except (OSError, ValueError):  # a closed or broken stream must not fail the model
            pass

    def beat() -> None:
        while not stop.wait(every):
            emit(reporter.line())
            printed.set()

    previous = _active()
    _local.reporter = reporter
    thread = threading.Thread(target=beat, name=f"progress-{step}", daemon=True)
    if every > 0:
        thread.start()
    try:
        yield reporter
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        _local.reporter = previous
        if printed.is_set():
            emit(f"{step}: done in {_duration(reporter.clock() - reporter.started)}")


def reported(build: Callable, dbt: object, session: object) -> object:
    """``build(dbt, session)`` inside :func:`model_progress` named after the dbt model: the
    body of a long Python model's ``model`` function (dbt wants its one ``return`` there)."""
    with model_progress(dbt.this.identifier):  # type: ignore[attr-defined]
        return build(dbt, session)

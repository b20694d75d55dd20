"""Pools of worker processes for the embarrassingly parallel steps (GARCH fits per fund, small
forecaster fits, portfolio strategies, backtested strategies, SPA tests).

Workers are forked from a fork server, never from the parent, which holds a DuckDB connection
(and under dbt, threads). The server is a fresh process, started the first time a pool is
needed, that imports this library's parallel modules (``PRELOAD``) once; every worker of every
later pool is a fork of it with those modules loaded. Spawned workers had to import them each
time: 1.5-2 s a worker, for each of the two workers of each of the build's pools. On the
sample (``dbt run -s garch_fits ml_forecasts portfolio_holdings --threads 1``, quiet 2-core
machine, 2026-12-05): portfolio_holdings 6.8-7.0 s with spawned workers, 5.4-5.5 s forked from
the server, the same holdings.

A new process first re-imports the parent's ``__main__`` script. Under dbt that script is
dbt's command line, whose import took 2.2 s a worker (measured: a pool of two doing nothing,
0.13 s from a plain script, 2.32 s with dbt's script as ``__main__``). The work sent to
workers is always a function of this package, found by its module name, so the main script is
hidden while a pool is open.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from etf_warehouse import progress

# the modules whose functions run in workers (imported by the fork server once)
PRELOAD = (
    "etf_warehouse.risk.garch",
    "etf_warehouse.forecast.ml",
    "etf_warehouse.portfolio.construction",
    "etf_warehouse.backtest.engine",
    "etf_warehouse.backtest.statistics",
)


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


@contextmanager
def process_pool(
    workers: int, *, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` processes forked from the fork server. The pool starts its workers
    as tasks are submitted, so dbt's main script stays hidden for as long as the pool is open."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    with (
        ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=initializer, initargs=initargs
        ) as pool,
        _main_script_hidden(),
    ):
        yield pool


def process_map(
    function: Callable[[Any], Any],
    tasks: Iterable[Any],
    workers: int,
    *,
    chunksize: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
) -> list[Any]:
    """``[function(t) for t in tasks]`` in ``workers`` processes, in order.

    ``function`` and ``initializer`` must be module-level functions of an importable module
    (not of the main script). ``initializer(*initargs)`` runs once in each worker: the way to
    send large shared inputs once per process instead of once per task. Each result counts
    one unit done in the current progress report (etf_warehouse.progress).
    """
    with process_pool(workers, initializer=initializer, initargs=initargs) as pool:
        out = []
        for result in pool.map(function, tasks, chunksize=chunksize):
            out.append(result)
            progress.advance()
        return out


def ordered_results(
    function: Callable[[Any], Any],
    tasks: Iterable[tuple[Any, bool]],
    workers: int,
    *,
    ahead: int | None = None,
) -> Iterator[tuple[Any, Any]]:
    """``(task, function(task))`` for each ``(task, in_pool)`` of ``tasks``, in task order.

    Tasks flagged ``in_pool`` run in ``workers`` processes, at most ``ahead`` (default
    twice the workers) submitted and not yet yielded, so a long stream of large tasks is never
    held in memory at once; the others run in this process when their turn comes (e.g. a task
    that is itself multi-threaded). ``tasks`` is consumed lazily. With one worker, or no task
    for the pool, no process is started. ``function`` must be a module-level function of an
    importable module.
    """
    ahead = ahead or 2 * workers
    stream = iter(tasks)
    if workers <= 1:
        for task, _ in stream:
            yield task, function(task)
        return
    with process_pool(workers) as pool:
        pending: deque[tuple[Any, Future | None]] = deque()
        for task, in_pool in stream:
            pending.append((task, pool.submit(function, task) if in_pool else None))
            while pending and (len(pending) > ahead or pending[0][1] is None):
                yield _result(function, *pending.popleft())
        while pending:
            yield _result(function, *pending.popleft())


def _result(function: Callable[[Any], Any], task: Any, future: Future | None) -> tuple[Any, Any]:
    return task, function(task) if future is None else future.result()

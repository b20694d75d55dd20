"""One pool of worker processes for the embarrassingly parallel steps (GARCH fits per fund,
portfolio strategies): spawned, never forked, as the parent holds a DuckDB connection.

A spawned worker first re-imports the parent's ``__main__`` script. Under dbt that script is
dbt's command line, whose import took 2.2 s a worker (measured: a pool of two doing nothing,
0.13 s from a plain script, 2.32 s with dbt's script as ``__main__``), paid again by every
pool of every build. The work sent to workers is always a function of this package, found by
its module name, so the main script is hidden while the workers start.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from etf_warehouse import progress


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


def process_map(
    function: Callable[[Any], Any],
    tasks: Iterable[Any],
    workers: int,
    *,
    chunksize: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
) -> list[Any]:
    """``[function(t) for t in tasks]`` in ``workers`` spawned processes, in order.

    ``function`` and ``initializer`` must be module-level functions of an importable module
    (not of the main script). ``initializer(*initargs)`` runs once in each worker: the way to
    send large shared inputs once per process instead of once per task. Each result counts
    one unit done in the current progress report (etf_warehouse.progress).
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=initializer, initargs=initargs
    ) as pool:
        # a spawn pool starts its workers as tasks are submitted, which map() does at once
        with _main_script_hidden():
            results = pool.map(function, tasks, chunksize=chunksize)
        out = []
        for result in results:
            out.append(result)
            progress.advance()
        return out

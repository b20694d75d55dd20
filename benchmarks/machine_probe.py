"""How fast is this machine right now? A fixed workload, timed, to compare builds of other hours.

The project's machine is a virtual machine whose speed changes between hours: the same
3,000-fund build took 676.0 s one night and 804.9 s the next afternoon (benchmarks/scale.md,
"2026-12-07, afternoon"), every node about a fifth slower, the machine otherwise quiet and no
CPU time reported stolen. A build's time alone then cannot say whether a change helped.
`build_benchmark.py` runs this probe before and after each build and prints it with the
figures; a build is compared with another by its time over the probe's, or, better, by the
nodes a change did not touch.

The workload, each part the best of three runs (the least disturbed):

- ``duckdb_seconds``: DuckDB on two threads sorts 6 million rows into 3,000 groups and runs a
  21-row window over each group, as the build's SQL models do (a window partitioned by fund);
- ``numpy_seconds``: one core sorts 10 million doubles, as the Python models' numpy does.

    .venv/bin/python benchmarks/machine_probe.py
"""

from __future__ import annotations

import json
import time

import duckdb
import numpy as np

WINDOW_SQL = """
select sum(moving) from (
    select avg(i % 1000003) over (
        partition by i % 3000 order by i rows between 20 preceding and current row
    ) as moving
    from range(6000000) as r(i)
)
"""


def _best_of(run, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def probe(repeats: int = 3) -> dict[str, float]:
    """Seconds of the fixed DuckDB and numpy workloads (each the best of ``repeats`` runs)."""
    with duckdb.connect() as con:
        con.execute("set threads = 2")
        duckdb_seconds = _best_of(lambda: con.execute(WINDOW_SQL).fetchall(), repeats)
    values = np.random.default_rng(0).standard_normal(10_000_000)
    numpy_seconds = _best_of(lambda: np.sort(values), repeats)
    return {"duckdb_seconds": round(duckdb_seconds, 3), "numpy_seconds": round(numpy_seconds, 3)}


if __name__ == "__main__":
    print(json.dumps(probe()))

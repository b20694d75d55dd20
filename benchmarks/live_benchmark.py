"""Time the live (incremental) refresh against a full build on the same files.

Writes the embedded sample market as long CSV files (history plus the last ``--days`` trading
days held back), runs a full ``dbt build`` on the history, then lands one day at a time and
runs the live refresh after each (``etf_warehouse.live``), as ``etfw replay`` does. Prints the
full build's wall time (in-process ``dbt build``, tests included), each refresh's wall time and
their ratio. With ``--check`` it then builds the same files from scratch into a second
warehouse and compares every table the last refresh ran, row for row.

A refresh is timed as the whole ``LivePipeline.refresh`` call (file checks, the dbt run,
reading the new top ticker); publishing is left out. The first refresh of a process also
parses the project with the live vars (about 2 s, once, as a watching process does); it is
reported apart and left out of the median.

Examples::

    .venv/bin/python benchmarks/live_benchmark.py                    # 150 funds x 20 years
    .venv/bin/python benchmarks/live_benchmark.py --n-etfs 30 --years 6 --days 3 --check
    .venv/bin/python benchmarks/live_benchmark.py --days 3 --check \
        --source '../shared/data/stooq_us_etfs*/*.txt'       # real files instead of the sample

With ``--source`` the files a glob matches (Stooq, Yahoo or long CSV, as a build reads them)
are replayed instead of the sample: rewritten as long files, their last ``--days`` trading days
held back (``etf_warehouse.live.prepare_file_replay``).

Results are also written as JSON to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etf_warehouse.compare import compare_warehouses
from etf_warehouse.live import LivePipeline, prepare_file_replay, prepare_replay
from etf_warehouse.sample import SampleConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-etfs", type=int, default=150)
    parser.add_argument("--years", type=float, default=20.0)
    parser.add_argument("--days", type=int, default=6)
    parser.add_argument("--check", action="store_true", help="compare with a full rebuild")
    parser.add_argument("--dir", help="working directory (default: a temporary one)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="start from the history warehouse an earlier run left in --dir (history.duckdb) "
        "instead of building it again; the full build's time is the earlier run's",
    )
    parser.add_argument("--source", help="glob of CSV price files to replay instead of the sample")
    parser.add_argument("--format", help="their prices_format (default: detected per file)")
    parser.add_argument("--universe", help="with --source: a universe CSV (var universe_path)")
    args = parser.parse_args()

    work = Path(args.dir or tempfile.mkdtemp(prefix="live-bench-"))
    if args.source:
        files = prepare_file_replay(
            args.source,
            work,
            args.days,
            prices_format=args.format,
            universe_path=args.universe,
        )
        label = f"files {args.source}"
    else:
        files = prepare_replay(SampleConfig(n_etfs=args.n_etfs, years=args.years), work, args.days)
        label = f"{args.n_etfs} funds, {args.years:g} years"
    pipeline = LivePipeline(files.dbt_vars, warehouse=work / "live.duckdb", echo=print)
    history, history_seconds = work / "history.duckdb", work / "history.seconds"
    if args.reuse and history.exists() and history_seconds.exists():
        # the files are written again, the same bytes: the refresh sees no changed file
        _copy_warehouse(history, work / "live.duckdb")
        full = float(history_seconds.read_text())
        print(f"reusing {history} (built in {full:.1f} s)")
    else:
        full = pipeline.full_build()
        _copy_warehouse(work / "live.duckdb", history)
        history_seconds.write_text(f"{full}\n")
    print(f"full dbt build of the history ({label}): {full:.1f} s")
    refreshes = []  # the whole refresh() call: file checks, dbt run, reading the result
    for k, day in enumerate(files.days, 1):
        files.land(day)
        start = time.perf_counter()
        result = pipeline.refresh(publish=False)
        total = time.perf_counter() - start
        refreshes.append(total)
        print(
            f"day {k} {day:%Y-%m-%d}: refresh {total:.2f} s ({100 * total / full:.1f} % of the "
            f"full build; dbt run {result.seconds:.2f} s); mart_latest_rankings at "
            f"{result.latest_date}"
        )
        slowest = sorted(result.model_seconds.items(), key=lambda kv: -kv[1])[:8]
        print(f"  slowest models of day {k}: " + ", ".join(f"{m} {t:.2f} s" for m, t in slowest))
    steady = refreshes[1:] or refreshes
    median = statistics.median(steady)
    print(
        f"median refresh after the first: {median:.2f} s = {100 * median / full:.1f} % of the "
        f"full build (first refresh, which parses the project: {refreshes[0]:.2f} s)"
    )
    report = {
        "source": args.source or "sample",
        "n_etfs": None if args.source else args.n_etfs,
        "years": None if args.source else args.years,
        "full_build_seconds": full,
        "refresh_seconds": refreshes,
        "median_refresh_seconds": median,
        "ratio": median / full,
        "last_refresh_model_seconds": result.model_seconds,
    }
    if args.check:
        rebuilt = LivePipeline(files.dbt_vars, warehouse=work / "full.duckdb", echo=print)
        rebuilt.full_build()
        differing = compare_warehouses(work / "live.duckdb", work / "full.duckdb", result.models)
        print(
            f"tables compared with a full rebuild: {len(differing['compared'])}, "
            f"differing: {differing['differing'] or 'none'}"
        )
        report["tables_compared"] = len(differing["compared"])
        report["tables_differing"] = differing["differing"]
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    name = "live_files.json" if args.source else f"live_{args.n_etfs}x{args.years:g}.json"
    (out / name).write_text(json.dumps(report, indent=2))
    return 0


def _copy_warehouse(source: Path, target: Path) -> None:
    """A DuckDB file with its write-ahead log, if it has one, written to disk before returning.

    Without the sync, the copy's dirty pages (2 GB right after copying a 16 GB warehouse at
    3,000 funds) are written back while the first refreshes run. On 2026-12-07, 3 of 22
    refreshes right after such a copy stalled 41.9-45.5 s in one model, `int_etfs_classified`
    (2 s otherwise), with the other dbt thread idle; the writeback is the suspected cause, not
    a proven one (benchmarks/README.md, "Live refresh")."""
    shutil.copyfile(source, target)
    wal, target_wal = Path(f"{source}.wal"), Path(f"{target}.wal")
    target_wal.unlink(missing_ok=True)
    if wal.exists():
        shutil.copyfile(wal, target_wal)
    os.sync()


if __name__ == "__main__":
    raise SystemExit(main())

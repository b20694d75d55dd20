"""Command line: ``etfw build``, ``dashboard``, ``sample-files``, ``download``,
``download-macro``, ``publish``, ``explain-failure``, ``live``, ``daily`` and ``replay``.

The warehouse itself is built with ``dbt build`` (``etfw build`` runs scripts/build.sh: set up,
build, publish); the other commands prepare input files for it, publish the built marts as a
read-only snapshot for BI tools, and refresh the warehouse incrementally as new daily files land
(``live``; ``replay`` feeds the sample market day by day).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from etf_warehouse import __version__
from etf_warehouse.ingest.formats import FORMATS

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _run_script(name: str, args: list[str]) -> int:
    """Run scripts/``name`` of the checkout this package is installed from, with ``args``."""
    import subprocess

    script = PROJECT_ROOT / "scripts" / name
    if not script.is_file():
        print(
            f"etfw: {script} not found: `etfw build` and `etfw dashboard` run the scripts of a "
            "source checkout (pip install -e .)",
            file=sys.stderr,
        )
        return 2
    return subprocess.call(["bash", str(script), *args])


def _build(args: argparse.Namespace) -> int:
    return _run_script("build.sh", args.dbt_args)


def _dashboard(args: argparse.Namespace) -> int:
    return _run_script("dashboard.sh", [])


def _sample_files(args: argparse.Namespace) -> int:
    from etf_warehouse.sample import SampleConfig
    from etf_warehouse.sample.files import write_sample_files

    config = SampleConfig(
        n_etfs=args.n_etfs,
        years=args.years,
        seed=args.seed,
        signal_strength=args.signal,
        faults=not args.no_faults,
    )
    files = write_sample_files(
        config, args.out, file_format=args.format, parquet=args.parquet, macro=args.macro
    )
    print(f"wrote {files.n_price_files} price file(s) under {files.directory}", file=sys.stderr)
    print("build them with:", file=sys.stderr)
    print(f"  dbt build --vars '{json.dumps(files.dbt_vars())}'", file=sys.stderr)
    print(json.dumps(files.dbt_vars()))
    return 0


def _download(args: argparse.Namespace) -> int:
    from etf_warehouse.ingest.download import download_yahoo

    written = download_yahoo(args.tickers, Path(args.out), start=args.start, end=args.end)
    for path in written:
        print(path)
    print(
        f'build them with: dbt build --vars \'{{prices_path: "{Path(args.out)}/*.csv", '
        "prices_format: yahoo}'",
        file=sys.stderr,
    )
    return 0


def _download_macro(args: argparse.Namespace) -> int:
    from datetime import date

    from etf_warehouse.ingest.macro_download import MacroSourceError, download_macro

    out = Path(args.out)
    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        print(
            f"etfw download-macro: --start {args.start!r} is not a date, YYYY-MM-DD",
            file=sys.stderr,
        )
        return 2
    try:
        frame = download_macro(out, start=start, log=lambda m: print(m, file=sys.stderr))
    except MacroSourceError as exc:
        print(f"etfw download-macro: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(frame)} observations of {frame['series'].nunique()} series to {out}")
    print(f"build with: dbt build --vars '{{macro_path: \"{out}\", ...}}'", file=sys.stderr)
    return 0


def _publish(args: argparse.Namespace) -> int:
    import os

    from etf_warehouse.publish import (
        DEFAULT_SNAPSHOT,
        DEFAULT_WAREHOUSE,
        PublishError,
        publish_snapshot,
    )

    warehouse = Path(args.warehouse or os.environ.get("ETF_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE)
    snapshot = Path(
        args.snapshot or os.environ.get("ETF_WAREHOUSE_SNAPSHOT_PATH") or DEFAULT_SNAPSHOT
    )
    try:
        result = publish_snapshot(warehouse, snapshot, run_results=Path(args.run_results))
    except PublishError as error:
        print(f"etfw publish: {error}", file=sys.stderr)
        return 1
    print(
        f">> published {len(result.tables)} tables ({result.rows:,} rows) to {result.snapshot}"
        f" at {result.published_at}; as Parquet in {result.parquet}",
        file=sys.stderr,
    )
    return 0


def _explain_failure(args: argparse.Namespace) -> int:
    from etf_warehouse.build_failure import last_failure

    failure = last_failure(Path(args.log))
    if failure is None:
        print(f"etfw explain-failure: no failure found in {args.log}", file=sys.stderr)
        return 1
    print(failure.explain(), file=sys.stderr)
    return 0


def _snapshot_path(value: str | None) -> Path:
    import os

    from etf_warehouse.publish import DEFAULT_SNAPSHOT

    return Path(value or os.environ.get("ETF_WAREHOUSE_SNAPSHOT_PATH") or DEFAULT_SNAPSHOT)


def _live(args: argparse.Namespace) -> int:
    import os

    import yaml

    from etf_warehouse.live import LiveError, LivePipeline
    from etf_warehouse.publish import DEFAULT_WAREHOUSE

    try:
        dbt_vars = yaml.safe_load(args.vars) or {}
    except yaml.YAMLError as error:
        print(f"etfw live: --vars is not valid YAML: {error}", file=sys.stderr)
        return 2
    if not isinstance(dbt_vars, dict):
        print(
            f"etfw live: --vars must be a mapping (name: value), got {args.vars!r}", file=sys.stderr
        )
        return 2
    pipeline = LivePipeline(
        dbt_vars=dbt_vars,
        warehouse=Path(args.warehouse or os.environ.get("ETF_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE),
        snapshot=None if args.no_publish else _snapshot_path(args.snapshot),
    )
    try:
        if args.full_build or not pipeline.ingested_files():
            pipeline.echo(">> full build (dbt build) on the files matched so far")
            pipeline.echo(f">> full build done in {pipeline.full_build():.1f} s")
        if args.watch:
            pipeline.watch(args.interval)
        elif pipeline.pending_files():
            pipeline.report(pipeline.refresh())
        else:
            pipeline.echo(">> no new files")
    except (LiveError, ValueError) as error:
        print(f"etfw live: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pipeline.echo(">> stopped")
    return 0


def _daily(args: argparse.Namespace) -> int:
    import os
    from datetime import date

    import yaml

    from etf_warehouse.live import LiveError
    from etf_warehouse.live.daily import run_daily
    from etf_warehouse.publish import DEFAULT_WAREHOUSE

    try:
        dbt_vars = yaml.safe_load(args.vars) or {}
        start = date.fromisoformat(args.start)
    except (yaml.YAMLError, ValueError) as error:
        print(f"etfw daily: {error}", file=sys.stderr)
        return 2
    warehouse = Path(args.warehouse or os.environ.get("ETF_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE)
    try:
        result = run_daily(
            Path(args.universe),
            Path(args.landing),
            warehouse,
            snapshot=None if args.no_publish else _snapshot_path(args.snapshot),
            start=start,
            dbt_vars=dbt_vars,
            echo=lambda line: print(line, file=sys.stderr),
        )
    except (LiveError, ValueError, RuntimeError) as error:
        print(f"etfw daily: {error}", file=sys.stderr)
        return 1
    print(f"{result.built}: {result.new_rows} new rows, rankings as of {result.latest_date}")
    for line in result.changes:
        print(f"  {line}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    import statistics

    import pandas as pd

    from etf_warehouse.live import LiveError, LivePipeline, prepare_file_replay, prepare_replay
    from etf_warehouse.sample import SampleConfig

    directory = Path(args.dir)
    if args.prices:
        print(f">> rewriting {args.prices} as long files under {directory}", file=sys.stderr)
        try:
            files = prepare_file_replay(
                args.prices,
                directory,
                args.days,
                prices_format=args.format,
                universe_path=args.universe,
            )
        except ValueError as error:
            print(f"etfw replay: {error}", file=sys.stderr)
            return 1
    else:
        config = SampleConfig(
            n_etfs=args.n_etfs, years=args.years, seed=args.seed, end_date=args.end_date
        )
        print(
            f">> writing the sample market ({args.n_etfs} funds, {args.years:g} years) under "
            f"{directory}",
            file=sys.stderr,
        )
        files = prepare_replay(config, directory, args.days)
    pipeline = LivePipeline(
        dbt_vars=files.dbt_vars,
        warehouse=Path(args.warehouse or directory / "etf_warehouse.duckdb"),
        snapshot=None
        if args.no_publish
        else Path(args.snapshot or directory / "published" / "etf_warehouse.duckdb"),
    )
    try:
        pipeline.echo(
            f">> full build of the history up to {files.days[0] - pd.Timedelta(days=1):%Y-%m-%d}"
        )
        full = pipeline.full_build()
        pipeline.echo(f">> full build done in {full:.1f} s")
        seconds = []
        for k, day in enumerate(files.days, 1):
            files.land(day)
            result = pipeline.refresh()
            seconds.append(result.seconds)
            pipeline.report(result, label=f"day {k}/{len(files.days)} {day:%Y-%m-%d}: ")
            if args.pause:
                import time

                time.sleep(args.pause)
    except (LiveError, ValueError) as error:
        print(f"etfw replay: {error}", file=sys.stderr)
        return 1
    if seconds:
        median = statistics.median(seconds)
        pipeline.echo(
            f">> {len(seconds)} day(s) replayed: median refresh {median:.1f} s, "
            f"{100 * median / full:.1f} % of the full build's {full:.1f} s"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="etfw", description=__doc__)
    parser.add_argument("--version", action="version", version=f"etfw {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser(
        "build",
        help="set up, `dbt build` and publish (scripts/build.sh); other arguments go to dbt,"
        " e.g. etfw build --vars '{prices_path: ...}'",
    )
    build.set_defaults(func=_build)

    dashboard = sub.add_parser(
        "dashboard", help="serve the dashboard on http://127.0.0.1:8501 (scripts/dashboard.sh)"
    )
    dashboard.set_defaults(func=_dashboard)

    sample = sub.add_parser(
        "sample-files", help=f"write the synthetic sample market as {'/'.join(FORMATS)} files"
    )
    sample.add_argument("out", help="output directory")
    sample.add_argument("--format", choices=list(FORMATS), default="stooq")
    sample.add_argument("--parquet", action="store_true", help="long format as Parquet")
    sample.add_argument(
        "--macro",
        action="store_true",
        help="also write macro.csv, the sample's macro series as a macro file (var macro_path)",
    )
    sample.add_argument("--n-etfs", type=int, default=150)
    sample.add_argument("--years", type=float, default=20.0)
    sample.add_argument("--seed", type=int, default=20_240_601)
    sample.add_argument("--signal", type=float, default=1.0, help="0 = null market")
    sample.add_argument("--no-faults", action="store_true", help="clean data, all actions declared")
    sample.set_defaults(func=_sample_files)

    download = sub.add_parser(
        "download", help="download daily prices from Yahoo Finance (needs internet + yfinance)"
    )
    download.add_argument("tickers", nargs="+", help="Yahoo symbols, e.g. VAS.AX SPY")
    download.add_argument("--out", required=True, help="output directory")
    download.add_argument("--start", default=None, help="first date, YYYY-MM-DD")
    download.add_argument("--end", default=None, help="last date, YYYY-MM-DD")
    download.set_defaults(func=_download)

    macro = sub.add_parser(
        "download-macro",
        help="download the macro file (FRED, RBA, geopolitical risk; needs internet)",
    )
    macro.add_argument("--out", default="macro.csv", help="file to write (default macro.csv)")
    macro.add_argument("--start", default="2000-01-01", help="first date, YYYY-MM-DD")
    macro.set_defaults(func=_download_macro)

    publish = sub.add_parser(
        "publish",
        help="copy the built marts into the read-only snapshot BI tools connect to (atomic)",
    )
    publish.add_argument(
        "--warehouse", help="built warehouse (default: $ETF_WAREHOUSE_PATH or warehouse/...)"
    )
    publish.add_argument(
        "--snapshot",
        help="snapshot file (default: $ETF_WAREHOUSE_SNAPSHOT_PATH or warehouse/published/...)",
    )
    publish.add_argument(
        "--run-results",
        default="target/run_results.json",
        help="dbt's run results of the build; a recorded failure stops the publish",
    )
    publish.set_defaults(func=_publish)

    explain = sub.add_parser(
        "explain-failure", help="name the model a failed dbt build failed in first, and what to try"
    )
    explain.add_argument("--log", default="logs/dbt.log", help="dbt's log (default: logs/dbt.log)")
    explain.set_defaults(func=_explain_failure)

    live = sub.add_parser(
        "live",
        help="ingest new daily price files and refresh the rankings incrementally",
    )
    live.add_argument(
        "--vars",
        required=True,
        help="the dbt vars of the build, YAML: at least prices_path (a glob the new files match)",
    )
    live.add_argument("--watch", action="store_true", help="keep polling for new files")
    live.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    live.add_argument("--full-build", action="store_true", help="run a full dbt build first")
    live.add_argument("--warehouse", help="warehouse file (default: $ETF_WAREHOUSE_PATH or ...)")
    live.add_argument("--snapshot", help="snapshot to publish to after each refresh")
    live.add_argument("--no-publish", action="store_true", help="do not publish the snapshot")
    live.set_defaults(func=_live)

    daily = sub.add_parser(
        "daily",
        help="download the universe's new bars (Yahoo), land them, refresh, publish, report"
        " what changed (needs internet + yfinance; cron it after the close)",
    )
    daily.add_argument("--universe", required=True, help="universe CSV with a ticker column")
    daily.add_argument("--landing", required=True, help="folder the price files land in")
    daily.add_argument("--start", default="2005-01-01", help="first date of the first download")
    daily.add_argument("--vars", default="{}", help="other dbt vars (YAML), e.g. macro_path")
    daily.add_argument("--warehouse", default=None)
    daily.add_argument("--snapshot", default=None)
    daily.add_argument("--no-publish", action="store_true")
    daily.set_defaults(func=_daily)

    replay = sub.add_parser(
        "replay",
        help="feed the sample market (or your own price files) day by day through the live "
        "pipeline (demo, tests)",
    )
    replay.add_argument("--dir", default="warehouse/replay", help="files, warehouse, snapshot")
    replay.add_argument("--days", type=int, default=10, help="trading days to replay")
    replay.add_argument("--n-etfs", type=int, default=150)
    replay.add_argument("--years", type=float, default=20.0)
    replay.add_argument("--seed", type=int, default=20_240_601)
    replay.add_argument("--end-date", default="2025-12-31")
    replay.add_argument(
        "--prices",
        help="replay these CSV price files (a glob) instead of the sample: their last --days "
        "trading days are held back and landed one at a time",
    )
    replay.add_argument("--format", help="with --prices: their prices_format (default: detected)")
    replay.add_argument("--universe", help="with --prices: a universe CSV (var universe_path)")
    replay.add_argument("--pause", type=float, default=0.0, help="seconds to wait between days")
    replay.add_argument("--warehouse", help="warehouse file (default: DIR/etf_warehouse.duckdb)")
    replay.add_argument("--snapshot", help="snapshot (default: DIR/published/etf_warehouse.duckdb)")
    replay.add_argument("--no-publish", action="store_true", help="do not publish the snapshot")
    replay.set_defaults(func=_replay)

    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "build":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.dbt_args = extra  # `etfw build` passes them to dbt
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())

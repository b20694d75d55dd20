"""Command line: ``etfw sample-files``, ``etfw download`` and ``etfw publish``.

The warehouse itself is built with ``dbt build`` (see the README); these commands prepare input
files for it and publish the built marts as a read-only snapshot for BI tools.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


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
    files = write_sample_files(config, args.out, file_format=args.format, parquet=args.parquet)
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
        f" at {result.published_at}",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="etfw", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sample = sub.add_parser(
        "sample-files", help="write the synthetic sample market as stooq/yahoo/long files"
    )
    sample.add_argument("out", help="output directory")
    sample.add_argument("--format", choices=["stooq", "yahoo", "long"], default="stooq")
    sample.add_argument("--parquet", action="store_true", help="long format as Parquet")
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

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())

"""Are two warehouses built from the same universe identical? Row for row, every table.

Compares every base table the two DuckDB files share, as multisets of rows over all columns
but those that record the build itself (ingest batch, fit timings). The input files of the two
builds may sit in different folders: text values have each build's file folder replaced by a
placeholder first. Prints the tables compared, the tables only one side has, and every table
whose rows differ (with the number of rows found only on each side).

    .venv/bin/python benchmarks/compare_builds.py OLD.duckdb OLD_FILES NEW.duckdb NEW_FILES

Used for the scale issue's "results at 300 ETFs identical to the build before the
optimisations" (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etf_warehouse.compare import compare_tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("old_files")
    parser.add_argument("new")
    parser.add_argument("new_files")
    args = parser.parse_args()
    # the warehouses record absolute file paths: mask the folders as absolute paths too
    roots = (str(Path(args.old_files).resolve()), str(Path(args.new_files).resolve()))
    result = compare_tables(Path(args.old), Path(args.new), text_roots=roots)
    print(f"tables compared: {len(result['compared'])}")
    print(f"only in the old build: {', '.join(result['only_first']) or 'none'}")
    print(f"only in the new build: {', '.join(result['only_second']) or 'none'}")
    if result["differing"]:
        print(f"differing: {len(result['differing'])}")
        for table, detail in result["differing"].items():
            print(f"  {table}: {detail}")
    else:
        print("differing: none (every shared table identical, row for row)")
    sys.exit(1 if result["differing"] else 0)


if __name__ == "__main__":
    main()

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

import duckdb

BUILD_COLUMNS = {"ingest_batch", "fit_seconds"}


def compare(old: str, old_files: str, new: str, new_files: str) -> dict:
    out: dict = {"compared": [], "differing": {}, "only_old": [], "only_new": []}
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{old}' as old (read_only)")
        con.execute(f"attach '{new}' as new (read_only)")

        def tables(catalog: str) -> set[str]:
            return {
                t
                for (t,) in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = ? and table_type = 'BASE TABLE'",
                    [catalog],
                ).fetchall()
            }

        old_tables, new_tables = tables("old"), tables("new")
        out["only_old"] = sorted(old_tables - new_tables)
        out["only_new"] = sorted(new_tables - old_tables)
        for table in sorted(old_tables & new_tables):
            columns = {
                catalog: con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_catalog = ? and table_name = ? order by ordinal_position",
                    [catalog, table],
                ).fetchall()
                for catalog in ("old", "new")
            }
            if columns["old"] != columns["new"]:
                out["differing"][table] = {"columns": "differ"}
                continue

            def select(catalog: str, root: str, table: str = table, columns=columns) -> str:
                parts = []
                for name, kind in columns[catalog]:
                    if name in BUILD_COLUMNS:
                        continue
                    quoted = f'"{name}"'
                    if kind == "VARCHAR":
                        quoted = f"replace({quoted}, '{root}', '<files>') as {quoted}"
                    parts.append(quoted)
                return f"select {', '.join(parts)} from {catalog}.{table}"

            a, b = select("old", old_files), select("new", new_files)
            only = [
                con.execute(f"select count(*) from ({x} except all {y})").fetchone()[0]
                for x, y in ((a, b), (b, a))
            ]
            out["compared"].append(table)
            if any(only):
                out["differing"][table] = {"old_only": only[0], "new_only": only[1]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("old_files")
    parser.add_argument("new")
    parser.add_argument("new_files")
    args = parser.parse_args()
    result = compare(args.old, args.old_files, args.new, args.new_files)
    print(f"tables compared: {len(result['compared'])}")
    print(f"only in the old build: {', '.join(result['only_old']) or 'none'}")
    print(f"only in the new build: {', '.join(result['only_new']) or 'none'}")
    if result["differing"]:
        print(f"differing: {len(result['differing'])}")
        for table, detail in result["differing"].items():
            print(f"  {table}: {detail}")
    else:
        print("differing: none (every shared table identical, row for row)")
    sys.exit(1 if result["differing"] else 0)


if __name__ == "__main__":
    main()

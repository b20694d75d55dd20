"""Compare the tables of two warehouses row for row (two builds, or a live refresh and a full
build on the same files). Used by the live pipeline's test and benchmark and by
``benchmarks/compare_builds.py``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

# Columns that record how a row was loaded or how long a fit took, not what it says.
LOAD_COLUMNS = {"ingest_batch", "fit_seconds"}
# DuckDB's memory for the comparison: the build's own limit (profiles.yml). Without one DuckDB
# takes 80 % of the machine: comparing one 3,000-fund table (mart_etf_rankings, 12.7 M rows)
# peaked at 20.4 GB of RSS; with it, the hash tables of EXCEPT ALL spill to disk instead.
MEMORY_LIMIT = os.environ.get("ETF_WAREHOUSE_MEMORY_LIMIT", "4GB")


def compare_tables(
    first: Path,
    second: Path,
    tables: list[str] | None = None,
    text_roots: tuple[str, str] | None = None,
) -> dict:
    """Compare the tables of two warehouses row for row, as multisets over all columns but
    :data:`LOAD_COLUMNS`.

    ``tables``: the tables to compare (views and tables ``first`` lacks are skipped); None
    compares every base table the two share and reports those only one side has
    (``only_first``, ``only_second``). ``text_roots``: a folder per warehouse (its input files'),
    replaced in every text value by one placeholder first, so builds of the same files kept in
    different folders compare equal. Returns the tables compared and those differing: with the
    row counts found only on each side, or ``"columns differ"``.
    """
    out: dict = {"compared": [], "differing": {}, "only_first": [], "only_second": []}
    with (
        tempfile.TemporaryDirectory(prefix="etfw-compare-", dir=Path(first).parent) as spill,
        comparison_connection(spill) as con,
    ):
        con.execute(f"attach '{first}' as first_db (read_only)")
        con.execute(f"attach '{second}' as second_db (read_only)")

        def base_tables(catalog: str) -> set[str]:
            return {
                t
                for (t,) in con.execute(
                    "select table_name from information_schema.tables"
                    " where table_catalog = ? and table_type = 'BASE TABLE'",
                    [catalog],
                ).fetchall()
            }

        def columns(catalog: str, table: str) -> list[tuple[str, str]]:
            return con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_catalog = ? and table_name = ? order by ordinal_position",
                [catalog, table],
            ).fetchall()

        in_first = base_tables("first_db")
        if tables is None:
            in_second = base_tables("second_db")
            out["only_first"] = sorted(in_first - in_second)
            out["only_second"] = sorted(in_second - in_first)
            tables = sorted(in_first & in_second)
        for table in (t for t in tables if t in in_first):
            shape = columns("first_db", table)
            if shape != columns("second_db", table):
                out["differing"][table] = "columns differ"
                continue

            def select(catalog: str, root: str | None, table: str = table, shape=shape) -> str:
                parts = []
                for name, kind in shape:
                    if name in LOAD_COLUMNS:
                        continue
                    quoted = f'"{name}"'
                    if root is not None and kind == "VARCHAR":
                        quoted = f"replace({quoted}, '{root}', '<files>') as {quoted}"
                    parts.append(quoted)
                return f"select {', '.join(parts)} from {catalog}.{table}"

            roots = text_roots or (None, None)
            a, b = select("first_db", roots[0]), select("second_db", roots[1])
            only = [
                con.execute(f"select count(*) from ({x} except all {y})").fetchone()[0]
                for x, y in ((a, b), (b, a))
            ]
            out["compared"].append(table)
            if any(only):
                out["differing"][table] = {"first_only": only[0], "second_only": only[1]}
    return out


def comparison_connection(spill: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection held to :data:`MEMORY_LIMIT`, spilling to ``spill``."""
    return duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})


def compare_warehouses(live: Path, rebuilt: Path, tables: list[str]) -> dict:
    """Compare a live-refreshed warehouse (first) with one built from scratch on the same files.

    ``tables`` are normally the models a refresh ran
    (:attr:`etf_warehouse.live.RefreshResult.models`);
    int_refresh_window, which describes the batches themselves, is skipped. See
    :func:`compare_tables`.
    """
    return compare_tables(live, rebuilt, [t for t in tables if t != "int_refresh_window"])

"""End to end: the README's build command publishes a read-only snapshot that readers can hold
while the next build runs, and a failed build leaves the last snapshot as it was."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.e2e.dbt_runner import PROJECT_ROOT

pytestmark = pytest.mark.e2e

TINY = '{"sample_n_etfs": 12, "sample_years": 2}'


def build_sh(workdir: Path, dbt_vars: str = TINY) -> subprocess.CompletedProcess:
    """``bash scripts/build.sh`` with the warehouse, snapshot, target and logs under ``workdir``."""
    env = {
        **os.environ,
        "ETF_WAREHOUSE_PATH": str(workdir / "warehouse.duckdb"),
        "ETF_WAREHOUSE_SNAPSHOT_PATH": str(workdir / "published" / "snapshot.duckdb"),
        "DBT_TARGET_PATH": str(workdir / "target"),
        "DBT_LOG_PATH": str(workdir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        ["bash", "scripts/build.sh", "--vars", dbt_vars],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def published_at(snapshot: Path):
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute("select published_at from _snapshot").fetchall()[0][0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("publish")
    result = build_sh(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert ">> published" in result.stderr
    return root


def test_the_build_command_publishes_every_mart(workdir):
    snapshot = workdir / "published" / "snapshot.duckdb"
    with duckdb.connect(str(snapshot), read_only=True) as con:
        tables = {
            n for (n,) in con.execute("select table_name from information_schema.tables").fetchall()
        }
    assert {"dim_etfs", "fct_daily_prices", "mart_etf_rankings", "mart_stress_tests"} <= tables
    assert not any(name.startswith(("int_", "stg_")) for name in tables)


def test_the_parquet_export_equals_the_snapshot_for_an_independent_reader(workdir):
    """Every published table's rows and column sums read back with pyarrow equal the DuckDB
    snapshot's; the marts' column descriptions reach the snapshot's catalog (persist_docs)."""
    import math

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    snapshot = workdir / "published" / "snapshot.duckdb"
    folder = workdir / "published" / "snapshot_parquet"
    with duckdb.connect(str(snapshot), read_only=True) as con:
        tables = [t for (t,) in con.execute("select unnest(tables) from _snapshot").fetchall()]
        assert {"mart_latest_rankings", "fct_daily_prices", "mart_backtest_summary"} <= set(tables)
        for name in tables:
            parquet = pq.read_table(folder / f"{name}.parquet")
            ((count,),) = con.execute(f'select count(*) from "{name}"').fetchall()
            assert parquet.num_rows == count, name
            numeric = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where table_name = ?"
                    " and data_type in ('DOUBLE', 'BIGINT', 'INTEGER')",
                    [name],
                ).fetchall()
            ]
            for column in numeric[:3]:
                ((expected,),) = con.execute(f'select sum("{column}") from "{name}"').fetchall()
                got = pc.sum(parquet[column]).as_py()
                assert (expected is None and got is None) or math.isclose(
                    got, expected, rel_tol=1e-9, abs_tol=1e-9
                ), (name, column)
        ((first, first_score),) = con.execute(
            "select ticker, composite_score from mart_latest_rankings order by ticker limit 1"
        ).fetchall()
        described = con.execute(
            "select comment from duckdb_columns() where table_name = 'mart_latest_rankings'"
            " and column_name = 'composite_score'"
        ).fetchall()
    rankings = pq.read_table(folder / "mart_latest_rankings.parquet").to_pylist()
    assert [r["composite_score"] for r in rankings if r["ticker"] == first] == [first_score]
    assert described and "0" in (described[0][0] or "") and "100" in described[0][0]
    readme = (folder / "README.md").read_text()
    assert "## mart_latest_rankings.parquet" in readme and "| composite_score |" in readme


def test_a_build_runs_while_a_reader_holds_the_snapshot(workdir):
    snapshot = workdir / "published" / "snapshot.duckdb"
    first = published_at(snapshot)
    reader = duckdb.connect(str(snapshot), read_only=True)
    try:
        result = build_sh(workdir)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "lock" not in (result.stdout + result.stderr).lower()
        # the open reader still sees its snapshot; a new connection sees the new one
        assert reader.execute("select published_at from _snapshot").fetchall()[0][0] == first
    finally:
        reader.close()
    assert published_at(snapshot) > first


def test_a_failed_build_leaves_the_last_snapshot(workdir, tmp_path):
    snapshot = workdir / "published" / "snapshot.duckdb"
    before = snapshot.read_bytes()
    holdings = tmp_path / "holdings.csv"
    holdings.write_text("ticker,units\nNOT.A.FUND,10\n")  # unknown ticker: the build stops
    dbt_vars = TINY[:-1] + f', "holdings_path": "{holdings}"}}'
    result = build_sh(workdir, dbt_vars)
    assert result.returncode != 0
    assert "holdings.csv" in result.stdout + result.stderr
    assert ">> published" not in result.stderr
    assert snapshot.read_bytes() == before

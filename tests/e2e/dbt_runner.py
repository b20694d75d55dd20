"""Run ``dbt build`` on a throw-away warehouse, the way a user would (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")


@dataclass
class DbtResult:
    returncode: int
    output: str
    database: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.database), read_only=True)

    def query(self, sql: str) -> list[tuple]:
        with self.connect() as con:
            return con.sql(sql).fetchall()


def dbt_build(
    workdir: Path,
    dbt_vars: dict | None = None,
    *,
    select: str | None = None,
    expect_success: bool = True,
    cautious: bool = False,
    command: str = "build",
) -> DbtResult:
    """Build into ``workdir/warehouse.duckdb``, with target/logs kept in ``workdir``
    (``command`` "run": the models only, as a live refresh runs them)."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "warehouse.duckdb"
    cmd = [
        str(DBT),
        command,
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    if select:
        cmd += ["--select", select]
    if cautious:  # only the tests whose parents are all selected
        cmd += ["--indirect-selection", "cautious"]
    env = {
        **os.environ,
        "ETF_WAREHOUSE_PATH": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    proc = subprocess.run(
        cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    result = DbtResult(proc.returncode, proc.stdout + proc.stderr, database)
    if expect_success and proc.returncode != 0:
        raise AssertionError(f"dbt build failed:\n{result.output[-6000:]}")
    if not expect_success and proc.returncode == 0:
        raise AssertionError(f"dbt build was expected to fail but passed:\n{result.output[-3000:]}")
    return result

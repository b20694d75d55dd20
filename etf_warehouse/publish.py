"""Publish a built warehouse as a read-only snapshot for BI tools and the dashboard.

``dbt build`` holds a write lock on the warehouse file while it runs, and a reader connected to
that file would both block the build and see marts half rebuilt. Readers therefore connect to a
*snapshot*: a separate DuckDB file holding a copy of the query-facing tables (``dim_*``,
``fct_*``, ``mart_*``) plus a ``_snapshot`` table saying when and from what it was made.

The snapshot keeps the marts' table and column descriptions (dbt's ``persist_docs`` writes them
to the warehouse's catalog; DuckDB's ``duckdb_tables()`` / ``duckdb_columns()`` show them). Beside
it, ``<snapshot name>_parquet/`` holds every published table as one Parquet file (zstd) and a
README.md of the tables and columns, for tools that read Parquet but not DuckDB files.

The snapshot is written to a temporary file beside the target, flushed to disk, and then
swapped in with one atomic rename. A reader that already has the old snapshot open keeps
reading it (on POSIX the old file lives on until it is closed); a new connection sees the new
one; nobody ever sees a half-written file. Publishing runs only after a successful build
(``scripts/build.sh``), and refuses a warehouse whose last dbt run recorded failures, or that was
written after the last recorded run (a build that died without recording, as dbt does on a
DuckDB fatal error), so a failed build leaves the last snapshot as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_PREFIXES = ("dim_", "fct_", "mart_")
DEFAULT_WAREHOUSE = Path("warehouse/etf_warehouse.duckdb")
DEFAULT_SNAPSHOT = Path("warehouse/published/etf_warehouse.duckdb")
FAILED_STATUSES = {"error", "fail", "runtime error"}
# dbt writes run_results.json as its last act; DuckDB's checkpoint at exit then touches the
# warehouse a fraction of a second later. A warehouse written this much later than the record
# was written by a run that left none: one that died (a DuckDB fatal error kills dbt before it
# records anything).
UNRECORDED_WRITE_SECONDS = 30.0


class PublishError(RuntimeError):
    """The warehouse cannot be published (not built, or its last build failed)."""


@dataclass(frozen=True)
class PublishResult:
    snapshot: Path
    tables: tuple[str, ...]
    rows: int
    published_at: str
    parquet: Path | None = None


def parquet_folder(snapshot: Path) -> Path:
    """Where the Parquet export of ``snapshot`` goes: ``<folder>/<snapshot stem>_parquet``."""
    return snapshot.with_name(f"{snapshot.stem}_parquet")


def _copy_comments(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """The build's table and column descriptions onto the snapshot's copies."""
    quote = lambda text: "'" + text.replace("'", "''") + "'"  # noqa: E731
    for name, comment in con.execute(
        "select table_name, comment from duckdb_tables()"
        " where database_name = 'build' and schema_name = 'main' and comment is not null"
    ).fetchall():
        if name in tables:
            con.execute(f'comment on table main."{name}" is {quote(comment)}')
    for name, column, comment in con.execute(
        "select table_name, column_name, comment from duckdb_columns()"
        " where database_name = 'build' and schema_name = 'main' and comment is not null"
    ).fetchall():
        if name in tables:
            con.execute(f'comment on column main."{name}"."{column}" is {quote(comment)}')


def _write_parquet(
    con: duckdb.DuckDBPyConnection, counts: dict[str, int], folder: Path, published_at: str
) -> None:
    """Every table of the snapshot being written (``con``'s main; ``counts``: its rows by table)
    and ``_snapshot``, as ``folder/<table>.parquet``, with a README.md of the tables, their rows
    and columns."""
    folder.mkdir(parents=True)
    lines = [
        "# The published marts as Parquet",
        "",
        f"Published {published_at} (UTC) from the same build as the DuckDB snapshot beside this",
        "folder; one file per table, zstd-compressed. Read them with any Parquet reader, e.g.",
        '`pyarrow.parquet.read_table("mart_latest_rankings.parquet")`,',
        "`pandas.read_parquet(...)` or DuckDB's `select * from 'mart_latest_rankings.parquet'`.",
        "Units and meanings are in each column's description below (the dbt docs).",
        "",
    ]
    for name, count in [*counts.items(), ("_snapshot", 1)]:
        con.execute(
            f'copy main."{name}" to ? (format parquet, compression zstd)',
            [str(folder / f"{name}.parquet")],
        )
        described = con.execute(
            "select comment from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main' and table_name = ?",
            [name],
        ).fetchall()
        lines += [f"## {name}.parquet", "", f"{count:,} rows."]
        if described and described[0][0]:
            lines += ["", " ".join(described[0][0].split())]
        lines += ["", "| column | type | description |", "|---|---|---|"]
        for column, kind, comment in con.execute(
            "select column_name, data_type, comment from duckdb_columns()"
            " where database_name = current_database() and schema_name = 'main'"
            " and table_name = ? order by column_index",
            [name],
        ).fetchall():
            text = " ".join((comment or "").split()).replace("|", "\\|")
            lines.append(f"| {column} | {kind} | {text} |")
        lines.append("")
    (folder / "README.md").write_text("\n".join(lines))


def _swap_in(new: Path, target: Path) -> None:
    """Put the folder ``new`` where ``target`` is (two renames; the old one then removed)."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def failed_nodes(run_results: Path) -> list[str]:
    """Nodes dbt recorded as failed in ``run_results.json`` (empty when the file is absent)."""
    if not run_results.is_file():
        return []
    results = json.loads(run_results.read_text()).get("results", [])
    return [r["unique_id"] for r in results if str(r.get("status")).lower() in FAILED_STATUSES]


def unrecorded_run(warehouse: Path, run_results: Path) -> str | None:
    """Why ``run_results`` cannot vouch for ``warehouse``, or None when it can."""
    if not run_results.is_file():
        return (
            f"no record of a dbt run at {run_results}: run `dbt build` (or pass the"
            " --run-results of the build that wrote the warehouse)"
        )
    written = max(
        (p.stat().st_mtime for p in (warehouse, Path(f"{warehouse}.wal")) if p.is_file()),
        default=0.0,
    )
    if written - run_results.stat().st_mtime > UNRECORDED_WRITE_SECONDS:
        return (
            f"{warehouse} was written after dbt last recorded a run in {run_results}: the last"
            " build stopped before recording its results (a crash, such as a DuckDB fatal"
            " error, or an interrupted run); run `dbt build` again"
        )
    return None


def publish_snapshot(
    warehouse: Path, snapshot: Path, *, run_results: Path | None = None, parquet: bool = True
) -> PublishResult:
    """Copy the query-facing tables of ``warehouse`` into ``snapshot``, atomically (and, with
    ``parquet``, into the Parquet folder beside it: :func:`parquet_folder`).

    Parameters
    ----------
    warehouse:
        The DuckDB file ``dbt build`` wrote (opened read-only).
    snapshot:
        The file readers connect to; replaced in one rename.
    run_results:
        dbt's ``run_results.json`` of the build; publishing stops if it lists a failure, is
        missing, or is older than the warehouse's last write (a build that died unrecorded).
    """
    if (
        run_results is not None
        and warehouse.is_file()
        and (problem := unrecorded_run(warehouse, run_results))
    ):
        raise PublishError(f"{problem}; the snapshot {snapshot} was left as it was")
    if run_results is not None and (failures := failed_nodes(run_results)):
        shown = ", ".join(failures[:5]) + (" ..." if len(failures) > 5 else "")
        raise PublishError(
            f"the last dbt run failed ({len(failures)} node(s): {shown}); "
            f"the snapshot {snapshot} was left as it was"
        )
    if not warehouse.is_file():
        raise PublishError(f"no warehouse at {warehouse}: run `dbt build` first")
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    tmp = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.tmp")
    tmp_parquet = snapshot.with_name(f".{parquet_folder(snapshot).name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(tmp_parquet, ignore_errors=True)
    published_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with duckdb.connect(str(tmp)) as con:
            con.execute("attach ? as build (read_only)", [str(warehouse)])
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from information_schema.tables"
                    " where table_catalog = 'build' and table_schema = 'main'"
                    " and table_type = 'BASE TABLE' order by table_name"
                ).fetchall()
                if name.startswith(PUBLISHED_PREFIXES)
            ]
            if not tables:
                raise PublishError(f"{warehouse} has no dim_/fct_/mart_ tables: build it first")
            counts = {}
            for name in tables:
                con.execute(f'create table main."{name}" as select * from build.main."{name}"')
                ((count,),) = con.execute(f'select count(*) from main."{name}"').fetchall()
                counts[name] = int(count)
            rows = sum(counts.values())
            _copy_comments(con, tables)
            con.execute("detach build")
            con.execute(
                "create table main._snapshot as select ?::timestamptz as published_at,"
                " ? as source_warehouse, ?::varchar[] as tables, ?::bigint as total_rows",
                [published_at, str(warehouse.resolve()), tables, rows],
            )
            con.execute("checkpoint")
            if parquet:
                _write_parquet(con, counts, tmp_parquet, published_at)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, snapshot)
        if parquet:
            _swap_in(tmp_parquet, parquet_folder(snapshot))
        directory = os.open(snapshot.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(tmp_parquet, ignore_errors=True)
    return PublishResult(
        snapshot, tuple(tables), rows, published_at, parquet_folder(snapshot) if parquet else None
    )

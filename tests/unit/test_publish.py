"""Publishing the read-only snapshot (etf_warehouse.publish)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import duckdb
import pytest

from etf_warehouse.publish import PublishError, failed_nodes, publish_snapshot


def _warehouse(path: Path, value: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create table mart_scores as select ? as score", [value])
        con.execute("create table dim_etfs as select 'AAA' as ticker")
        con.execute("create table int_private as select 1 as x")  # not published
        con.execute("create view mart_view as select * from mart_scores")  # views are not copied
    return path


def _run_results(path: Path, statuses: list[str]) -> Path:
    results = [{"unique_id": f"model.x.m{i}", "status": s} for i, s in enumerate(statuses)]
    path.write_text(json.dumps({"results": results}))
    return path


def test_publishes_only_query_facing_tables_with_a_stamp(tmp_path):
    snapshot = tmp_path / "published" / "snap.duckdb"
    result = publish_snapshot(_warehouse(tmp_path / "w.duckdb", 1), snapshot)
    assert result.tables == ("dim_etfs", "mart_scores")
    assert result.rows == 2
    with duckdb.connect(str(snapshot), read_only=True) as con:
        names = {
            n for (n,) in con.execute("select table_name from information_schema.tables").fetchall()
        }
        assert names == {"dim_etfs", "mart_scores", "_snapshot"}
        ((tables, rows),) = con.execute("select tables, total_rows from _snapshot").fetchall()
        assert tables == ["dim_etfs", "mart_scores"] and rows == 2
    # no temp left: the snapshot and its Parquet folder
    assert sorted(p.name for p in snapshot.parent.iterdir()) == ["snap.duckdb", "snap_parquet"]


def test_a_reader_keeps_its_snapshot_while_a_new_one_is_swapped_in(tmp_path):
    snapshot = tmp_path / "snap.duckdb"
    publish_snapshot(_warehouse(tmp_path / "w1.duckdb", 1), snapshot)
    reader = duckdb.connect(str(snapshot), read_only=True)
    try:
        publish_snapshot(_warehouse(tmp_path / "w2.duckdb", 2), snapshot)
        assert reader.execute("select score from mart_scores").fetchall() == [(1,)]
    finally:
        reader.close()
    with duckdb.connect(str(snapshot), read_only=True) as con:
        assert con.execute("select score from mart_scores").fetchall() == [(2,)]


def test_a_failed_build_is_not_published(tmp_path):
    snapshot = tmp_path / "snap.duckdb"
    publish_snapshot(_warehouse(tmp_path / "w1.duckdb", 1), snapshot)
    before = snapshot.read_bytes()
    failed = _run_results(tmp_path / "run_results.json", ["success", "error", "pass", "fail"])
    assert failed_nodes(failed) == ["model.x.m1", "model.x.m3"]
    with pytest.raises(PublishError, match="2 node"):
        publish_snapshot(_warehouse(tmp_path / "w2.duckdb", 2), snapshot, run_results=failed)
    assert snapshot.read_bytes() == before


def test_missing_or_empty_warehouse_is_refused(tmp_path):
    with pytest.raises(PublishError, match="no warehouse"):
        publish_snapshot(tmp_path / "absent.duckdb", tmp_path / "snap.duckdb")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    with pytest.raises(PublishError, match="no dim_/fct_/mart_ tables"):
        publish_snapshot(tmp_path / "empty.duckdb", tmp_path / "snap.duckdb")
    assert not (tmp_path / "snap.duckdb").exists()
    assert failed_nodes(tmp_path / "no_run_results.json") == []


def test_a_build_that_died_unrecorded_is_not_published(tmp_path):
    """A DuckDB fatal error kills dbt before it writes run_results.json: the record on disk is
    the previous build's, all successes, while the warehouse holds the dead build's tables."""
    snapshot = tmp_path / "snap.duckdb"
    warehouse = _warehouse(tmp_path / "w.duckdb", 1)
    record = _run_results(tmp_path / "run_results.json", ["success", "pass"])
    publish_snapshot(warehouse, snapshot, run_results=record)  # recorded: published
    before = snapshot.read_bytes()
    an_hour_ago = time.time() - 3600
    os.utime(record, (an_hour_ago, an_hour_ago))  # the last record predates the last write
    with pytest.raises(PublishError, match="stopped before recording"):
        publish_snapshot(warehouse, snapshot, run_results=record)
    with pytest.raises(PublishError, match="no record of a dbt run"):
        publish_snapshot(warehouse, snapshot, run_results=tmp_path / "absent.json")
    assert snapshot.read_bytes() == before


def test_the_parquet_export_round_trips_with_an_independent_reader(tmp_path):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table mart_rankings as select 'T' || i as ticker, (i * 0.5)::double as score,"
            " date '2024-01-01' + i::int as as_of_date from range(1000) t(i)"
        )
        con.execute("comment on table mart_rankings is 'One row per fund.'")
        con.execute("comment on column mart_rankings.score is 'The score, 0-100 (points).'")
        con.execute("create table dim_etfs as select 'AAA' as ticker")
    snapshot = tmp_path / "published" / "snap.duckdb"
    result = publish_snapshot(warehouse, snapshot)
    assert result.parquet == tmp_path / "published" / "snap_parquet"
    files = sorted(p.name for p in result.parquet.iterdir())
    assert files == ["README.md", "_snapshot.parquet", "dim_etfs.parquet", "mart_rankings.parquet"]
    table = pq.read_table(result.parquet / "mart_rankings.parquet")
    assert table.num_rows == 1000
    assert pc.sum(table["score"]).as_py() == 0.5 * 999 * 1000 / 2
    with duckdb.connect(str(snapshot), read_only=True) as con:
        ((total,),) = con.execute("select sum(score) from mart_rankings").fetchall()
        comments = dict(
            con.execute(
                "select column_name, comment from duckdb_columns()"
                " where table_name = 'mart_rankings' and comment is not null"
            ).fetchall()
        )
        ((table_comment,),) = con.execute(
            "select comment from duckdb_tables() where table_name = 'mart_rankings'"
        ).fetchall()
    assert total == pc.sum(table["score"]).as_py()
    assert comments == {"score": "The score, 0-100 (points)."}
    assert table_comment == "One row per fund."
    readme = (result.parquet / "README.md").read_text()
    assert "## mart_rankings.parquet" in readme and "1,000 rows." in readme
    assert "| score | DOUBLE | The score, 0-100 (points). |" in readme


def test_a_second_publish_replaces_the_parquet_folder(tmp_path):
    snapshot = tmp_path / "published" / "snap.duckdb"
    publish_snapshot(_warehouse(tmp_path / "w1.duckdb", 1), snapshot)
    (tmp_path / "published" / "snap_parquet" / "stale.parquet").write_text("x")
    publish_snapshot(_warehouse(tmp_path / "w2.duckdb", 2), snapshot)
    folder = tmp_path / "published" / "snap_parquet"
    assert not (folder / "stale.parquet").exists()
    assert sorted(p.name for p in snapshot.parent.iterdir()) == ["snap.duckdb", "snap_parquet"]
    with duckdb.connect() as con:
        rows = con.execute(f"select score from '{folder / 'mart_scores.parquet'}'").fetchall()
    assert rows == [(2,)]

"""Row-for-row comparison of two warehouses (etf_warehouse.compare.compare_tables)."""

from __future__ import annotations

import duckdb

from etf_warehouse import compare
from etf_warehouse.compare import compare_tables, comparison_connection


def _warehouse(path, root, closes, extra_table=None):
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table prices (ticker varchar, close double, source_file varchar,"
            " ingest_batch integer)"
        )
        for i, close in enumerate(closes):
            con.execute(
                "insert into prices values ('AAA', ?, ?, ?)", [close, f"{root}/AAA.txt", i + 7]
            )
        con.execute("create view prices_view as select * from prices")
        if extra_table:
            con.execute(f"create table {extra_table} as select 1 as x")


def test_same_rows_in_other_folders_compare_equal_and_changes_are_counted(tmp_path):
    _warehouse(tmp_path / "a.duckdb", "/data/a", [1.0, 2.0], extra_table="only_a")
    _warehouse(tmp_path / "b.duckdb", "/data/b", [1.0, 2.0], extra_table="only_b")
    _warehouse(tmp_path / "c.duckdb", "/data/b", [1.0, 2.5])

    same = compare_tables(
        tmp_path / "a.duckdb", tmp_path / "b.duckdb", text_roots=("/data/a", "/data/b")
    )
    assert same["compared"] == ["prices"]  # views are skipped, ingest_batch ignored
    assert same["differing"] == {}
    assert (same["only_first"], same["only_second"]) == (["only_a"], ["only_b"])

    unmasked = compare_tables(tmp_path / "a.duckdb", tmp_path / "b.duckdb", ["prices"])
    assert unmasked["differing"] == {"prices": {"first_only": 2, "second_only": 2}}

    changed = compare_tables(tmp_path / "b.duckdb", tmp_path / "c.duckdb", ["prices"])
    assert changed["differing"] == {"prices": {"first_only": 1, "second_only": 1}}


def test_the_comparison_is_held_to_the_build_memory_limit_and_spills(tmp_path, monkeypatch):
    # without a limit DuckDB takes 80 % of the machine (one 3,000-fund table: 20.4 GB of RSS)
    monkeypatch.setattr(compare, "MEMORY_LIMIT", "512MB")
    with comparison_connection(tmp_path / "spill") as con:
        limit, spill = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    assert limit == "488.2 MiB"
    assert spill == str(tmp_path / "spill")
    # a comparison under the limit (DuckDB spills to that folder what does not fit; at 3,000
    # funds one table peaked at 4.3 GB of RSS against 20.4 GB without the limit)
    for name, changed in (("a", 0), ("b", 1)):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as con:
            con.execute(
                "create table rows as select i, md5(i::varchar) as text"
                f" from range(200000) t(i) where i >= {changed}"
            )
    result = compare_tables(tmp_path / "a.duckdb", tmp_path / "b.duckdb", ["rows"])
    assert result["differing"] == {"rows": {"first_only": 1, "second_only": 0}}
    assert not list(tmp_path.glob("etfw-compare-*"))  # the spill folder is removed

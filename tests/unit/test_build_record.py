"""The build record a live refresh compares with: the files that shape a table, and the
pipeline's refusal to refresh a warehouse built from other code."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from etf_warehouse.live import LiveError, LivePipeline
from etf_warehouse.live.build_record import code_changes, code_files


def _project(root):
    project, library = root / "project", root / "project" / "etf_warehouse"
    for path, text in {
        "models/staging/a.sql": "select 1",
        "models/staging/a.yml": "models: []",
        "models/docs/overview.md": "words",  # docs shape no table
        "python_models/risk/b.py": "def model(dbt, session): ...",
        "macros/m.sql": "{% macro m() %}{% endmacro %}",
        "seeds/s.csv": "a\n1",
        "tests/dbt/t.sql": "select 1",  # tests shape no table
        "dbt_project.yml": "name: x",
        "README.md": "words",
        "etf_warehouse/risk/garch.py": "x = 1",
        "etf_warehouse/dashboard/app.py": "y = 2",  # the dashboard writes no table
    }.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    return project, library


def test_code_files_lists_what_shapes_a_table(tmp_path):
    project, library = _project(tmp_path)
    files = code_files(project, library)
    assert files["file_path"].tolist() == [
        "library/risk/garch.py",
        "project/dbt_project.yml",
        "project/macros/m.sql",
        "project/models/staging/a.sql",
        "project/models/staging/a.yml",
        "project/python_models/risk/b.py",
        "project/seeds/s.csv",
    ]
    assert files["sha256"].str.fullmatch("[0-9a-f]{64}").all()


def test_code_changes_names_each_changed_added_and_gone_file(tmp_path):
    project, library = _project(tmp_path)
    built = code_files(project, library)
    assert code_changes(built, code_files(project, library)) == []
    (project / "macros/m.sql").write_text("{% macro m() %}1{% endmacro %}")
    (library / "risk/garch.py").unlink()
    (project / "models/staging/c.sql").write_text("select 2")
    (project / "README.md").write_text("other words")  # not recorded: no change
    assert code_changes(built, code_files(project, library)) == [
        "library/risk/garch.py is gone",
        "project/macros/m.sql changed",
        "project/models/staging/c.sql was added",
    ]


def test_the_projects_own_files_are_recorded():
    files = code_files()
    assert {
        "project/dbt_project.yml",
        "project/models/marts/quality/build_settings.sql",
        "project/python_models/inputs/build_code_files.py",
        "library/live/build_record.py",
    } <= set(files["file_path"])
    assert not files["file_path"].str.startswith("library/dashboard/").any()


def _warehouse(path, record: pd.DataFrame | None):
    with duckdb.connect(str(path)) as con:
        con.execute("create table mart_latest_rankings (as_of_date date, ticker varchar)")
        if record is not None:
            con.register("record", record)
            con.execute("create table build_code_files as select * from record")


def _pending(tmp_path):
    prices = tmp_path / "prices"
    prices.mkdir()
    (prices / "day-1.csv").write_text("date,ticker,close\n")
    return {"prices_path": str(prices / "*.csv"), "prices_format": "long"}


def test_a_refresh_stops_when_the_code_changed_since_the_full_build(tmp_path):
    record = code_files()
    record.loc[record["file_path"] == "library/live/build_record.py", "sha256"] = "0" * 64
    _warehouse(tmp_path / "w.duckdb", record)
    pipeline = LivePipeline(_pending(tmp_path), warehouse=tmp_path / "w.duckdb")
    assert pipeline.code_changes() == ["library/live/build_record.py changed"]
    with pytest.raises(LiveError, match=r"library/live/build_record\.py changed.*full build"):
        pipeline.refresh(publish=False)


def test_a_refresh_stops_on_a_warehouse_without_a_build_record(tmp_path):
    _warehouse(tmp_path / "w.duckdb", None)
    pipeline = LivePipeline(_pending(tmp_path), warehouse=tmp_path / "w.duckdb")
    with pytest.raises(LiveError, match="records no build code"):
        pipeline.refresh(publish=False)


def test_the_same_code_passes_the_check(tmp_path):
    _warehouse(tmp_path / "w.duckdb", code_files())
    pipeline = LivePipeline(_pending(tmp_path), warehouse=tmp_path / "w.duckdb")
    assert pipeline.code_changes() == []

"""The live pipeline: days landed one at a time and refreshed incrementally equal a full build.

Writes a small sample market as files (history plus the last days held back), builds the
history, lands two days one by one through the live refresh (``etf_warehouse.live``), then
builds the same files from scratch and compares every table the refresh ran, row for row.
Both builds are of what a refresh runs and its ancestors (``LIVE_PATH``): the portfolio,
backtest and risk marts are the full build's alone.
"""

from __future__ import annotations

import pytest

from etf_warehouse.live import LIVE_PATH, LivePipeline, prepare_replay
from etf_warehouse.sample import SampleConfig
from tests.e2e.live_checks import compare_with_rebuild, land_and_refresh


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    work = tmp_path_factory.mktemp("live")
    # with a macro file that each landed day extends, as a daily `etfw download-macro` would
    files = prepare_replay(SampleConfig(n_etfs=30, years=6), work, n_days=2, macro=True)
    pipeline = LivePipeline(files.dbt_vars, warehouse=work / "live.duckdb", echo=print)
    pipeline.full_build(select=LIVE_PATH)
    return work, files, pipeline, land_and_refresh(files, pipeline)


def test_each_landed_day_reaches_the_latest_rankings(replayed):
    _, files, pipeline, results = replayed
    assert [r.latest_date for r in results] == [f"{d:%Y-%m-%d}" for d in files.days]
    assert all(len(r.new_files) == 1 for r in results)
    assert pipeline.pending_files() == []


def test_a_refresh_with_nothing_new_runs_nothing(replayed):
    _, files, pipeline, _ = replayed
    result = pipeline.refresh(publish=False)
    assert result.models == [] and result.new_files == []
    assert result.latest_date == f"{files.days[-1]:%Y-%m-%d}"


def test_live_refresh_equals_a_full_rebuild(replayed):
    work, files, _, results = replayed
    report = compare_with_rebuild(work, files, results)
    assert {
        "mart_latest_rankings",
        "mart_etf_rankings",
        "ml_forecasts",
        "garch_volatility",
        "beta_kalman",
        "int_prices_validated",
        "fct_daily_prices",
        "mart_macro_state",
        "int_market_context_multipliers",
    } <= set(report["compared"])
    assert report["differing"] == {}


def test_a_changed_setting_stops_the_refresh_before_any_model_runs(replayed):
    import duckdb

    from etf_warehouse.live import LiveError

    work, files, _, _ = replayed
    # a new file is pending, and the var differs from the full build's (10000)
    pending = files.landing / "day-pending.csv"
    pending.write_text(sorted(files.landing.glob("day-*.csv"))[-1].read_text())
    changed = LivePipeline(
        {**files.dbt_vars, "min_traded_value": 20000}, warehouse=work / "live.duckdb", echo=print
    )
    try:
        with pytest.raises(
            LiveError, match=r"min_traded_value: built with 10000, now 20000(.|\n)*full build"
        ):
            changed.refresh(publish=False)
        with duckdb.connect(str(work / "live.duckdb"), read_only=True) as con:
            ingested = con.execute(
                "select count(*) from input_files where file_path = ?", [str(pending)]
            ).fetchone()[0]
        assert ingested == 0
    finally:
        pending.unlink()


def test_a_changed_ingested_file_stops_the_refresh(replayed):
    from etf_warehouse.live import LiveError

    _, files, pipeline, _ = replayed
    landed = sorted(files.landing.glob("day-*.csv"))[-1]
    landed.write_text(landed.read_text() + landed.read_text().splitlines()[1] + "\n")
    with pytest.raises(LiveError, match="changed since it was ingested"):
        pipeline.refresh(publish=False)

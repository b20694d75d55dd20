"""The live refresh on real files equals a full build (the 40 real Stooq funds beside the
project, skipped where absent).

test_live.py replays the project's own sample; real files have what it lacks: listings
staggered over decades, funds whose files end on different days, thin and leveraged funds. The
files are rewritten as a replay (``prepare_file_replay``: the last two trading days held back),
the refresh's own models are built on the history, the two days are landed one at a time, and
the refreshed tables are compared row for row with a build on all the files.
"""

from __future__ import annotations

import pytest

from etf_warehouse.live import LIVE_PATH, LivePipeline, prepare_file_replay
from tests.e2e.live_checks import compare_with_rebuild, land_and_refresh

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def replayed(stooq_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("live_real")
    files = prepare_file_replay(
        str(stooq_dir / "*.txt"),
        work,
        2,
        universe_path=str(stooq_dir.parent / "stooq_us_etfs_universe.csv"),
    )
    pipeline = LivePipeline(files.dbt_vars, warehouse=work / "live.duckdb", echo=print)
    pipeline.full_build(select=LIVE_PATH)
    results = land_and_refresh(files, pipeline)
    return files, results, compare_with_rebuild(work, files, results)


def test_each_real_day_reaches_the_latest_rankings(replayed):
    files, results, _ = replayed
    assert [r.latest_date for r in results] == [f"{d:%Y-%m-%d}" for d in files.days]
    assert all(r.top_ticker for r in results)


def test_live_refresh_of_real_files_equals_a_full_rebuild(replayed):
    _, _, report = replayed
    assert {
        "mart_latest_rankings",
        "mart_etf_rankings",
        "ml_forecasts",
        "garch_volatility",
        "beta_kalman",
        "int_scoring_universe",
        "int_signal_forward_returns",
        "fct_daily_prices",
    } <= set(report["compared"])
    assert report["differing"] == {}

"""End to end on the real Stooq ETF files beside the project (skipped where absent)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tests.conftest import STOOQ_UNIVERSE
from tests.e2e.backtest_checks import (
    POINT_IN_TIME_STRATEGIES,
    check_nav_reproduces,
    check_summary,
)
from tests.e2e.dbt_runner import DbtResult, dbt_build

pytestmark = pytest.mark.e2e

TRUNCATE_AT = "2014-06-30"


def stooq_vars(prices_dir: Path, *, universe: bool = True) -> dict:
    out = {"prices_path": str(prices_dir / "*.txt"), "prices_format": "stooq"}
    if universe:
        out["universe_path"] = str(STOOQ_UNIVERSE)
    return out


@pytest.fixture(scope="module")
def stooq_build(stooq_dir, tmp_path_factory) -> DbtResult:
    return dbt_build(tmp_path_factory.mktemp("stooq"), stooq_vars(stooq_dir))


def test_every_line_of_every_file_is_accounted_for(stooq_build, stooq_dir):
    lines_in_files = {
        path.name.split(".")[0].upper(): len(path.read_text().splitlines()) - 1
        for path in stooq_dir.glob("*.txt")
    }
    counted = dict(
        stooq_build.query(
            """
            select ticker, count(*) from (
                select ticker from fct_daily_prices
                union all
                select ticker from fct_price_quarantine
            ) group by ticker
            """
        )
    )
    assert counted == lines_in_files


def test_source_line_points_at_the_line_in_the_file(stooq_build, stooq_dir):
    rng = random.Random(7)
    rows = stooq_build.query("select source_file, source_line, date, close from fct_daily_prices")
    for source_file, source_line, day, close in rng.sample(rows, 200):
        line = Path(source_file).read_text().splitlines()[source_line - 1].split(",")
        assert line[0] == day.strftime("%Y%m%d")
        assert float(line[4]) == close


def test_returns_match_the_adjusted_closes(stooq_build):
    # Stooq files are already split- and dividend-adjusted: returns are plain close ratios.
    (worst,) = stooq_build.query(
        """
        select max(abs(daily_return - (close / lag_close - 1))) from (
            select daily_return, close, lag(close) over (partition by ticker order by date)
                as lag_close
            from fct_daily_prices
        ) where lag_close is not null
        """
    )[0]
    assert worst < 1e-12
    assert stooq_build.query("select count(*) from fct_corporate_actions") == [(0,)]


def test_metadata_is_used(stooq_build):
    rows = dict(
        stooq_build.query("select ticker, asset_class || '/' || risk_category from dim_etfs")
    )
    assert rows["SPY"] == "equity/high"
    assert rows["TLT"] == "fixed_income/moderate"
    assert rows["TQQQ"] == "equity/very_high"
    assert stooq_build.query(
        "select count(*) from dim_etfs where asset_class_source = 'inferred'"
    ) == [(0,)]


def test_without_metadata_asset_classes_are_inferred(stooq_dir, tmp_path):
    # the funds' classes only: the whole build without metadata runs in
    # test_build_real_universe.py (340 real funds, through the rankings) and in
    # test_corrupt_inputs.py (unseen layouts, every model)
    build = dbt_build(
        tmp_path, stooq_vars(stooq_dir, universe=False), select="+dim_etfs", cautious=True
    )
    rows = dict(build.query("select ticker, asset_class || '/' || leverage from dim_etfs"))
    assert rows["SPY"] == "equity/1.0"
    assert rows["TQQQ"] == "equity/3.0"
    assert rows["SQQQ"] == "equity/-3.0"
    assert rows["IEF"] == "fixed_income/1.0"
    assert build.query("select count(*) from dim_etfs where asset_class_source != 'inferred'") == [
        (0,)
    ]


def test_truncating_the_data_changes_nothing_before_the_cut(stooq_build, stooq_dir, tmp_path):
    """Point-in-time: remove every row after T, rebuild, compare everything dated <= T."""
    cut = TRUNCATE_AT.replace("-", "")
    truncated = tmp_path / "truncated"
    truncated.mkdir()
    for path in stooq_dir.glob("*.txt"):
        lines = path.read_text().splitlines()
        kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] <= cut]
        if len(kept) > 1:
            (truncated / path.name).write_text("\n".join(kept) + "\n")
    shutil.copy(STOOQ_UNIVERSE, tmp_path / "universe.csv")
    short = dbt_build(tmp_path / "build", stooq_vars(truncated))

    def rows(build: DbtResult, table: str, date_column: str) -> list[tuple]:
        columns = [
            c
            for (c,) in build.query(
                f"select column_name from information_schema.columns where table_name = '{table}'"
                " and column_name not in ('source_file')"
                " order by ordinal_position"
            )
        ]
        return build.query(
            f"select {', '.join(columns)} from {table} where {date_column} <= '{TRUNCATE_AT}'"
            " order by all"
        )

    for table, date_column in (
        ("fct_daily_prices", "date"),
        ("int_etf_features_daily", "price_date"),
        ("fct_price_quarantine", "date"),
        ("garch_volatility", "date"),
        ("beta_kalman", "price_date"),
        ("ml_forecasts", "price_date"),
        ("mart_etf_penalties", "as_of_date"),
        ("mart_etf_rankings", "as_of_date"),
        ("int_macro_state_daily", "date"),
        ("int_market_context_multipliers", "as_of_date"),
        ("factor_loadings", "as_of_date"),
        # the learned weights and every signal IC are dated by when their evidence is complete
        ("int_scoring_weights", "as_of_date"),
        ("mart_signal_ic", "as_of_date"),
    ):
        full_rows = rows(stooq_build, table, date_column)
        short_rows = rows(short, table, date_column)
        assert len(full_rows) == len(short_rows), table
        assert full_rows == short_rows, table

    # holdings and NAV of the strategies that do not look ahead on purpose (survivors-only
    # universes do); a rebalance on the cut itself has no execution date yet when truncated
    strategies = ", ".join(f"'{s}'" for s in POINT_IN_TIME_STRATEGIES)
    for query in (
        "select rebalance_date, strategy, ticker, target_weight, construction_method,"
        f" construction_status, case when execution_date <= '{TRUNCATE_AT}'"
        " then execution_date end from mart_portfolio_holdings"
        f" where rebalance_date <= '{TRUNCATE_AT}' and strategy in ({strategies}) order by all",
        "select strategy, date, nav, gross_return, net_return, cost, turnover, drawdown,"
        f" n_positions, cash_weight from mart_backtest_daily where date <= '{TRUNCATE_AT}'"
        f" and strategy in ({strategies}) order by all",
    ):
        full_rows, short_rows = stooq_build.query(query), short.query(query)
        assert len(full_rows) > 100
        assert full_rows == short_rows


def test_real_file_scores_spread_with_complete_components(stooq_build):
    ((worst, nulls, n_days),) = stooq_build.query(
        """
        with bands as (
            select as_of_date, any_value(n_eligible) as n_eligible, count(*) as n
            from mart_etf_rankings where is_eligible
            group by as_of_date, least(floor(composite_score / 20), 4)
        )
        select
            (select max(n::double / n_eligible) from bands),
            (select count(*) from mart_etf_rankings where is_eligible and (score_risk is null
                or score_momentum is null or score_forecast is null or score_volume is null)),
            (select count(distinct as_of_date) from bands)
        """
    )
    assert n_days > 2000
    assert worst <= 0.4
    assert nulls == 0


def test_spy_is_scored_with_a_market_beta_near_one(stooq_build):
    ((beta, vol),) = stooq_build.query(
        """
        select median(beta), median(garch_vol_ann) from mart_etf_rankings
        where ticker = 'SPY' and is_eligible
        """
    )
    assert 0.8 < beta < 1.3
    assert 0.08 < vol < 0.3


def test_spy_market_loading_on_fama_french_is_near_one(stooq_build):
    ((n, lowest, highest, r_squared),) = stooq_build.query(
        """
        select count(*), min(loading), max(loading), min(r_squared) from mart_factor_exposures
        where ticker = 'SPY' and factor = 'mkt_rf'
        """
    )
    assert n >= 100  # monthly estimates from 2008 to the end of the bundled factors (2018)
    assert lowest >= 0.9 and highest <= 1.1
    assert r_squared > 0.9


def test_market_context_on_real_files(stooq_build):
    """arch's US macro series drive the multipliers until they go stale (2019); there is no
    geopolitical index, so geo multipliers stay neutral; long Treasuries carry the rate risk."""
    ((geo_not_neutral, macro_active, macro_after_2019),) = stooq_build.query(
        """
        select count(*) filter (where geo_multiplier != 1),
            count(*) filter (where macro_multiplier != 1 and as_of_date < '2018-12-01'),
            count(*) filter (where macro_multiplier != 1 and as_of_date >= '2019-03-01')
        from mart_etf_rankings where is_eligible
        """
    )
    assert geo_not_neutral == 0 and macro_active > 1000 and macro_after_2019 == 0
    rows = dict(
        stooq_build.query(
            "select scenario, count(shocked_return) from mart_stress_tests group by scenario"
        )
    )
    assert rows["gfc"] > 0 and rows["equities_down_20"] > 0
    # the data ends in January 2020: nothing lived through the later windows, no FX factor
    assert rows["covid_crash"] == rows["ukraine_invasion"] == rows["aud_down_15"] == 0


def test_backtest_summary_on_real_files(stooq_build):
    rows = check_summary(stooq_build)
    assert rows["composite"][0] >= 60


def test_backtest_nav_reproduces_on_real_files(stooq_build):
    assert check_nav_reproduces(stooq_build, ("composite", "equal_weight")) < 1e-6

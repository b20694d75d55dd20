"""End to end: factor exposures, stress tests and the macro/geo multipliers on the sample.

Nine years of the embedded sample (2017-2025, 30 funds): the scoring history (from about 2020)
covers the 2022 rate shock and Russia's invasion of Ukraine, and most funds lived through the
COVID crash. A second build turns the market-context adjustment off.
"""

from __future__ import annotations

import pytest

from etf_warehouse.sample import SampleConfig, generate_sample_market
from tests.e2e.dbt_runner import DbtResult, dbt_build

pytestmark = pytest.mark.e2e

SAMPLE_VARS = {"sample_n_etfs": 30, "sample_years": 9}
UKRAINE = ("2022-02-24", "2022-03-15")
RATE_SHOCK = ("2022-01-03", "2022-10-14")
SCENARIOS = {
    "gfc",
    "covid_crash",
    "rate_shock_2022",
    "ukraine_invasion",
    "equities_down_20",
    "rates_up_200bp",
    "aud_down_15",
    "credit_spreads_up_300bp",
    "oil_up_50",
}


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> DbtResult:
    return dbt_build(tmp_path_factory.mktemp("context_on"), SAMPLE_VARS)


@pytest.fixture(scope="module")
def build_off(tmp_path_factory) -> DbtResult:
    return dbt_build(
        tmp_path_factory.mktemp("context_off"),
        {**SAMPLE_VARS, "market_context_adjustment": False},
    )


@pytest.fixture(scope="module")
def truth() -> dict[tuple[str, str], float]:
    market = generate_sample_market(SampleConfig(n_etfs=30, years=9))
    loadings = market.truth_loadings
    return {
        (t, f): v
        for t, f, v in zip(loadings["ticker"], loadings["factor"], loadings["loading"], strict=True)
    }


def test_market_loadings_recover_the_true_loadings(build, truth):
    rows = build.query(
        "select as_of_date, ticker, factor, loading from mart_factor_exposures"
        " where exposure_level = 'etf' and factor != 'alpha'"
    )
    assert len(rows) > 10_000
    market = [(t, v) for _, t, f, v in rows if f == "mkt_rf"]
    within = sum(abs(v - truth.get((t, "mkt_rf"), 0.0)) <= 0.1 for t, v in market) / len(market)
    assert within >= 0.85, f"market beta within 0.1 of the truth for only {within:.0%}"
    # every factor a fund truly loads on by 0.5 or more is recovered within 0.15 most of the time
    big = [(t, f, v) for _, t, f, v in rows if abs(truth.get((t, f), 0.0)) >= 0.5]
    close = sum(abs(v - truth[(t, f)]) <= 0.15 for t, f, v in big) / len(big)
    assert close >= 0.85, f"large loadings within 0.15 for only {close:.0%}"


def test_portfolio_exposures_are_weighted_fund_loadings(build):
    ((as_of, strategy, factor, loading, covered),) = build.query(
        """
        select as_of_date, strategy, factor, loading, weight_covered
        from mart_factor_exposures
        where exposure_level = 'portfolio' and strategy = 'composite' and factor = 'mkt_rf'
        order by as_of_date desc limit 1
        """
    )
    holdings = build.query(
        "select ticker, target_weight from mart_portfolio_holdings"
        f" where strategy = '{strategy}' and rebalance_date = '{as_of}'"
    )
    fund = dict(
        build.query(
            "select ticker, loading from mart_factor_exposures"
            f" where exposure_level = 'etf' and as_of_date = '{as_of}' and factor = '{factor}'"
        )
    )
    expected = sum(w * fund[t] for t, w in holdings if t in fund)
    assert loading == pytest.approx(expected, abs=1e-12)
    assert covered == pytest.approx(sum(w for t, w in holdings if t in fund), abs=1e-12)
    assert 0.5 < covered <= 1.0 + 1e-9


def test_stress_tests_hold_every_scenario_for_the_portfolio_and_every_eligible_fund(build):
    ((n_eligible,),) = build.query("select count(*) from mart_latest_rankings where is_eligible")
    rows = build.query(
        "select scenario, count(ticker), count(*) - count(ticker), count(shocked_return)"
        " from mart_stress_tests group by scenario"
    )
    assert {r[0] for r in rows} == SCENARIOS
    for scenario, n_funds, n_portfolio, n_values in rows:
        assert n_funds == n_eligible, scenario
        assert n_portfolio == 1, scenario
        if scenario == "gfc":
            # this sample starts in 2017: no fund, factor or analogue lived through 2008
            assert n_values == 0
        else:
            # every fund and the portfolio get a number (the sample has every factor)
            assert n_values == n_eligible + 1, scenario
    ((methods,),) = build.query(
        "select list(distinct method order by method) from mart_stress_tests where scenario = 'gfc'"
    )
    assert methods == ["not_available", "portfolio"]


def test_covid_crash_equities_lose_and_long_bonds_hold_up(build):
    rows = build.query(
        """
        select etfs.asset_class, etfs.sub_class, stress.shocked_return, stress.method
        from mart_stress_tests as stress
        inner join dim_etfs as etfs on stress.ticker = etfs.ticker
        where stress.scenario = 'covid_crash'
        """
    )
    plain_equity = [
        r for _, sub, r, _ in rows if sub.startswith(("au_broad", "us_broad", "global_dev"))
    ]
    long_bonds = [r for _, sub, r, _ in rows if sub == "au_government_long"]
    assert plain_equity and long_bonds
    assert max(plain_equity) < -0.15
    assert min(long_bonds) > -0.05
    assert min(long_bonds) > max(plain_equity) + 0.15
    assert {m for *_, m in rows} <= {"own_history", "factor_model", "asset_class_analogue"}


def test_ukraine_geo_multiplier_hits_exposed_funds_and_spares_defensives(build):
    rows = build.query(
        f"""
        select etfs.sub_class, etfs.region, max(rankings.geo_multiplier),
            min(rankings.geo_multiplier)
        from mart_etf_rankings as rankings
        inner join dim_etfs as etfs on rankings.ticker = etfs.ticker
        where rankings.as_of_date between '{UKRAINE[0]}' and '{UKRAINE[1]}'
        group by all
        """
    )
    exposed = [r for r in rows if r[1] in ("EM", "EU")]
    defensive = [r for r in rows if r[0] in ("au_government_short", "au_government_long", "cash")]
    assert len(exposed) >= 2 and len(defensive) >= 2
    assert all(highest < 1.0 for _, _, highest, _ in exposed), exposed
    assert all(lowest >= 1.0 for *_, lowest in defensive), defensive


def test_rate_shock_macro_multiplier_below_one_for_long_bonds(build):
    ((average, highest, n),) = build.query(
        f"""
        select avg(rankings.macro_multiplier), max(rankings.macro_multiplier), count(*)
        from mart_etf_rankings as rankings
        inner join dim_etfs as etfs on rankings.ticker = etfs.ticker
        where etfs.sub_class = 'au_government_long'
            and rankings.as_of_date between '2022-03-01' and '{RATE_SHOCK[1]}'
        """
    )
    assert n > 100
    assert highest < 1.0
    assert average < 0.9


def test_switching_the_adjustment_off_restores_the_plain_score_exactly(build, build_off):
    ((n_off, not_neutral),) = build_off.query(
        "select count(*), count(*) filter (where macro_multiplier != 1 or geo_multiplier != 1)"
        " from mart_etf_rankings"
    )
    assert n_off > 10_000 and not_neutral == 0
    columns = (
        "as_of_date, ticker, is_eligible, exclusion_reason, raw_score, penalty_points,"
        " score_risk, score_momentum, score_forecast, score_volume"
    )
    plain_on = build.query(
        f"select {columns}, composite_score_unadjusted from mart_etf_rankings order by all"
    )
    plain_off = build_off.query(
        f"select {columns}, composite_score from mart_etf_rankings order by all"
    )
    assert plain_on == plain_off
    # ... and the adjustment does move scores and ranks when it is on
    ((changed,),) = build.query(
        "select count(*) from mart_etf_rankings"
        " where is_eligible and composite_score != composite_score_unadjusted"
    )
    assert changed > 1000


def test_backtest_summary_compares_with_and_without_the_market_context(build, build_off):
    summary = dict(
        build.query(
            "select strategy, cagr from mart_backtest_summary"
            " where strategy in ('composite', 'composite_without_market_context')"
        )
    )
    assert set(summary) == {"composite", "composite_without_market_context"}
    ((effect,),) = build.query(
        "select market_context_effect_ann from mart_backtest_summary where strategy = 'composite'"
    )
    assert effect == pytest.approx(
        summary["composite"] - summary["composite_without_market_context"], abs=1e-15
    )
    ((effect_off,),) = build_off.query(
        "select market_context_effect_ann from mart_backtest_summary where strategy = 'composite'"
    )
    assert effect_off == 0.0
    # switched off, the two strategies rank by the same score: identical books and NAV
    navs = build_off.query(
        """
        select a.date, a.nav, b.nav from mart_backtest_daily as a
        inner join mart_backtest_daily as b
            on a.date = b.date and b.strategy = 'composite_without_market_context'
        where a.strategy = 'composite'
        """
    )
    assert len(navs) > 500
    assert all(x == y for _, x, y in navs)

"""The synthetic sample market generator (etf_warehouse.sample)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etf_warehouse.sample import SampleConfig, generate_sample_market
from etf_warehouse.sample import market as market_module
from etf_warehouse.sample.market import market_context
from etf_warehouse.sample.universe import SNAS_TICKER

SMALL = SampleConfig(n_etfs=20, years=4)
LARGE = SampleConfig(n_etfs=40, years=4)
CLEAN = SampleConfig(n_etfs=20, years=4, faults=False)
COVID = ("2020-02-20", "2020-03-23")
GFC = ("2007-11-01", "2009-03-09")


@pytest.fixture(scope="module")
def small():
    return generate_sample_market(SMALL)


@pytest.fixture(scope="module")
def large():
    return generate_sample_market(LARGE)


@pytest.fixture(scope="module")
def clean():
    return generate_sample_market(CLEAN)


@pytest.fixture(scope="module")
def default():
    """The default sample (150 funds, 20 years, signal 1, faults): about a second to generate."""
    return generate_sample_market(SampleConfig())


def fault_keys(market, *fault_types: str) -> pd.MultiIndex:
    faults = market.truth_faults
    rows = faults.loc[faults["fault_type"].isin(fault_types), ["ticker", "date"]]
    return pd.MultiIndex.from_frame(rows)


def row_keys(prices: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(prices[["ticker", "date"]])


def ticker_prices(market, ticker: str) -> pd.DataFrame:
    return market.prices.loc[market.prices["ticker"] == ticker].reset_index(drop=True)


# --- determinism and slot stability -------------------------------------------------------------


def test_equal_configs_give_identical_markets():
    config = SampleConfig(n_etfs=12, years=2, seed=11)
    first = generate_sample_market(config)
    # The generator caches per config; clear the caches so the second market is regenerated
    # from scratch rather than returned from the cache.
    market_module._generate.cache_clear()
    market_module.market_context.cache_clear()
    second = generate_sample_market(SampleConfig(n_etfs=12, years=2, seed=11))
    assert second is not first
    assert second.prices is not first.prices
    pd.testing.assert_frame_equal(first.prices, second.prices)
    pd.testing.assert_frame_equal(first.factors, second.factors)
    pd.testing.assert_frame_equal(first.truth_actions, second.truth_actions)
    pd.testing.assert_frame_equal(first.truth_faults, second.truth_faults)
    pd.testing.assert_frame_equal(first.etfs, second.etfs)


def test_a_different_seed_gives_different_prices():
    a = generate_sample_market(SampleConfig(n_etfs=12, years=2, seed=11))
    b = generate_sample_market(SampleConfig(n_etfs=12, years=2, seed=12))
    # Same funds, different paths.
    assert list(a.etfs["ticker"]) == list(b.etfs["ticker"])
    assert not a.prices.equals(b.prices)
    aeq_a, aeq_b = ticker_prices(a, "AEQ01.AX"), ticker_prices(b, "AEQ01.AX")
    n = min(len(aeq_a), len(aeq_b))
    assert not np.allclose(aeq_a["close"][:n], aeq_b["close"][:n])
    assert not np.allclose(a.factors["mkt_rf"], b.factors["mkt_rf"])


def test_slot_k_is_the_same_fund_whatever_n_etfs(small, large):
    small_tickers = market_context(SMALL).tickers
    large_tickers = market_context(LARGE).tickers
    assert len(small_tickers) == 20
    assert len(large_tickers) == 40
    assert large_tickers[:20] == small_tickers
    pd.testing.assert_frame_equal(small.truth_funds, large.truth_funds.iloc[:20])
    pd.testing.assert_frame_equal(small.factors, large.factors)

    common = sorted(set(small.prices["ticker"]) & set(large.prices["ticker"]))
    assert common == sorted(small_tickers)
    for ticker in common:
        pd.testing.assert_frame_equal(
            ticker_prices(small, ticker), ticker_prices(large, ticker), obj=ticker
        )
    extra = set(large.prices["ticker"]) - set(common)
    assert len(extra) >= 15


# --- calendar ----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["small", "default"])
def test_dates_are_asx_sessions(request, which):
    market = request.getfixturevalue(which)
    dates = market.dates
    assert dates.is_monotonic_increasing and dates.is_unique
    assert dates[-1] <= pd.Timestamp(market.config.end_date)
    assert dates[0] >= pd.Timestamp(market.config.end_date) - pd.DateOffset(
        days=round(market.config.years * 365.25)
    )
    assert (dates.day_of_week < 5).all()
    assert not ((dates.month == 12) & (dates.day == 25)).any()
    assert not ((dates.month == 1) & (dates.day == 26)).any()
    # About 252 sessions a year (weekends and ~9 public holidays removed).
    per_year = len(dates) / market.config.years
    assert 245 < per_year < 256
    price_dates = pd.DatetimeIndex(market.prices["date"].unique())
    assert price_dates.isin(dates).all()
    assert market.factors["date"].tolist() == list(dates)


# --- the SNAS.AX analogue ----------------------------------------------------------------------


def test_snas_analogue_needs_seven_funds():
    assert SNAS_TICKER == "SYNAS.AX"
    assert SNAS_TICKER not in market_context(SampleConfig(n_etfs=6, years=2)).tickers
    assert market_context(SampleConfig(n_etfs=7, years=2)).tickers[6] == SNAS_TICKER


@pytest.mark.parametrize("which", ["small", "large", "default"])
def test_snas_consolidation_is_undeclared_and_left_in_the_prices(request, which):
    market = request.getfixturevalue(which)
    assert SNAS_TICKER in set(market.etfs["ticker"])
    actions = market.truth_actions
    snas = actions.loc[
        (actions["ticker"] == SNAS_TICKER) & (actions["action_type"] != "distribution")
    ]
    assert len(snas) == 1
    action = snas.iloc[0]
    assert action["action_type"] == "consolidation"
    assert action["ratio"] == pytest.approx(0.1)
    assert not action["is_declared"]

    prices = ticker_prices(market, SNAS_TICKER)
    i = int(np.flatnonzero(prices["date"] == action["date"])[0])
    assert i > 0
    jump = prices["close"].iloc[i] / prices["close"].iloc[i - 1]
    assert 8.0 < jump < 12.0

    declared = market.corporate_actions
    assert not (
        (declared["ticker"] == SNAS_TICKER) & (declared["action_type"] == "consolidation")
    ).any()
    assert not (declared["date"].eq(action["date"]) & declared["ticker"].eq(SNAS_TICKER)).any()


def test_without_faults_the_snas_consolidation_is_declared(clean):
    declared = clean.corporate_actions
    snas = declared.loc[
        (declared["ticker"] == SNAS_TICKER) & (declared["action_type"] == "consolidation")
    ]
    assert snas["ratio"].tolist() == [pytest.approx(0.1)]
    assert clean.truth_actions["is_declared"].all()


# --- faults --------------------------------------------------------------------------------------


def test_faults_are_injected_and_logged(small):
    kinds = set(small.truth_faults["fault_type"])
    assert {"bad_tick", "zero_price", "duplicate_exact", "missing_day"} <= kinds
    assert list(small.truth_faults.columns) == ["ticker", "date", "fault_type", "detail"]


def test_bad_ticks_lie_outside_the_day_range(small):
    keys = fault_keys(small, "bad_tick")
    assert len(keys) >= 1
    rows = small.prices.loc[row_keys(small.prices).isin(keys)]
    assert len(rows) >= len(keys)
    outside = (rows["close"] > rows["high"]) | (rows["close"] < rows["low"])
    assert outside.all(), rows


def test_zero_price_rows_have_a_zero_close(small):
    keys = fault_keys(small, "zero_price")
    rows = small.prices.loc[row_keys(small.prices).isin(keys)]
    assert len(rows) >= 1
    assert (rows["close"] == 0).all()
    others = small.prices.loc[~row_keys(small.prices).isin(keys)]
    assert (others["close"] > 0).all()


def test_duplicates_are_repeated_rows(small):
    prices = small.prices
    duplicated = prices.duplicated(["ticker", "date"], keep=False)
    assert duplicated.any()
    dup_keys = row_keys(prices.loc[duplicated])
    exact = fault_keys(small, "duplicate_exact")
    assert len(exact) >= 1
    assert exact.isin(dup_keys).all()
    # Exact duplicates repeat the whole row.
    full_dups = prices.loc[prices.duplicated(keep=False)]
    assert exact.isin(row_keys(full_dups)).all()
    logged = fault_keys(small, "duplicate_exact", "duplicate_conflicting")
    assert set(dup_keys) == set(logged)


def test_missing_days_are_absent(small):
    missing = fault_keys(small, "missing_day")
    assert len(missing) >= 1
    assert not missing.isin(row_keys(small.prices)).any()


def test_clean_market_has_no_faults(clean):
    prices = clean.prices
    assert not prices.duplicated(["ticker", "date"]).any()
    assert (prices["close"] > 0).all()
    assert clean.truth_faults.empty
    assert prices.equals(prices.sort_values(["ticker", "date"], ignore_index=True))


def test_faults_change_only_the_logged_rows(small, clean):
    # The faulty market is the clean one damaged after the fact: away from the rows the fault log
    # names, every row is identical. Two faults span several rows and are logged once: the
    # outage (a run of missing sessions) and the stale run (no trades, so flat OHLC); their
    # funds are left out of the comparison.
    logged = fault_keys(
        small, "bad_tick", "zero_price", "duplicate_exact", "duplicate_conflicting", "missing_day"
    )
    runs = small.truth_faults.loc[small.truth_faults["fault_type"].isin(["stale_run", "outage"])]
    skip = set(runs["ticker"])
    assert len(skip) == 2

    def comparable(prices: pd.DataFrame) -> pd.DataFrame:
        keep = ~row_keys(prices).isin(logged) & ~prices["ticker"].isin(skip)
        return prices.loc[keep].reset_index(drop=True)

    a, b = comparable(small.prices), comparable(clean.prices)
    assert len(a) > 0.8 * len(clean.prices)
    pd.testing.assert_frame_equal(a, b)


# --- OHLC sanity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["small", "large", "clean"])
def test_ohlc_is_consistent_outside_price_faults(request, which):
    market = request.getfixturevalue(which)
    prices = market.prices
    faulty = row_keys(prices).isin(fault_keys(market, "bad_tick", "zero_price"))
    ok = prices.loc[~faulty]
    assert (ok["low"] <= ok[["open", "close"]].min(axis=1)).all()
    assert (ok["high"] >= ok[["open", "close"]].max(axis=1)).all()
    assert (ok["low"] > 0).all()
    assert (prices["volume"] >= 0).all()
    assert prices["volume"].dtype == np.int64
    stale = prices.loc[prices["volume"] == 0]
    assert len(stale) > 0
    assert (stale["open"] == stale["close"]).all()
    assert (stale["high"] == stale["close"]).all()
    assert (stale["low"] == stale["close"]).all()
    # A traded day normally has a range.
    traded = ok.loc[ok["volume"] > 0]
    assert (traded["high"] > traded["low"]).mean() > 0.99


# --- signal knob ---------------------------------------------------------------------------------


def test_history_and_alpha_scale():
    assert SampleConfig(signal_strength=0).history_scale == 0
    assert SampleConfig(signal_strength=0).alpha_scale == 0
    assert SampleConfig(signal_strength=0.5).history_scale == 0.5
    assert SampleConfig().history_scale == 1.0
    assert SampleConfig(signal_strength=2.5).history_scale == 1.0
    assert SampleConfig(signal_strength=2.5).alpha_scale == 2.5


def covid_mean_mkt(seed: int, signal: float) -> float:
    # years=6 ends 2025-12-31, so it starts on 2020-01-01 and holds the COVID crash.
    config = SampleConfig(n_etfs=1, years=6, seed=seed, signal_strength=signal)
    factors = market_context(config).history.factors
    return float(factors.loc[COVID[0] : COVID[1], "mkt_rf"].mean())


def test_null_market_has_no_scripted_crash():
    # Signal 1: the crash is scripted as a -0.44 log move over the 23 sessions of the window and
    # the noise is pinned to net zero over the episode, so the mean is -0.44 / 23 + premium
    # = -0.0189 per day for every seed (measured: -0.01889). Threshold -0.015 leaves margin.
    # Signal 0: only (unpinned) noise remains. At the crisis volatility (4 x 13 % a year) the
    # mean of 23 sessions has a standard deviation of about 0.006 per day across seeds
    # (measured 0.0056 over 200 seeds), so a single seed cannot be held to a tight bound:
    # the default seed measures +0.0069, bounded by 0.012 (about 2 sd). Averaging 8 seeds
    # shrinks the noise to about 0.002: measured +0.0016, bounded by 0.006 (about 3 sd), far
    # from the scripted -0.019.
    seed = SampleConfig().seed
    assert covid_mean_mkt(seed, 1.0) < -0.015
    assert abs(covid_mean_mkt(seed, 0.0)) < 0.012
    seeds = range(1, 9)
    scripted = [covid_mean_mkt(s, 1.0) for s in seeds]
    null = [covid_mean_mkt(s, 0.0) for s in seeds]
    assert max(scripted) < -0.015
    assert abs(np.mean(null)) < 0.006
    assert np.mean(null) - np.mean(scripted) > 0.012


def test_null_market_has_no_premia_in_calm_times():
    # Signal 1 adds a 6 % a year premium to mkt_rf; signal 0 adds none. Both markets draw the
    # same noise and, outside the scripted episodes, nothing else differs: the daily difference
    # is exactly the premium, 0.06 / 252.
    seed = SampleConfig().seed
    one = market_context(SampleConfig(n_etfs=1, years=6, seed=seed)).history.factors
    zero = market_context(
        SampleConfig(n_etfs=1, years=6, seed=seed, signal_strength=0)
    ).history.factors
    calm = slice("2023-06-01", "2024-06-28")
    diff = (one.loc[calm, "mkt_rf"] - zero.loc[calm, "mkt_rf"]).to_numpy()
    np.testing.assert_allclose(diff, 0.06 / 252, rtol=1e-9)


# --- scripted crises in the default sample ------------------------------------------------------


def benchmark_move(market, name: str, start: str, end: str) -> float:
    levels = market.benchmarks.loc[market.benchmarks["benchmark"] == name].set_index("date")
    level = levels["index_level"]
    before = level.loc[level.index < pd.Timestamp(start)].iloc[-1]
    last = level.loc[level.index <= pd.Timestamp(end)].iloc[-1]
    return float(last / before - 1.0)


def test_benchmarks(default):
    b = default.benchmarks
    assert set(b["benchmark"]) == {"AU_EQUITY", "GLOBAL_EQUITY_AUD", "AU_BONDS"}
    assert (b.groupby("benchmark").size() == len(default.dates)).all()
    assert (b["index_level"] > 0).all()


def test_covid_crash_shape(default):
    # Scripted: mkt_rf -0.44 in log terms, about -36 %; bonds move a fraction of a percent.
    assert benchmark_move(default, "AU_EQUITY", *COVID) < -0.25
    assert abs(benchmark_move(default, "AU_BONDS", *COVID)) < 0.05


def test_gfc_shape(default):
    # Scripted: mkt_rf -0.62 in log terms, about -46 %, plus the cash rate earned on the way.
    assert benchmark_move(default, "AU_EQUITY", *GFC) < -0.30


# --- delistings in the default sample ------------------------------------------------------------


def test_delisted_share(default):
    funds = default.truth_funds
    assert len(funds) == 150
    share = funds["delisting_date"].notna().mean()
    assert 0.10 <= share <= 0.22


def test_no_prices_after_delisting(default):
    funds = default.truth_funds.dropna(subset=["delisting_date"])
    last = default.prices.groupby("ticker")["date"].max()
    first = default.prices.groupby("ticker")["date"].min()
    assert len(funds) > 0
    for row in funds.itertuples():
        assert last[row.ticker] <= row.delisting_date, row.ticker
        assert first[row.ticker] >= row.listing_date, row.ticker
    assert funds["delisting_reason"].notna().all()
    live = default.truth_funds.loc[default.truth_funds["delisting_date"].isna()]
    assert live["delisting_reason"].isna().all()


def test_delisted_funds_are_mostly_small(default):
    funds = default.truth_funds
    delisted = funds.loc[funds["delisting_date"].notna(), "adv_aud"]
    assert delisted.median() < funds["adv_aud"].median()


def test_core_slots_are_protected(default):
    core = default.truth_funds.loc[default.truth_funds["slot"] < 20]
    # Only the scripted forced closure (slot 11) delists among the core funds.
    assert core.loc[core["delisting_date"].notna(), "slot"].tolist() == [11]
    assert (core["listing_date"] == default.dates[0]).all()


# --- config validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_etfs": 0}, "n_etfs"),
        ({"n_etfs": -3}, "n_etfs"),
        ({"years": 0.1}, "years"),
        ({"years": 40.5}, "years"),
        ({"signal_strength": -1}, "signal_strength"),
    ],
)
def test_config_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SampleConfig(**kwargs)


def test_config_bounds_are_inclusive():
    assert SampleConfig(n_etfs=1, years=0.5, signal_strength=0).years == 0.5
    assert SampleConfig(years=40).years == 40


# --- short histories (fewer sessions than a fund's minimum life) --------------------------------


def test_short_history_with_more_than_twenty_funds_generates():
    market = generate_sample_market(SampleConfig(n_etfs=30, years=0.5, seed=0))
    assert len(market.truth_funds) == 30


def test_short_history_listing_dates_match_the_prices():
    market = generate_sample_market(SampleConfig(n_etfs=30, years=1.0, seed=0))
    first = market.prices.groupby("ticker")["date"].min()
    funds = market.truth_funds.set_index("ticker")
    assert (funds["listing_date"] == first.reindex(funds.index)).all()


# --- property test -------------------------------------------------------------------------------


@settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    n_etfs=st.integers(min_value=1, max_value=25),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    years=st.sampled_from([0.5, 1.0, 1.5, 3.0]),
    faults=st.booleans(),
)
def test_any_small_market_is_well_formed(n_etfs, seed, years, faults):
    config = SampleConfig(n_etfs=n_etfs, years=years, seed=seed, faults=faults)
    market = generate_sample_market(config)
    etfs = market.etfs
    assert etfs["ticker"].is_unique
    assert market.truth_funds["ticker"].is_unique
    assert len(market.truth_funds) == n_etfs
    prices = market.prices
    assert set(prices["ticker"]) == set(market.truth_funds["ticker"])
    assert (prices[["open", "high", "low"]] > 0).all().all()
    assert (prices["volume"] >= 0).all()
    zero = row_keys(prices).isin(fault_keys(market, "zero_price"))
    assert (prices.loc[~zero, "close"] > 0).all()
    assert (prices.loc[zero, "close"] == 0).all()
    assert prices[["open", "high", "low", "close"]].notna().all().all()

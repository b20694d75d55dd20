"""Rolling factor loadings with Newey-West errors (etf_warehouse.risk.factors)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from etf_warehouse.frames import empty_frame
from etf_warehouse.risk.factors import (
    EXPOSURE_SCHEMA,
    OUTPUT_SCHEMA,
    FactorSettings,
    newey_west_lags,
    portfolio_exposures,
    rolling_factor_loadings,
)

FACTORS = ["mkt", "smb", "hml"]


def long_returns(dates: pd.DatetimeIndex, series: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.concat(
        [
            pd.DataFrame({"period_date": dates, "ticker": ticker, "excess_return": values})
            for ticker, values in series.items()
        ],
        ignore_index=True,
    )


def rows_for(out: pd.DataFrame, ticker: str) -> pd.DataFrame:
    return out.loc[out["ticker"] == ticker].set_index("factor")


@pytest.fixture(scope="module")
def panel():
    """400 daily periods, 3 correlated factors, 3 funds with AR(1) errors; BBB has gaps."""
    rng = np.random.default_rng(11)
    n = 400
    dates = pd.bdate_range("2020-01-01", periods=n)
    f = rng.normal(0.0003, 0.01, (n, 3))
    f[:, 1] += 0.5 * f[:, 0]  # correlated factors
    factors = pd.DataFrame(f, index=pd.Index(dates, name="period_date"), columns=FACTORS)
    series = {}
    for j, ticker in enumerate(["AAA", "BBB", "CCC"]):
        e = rng.normal(0.0, 0.004, n)
        e[1:] += 0.5 * e[:-1]  # autocorrelated errors: HAC differs from OLS errors
        series[ticker] = 0.0001 * j + f @ np.array([1.0, 0.3 * j, -0.4]) + e
    series["BBB"][rng.random(n) < 0.2] = np.nan  # scattered gaps
    series["BBB"][200:230] = np.nan  # an outage
    returns = long_returns(dates, series)
    returns = returns.drop(index=returns.index[(returns["ticker"] == "CCC")][::7])  # no row
    return returns, factors


def test_recovers_known_loadings():
    rng = np.random.default_rng(3)
    n = 600
    dates = pd.bdate_range("2019-01-01", periods=n)
    f = rng.normal(0.0, 0.01, (n, 3))
    factors = pd.DataFrame(f, index=dates, columns=FACTORS)
    betas = np.array(
        [[1.0, 0.0, 0.0], [0.9, 0.5, -0.3], [1.2, -0.4, 0.6], [0.2, 0.1, 0.0], [-0.5, 0.8, 0.3]]
    )
    alphas = np.array([0.0, 0.05, -0.03, 0.10, 0.02])  # annualised
    tickers = [f"F{i}" for i in range(5)]
    series = {
        t: alphas[i] / 252 + f @ betas[i] + rng.normal(0.0, 0.0005, n)
        for i, t in enumerate(tickers)
    }
    out = rolling_factor_loadings(
        long_returns(dates, series), factors, [dates[-1]], FactorSettings(window=600)
    )
    assert len(out) == 5 * 4
    assert out["ticker"].tolist() == np.repeat(tickers, 4).tolist()
    assert out["factor"].tolist() == ["alpha", *FACTORS] * 5
    for i, ticker in enumerate(tickers):
        got = rows_for(out, ticker)
        np.testing.assert_allclose(got.loc[FACTORS, "loading"], betas[i], atol=0.02)
        assert got.loc["alpha", "loading"] == pytest.approx(alphas[i], abs=0.02)
    assert (out["std_error"] > 0).all()
    assert (out["r_squared"] > 0.95).all()
    assert (out["n_obs"] == 600).all()
    np.testing.assert_allclose(out["t_stat"], out["loading"] / out["std_error"], rtol=1e-12)


@pytest.mark.parametrize("hac_lags", [None, 0, 3, 9])
def test_matches_statsmodels_hac(panel, hac_lags):
    returns, factors = panel
    settings = FactorSettings(window=300, min_obs=100, hac_lags=hac_lags)
    as_of = factors.index[350]
    out = rolling_factor_loadings(returns, factors, [as_of], settings)
    window = factors.index[51:351]  # the last 300 periods <= as_of
    assert sorted(set(out["ticker"])) == ["AAA", "BBB", "CCC"]
    for ticker in ["AAA", "BBB", "CCC"]:
        y = returns.loc[returns["ticker"] == ticker].set_index("period_date")["excess_return"]
        y = y.reindex(window).dropna()  # the reference: missing rows dropped, then HAC
        fit = sm.OLS(y.to_numpy(), sm.add_constant(factors.loc[y.index].to_numpy())).fit(
            cov_type="HAC", cov_kwds={"maxlags": hac_lags}
        )
        got = rows_for(out, ticker)
        scale = np.array([252.0, 1.0, 1.0, 1.0])  # alpha annualised
        np.testing.assert_allclose(got["loading"] / scale, fit.params, rtol=1e-8)
        np.testing.assert_allclose(got["std_error"] / scale, fit.bse, rtol=1e-8)
        np.testing.assert_allclose(got["t_stat"], fit.tvalues, rtol=1e-8)
        np.testing.assert_allclose(got["r_squared"], fit.rsquared, rtol=1e-8)
        assert (got["n_obs"] == len(y)).all()
        assert (got["window_start"] == y.index[0]).all()
        assert (got["window_end"] == y.index[-1]).all()
    # the gappy fund is a real test of the dropped-rows convention: the default rule gives it
    # fewer lags than a complete window would (4 for its ~220 observations, 5 for 300)
    n_gappy = int(rows_for(out, "BBB")["n_obs"].iloc[0])
    assert n_gappy < 250
    assert newey_west_lags(np.array([n_gappy, 300])).tolist() == [4, 5]


def test_newey_west_lag_rule():
    assert newey_west_lags(np.array([60, 100, 252, 300, 1000])).tolist() == [3, 4, 4, 5, 6]


@pytest.mark.parametrize("cut", [130, 199, 250, 398])
def test_point_in_time(panel, cut):
    returns, factors = panel
    d = factors.index[cut] + pd.Timedelta(hours=12)  # between two periods
    late = long_returns(factors.index[cut + 1 :], {"NEW": np.full(399 - cut, 0.01)})
    full_returns = pd.concat([returns, late], ignore_index=True)  # a fund listing after d
    settings = FactorSettings(window=120, min_obs=60, hac_lags=None)
    later = [factors.index[-1], factors.index[cut + 1]]
    full = rolling_factor_loadings(full_returns, factors, [d, *later], settings)
    full = full.loc[full["as_of_date"] == d].reset_index(drop=True)
    truncated = rolling_factor_loadings(
        returns.loc[returns["period_date"] <= d], factors.loc[factors.index <= d], [d], settings
    )
    assert len(truncated) > 0
    pd.testing.assert_frame_equal(full, truncated, check_exact=True)


def test_too_few_observations():
    dates = pd.bdate_range("2022-01-03", periods=30)
    rng = np.random.default_rng(5)
    factors = pd.DataFrame(rng.normal(0.0, 0.01, (30, 3)), index=dates, columns=FACTORS)
    y = rng.normal(0.0, 0.01, 30)
    enough = np.where(np.arange(30) < 25, np.nan, y)  # 5 = n_factors + 2 observations
    short = np.where(np.arange(30) < 26, np.nan, y)  # 4
    returns = long_returns(dates, {"ENOUGH": enough, "SHORT": short, "FULL": y})
    out = rolling_factor_loadings(returns, factors, [dates[-1]], FactorSettings(min_obs=1))
    assert sorted(set(out["ticker"])) == ["ENOUGH", "FULL"]
    assert (rows_for(out, "ENOUGH")["n_obs"] == 5).all()
    # min_obs binds above n_factors + 2
    out = rolling_factor_loadings(returns, factors, [dates[-1]], FactorSettings(min_obs=6))
    assert set(out["ticker"]) == {"FULL"}
    out = rolling_factor_loadings(returns, factors, [dates[-1]], FactorSettings(min_obs=31))
    pd.testing.assert_frame_equal(out, empty_frame(OUTPUT_SCHEMA))


def test_empty_inputs_give_typed_empty_frame(panel):
    returns, factors = panel
    settings = FactorSettings(window=120, min_obs=60)
    d = [factors.index[-1]]
    cases = [
        (returns.iloc[:0], factors, d),
        (returns, factors.iloc[:0], d),
        (returns, factors[[]], d),
        (returns, factors * np.nan, d),  # every factor period incomplete
        (returns, factors, []),
        (returns, factors, [factors.index[0] - pd.Timedelta(days=1)]),  # before any period
    ]
    expected = empty_frame(OUTPUT_SCHEMA)
    for case in cases:
        out = rolling_factor_loadings(*case, settings)
        pd.testing.assert_frame_equal(out, expected)
        assert out.dtypes.astype(str).to_dict() == OUTPUT_SCHEMA


def test_window_is_last_periods_up_to_as_of():
    dates = pd.bdate_range("2023-01-02", periods=40)  # Mon 2 Jan to Fri 24 Feb
    rng = np.random.default_rng(9)
    f = rng.normal(0.0, 0.01, (40, 2))
    f[33, 1] = np.nan  # an incomplete factor period is not a period
    factors = pd.DataFrame(f, index=dates, columns=["mkt", "smb"])
    y = 0.5 * np.nan_to_num(f[:, 0]) + rng.normal(0.0, 0.002, 40)
    gappy = y.copy()
    gappy[[26, 27, 35]] = np.nan
    returns = long_returns(dates, {"FULL": y, "GAPPY": gappy})
    weekend = pd.DataFrame(  # a return on a non-period date is ignored
        {"period_date": [pd.Timestamp("2023-02-18")], "ticker": ["FULL"], "excess_return": [9.9]}
    )
    returns = pd.concat([returns, weekend], ignore_index=True)
    as_of = pd.Timestamp("2023-02-19")  # Sunday: last period is Fri 17 Feb (index 34)
    assert dates[34] == pd.Timestamp("2023-02-17")
    settings = FactorSettings(window=10, min_obs=5, hac_lags=1)
    out = rolling_factor_loadings(returns, factors, [as_of], settings)

    # the last 10 complete periods <= as_of: indices 24..34 without 33
    window = [i for i in range(24, 35) if i != 33]
    full = rows_for(out, "FULL")
    assert (full["n_obs"] == 10).all()
    assert (full["window_start"] == dates[24]).all()
    assert (full["window_end"] == dates[34]).all()
    assert (full["as_of_date"] == as_of).all()
    x = np.column_stack([np.ones(10), f[window]])
    coef = np.linalg.lstsq(x, y[window], rcond=None)[0]
    np.testing.assert_allclose(full["loading"], coef * [252, 1, 1], rtol=1e-9)

    gap = rows_for(out, "GAPPY")  # loses periods 26, 27 inside the window
    assert (gap["n_obs"] == 8).all()
    assert (gap["window_start"] == dates[24]).all()
    assert (gap["window_end"] == dates[34]).all()

    # one period later, GAPPY's last period (35) is missing: its window ends earlier
    out = rolling_factor_loadings(returns, factors, [dates[35]], settings)
    gap = rows_for(out, "GAPPY")
    assert (gap["window_start"] == dates[25]).all()
    assert (gap["window_end"] == dates[34]).all()
    assert (gap["n_obs"] == 7).all()


def test_singular_window_is_skipped():
    dates = pd.bdate_range("2023-01-02", periods=60)
    rng = np.random.default_rng(2)
    f = rng.normal(0.0, 0.01, (60, 2))
    f[:30, 1] = 0.0  # the second factor is dead for the first 30 periods
    factors = pd.DataFrame(f, index=dates, columns=["mkt", "smb"])
    returns = long_returns(dates, {"A": f[:, 0] + rng.normal(0.0, 0.001, 60)})
    settings = FactorSettings(window=20, min_obs=10)
    out = rolling_factor_loadings(returns, factors, [dates[25], dates[59]], settings)
    assert set(out["as_of_date"]) == {dates[59]}
    assert np.isfinite(out[["loading", "std_error", "t_stat", "r_squared"]]).all().all()


def test_portfolio_exposures():
    d1, d2 = pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")
    loadings = pd.DataFrame(
        {
            "as_of_date": [d1] * 4 + [d2] * 2,
            "ticker": ["A", "A", "B", "B", "A", "A"],
            "factor": ["alpha", "mkt"] * 3,
            "loading": [0.02, 1.2, -0.01, 0.8, 0.03, 1.0],
        }
    )
    weights = pd.DataFrame(
        {
            "as_of_date": [d1, d1, d1, d1, d2, d2],
            "strategy": ["S1", "S1", "S1", "S2", "S1", "S1"],
            "ticker": ["A", "B", "C", "C", "A", "B"],  # C never has loadings
            "weight": [0.5, 0.2, 0.1, 1.0, 0.6, 0.2],  # S1 on d1 holds 20 % cash
        }
    )
    out = portfolio_exposures(loadings, weights)
    expected = pd.DataFrame(
        {
            "as_of_date": [d1, d1, d2, d2],
            "strategy": ["S1"] * 4,
            "factor": ["alpha", "mkt"] * 2,
            "loading": [
                0.5 * 0.02 + 0.2 * -0.01,
                0.5 * 1.2 + 0.2 * 0.8,
                0.6 * 0.03,  # B has no loadings on d2
                0.6 * 1.0,
            ],
            "weight_covered": [0.7, 0.7, 0.6, 0.6],
        }
    ).astype(EXPOSURE_SCHEMA)
    pd.testing.assert_frame_equal(out, expected, check_exact=False, rtol=1e-12)

    empty = portfolio_exposures(loadings.iloc[:0], weights)
    pd.testing.assert_frame_equal(empty, empty_frame(EXPOSURE_SCHEMA))
    only_c = portfolio_exposures(loadings, weights.loc[weights["ticker"] == "C"])
    pd.testing.assert_frame_equal(only_c, empty_frame(EXPOSURE_SCHEMA))


def test_monthly_as_of_dates_are_first_sessions_with_fresh_factors():
    from etf_warehouse.risk.factors import monthly_as_of_dates

    sessions = pd.to_datetime(
        ["2020-01-02", "2020-01-03", "2020-02-03", "2020-02-04", "2020-04-01"]
    )
    # monthly factors ending in February: April's first session is 31 days after the last one
    factor_dates = pd.to_datetime(["2019-12-31", "2020-01-31", "2020-02-29"])
    dates = monthly_as_of_dates(sessions, factor_dates, max_staleness_days=45)
    assert list(dates) == list(pd.to_datetime(["2020-01-02", "2020-02-03", "2020-04-01"]))
    stale = monthly_as_of_dates(sessions, factor_dates, max_staleness_days=30)
    assert list(stale) == list(pd.to_datetime(["2020-01-02", "2020-02-03"]))
    assert monthly_as_of_dates([], factor_dates, 45).empty
    assert monthly_as_of_dates(sessions, [], 45).empty


def test_wide_factor_returns_pivots_long_rows_by_period():
    from etf_warehouse.risk.factors import wide_factor_returns

    long = pd.DataFrame(
        {
            "period_date": ["2020-01-03", "2020-01-02", "2020-01-02", "2020-01-03"],
            "factor": ["a", "a", "b", "b"],
            "factor_return": [0.3, 0.1, 0.2, 0.4],
        }
    )
    wide = wide_factor_returns(long)
    assert list(wide.columns) == ["a", "b"]
    assert list(wide.index) == list(pd.to_datetime(["2020-01-02", "2020-01-03"]))
    assert wide.loc["2020-01-03", "b"] == 0.4

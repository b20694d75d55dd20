"""GJR-GARCH(1,1)-t volatility with scheduled arch fits (etf_warehouse.risk.garch)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from hypothesis import given, settings
from hypothesis import strategies as st

from etf_warehouse.risk import garch, garch_model
from etf_warehouse.risk.garch import (
    FIT_COLUMNS,
    FundSeries,
    GarchSettings,
    arch_backcast,
    ewma_variance,
    filter_variance,
    fit_gjr_garch_t,
    fund_volatility,
    garch_fits_panel,
    garch_volatility_frames,
    garch_volatility_panel,
    mean_forecast_factors,
    persistence,
    refit_dates,
    refits_from,
)
from etf_warehouse.sample import SampleConfig, generate_sample_market

ANNUALISE = np.sqrt(252) / 100.0  # percent daily -> decimal annual
FALLBACK_STATUSES = {
    "fit_failed",
    "not_converged",
    "nonstationary",
    "implausible",
    "insufficient_history",
    "out_of_band",
    "clipped_to_band",
}


def simulate_gjr_t(
    n: int,
    *,
    mu: float = 0.05,
    omega: float = 0.02,
    alpha: float = 0.03,
    gamma: float = 0.10,
    beta: float = 0.90,
    nu: float = 6.0,
    seed: int = 0,
) -> np.ndarray:
    """Percent returns of a GJR-GARCH(1,1) with unit-variance Student-t errors."""
    rng = np.random.default_rng(seed)
    z = rng.standard_t(nu, size=n) * np.sqrt((nu - 2.0) / nu)
    sigma2 = omega / (1.0 - alpha - 0.5 * gamma - beta)
    out = np.empty(n)
    for t in range(n):
        e = np.sqrt(sigma2) * z[t]
        out[t] = mu + e
        sigma2 = omega + (alpha + gamma * (e < 0)) * e * e + beta * sigma2
    return out


@pytest.fixture(scope="module")
def fund_series() -> tuple[np.ndarray, np.ndarray]:
    """(dates, decimal returns) of the sample market's AEQ01.AX: about 2,500 returns."""
    market = generate_sample_market(SampleConfig(n_etfs=3, years=10))
    prices = market.prices.loc[market.prices["ticker"] == "AEQ01.AX"]
    prices = prices.drop_duplicates(["ticker", "date"], keep="last")
    prices = prices.loc[prices["close"] > 0].sort_values("date")
    returns = prices["close"].pct_change()
    keep = returns.notna().to_numpy()
    dates = prices["date"].to_numpy(dtype="datetime64[ns]")[keep]
    return dates, returns.to_numpy()[keep]


@pytest.fixture(scope="module")
def arch_fit(fund_series):
    """arch's own fit on 1,500 percent returns, and the data."""
    x = fund_series[1][:1500] * 100.0
    model = arch_model(x, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    res = model.fit(disp="off", show_warning=False)
    assert res.convergence_flag == 0
    return x, model, res


# --- arch equivalence -----------------------------------------------------------------------


def test_filter_variance_reproduces_arch_conditional_variance(arch_fit):
    x, _, res = arch_fit
    params = res.params.to_numpy()
    sigma2 = filter_variance(x, params, arch_backcast(x - x.mean()))
    assert sigma2.shape == (x.shape[0] + 1,)
    np.testing.assert_allclose(sigma2[:-1], res.conditional_volatility**2, rtol=1e-12, atol=0)
    forecast = res.forecast(horizon=1, reindex=False).variance.to_numpy()
    np.testing.assert_allclose(sigma2[-1], forecast[0, 0], rtol=1e-12, atol=0)


def test_mean_forecast_factors_match_arch_multi_step_forecast(arch_fit):
    x, _, res = arch_fit
    params = res.params.to_numpy()
    sigma2 = filter_variance(x, params, arch_backcast(x - x.mean()))
    a, b = mean_forecast_factors(params, 21)
    expected = res.forecast(horizon=21, reindex=False).variance.to_numpy()[0]
    assert expected.shape == (21,)
    np.testing.assert_allclose(a * sigma2[-1] + b * params[1], expected.mean(), rtol=1e-10)


def test_near_integrated_parameters_match_arch_fixed_model(arch_fit):
    x, model, _ = arch_fit
    # mu, omega, alpha, gamma, beta, nu: persistence 0.9999
    params = np.array([0.02, 0.002, 0.03, 0.04, 0.9499, 7.0])
    assert persistence(params) == pytest.approx(0.9999)
    fixed = model.fix(params)
    sigma2 = filter_variance(x, params, arch_backcast(x - x.mean()))
    np.testing.assert_allclose(sigma2[:-1], fixed.conditional_volatility**2, rtol=1e-12, atol=0)
    forecast = fixed.forecast(horizon=21, reindex=False).variance.to_numpy()[0]
    np.testing.assert_allclose(sigma2[-1], forecast[0], rtol=1e-12)
    a, b = mean_forecast_factors(params, 21)
    np.testing.assert_allclose(a * sigma2[-1] + b * params[1], forecast.mean(), rtol=1e-10)
    # near integration the mean forecast stays close to the 1-step one, not the long-run level
    assert a == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize("horizon", [1, 2, 5])
def test_mean_forecast_factors_small_horizons(horizon):
    params = np.array([0.0, 0.1, 0.05, 0.1, 0.8, 8.0])
    p = persistence(params)
    a, b = mean_forecast_factors(params, horizon)
    # explicit recursion: E[s_{h}] = omega + p E[s_{h-1}], from s_1 = 1 (a) and s_1 = 0 (b)
    s_a, s_b, sum_a, sum_b = 1.0, 0.0, 0.0, 0.0
    for _ in range(horizon):
        sum_a += s_a
        sum_b += s_b
        s_a, s_b = p * s_a, 1.0 + p * s_b
    assert a == pytest.approx(sum_a / horizon, rel=1e-14)
    assert b == pytest.approx(sum_b / horizon, rel=1e-14, abs=1e-15)


# --- fitting --------------------------------------------------------------------------------


def test_fit_recovers_simulated_persistence():
    x = simulate_gjr_t(4000, seed=0)
    true_persistence = 0.03 + 0.5 * 0.10 + 0.90
    fit = fit_gjr_garch_t(x)
    assert fit.status == "ok"
    assert fit.params is not None and fit.params.shape == (6,)
    assert abs(persistence(fit.params) - true_persistence) < 0.05
    assert fit.loglik is not None and np.isfinite(fit.loglik)


def _scaled_window(fund_series, n: int = 2000) -> np.ndarray:
    pct = fund_series[1][:n] * 100.0
    return pct / np.std(pct)


def test_exact_gradient_matches_differences_of_arch_objective(fund_series):
    """gjr_t_gradient is the gradient of arch's own objective (central differences)."""
    data = _scaled_window(fund_series)
    model = arch_model(data, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    resids = data - data.mean()
    backcast = model.volatility.backcast(resids)
    bounds = model.volatility.variance_bounds(resids)

    def objective(x):
        return model._loglikelihood(x, np.zeros(data.shape[0]), backcast, bounds)

    for x in ([0.05, 0.02, 0.03, 0.10, 0.88, 7.0], [-0.02, 0.05, 0.0, 0.2, 0.8, 40.0]):
        x = np.array(x)
        h = 1e-6 * np.maximum(1.0, np.abs(x))
        numeric = [
            (objective(x + h[i] * np.eye(6)[i]) - objective(x - h[i] * np.eye(6)[i])) / (2 * h[i])
            for i in range(6)
        ]
        exact = garch_model.gjr_t_gradient(x, data, backcast)
        np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-5)


def test_exact_fit_with_differenced_derivatives_is_arch_fit(fund_series, monkeypatch):
    """The exact fit poses arch's own problem: with SciPy's numerical differences and arch's
    per-row constraints back in place (all it changes), it reproduces arch's fit bit for bit."""
    data = _scaled_window(fund_series)
    scipy_minimize = garch_model.minimize

    def as_arch_does(fun, x0, *, jac, constraints, options, **kwargs):
        (linear,) = constraints
        a, b = linear["jac"](x0), -linear["fun"](np.zeros_like(x0))
        rows = [
            {"type": "ineq", "fun": lambda x, *_, c=c, v=v: np.dot(c, x) - v}
            for c, v in zip(a, b, strict=True)
        ]
        return scipy_minimize(fun, x0, constraints=rows, **kwargs)

    monkeypatch.setattr(garch_model, "minimize", as_arch_does)
    replica = fit_gjr_garch_t(data)
    model = arch_model(data, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    reference = model.fit(disp="off", show_warning=False)
    np.testing.assert_array_equal(replica.params, reference.params.to_numpy())
    assert replica.loglik == reference.loglikelihood


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_fit_equals_arch_fit_to_tolerance(fund_series, seed):
    """The exact fit reaches arch's optimum (or a higher likelihood), cold and warm-started:
    log-likelihood within 1e-3 or above, forecasts within 0.1 %."""
    data = simulate_gjr_t(2500, seed=seed) if seed else _scaled_window(fund_series)
    data = data / np.std(data)
    reference = fit_gjr_garch_t(data, method="arch")
    backcast = arch_backcast(data - data.mean())

    def forecasts(fit):  # 1-day and 21-day volatility after the window
        var = filter_variance(data, fit.params, backcast)[-1]
        a, b = mean_forecast_factors(fit.params, 21)
        return np.sqrt([var, a * var + b * fit.params[1]])

    for start in (None, reference.params * [1.0, 1.2, 0.8, 1.2, 0.99, 1.1]):
        exact = fit_gjr_garch_t(data, start)
        assert exact.status == reference.status == "ok"
        assert exact.loglik >= reference.loglik - 1e-3
        np.testing.assert_allclose(forecasts(exact), forecasts(reference), rtol=1e-3)
        np.testing.assert_allclose(exact.params[:5], reference.params[:5], rtol=0.05, atol=2e-3)


def test_fit_method_must_be_known():
    with pytest.raises(ValueError, match="method"):
        fit_gjr_garch_t(np.ones(10), method="newton")


def test_fit_with_scale_is_the_same_model():
    x = simulate_gjr_t(4000, seed=1) * 100.0  # returns of order 100: arch needs the scale
    scale = 1.0 / np.std(x)
    scaled = fit_gjr_garch_t(x, scale=scale)
    reference = fit_gjr_garch_t(x / 100.0)
    assert scaled.status == reference.status == "ok"
    assert scaled.scale == scale
    back = garch.rescale_params(scaled.params, scale, 1.0 / 100.0)
    np.testing.assert_allclose(back[[0, 1]], reference.params[[0, 1]], rtol=1e-2)
    assert persistence(back) == pytest.approx(persistence(reference.params), abs=1e-3)


def test_fund_volatility_is_scale_invariant(fund_series):
    dates, returns = fund_series
    refits = refit_dates(pd.DatetimeIndex(dates), 12)
    base = fund_volatility(dates, returns, refits, GarchSettings())
    tenfold = fund_volatility(dates, returns * 10.0, refits, GarchSettings())
    np.testing.assert_array_equal(base.model, tenfold.model)
    garch_rows = base.model == "gjr_garch_t"
    assert garch_rows.sum() > 1000
    np.testing.assert_allclose(
        tenfold.vol_1d_ann[garch_rows], 10.0 * base.vol_1d_ann[garch_rows], rtol=1e-3
    )
    np.testing.assert_allclose(
        tenfold.vol_21d_ann[garch_rows], 10.0 * base.vol_21d_ann[garch_rows], rtol=1e-3
    )
    # EWMA is exactly homogeneous
    np.testing.assert_allclose(
        tenfold.vol_1d_ann[~garch_rows], 10.0 * base.vol_1d_ann[~garch_rows], rtol=1e-12
    )


# --- refit schedule -------------------------------------------------------------------------


def test_refit_dates_yearly_and_quarterly():
    dates = pd.DatetimeIndex(
        [
            "2019-11-15",
            "2020-01-03",  # Jan 1 and 2 missing
            "2020-01-06",
            "2020-02-03",
            "2020-04-02",
            "2020-04-01",  # out of order: the minimum counts
            "2020-07-06",
            "2020-08-03",
            "2020-10-05",
            "2020-10-05",  # duplicate
            "2021-01-04",
            "2021-03-01",
        ]
    )
    assert list(refit_dates(dates, 12)) == [pd.Timestamp("2020-01-03"), pd.Timestamp("2021-01-04")]
    assert list(refit_dates(dates, 3)) == [
        pd.Timestamp(d)
        for d in ["2020-01-03", "2020-04-01", "2020-07-06", "2020-10-05", "2021-01-04"]
    ]
    assert list(refit_dates(dates, 1)) == [
        pd.Timestamp(d)
        for d in [
            "2019-11-15",
            "2020-01-03",
            "2020-02-03",
            "2020-04-01",
            "2020-07-06",
            "2020-08-03",
            "2020-10-05",
            "2021-01-04",
            "2021-03-01",
        ]
    ]


def test_refit_dates_business_calendar():
    dates = pd.bdate_range("2015-06-01", "2018-12-31").drop(
        pd.DatetimeIndex(["2016-01-01", "2017-01-02", "2017-01-03", "2018-01-01"])
    )
    assert list(refit_dates(dates, 12)) == [
        pd.Timestamp("2016-01-04"),
        pd.Timestamp("2017-01-04"),
        pd.Timestamp("2018-01-02"),
    ]
    quarterly = refit_dates(dates, 3)
    assert set(quarterly.month) == {1, 4, 7, 10}
    assert len(quarterly) == 14  # 2015-07, 2015-10, then four a year
    assert quarterly[0] == pd.Timestamp("2015-07-01")


def test_refit_dates_every_few_years_on_calendar_years_not_the_data_start():
    dates = pd.bdate_range("2013-06-03", "2022-12-30")
    every_three = refit_dates(dates, 36)  # the default: years divisible by 3
    assert list(every_three) == [
        pd.Timestamp(d) for d in ["2016-01-01", "2019-01-01", "2022-01-03"]
    ]
    assert list(refit_dates(dates, 24)) == [
        pd.Timestamp(d)
        for d in ["2014-01-01", "2016-01-01", "2018-01-01", "2020-01-01", "2022-01-03"]
    ]
    # dropping the early years keeps the schedule (it is anchored on the calendar)
    assert list(refit_dates(dates[dates >= "2016-03-01"], 36)) == list(every_three[1:])
    assert GarchSettings().refit_months == 36


def test_refits_from_says_whether_a_refresh_has_a_refit_to_make():
    dates = pd.bdate_range("2013-06-03", "2022-12-30")
    settings = GarchSettings()  # every three years: 2016-01-01, 2019-01-01, 2022-01-03
    assert refits_from(dates, settings, pd.Timestamp("2022-01-03"))
    assert not refits_from(dates, settings, pd.Timestamp("2022-01-04"))
    assert not refits_from(dates, settings, pd.Timestamp("2022-12-30"))
    assert refits_from(pd.bdate_range("2013-06-03", "2025-01-02"), settings, pd.Timestamp("2025"))


@pytest.mark.parametrize("months", [0, 5, 7, 13, -3, 18, 30])
def test_refit_dates_rejects_months_not_dividing_twelve(months):
    with pytest.raises(ValueError, match="refit_months"):
        refit_dates(pd.bdate_range("2020-01-01", periods=30), months)


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 1500), min_size=1, max_size=200, unique=True),
    months=st.sampled_from([1, 2, 3, 4, 6, 12]),
    data=st.data(),
)
def test_refit_dates_truncation_is_a_prefix(offsets, months, data):
    dates = pd.Timestamp("2018-03-15") + pd.to_timedelta(sorted(offsets), unit="D")
    k = data.draw(st.integers(1, len(dates)))
    full = refit_dates(dates, months)
    truncated = refit_dates(dates[:k], months)
    assert list(truncated) == list(full[: len(truncated)])
    assert list(truncated) == list(full[full <= dates[k - 1]])  # no extra refit either


# --- EWMA -----------------------------------------------------------------------------------


def test_ewma_variance_matches_plain_loop():
    r = np.random.default_rng(3).normal(0.0, 1.2, 60)
    expected = []
    for t in range(len(r)):
        if t < 20:
            expected.append(float(np.mean(r[: t + 1] ** 2)))
        else:
            expected.append(0.94 * expected[-1] + 0.06 * r[t] ** 2)
    got = ewma_variance(r)
    assert got[0] == r[0] ** 2
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("n", [0, 1, 5, 20, 21])
def test_ewma_variance_short_series(n):
    r = np.linspace(-1.0, 1.0, n)
    got = ewma_variance(r)
    assert got.shape == (n,)
    if n:
        np.testing.assert_allclose(got[: min(n, 20)], np.cumsum(r**2)[:20] / np.arange(1, 21)[:n])


# --- fund_volatility ------------------------------------------------------------------------


def _assert_same_forecasts(a: garch.FundVolatility, b: garch.FundVolatility, k: int) -> None:
    np.testing.assert_array_equal(a.vol_1d_ann[:k], b.vol_1d_ann[:k], strict=True)
    np.testing.assert_array_equal(a.vol_21d_ann[:k], b.vol_21d_ann[:k], strict=True)
    assert list(a.model[:k]) == list(b.model[:k])
    assert list(a.fallback_reason[:k]) == list(b.fallback_reason[:k])
    np.testing.assert_array_equal(
        a.params_date[:k].view("i8"), b.params_date[:k].view("i8"), strict=True
    )


@pytest.mark.parametrize("k", [900, 1300, 1777, 2100, "refit", "refit+1"])
def test_fund_volatility_is_point_in_time(fund_series, k):
    dates, returns = fund_series
    if isinstance(k, str):  # cut right after a refit date's return (or one return later)
        refit = refit_dates(pd.DatetimeIndex(dates), 12)[4]
        at_refit = int(np.searchsorted(dates, refit.to_datetime64(), side="right"))
        assert dates[at_refit - 1] == refit.to_datetime64() and at_refit > 1000
        k = at_refit + (1 if k == "refit+1" else 0)
    full = fund_volatility(
        dates, returns, refit_dates(pd.DatetimeIndex(dates), 12), GarchSettings()
    )
    assert (full.model == "gjr_garch_t").any()
    short_dates = dates[:k]
    truncated = fund_volatility(
        short_dates, returns[:k], refit_dates(pd.DatetimeIndex(short_dates), 12), GarchSettings()
    )
    assert truncated.vol_1d_ann.shape == (k,)
    _assert_same_forecasts(full, truncated, k)


def test_fund_volatility_filters_forward_like_arch(fund_series):
    """Over a refit period, the forecasts equal arch's own: the model fixed at the stored
    parameters, estimated on the fit window (last_obs) and forecasting after every later
    return of the period."""
    dates, returns = fund_series
    refits = refit_dates(pd.DatetimeIndex(dates), 12)
    result = fund_volatility(dates, returns, refits, GarchSettings())
    assert len(result.fits) >= 3
    for row, next_row in zip(result.fits[1:3], result.fits[2:4], strict=True):
        fit = row["fit"]
        assert fit.status == "ok"
        n_seen = int(np.searchsorted(dates, row["refit_date"].to_datetime64(), side="right"))
        start = n_seen - row["n_obs"]
        end = int(np.searchsorted(dates, next_row["refit_date"].to_datetime64(), side="left"))
        y = returns[start:end] * 100.0 * fit.scale
        model = arch_model(y, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
        fixed = model.fix(fit.params, last_obs=n_seen - start)
        variance = fixed.forecast(horizon=21, start=n_seen - start - 1, reindex=False).variance
        variance = variance.to_numpy() / fit.scale**2
        period = slice(n_seen - 1, end)  # from the refit date's close to the next refit
        assert variance.shape == (end - n_seen + 1, 21)
        assert (result.params_date[period] == row["refit_date"].to_datetime64()).all()
        np.testing.assert_allclose(
            result.vol_1d_ann[period], np.sqrt(variance[:, 0]) * ANNUALISE, rtol=1e-10
        )
        np.testing.assert_allclose(
            result.vol_21d_ann[period], np.sqrt(variance.mean(axis=1)) * ANNUALISE, rtol=1e-10
        )


def test_fund_volatility_before_first_usable_refit_is_ewma(fund_series):
    dates, returns = fund_series
    refits = refit_dates(pd.DatetimeIndex(dates), 12)
    result = fund_volatility(dates, returns, refits, GarchSettings(min_obs=500))
    # first refit with at least 500 returns dated on or before it
    seen = np.searchsorted(dates, refits.to_numpy(), side="right")
    first_fit = refits[np.argmax(seen >= 500)]
    before = dates < np.datetime64(first_fit)
    assert before.sum() >= 500
    assert set(result.model[before]) == {"ewma"}
    assert set(result.fallback_reason[before]) == {"insufficient_history"}
    assert np.isnat(result.params_date[before]).all()
    ewma = np.sqrt(ewma_variance(returns * 100.0)) * ANNUALISE
    np.testing.assert_array_equal(result.vol_1d_ann[before], ewma[before])
    np.testing.assert_array_equal(result.vol_21d_ann[before], ewma[before])
    # from the first usable refit on: GARCH with that refit's parameters, on its own date too
    at = np.flatnonzero(dates == np.datetime64(first_fit))[0]
    assert result.model[at] == "gjr_garch_t"
    assert result.fallback_reason[at] is None
    assert result.params_date[at] == np.datetime64(first_fit)
    assert result.fits[0]["refit_date"] == first_fit


def test_refit_missing_from_fund_dates_only_affects_later_rows():
    calendar = pd.bdate_range("2012-01-02", "2016-06-30")
    returns_all = simulate_gjr_t(len(calendar), seed=4) / 100.0
    # the fund has no rows from 2014-12-22 to 2015-01-09: the 2015-01-01 refit falls in the gap
    gap = (calendar >= "2014-12-22") & (calendar <= "2015-01-09")
    dates = calendar[~gap].to_numpy(dtype="datetime64[ns]")
    returns = returns_all[~gap]
    refits = refit_dates(calendar, 12)
    refit = pd.Timestamp("2015-01-01")
    assert refit in refits and refit.to_datetime64() not in dates
    cfg = GarchSettings(min_obs=250)
    result = fund_volatility(dates, returns, refits, cfg)

    last_before = np.flatnonzero(dates < refit.to_datetime64())[-1]
    first_after = last_before + 1
    assert pd.Timestamp(dates[last_before]) == pd.Timestamp("2014-12-19")
    assert result.params_date[last_before] == np.datetime64("2014-01-01")
    assert result.params_date[first_after] == refit.to_datetime64()
    assert result.model[first_after] == "gjr_garch_t"
    fit_row = next(row for row in result.fits if row["refit_date"] == refit)
    assert fit_row["window_end"] == pd.Timestamp("2014-12-19")
    assert fit_row["fit"].status == "ok"
    # rows before the refit date are what the fund's data up to them gave
    truncated = fund_volatility(
        dates[: last_before + 1], returns[: last_before + 1], refits[refits < refit], cfg
    )
    _assert_same_forecasts(result, truncated, last_before + 1)
    # the new parameters change the forecasts from the refit on
    assert result.vol_1d_ann[first_after] != pytest.approx(
        fund_volatility(dates, returns, refits[refits < refit], cfg).vol_1d_ann[first_after],
        rel=1e-9,
    )


def _check_fallback(result: garch.FundVolatility, returns: np.ndarray) -> None:
    assert np.isfinite(result.vol_1d_ann).all() and (result.vol_1d_ann >= 0).all()
    assert np.isfinite(result.vol_21d_ann).all() and (result.vol_21d_ann >= 0).all()
    ewma_rows = result.model == "ewma"
    assert set(result.model) <= {"ewma", "gjr_garch_t"}
    assert set(result.fallback_reason[ewma_rows]) <= FALLBACK_STATUSES
    assert all(reason is None for reason in result.fallback_reason[~ewma_rows])
    ewma = np.sqrt(ewma_variance(returns * 100.0)) * ANNUALISE
    as_filtered = ewma_rows & (result.fallback_reason != "clipped_to_band")
    np.testing.assert_array_equal(result.vol_1d_ann[as_filtered], ewma[as_filtered])
    np.testing.assert_array_equal(result.vol_21d_ann[as_filtered], ewma[as_filtered])
    assert np.isnat(result.params_date[ewma_rows]).all()
    for row in result.fits:
        assert row["fit"].status in FALLBACK_STATUSES | {"ok"}


def _daily(n: int) -> tuple[np.ndarray, pd.DatetimeIndex]:
    dates = pd.bdate_range("2015-01-01", periods=n)
    return dates.to_numpy(dtype="datetime64[ns]"), refit_dates(dates, 3)


@pytest.mark.parametrize(
    "kind", ["zeros", "zeros_tiny_noise", "constant", "last_spike", "rare_jumps", "ten"]
)
def test_fund_volatility_degenerate_series_fall_back(kind):
    rng = np.random.default_rng(11)
    n = 10 if kind == "ten" else 900
    returns = {
        "zeros": np.zeros(n),
        "zeros_tiny_noise": rng.normal(0.0, 1e-12, n),
        "constant": np.full(n, 1e-3),
        "last_spike": np.r_[np.zeros(n - 1), 0.05],
        "rare_jumps": np.where(rng.random(n) < 0.01, 0.1, 0.0),
        "ten": rng.normal(0.0, 0.01, n),
    }[kind]
    dates, refits = _daily(n)
    result = fund_volatility(dates, returns, refits, GarchSettings(min_obs=500))
    assert result.vol_1d_ann.shape == (n,)
    _check_fallback(result, returns)
    if kind == "ten":
        assert set(result.fallback_reason) == {"insufficient_history"}
        assert result.fits == []
    if kind in {"zeros", "last_spike"}:  # nothing to fit: every refit falls back
        assert set(result.model) == {"ewma"}
    if kind in {"zeros", "last_spike", "rare_jumps"}:  # a rejected fit is flagged as such
        assert set(result.fallback_reason) - {"insufficient_history", None}


def test_fund_volatility_fit_exception_is_fit_failed(monkeypatch):
    def exploding_minimize(*args, **kwargs):  # SciPy's minimize stand-in that raises
        raise RuntimeError("optimiser exploded")

    monkeypatch.setattr(garch_model, "minimize", exploding_minimize)
    returns = simulate_gjr_t(700, seed=5) / 100.0
    dates, refits = _daily(700)
    result = fund_volatility(dates, returns, refits, GarchSettings(min_obs=500))
    assert result.fits
    assert {row["fit"].status for row in result.fits} == {"fit_failed"}
    assert "optimiser exploded" in result.fits[0]["fit"].message
    assert set(result.fallback_reason) == {"insufficient_history", "fit_failed"}
    _check_fallback(result, returns)


def test_fund_volatility_with_stored_fits_matches_fitting(fund_series):
    dates, returns = fund_series
    refits = refit_dates(pd.DatetimeIndex(dates), 12)
    fitted = fund_volatility(dates, returns, refits, GarchSettings())
    stored = {row["refit_date"]: row["fit"] for row in fitted.fits}
    replay = fund_volatility(dates, returns, refits, GarchSettings(), fits=stored)
    _assert_same_forecasts(fitted, replay, len(dates))
    # a stored fit that is missing is a failed fit, not a crash
    del stored[refits[-1]]
    missing = fund_volatility(dates, returns, refits, GarchSettings(), fits=stored)
    assert missing.fallback_reason[-1] == "fit_failed"
    assert missing.model[-1] == "ewma"


# --- panels ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_panel() -> pd.DataFrame:
    calendar = pd.bdate_range("2014-01-01", "2016-12-31")
    frames = []
    for i, (ticker, listed) in enumerate(
        [("AAA", "2014-01-01"), ("BBB", "2014-09-15"), ("CCC", "2014-01-01")]
    ):
        dates = calendar[calendar >= listed]
        if ticker == "CCC":  # a gap spanning the 2016 refit
            dates = dates[(dates < "2015-12-21") | (dates > "2016-01-12")]
        returns = simulate_gjr_t(len(dates), seed=20 + i) / 100.0
        frames.append(pd.DataFrame({"ticker": ticker, "date": dates, "daily_return": returns}))
    # shuffled rows: the panel functions sort for themselves
    return pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=0)


SMALL_SETTINGS = GarchSettings(refit_months=12, max_window=400, min_obs=250)


def test_garch_panels(small_panel):
    fits = garch_fits_panel(small_panel, SMALL_SETTINGS)
    assert list(fits.columns) == FIT_COLUMNS
    assert set(fits["ticker"]) == {"AAA", "BBB", "CCC"}
    assert (fits["n_obs"] <= 400).all() and (fits["n_obs"] >= 250).all()
    assert (fits["window_end"] <= fits["refit_date"]).all()
    ccc_2016 = fits.loc[(fits["ticker"] == "CCC") & (fits["refit_date"] == "2016-01-01")]
    assert ccc_2016["window_end"].tolist() == [pd.Timestamp("2015-12-18")]

    vol = garch_volatility_panel(small_panel, fits, SMALL_SETTINGS)
    assert len(vol) == len(small_panel)
    assert list(vol.columns) == [
        "ticker",
        "date",
        "garch_vol_1d_ann",
        "garch_vol_21d_ann",
        "vol_model",
        "vol_fallback_reason",
        "params_refit_date",
        "ewma_state",
        "garch_state",
    ]
    assert not vol.duplicated(["ticker", "date"]).any()
    assert np.isfinite(vol["garch_vol_1d_ann"]).all() and (vol["garch_vol_1d_ann"] > 0).all()
    assert (vol["vol_model"] == "gjr_garch_t").any()
    # the panel equals fitting each fund on its own (the schedule is the panel's calendar)
    refits = refit_dates(pd.DatetimeIndex(small_panel["date"].unique()), 12)
    for ticker, group in small_panel.sort_values("date").groupby("ticker"):
        direct = fund_volatility(
            group["date"].to_numpy(dtype="datetime64[ns]"),
            group["daily_return"].to_numpy(),
            refits,
            SMALL_SETTINGS,
        )
        rows = vol.loc[vol["ticker"] == ticker]
        np.testing.assert_array_equal(rows["garch_vol_1d_ann"].to_numpy(), direct.vol_1d_ann)
        np.testing.assert_array_equal(rows["garch_vol_21d_ann"].to_numpy(), direct.vol_21d_ann)
        assert rows["vol_model"].tolist() == list(direct.model)
    ccc = vol.loc[vol["ticker"] == "CCC"].set_index("date")
    assert ccc.loc["2015-12-18", "params_refit_date"] == pd.Timestamp("2015-01-01")
    assert ccc.loc["2016-01-13", "params_refit_date"] == pd.Timestamp("2016-01-01")


def test_garch_fits_panel_workers_give_identical_fits(small_panel):
    serial = garch_fits_panel(small_panel, SMALL_SETTINGS, workers=1)
    parallel = garch_fits_panel(small_panel, SMALL_SETTINGS, workers=2)
    assert len(serial) >= 4
    # fit_seconds is wall-clock timing, the only column allowed to differ
    pd.testing.assert_frame_equal(
        serial.drop(columns="fit_seconds"), parallel.drop(columns="fit_seconds")
    )


@pytest.mark.parametrize("funds_per_frame", [1, 2, 100])
def test_streamed_panel_from_duckdb_equals_the_panel(small_panel, funds_per_frame):
    """The full build's path: the returns read from DuckDB as numbers and sorted there
    (FundSeries.from_relation), the forecasts made a few funds at a time, give the fits and
    the panel of the frame path, in its order, to the bit."""
    series = FundSeries.from_relation(duckdb.connect().from_df(small_panel))
    expected = FundSeries.from_frame(small_panel)
    assert series.tickers == expected.tickers == ["AAA", "BBB", "CCC"]
    np.testing.assert_array_equal(series.bounds, expected.bounds)
    np.testing.assert_array_equal(series.dates, expected.dates)
    np.testing.assert_array_equal(series.values, expected.values)
    fits = garch_fits_panel(series, SMALL_SETTINGS)
    pd.testing.assert_frame_equal(
        fits.drop(columns="fit_seconds"),
        garch_fits_panel(small_panel, SMALL_SETTINGS).drop(columns="fit_seconds"),
    )
    frames = list(garch_volatility_frames(series, fits, SMALL_SETTINGS, funds_per_frame))
    assert len(frames) == -(-3 // funds_per_frame)
    streamed = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(
        streamed, garch_volatility_panel(small_panel, fits, SMALL_SETTINGS), check_exact=True
    )


def test_garch_fits_panel_without_usable_history():
    returns = pd.DataFrame(
        {
            "ticker": "AAA",
            "date": pd.bdate_range("2020-01-01", periods=30),
            "daily_return": np.linspace(-0.01, 0.01, 30),
        }
    )
    fits = garch_fits_panel(returns, GarchSettings())
    assert fits.empty and list(fits.columns) == FIT_COLUMNS
    vol = garch_volatility_panel(returns, fits, GarchSettings())
    assert len(vol) == 30
    assert set(vol["vol_model"]) == {"ewma"}


def test_non_finite_returns_fall_back_instead_of_crashing():
    returns = np.array([0.01, -0.02, np.nan, 0.015] * 200)
    fit = fit_gjr_garch_t(returns * 100)
    assert fit.status == "fit_failed"
    assert fit.message


def test_live_refresh_fits_equal_the_full_pass(fund_series):
    """Fitting only the refits from a date on, warm-started from the earlier fits, gives the
    full pass's rows for those refits (parameters bit for bit)."""
    dates, returns = fund_series
    frame = pd.DataFrame({"ticker": "AEQ01.AX", "date": dates, "daily_return": returns})
    settings = GarchSettings(refit_months=6)
    full = garch_fits_panel(frame, settings)
    assert len(full) >= 4
    fit_from = pd.Timestamp(full["refit_date"].iloc[-2])
    earlier = full.loc[full["refit_date"] < fit_from]
    tail = garch_fits_panel(frame, settings, fit_from=fit_from, earlier_fits=earlier)
    expected = full.loc[full["refit_date"] >= fit_from].reset_index(drop=True)
    columns = [c for c in full.columns if c != "fit_seconds"]
    pd.testing.assert_frame_equal(tail[columns], expected[columns])
    # no refit in the new days: nothing to fit
    after = pd.Timestamp(dates[-1]) + pd.Timedelta(days=1)
    assert garch_fits_panel(frame, settings, fit_from=after, earlier_fits=full).empty


@pytest.fixture(scope="module")
def resume_panel(small_panel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """small_panel and funds that take the other paths of a live refresh: DDD listed days
    before the cuts below (EWMA warm-up), EEE with a +5,000 % tick in 2016 (the band), FFF
    flat (no usable fit); with its fits and its full-pass forecasts."""
    calendar = pd.bdate_range("2014-01-01", "2016-12-31")
    eee = simulate_gjr_t(len(calendar), seed=41) / 100.0
    eee[calendar.get_loc(pd.Timestamp("2016-03-01"))] = 50.0
    extra = [
        pd.DataFrame(
            {
                "ticker": "DDD",
                "date": calendar[calendar >= "2015-06-01"],
                "daily_return": simulate_gjr_t(int((calendar >= "2015-06-01").sum()), seed=40)
                / 100.0,
            }
        ),
        pd.DataFrame({"ticker": "EEE", "date": calendar, "daily_return": eee}),
        pd.DataFrame({"ticker": "FFF", "date": calendar, "daily_return": 0.0}),
    ]
    panel = pd.concat([small_panel, *extra], ignore_index=True)
    fits = garch_fits_panel(panel, SMALL_SETTINGS)
    return panel, fits, garch_volatility_panel(panel, fits, SMALL_SETTINGS)


@pytest.mark.parametrize(
    ("cut", "end", "refiltered"),
    [
        ("2015-06-10", "2015-07-01", ["DDD"]),  # DDD's EWMA is warming up (20 returns)
        ("2015-07-01", "2015-12-31", []),
        ("2015-12-31", "2016-01-01", []),  # the day before a refit
        ("2016-01-01", "2016-01-05", ["AAA", "BBB", "DDD", "EEE", "FFF"]),  # a refit among them
        ("2016-01-04", "2016-02-01", ["CCC"]),  # its last return precedes the refit it missed
        ("2016-02-15", "2016-06-01", []),  # EEE's corrupt return
        ("2016-06-01", "2017-01-01", []),
    ],
)
def test_live_refresh_volatility_equals_the_full_pass(resume_panel, cut, end, refiltered):
    """Carrying each fund's filters on from their states after its last earlier return gives
    the full pass's rows for the new returns (dated cut to end), bit for bit: mid-period, on
    and either side of a refit (2016-01-01), a fund whose last earlier return precedes a refit
    it missed (CCC's gap), one still in its EWMA warm-up (DDD, listed 2015-06-01), a corrupt
    return (EEE), a fund without a usable fit (FFF). Only the funds that need it are
    refiltered from their whole history."""
    panel, fits, full = resume_panel
    cut, end = pd.Timestamp(cut), pd.Timestamp(end)
    panel = panel.loc[panel["date"] < end]  # the data as of the refresh
    old = full.loc[full["date"] < cut].sort_values(["ticker", "date"])
    old = old.assign(n_obs=old.groupby("ticker")["date"].transform("size"))
    earlier = old.groupby("ticker").tail(garch.BAND_WINDOW)
    called: list[list[str]] = []

    def history(tickers: list[str]) -> pd.DataFrame:
        called.append(sorted(tickers))
        return panel.loc[panel["ticker"].isin(tickers)]

    tail = garch.garch_volatility_tail(
        panel.loc[panel["date"] >= cut],
        earlier,
        fits.loc[fits["refit_date"] < end],
        pd.DatetimeIndex(panel["date"]),
        SMALL_SETTINGS,
        history,
    )
    expected = full.loc[(full["date"] >= cut) & (full["date"] < end)]
    pd.testing.assert_frame_equal(
        tail.sort_values(["ticker", "date"]).reset_index(drop=True),
        expected.sort_values(["ticker", "date"]).reset_index(drop=True),
        check_exact=True,
        check_dtype=False,  # a column of reasons that are all None is object, else str
    )
    assert called == ([refiltered] if refiltered else [])
    reasons = set(tail["vol_fallback_reason"].dropna())
    assert "not_converged" in reasons  # FFF
    if cut == pd.Timestamp("2016-02-15"):  # EEE's GARCH forecast left the band, then clipped
        assert "clipped_to_band" in reasons


def test_live_refresh_volatility_without_new_returns(resume_panel):
    panel, fits, full = resume_panel
    tail = garch.garch_volatility_tail(
        panel.iloc[:0], full, fits, pd.DatetimeIndex(panel["date"]), SMALL_SETTINGS, None
    )
    assert tail.empty and list(tail.columns) == list(full.columns)


# --- plausible band -------------------------------------------------------------------------


def test_a_corrupt_return_cannot_publish_an_absurd_volatility(fund_series):
    """A +10,000 % return (the bad-tick cascade of issue 16) makes the filtered GARCH variance
    explode; the band keeps the published forecast within 25x the fund's own median and says
    why, and leaves the days before the bad return untouched."""
    dates, returns = fund_series
    refits = refit_dates(pd.DatetimeIndex(dates), 12)
    clean = fund_volatility(dates, returns, refits, GarchSettings())
    bad_at = 2000
    corrupt = returns.copy()
    corrupt[bad_at] = 103.3
    guarded = fund_volatility(dates, corrupt, refits, GarchSettings())
    unguarded = fund_volatility(dates, corrupt, refits, GarchSettings(band_multiple=np.inf))
    assert unguarded.vol_21d_ann[bad_at] > 100  # the failure: 10,000 % a year and more
    _, upper = garch.plausible_band(np.sqrt(garch.ewma_variance(corrupt * 100.0)) * ANNUALISE, 25.0)
    after = slice(bad_at, bad_at + 30)
    assert np.all(guarded.vol_21d_ann[after] <= upper[after] * (1 + 1e-12))
    assert np.all(guarded.vol_1d_ann[after] <= upper[after] * (1 + 1e-12))
    assert set(guarded.fallback_reason[after]) <= {"out_of_band", "clipped_to_band"}
    assert guarded.fallback_reason[bad_at] == "clipped_to_band"
    _assert_same_forecasts(clean, guarded, bad_at)


def test_the_band_leaves_an_ordinary_fund_alone(fund_series):
    dates, returns = fund_series
    refits = refit_dates(pd.DatetimeIndex(dates), 12)
    guarded = fund_volatility(dates, returns, refits, GarchSettings())
    free = fund_volatility(dates, returns, refits, GarchSettings(band_multiple=np.inf))
    np.testing.assert_array_equal(guarded.vol_21d_ann, free.vol_21d_ann)
    assert not ({"out_of_band", "clipped_to_band"} & set(guarded.fallback_reason))

"""One fund's point-in-time volatility forecasts: fits on the refit schedule, filtered forward,
with the EWMA fallback and the plausible band (the whole method: :mod:`etf_warehouse.risk.garch`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etf_warehouse.risk.garch_model import (
    EWMA_WARMUP,
    TRADING_DAYS,
    FitResult,
    GarchSettings,
    arch_backcast,
    continue_ewma,
    continue_variance,
    ewma_variance,
    filter_variance,
    fit_gjr_garch_t,
    mean_forecast_factors,
    rescale_params,
    window_scale,
)


@dataclass
class FundVolatility:
    """Forecasts for one fund: arrays aligned with its observations."""

    vol_1d_ann: np.ndarray
    vol_21d_ann: np.ndarray
    model: np.ndarray  # 'gjr_garch_t' | 'ewma'
    fallback_reason: np.ndarray  # None | status of the refit that was not usable
    params_date: np.ndarray  # refit date whose parameters produced the forecast (NaT: EWMA)
    fits: list[dict] = field(default_factory=list)
    # The filters' states after each observation, kept so that a live refresh carries them on
    # (resume_fund_volatility) instead of refiltering the history: the EWMA variance (percent
    # squared) and the GARCH one-step variance in the fit's scaled units (NaN outside periods
    # with a usable fit). Neither is changed by the band.
    ewma_variance: np.ndarray | None = None
    garch_variance: np.ndarray | None = None


def fund_volatility(
    dates: np.ndarray,
    returns: np.ndarray,
    refits: pd.DatetimeIndex,
    settings: GarchSettings,
    *,
    fits: dict[pd.Timestamp, FitResult] | None = None,
    fit_from: pd.Timestamp | None = None,
    warm_start: FitResult | None = None,
    fit_method: str = "exact",
) -> FundVolatility:
    """Point-in-time volatility forecasts after each of one fund's returns.

    ``dates``/``returns`` are the fund's observations in date order (decimal returns). If
    ``fits`` is given (refit date -> FitResult) those are used instead of fitting, which lets a
    fitting pass and a filtering pass run separately. With ``fit_from`` only the refits on or
    after it are fitted (a live refresh), warm-started from ``warm_start``, the last usable fit
    before it, exactly as the full pass would have; the forecasts are then left unset.
    ``fit_method`` is passed to :func:`fit_gjr_garch_t` (``"arch"``: arch's own fit).
    """
    n = returns.shape[0]
    pct = returns * 100.0
    annualise = np.sqrt(TRADING_DAYS) / 100.0  # percent daily -> decimal annual
    ewma = ewma_variance(pct)
    vol_1d = np.sqrt(ewma) * annualise
    vol_21d = vol_1d.copy()  # EWMA's multi-step forecast is flat
    model = np.full(n, "ewma", dtype=object)
    reason = np.full(n, "insufficient_history", dtype=object)
    params_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    garch_variance = np.full(n, np.nan)
    fit_rows: list[dict] = []
    refit_values = refits.to_numpy()
    seen = np.searchsorted(dates, refit_values, side="right")  # observations dated <= refit
    first = np.searchsorted(dates, refit_values, side="left")  # first observation >= refit
    previous: FitResult | None = warm_start  # last usable fit: warm start for the next
    for k, refit in enumerate(refits):
        if fit_from is not None and refit < fit_from:
            continue
        n_seen, begin = int(seen[k]), int(first[k])
        end = int(first[k + 1]) if k + 1 < len(refits) else n
        if n_seen == 0 or begin >= end:
            continue
        start = max(0, n_seen - settings.max_window)
        window = pct[start:n_seen]
        if n_seen < settings.min_obs:
            fit = FitResult(None, "insufficient_history")
        elif fits is not None:
            fit = fits.get(pd.Timestamp(refit), FitResult(None, "fit_failed", message="missing"))
        else:
            scale = window_scale(window)
            start_values = (
                rescale_params(previous.params, previous.scale, scale) if previous else None
            )
            fit = fit_gjr_garch_t(window, start_values, scale=scale, method=fit_method)
        if fit.params is not None and fit.status == "ok":
            previous = fit
        if n_seen >= settings.min_obs:
            fit_rows.append(
                {
                    "refit_date": pd.Timestamp(refit),
                    "n_obs": n_seen - start,
                    "window_start": pd.Timestamp(dates[start]),
                    "window_end": pd.Timestamp(dates[n_seen - 1]),
                    "fit": fit,
                }
            )
        out = slice(begin, end)  # forecasts made at closes from the refit date on
        if fit.status != "ok":
            reason[out] = fit.status
            continue
        params, data_scale = fit.params, fit.scale
        scaled = pct[start:end] * data_scale
        # arch backcasts from its starting-value residuals, i.e. around the window's sample mean
        fitted = scaled[: n_seen - start]
        backcast = arch_backcast(fitted - fitted.mean())
        state = filter_variance(scaled, params, backcast)[1 + begin - start :]
        garch_variance[out] = state
        vol_1d[out], vol_21d[out] = garch_forecast_vols(state, fit, settings.horizon)
        model[out] = "gjr_garch_t"
        reason[out] = None
        params_date[out] = np.datetime64(pd.Timestamp(refit))
    fund = FundVolatility(
        vol_1d, vol_21d, model, reason, params_date, fit_rows, ewma, garch_variance
    )
    guard_band(fund, np.sqrt(ewma) * annualise, settings.band_multiple)
    return fund


def garch_forecast_vols(
    state: np.ndarray, fit: FitResult, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """The 1-day and ``horizon``-day-average forecasts (annualised decimal volatilities) from
    GARCH states (one-step variances in the fit's scaled units) and the fit."""
    annualise = np.sqrt(TRADING_DAYS) / 100.0  # percent daily -> decimal annual
    next_var = state / fit.scale**2
    a, b = mean_forecast_factors(fit.params, horizon)
    omega = fit.params[1] / fit.scale**2
    return np.sqrt(next_var) * annualise, np.sqrt(a * next_var + b * omega) * annualise


@dataclass
class FilterState:
    """One fund's filters after its last observation before a live refresh.

    ``ewma_variance``: the EWMA variances after its last ``BAND_WINDOW`` (or fewer)
    observations, oldest first (their volatilities centre the band of the new ones);
    ``garch_variance``: the GARCH state after the last one (NaN if its period has no usable
    fit); ``n_obs``: how many observations it has in all.
    """

    ewma_variance: np.ndarray
    garch_variance: float
    n_obs: int


def resume_fund_volatility(
    returns: np.ndarray,
    state: FilterState,
    fit: FitResult,
    fit_date: pd.Timestamp | None,
    settings: GarchSettings,
) -> FundVolatility:
    """Forecasts after one fund's new observations, carried on from ``state``.

    Equal, bit for bit, to the rows :func:`fund_volatility` gives them over the whole history
    (tests/unit/test_garch.py checks it), provided the new observations lie in the same refit
    period as the last old one, whose fit is ``fit`` (refit date ``fit_date``; a FitResult
    with status insufficient_history where that period has none), and that the EWMA is past
    its warm-up (``state.n_obs`` >= EWMA_WARMUP). :func:`~etf_warehouse.risk.garch.
    garch_volatility_tail` checks both and refilters the whole history of any fund that fails
    them.
    """
    n = returns.shape[0]
    if n == 0 or state.n_obs < EWMA_WARMUP:
        raise ValueError("resume_fund_volatility needs new observations and a warmed-up EWMA")
    pct = returns * 100.0
    annualise = np.sqrt(TRADING_DAYS) / 100.0
    ewma = continue_ewma(pct, float(state.ewma_variance[-1]))
    vol_1d = np.sqrt(ewma) * annualise
    vol_21d = vol_1d.copy()
    model = np.full(n, "ewma", dtype=object)
    reason = np.full(n, fit.status, dtype=object)
    params_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    garch_variance = np.full(n, np.nan)
    if fit.status == "ok" and fit.params is not None:
        params, data_scale = fit.params, fit.scale
        garch_variance[:] = continue_variance(pct * data_scale, params, state.garch_variance)
        vol_1d, vol_21d = garch_forecast_vols(garch_variance, fit, settings.horizon)
        model[:] = "gjr_garch_t"
        reason[:] = None
        params_date[:] = np.datetime64(pd.Timestamp(fit_date))
    fund = FundVolatility(vol_1d, vol_21d, model, reason, params_date, [], ewma, garch_variance)
    # the band of a new observation is centred on the EWMA volatilities before it, old and new
    ewma_vol = np.sqrt(ewma) * annualise
    earlier = np.sqrt(state.ewma_variance) * annualise
    lower, upper = plausible_band(np.concatenate([earlier, ewma_vol]), settings.band_multiple)
    guard_band(fund, ewma_vol, settings.band_multiple, band=(lower[-n:], upper[-n:]))
    return fund


BAND_WINDOW = 252  # observations in the trailing median that centres a fund's plausible band
BAND_MIN_PERIODS = 20


def plausible_band(ewma_vol: np.ndarray, multiple: float) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) volatility a forecast after each observation may plausibly take.

    Centred on the fund's own median EWMA volatility over the ``BAND_WINDOW`` observations
    before it (point-in-time: the forecast's own observation is not in it), ``multiple`` times
    either way. NaN, no band, until ``BAND_MIN_PERIODS`` observations exist, and where that
    median is zero (a fund that has not moved: no scale to judge by). A genuine crisis moves
    a fund's volatility up to a dozen times its calm level (on the real files: JNK from 8 % to
    86 % in October 2008, FXF at the franc's de-pegging in January 2015), so the default of 25
    leaves them alone; a corrupt return moves it hundreds of times (11,800 % from a +10,334 %
    tick).
    """
    centre = (
        pd.Series(ewma_vol)
        .rolling(BAND_WINDOW, min_periods=BAND_MIN_PERIODS)
        .median()
        .shift(1)
        .to_numpy()
    )
    centre = np.where(centre > 0, centre, np.nan)
    return centre / multiple, centre * multiple


def guard_band(
    fund: FundVolatility,
    ewma_vol: np.ndarray,
    multiple: float,
    band: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """Keep every forecast of ``fund`` in its plausible band (in place).

    A GARCH forecast outside the band falls back to EWMA (``vol_fallback_reason``
    ``out_of_band``); an EWMA forecast still outside is clipped to the band's edge
    (``clipped_to_band``). Rows with no band yet are left as they are. ``band`` (lower,
    upper) when the fund's earlier observations centre it (a live refresh), else
    :func:`plausible_band` of ``ewma_vol``.
    """
    lower, upper = band if band is not None else plausible_band(ewma_vol, multiple)
    has_band = np.isfinite(lower)
    outside = has_band & (
        (fund.vol_1d_ann > upper)
        | (fund.vol_21d_ann > upper)
        | (fund.vol_1d_ann < lower)
        | (fund.vol_21d_ann < lower)
    )
    garch_out = outside & (fund.model == "gjr_garch_t")
    fund.vol_1d_ann[garch_out] = ewma_vol[garch_out]
    fund.vol_21d_ann[garch_out] = ewma_vol[garch_out]
    fund.model[garch_out] = "ewma"
    fund.fallback_reason[garch_out] = "out_of_band"
    fund.params_date[garch_out] = np.datetime64("NaT")
    for values in (fund.vol_1d_ann, fund.vol_21d_ann):
        clipped = has_band & ((values > upper) | (values < lower))
        values[clipped] = np.clip(values[clipped], lower[clipped], upper[clipped])
        fund.fallback_reason[clipped] = "clipped_to_band"

"""GJR-GARCH(1,1) volatility with Student-t errors: scheduled ``arch`` fits, filtered forward.

Refitting a GARCH model on every date is the textbook way to get point-in-time forecasts and the
slow one (~20 ms per fit, 5,000 dates x thousands of funds). Here each fund is fitted with
``arch`` on a schedule (by default on the first trading day of every calendar year divisible by
three, on an expanding window capped at ``max_window`` observations, warm-started from the
previous fit) and its conditional variance is then *filtered forward* with the fitted parameters
until the next refit:

    sigma2[t+1] = omega + (alpha + gamma * 1[e[t] < 0]) * e[t]^2 + beta * sigma2[t],  e = r - mu

The filter reproduces arch's own variance recursion exactly (same backcast, same start-up
terms), so on a fit's window it equals ``ARCHModelResult.conditional_volatility`` and its
forecasts equal ``ARCHModelResult.forecast``. The recursion is linear in sigma2 with coefficient
beta, so it runs as ``scipy.signal.lfilter`` per fund and refit period, in C.

Point-in-time: parameters fitted at the close of refit date R use returns dated <= R and produce
forecasts from R's close until the next refit; a forecast at the close of t uses returns <= t.

Units: each fit's window is scaled to unit standard deviation before arch sees it (arch's
optimiser wants data of order 1, and a cash fund's percent returns are of order 1e-3); the scale
is stored with the fit. Forecasts come back as annualised decimal volatilities (0.15 = 15 %).

Where a fund has fewer than ``min_obs`` returns at a refit, or its fit fails, does not converge,
is not stationary or implies a long-run volatility five times off the window's own, the period
falls back to a RiskMetrics EWMA (lambda 0.94), flagged with the reason. Every forecast must
also lie within a plausible band from the fund's own history (``band_multiple`` times its
trailing median EWMA volatility, either way): a GARCH forecast outside it falls back to EWMA
(``out_of_band``) and an EWMA one is clipped to the band (``clipped_to_band``), so a corrupt
return that slipped through cleaning cannot publish a volatility of thousands of percent.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from arch import arch_model
from scipy.signal import lfilter

from etf_warehouse.frames import empty_frame

TRADING_DAYS = 252
BACKCAST_TAU = 75  # arch's backcast: 0.94-weighted mean of the first 75 squared residuals
EWMA_LAMBDA = 0.94
EWMA_WARMUP = 20  # expanding mean of squared returns for the first 20 observations
PARAM_NAMES = ("mu", "omega", "alpha", "gamma", "beta", "nu")


@dataclass(frozen=True)
class GarchSettings:
    """Refit schedule and fit windows (see module docstring).

    ``refit_months``: months between refits (12 = yearly, on the first trading day of January;
    36, the default, on the first trading day of years divisible by 3: measured by
    benchmarks/refit_tradeoffs.py, yearly refits cost 2.4x the CPU for no measurable forecast
    gain);
    ``max_window``: most recent observations a fit uses; ``min_obs``: fewer returns than this at
    a refit falls back to EWMA; ``horizon``: days averaged in the multi-day forecast;
    ``band_multiple``: a forecast more than this many times above or below the fund's own
    trailing median EWMA volatility leaves its plausible band (see :func:`plausible_band`).
    """

    refit_months: int = 36
    max_window: int = 2520
    min_obs: int = 500
    horizon: int = 21
    band_multiple: float = 25.0


@dataclass
class FitResult:
    params: np.ndarray | None  # mu, omega, alpha, gamma, beta, nu, for returns_pct * scale
    status: str  # ok | fit_failed | not_converged | nonstationary | implausible | ...
    loglik: float | None = None
    iterations: int | None = None
    seconds: float = 0.0
    message: str | None = None
    scale: float = 1.0


def arch_backcast(resid: np.ndarray) -> float:
    """arch's variance backcast: 0.94-weighted mean of the first 75 squared residuals."""
    tau = min(BACKCAST_TAU, resid.shape[0])
    weights = EWMA_LAMBDA ** np.arange(tau)
    weights /= weights.sum()
    return float(np.sum(resid[:tau] ** 2 * weights))


def window_scale(returns_pct: np.ndarray) -> float:
    """Factor bringing a window's returns to unit standard deviation.

    arch's optimiser is reliable for data of order 1; a cash fund's daily returns in percent
    are of order 1e-3 and give degenerate fits unscaled. Parameters are estimated on
    ``returns_pct * scale`` (the scale comes from the window alone, so it is point-in-time).
    """
    sd = float(np.std(returns_pct))
    return 1.0 / sd if sd > 0 else 1.0


def rescale_params(params: np.ndarray, old_scale: float, new_scale: float) -> np.ndarray:
    """The same model for data scaled by ``new_scale`` instead of ``old_scale``."""
    ratio = new_scale / old_scale
    out = params.copy()
    out[0] *= ratio  # mu
    out[1] *= ratio**2  # omega
    return out


def fit_gjr_garch_t(
    returns_pct: np.ndarray,
    starting_values: np.ndarray | None = None,
    *,
    scale: float = 1.0,
    max_vol_ratio: float = 5.0,
) -> FitResult:
    """Fit a constant-mean GJR-GARCH(1,1)-t with ``arch`` on ``returns_pct * scale``.

    A fit that arch reports as converged is still rejected (``implausible``) when its implied
    long-run volatility is more than ``max_vol_ratio`` times above or below the window's own.
    """
    started = time.perf_counter()
    data = returns_pct * scale
    try:
        model = arch_model(
            data, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence is checked below, not warned about
            res = model.fit(disp="off", starting_values=starting_values, show_warning=False)
    except Exception as exc:  # any failure means: fall back, and record why
        return FitResult(
            None,
            "fit_failed",
            seconds=time.perf_counter() - started,
            message=f"{type(exc).__name__}: {exc}",
            scale=scale,
        )
    params = np.asarray(res.params, dtype=float)
    elapsed = time.perf_counter() - started
    iterations = int(getattr(res.optimization_result, "nit", 0) or 0)
    loglik = float(res.loglikelihood)

    def result(status: str, message: str | None = None) -> FitResult:
        return FitResult(params, status, loglik, iterations, elapsed, message, scale)

    if res.convergence_flag != 0 or not np.all(np.isfinite(params)):
        return result("not_converged", str(getattr(res.optimization_result, "message", "")))
    p = persistence(params)
    if p >= 1.0:
        return result("nonstationary", f"alpha + gamma/2 + beta = {p:.4f}")
    long_run_vol = np.sqrt(params[1] / (1.0 - p))
    sample_vol = float(np.std(data))
    if not 1.0 / max_vol_ratio <= long_run_vol / sample_vol <= max_vol_ratio:
        return result(
            "implausible", f"long-run vol {long_run_vol:.3g} vs sample vol {sample_vol:.3g}"
        )
    return result("ok")


def persistence(params: np.ndarray) -> float:
    """alpha + gamma / 2 + beta: the decay rate of variance shocks (symmetric errors)."""
    return float(params[2] + 0.5 * params[3] + params[4])


def filter_variance(returns_pct: np.ndarray, params: np.ndarray, backcast: float) -> np.ndarray:
    """Conditional variances of a GJR-GARCH(1,1) given parameters, as arch computes them.

    Returns an array one longer than ``returns_pct``: element i is the variance of observation i
    given observations before it, and the last element is the one-step forecast after the last
    observation. Percent-squared units.
    """
    mu, omega, alpha, gamma, beta = params[:5]
    e = returns_pct - mu
    shock = (alpha + gamma * (e < 0)) * e * e
    drive = np.empty(e.shape[0] + 1)
    drive[0] = omega + (alpha + 0.5 * gamma) * backcast
    drive[1:] = omega + shock
    sigma2, _ = lfilter([1.0], [1.0, -beta], drive, zi=[beta * backcast])
    return sigma2


def mean_forecast_factors(params: np.ndarray, horizon: int) -> tuple[float, float]:
    """(A, B) with mean_{h=1..H} E[sigma2_{t+h}] = A * sigma2_{t+1} + B * omega.

    For GJR-GARCH with symmetric errors E[sigma2_{t+h}] = omega + p E[sigma2_{t+h-1}],
    p = alpha + gamma/2 + beta, so sigma2_{t+h} = p^(h-1) sigma2_{t+1} + omega sum_{i<h-1} p^i.
    """
    p = persistence(params)
    powers = p ** np.arange(horizon)  # p^(h-1), h = 1..H
    cumulative = np.concatenate([[0.0], np.cumsum(powers[:-1])])  # sum_{i<h-1} p^i
    return float(powers.mean()), float(cumulative.mean())


def ewma_variance(returns_pct: np.ndarray) -> np.ndarray:
    """One-step variance forecasts after each observation: expanding mean of squared returns
    for the first 20 observations, then RiskMetrics EWMA (lambda 0.94). Uses only returns up to
    each observation."""
    r2 = returns_pct**2
    out = np.empty_like(r2)
    n_warm = min(EWMA_WARMUP, r2.shape[0])
    out[:n_warm] = np.cumsum(r2[:n_warm]) / np.arange(1, n_warm + 1)
    if r2.shape[0] > n_warm:
        tail, _ = lfilter(
            [1.0 - EWMA_LAMBDA],
            [1.0, -EWMA_LAMBDA],
            r2[n_warm:],
            zi=[EWMA_LAMBDA * out[n_warm - 1]],
        )
        out[n_warm:] = tail
    return out


def refit_dates(dates: pd.DatetimeIndex, refit_months: int) -> pd.DatetimeIndex:
    """Refit on the first trading date of every ``refit_months``-th month (January, ...);
    beyond a year, on the first trading date of every calendar year divisible by the years.

    The first date of a period is known on that date, whereas "the last trading day of the
    year" is only known once the next year starts: refitting on period starts keeps the
    schedule itself point-in-time (data truncated mid-year gets no extra refit).
    """
    if refit_months < 1 or (12 % refit_months and refit_months % 12):
        raise ValueError(f"refit_months must divide 12 or be a multiple of it, got {refit_months}")
    dates = pd.DatetimeIndex(dates).unique().sort_values()
    firsts = pd.Series(dates, index=dates).groupby([dates.year, dates.month]).min()
    if refit_months <= 12:
        keep = [d for (_, month), d in firsts.items() if (month - 1) % refit_months == 0]
    else:  # every k-th January, on calendar years divisible by k (not on the data's start)
        years = refit_months // 12
        keep = [d for (year, month), d in firsts.items() if month == 1 and year % years == 0]
    return pd.DatetimeIndex(keep)


@dataclass
class FundVolatility:
    """Forecasts for one fund: arrays aligned with its observations."""

    vol_1d_ann: np.ndarray
    vol_21d_ann: np.ndarray
    model: np.ndarray  # 'gjr_garch_t' | 'ewma'
    fallback_reason: np.ndarray  # None | status of the refit that was not usable
    params_date: np.ndarray  # refit date whose parameters produced the forecast (NaT: EWMA)
    fits: list[dict] = field(default_factory=list)


def fund_volatility(
    dates: np.ndarray,
    returns: np.ndarray,
    refits: pd.DatetimeIndex,
    settings: GarchSettings,
    *,
    fits: dict[pd.Timestamp, FitResult] | None = None,
    fit_from: pd.Timestamp | None = None,
    warm_start: FitResult | None = None,
) -> FundVolatility:
    """Point-in-time volatility forecasts after each of one fund's returns.

    ``dates``/``returns`` are the fund's observations in date order (decimal returns). If
    ``fits`` is given (refit date -> FitResult) those are used instead of fitting, which lets a
    fitting pass and a filtering pass run separately. With ``fit_from`` only the refits on or
    after it are fitted (a live refresh), warm-started from ``warm_start``, the last usable fit
    before it, exactly as the full pass would have; the forecasts are then left unset.
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
            fit = fit_gjr_garch_t(window, start_values, scale=scale)
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
        next_var = filter_variance(scaled, params, backcast)[1:] / data_scale**2
        a, b = mean_forecast_factors(params, settings.horizon)
        omega = params[1] / data_scale**2
        vol_1d[out] = np.sqrt(next_var[begin - start :]) * annualise
        vol_21d[out] = np.sqrt(a * next_var[begin - start :] + b * omega) * annualise
        model[out] = "gjr_garch_t"
        reason[out] = None
        params_date[out] = np.datetime64(pd.Timestamp(refit))
    fund = FundVolatility(vol_1d, vol_21d, model, reason, params_date, fit_rows)
    guard_band(fund, np.sqrt(ewma) * annualise, settings.band_multiple)
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


def guard_band(fund: FundVolatility, ewma_vol: np.ndarray, multiple: float) -> None:
    """Keep every forecast of ``fund`` in its plausible band (in place).

    A GARCH forecast outside the band falls back to EWMA (``vol_fallback_reason``
    ``out_of_band``); an EWMA forecast still outside is clipped to the band's edge
    (``clipped_to_band``). Rows with no band yet are left as they are.
    """
    lower, upper = plausible_band(ewma_vol, multiple)
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


def fit_rows_frame(ticker: str, fund: FundVolatility) -> pd.DataFrame:
    """One row per refit of a fund: window, parameters, log-likelihood, status, timing."""
    rows = []
    for row in fund.fits:
        fit: FitResult = row["fit"]
        params = fit.params if fit.params is not None else np.full(6, np.nan)
        rows.append(
            {
                "ticker": ticker,
                "refit_date": row["refit_date"],
                "window_start": row["window_start"],
                "window_end": row["window_end"],
                "n_obs": row["n_obs"],
                **{f"param_{name}": float(v) for name, v in zip(PARAM_NAMES, params, strict=True)},
                "persistence": persistence(params) if fit.params is not None else np.nan,
                "data_scale": fit.scale,
                "loglik": fit.loglik,
                "iterations": fit.iterations,
                "fit_seconds": fit.seconds,
                "status": fit.status,
                "message": fit.message,
            }
        )
    return pd.DataFrame(rows)


def _fund_arrays(returns: pd.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray]]:
    returns = returns.sort_values(["ticker", "date"], kind="stable")
    return [
        (
            str(ticker),
            group["date"].to_numpy(dtype="datetime64[ns]"),
            group["daily_return"].to_numpy(dtype=float),
        )
        for ticker, group in returns.groupby("ticker", sort=True)
    ]


def _fit_fund(task: tuple):
    ticker, dates, values, refits, settings, fit_from, warm_start = task
    fund = fund_volatility(
        dates, values, refits, settings, fit_from=fit_from, warm_start=warm_start
    )
    return fit_rows_frame(ticker, fund)


def garch_fits_panel(
    returns: pd.DataFrame,
    settings: GarchSettings,
    *,
    workers: int = 1,
    fit_from: pd.Timestamp | None = None,
    earlier_fits: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fit every fund on the refit schedule; one row per (ticker, refit date).

    ``returns`` has columns ticker, date, daily_return (decimal). Funds are independent, so
    with ``workers`` > 1 they are fitted in a pool of processes (results are identical).

    A live refresh passes ``fit_from`` and the fits made so far (``earlier_fits``, this
    function's earlier output): only refits on or after ``fit_from`` are fitted, each fund
    warm-started from its last usable earlier fit, so the rows equal a full pass's.
    """
    if returns.empty:
        return empty_frame(FIT_SCHEMA)
    refits = refit_dates(pd.DatetimeIndex(returns["date"].unique()), settings.refit_months)
    warm: dict[str, FitResult] = {}
    if fit_from is not None:
        if not (refits >= fit_from).any():  # no refit falls in the refreshed days
            return empty_frame(FIT_SCHEMA)
        before = (earlier_fits if earlier_fits is not None else empty_frame(FIT_SCHEMA)).loc[
            lambda f: pd.to_datetime(f["refit_date"]) < fit_from
        ]
        for ticker, by_refit in _fits_by_refit(before).items():
            usable = [
                r
                for r in sorted(by_refit)
                if by_refit[r].params is not None and by_refit[r].status == "ok"
            ]
            if usable:
                warm[ticker] = by_refit[usable[-1]]
    tasks = [
        (t, d, v, refits, settings, fit_from, warm.get(t)) for t, d, v in _fund_arrays(returns)
    ]
    if workers > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            frames = list(pool.map(_fit_fund, tasks, chunksize=max(1, len(tasks) // (4 * workers))))
    else:
        frames = [_fit_fund(task) for task in tasks]
    frames = [f for f in frames if not f.empty]
    if not frames:  # no fund has enough history yet: an empty frame, still typed
        return empty_frame(FIT_SCHEMA)
    return pd.concat(frames, ignore_index=True)[FIT_COLUMNS].astype(
        {"loglik": "float64", "iterations": "Int64", "message": "str"}
    )


FIT_SCHEMA: dict[str, str] = {
    "ticker": "str",
    "refit_date": "datetime64[ns]",
    "window_start": "datetime64[ns]",
    "window_end": "datetime64[ns]",
    "n_obs": "int64",
    **{f"param_{name}": "float64" for name in PARAM_NAMES},
    "persistence": "float64",
    "data_scale": "float64",
    "loglik": "float64",
    "iterations": "Int64",
    "fit_seconds": "float64",
    "status": "str",
    "message": "str",
}
FIT_COLUMNS = list(FIT_SCHEMA)
VOLATILITY_SCHEMA: dict[str, str] = {
    "ticker": "str",
    "date": "datetime64[ns]",
    "garch_vol_1d_ann": "float64",
    "garch_vol_21d_ann": "float64",
    "vol_model": "str",
    "vol_fallback_reason": "str",
    "params_refit_date": "datetime64[ns]",
}


def _fits_by_refit(fits: pd.DataFrame) -> dict[str, dict[pd.Timestamp, FitResult]]:
    out: dict[str, dict[pd.Timestamp, FitResult]] = {}
    param_columns = [f"param_{name}" for name in PARAM_NAMES]
    for row in fits.itertuples(index=False):
        params = np.array([getattr(row, c) for c in param_columns], dtype=float)
        out.setdefault(row.ticker, {})[pd.Timestamp(row.refit_date)] = FitResult(
            params if np.all(np.isfinite(params)) else None, row.status, scale=row.data_scale
        )
    return out


def garch_volatility_panel(
    returns: pd.DataFrame, fits: pd.DataFrame, settings: GarchSettings
) -> pd.DataFrame:
    """Forecasts after every return of every fund, from stored fits (see garch_fits_panel).

    Columns: ticker, date, garch_vol_1d_ann, garch_vol_21d_ann (decimal, annualised),
    vol_model, vol_fallback_reason, params_refit_date.
    """
    if returns.empty:
        return empty_frame(VOLATILITY_SCHEMA)
    refits = refit_dates(pd.DatetimeIndex(returns["date"].unique()), settings.refit_months)
    by_ticker = _fits_by_refit(fits)
    frames = []
    for ticker, dates, values in _fund_arrays(returns):
        fund = fund_volatility(dates, values, refits, settings, fits=by_ticker.get(ticker, {}))
        frames.append(
            pd.DataFrame(
                {
                    "ticker": ticker,
                    "date": dates,
                    "garch_vol_1d_ann": fund.vol_1d_ann,
                    "garch_vol_21d_ann": fund.vol_21d_ann,
                    "vol_model": fund.model,
                    "vol_fallback_reason": fund.fallback_reason,
                    "params_refit_date": fund.params_date,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)

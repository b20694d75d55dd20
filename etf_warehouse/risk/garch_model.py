"""The pieces of the GJR-GARCH(1,1)-t model: one ``arch`` fit, its variance recursion, the EWMA
fallback and the refit schedule (the whole method: :mod:`etf_warehouse.risk.garch`).

Units: returns in percent (``returns_pct``), variances in percent squared; a fit's parameters
are for ``returns_pct * scale`` (see :func:`window_scale`).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from arch import arch_model
from scipy.signal import lfilter

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

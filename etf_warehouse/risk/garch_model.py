"""The pieces of the GJR-GARCH(1,1)-t model: one ``arch`` fit, its variance recursion, the EWMA
fallback and the refit schedule (the whole method: :mod:`etf_warehouse.risk.garch`).

Units: returns in percent (``returns_pct``), variances in percent squared; a fit's parameters
are for ``returns_pct * scale`` (see :func:`window_scale`).

The fit (issue 21): arch's own maximum-likelihood problem (its objective, backcast, bounds,
constraints and starting values) solved by the same SciPy SLSQP, but given exact derivatives:
the log-likelihood's gradient by the chain rule through the variance recursion
(:func:`gjr_t_gradient`) and the constant Jacobian of arch's linear constraints. arch passes
neither, so SciPy differences the objective (7 evaluations a gradient) and each of the seven
constraints numerically, ~70 % of a fit. A valid warm start (the fund's previous parameters)
also skips arch's starting-value grid, and a fit may take 200 iterations (SciPy's default 100
left two slow fits unconverged). On the sample warehouse's 539 scheduled fits, one process:
18.2 s -> 5.3 s of fit CPU (33.8 -> 9.9 ms a fit). The stopping rule is unchanged: loosening
SLSQP's ``ftol`` (1e-4 to 1e-2) saved another 20-55 % but stopped fits on the flat nu plateau,
log-likelihoods up to 21-45 lower, so it was not taken.

Accuracy traded, against ``arch_model(...).fit()`` on the same windows and warm starts
(``method="arch"``, kept as the reference): the exact fit stops where its own gradient says the
optimum is, not where SciPy's differences do, so fits move within the optimiser's tolerance
(median 1-day forecast difference 5e-6, 90th percentile 5e-4 on the sample) and, where the
likelihood is flat in nu or beta, further: the largest moves were 67 % (1-day) and 3.8 %
(21-day) on a degenerate fund. The log-likelihood is higher on 92 of 534 fits and lower (by at
most 1.39) on 27; one of 539 fits (persistence 0.99997 -> 1.0) became unusable and three swapped
rejection reasons at persistence 1.0. On 40 real Stooq ETFs (157 fits) no fit changed usability,
the median difference was 8e-7 and the largest 6.8 %. Against arch refitted on every date
(benchmarks/garch_benchmark.py, 597 paired forecasts): median 1.23 % vs 1.24 % (1-day), 1.43 %
vs 1.47 % (21-day) for arch's fit: the schedule's parameter age, not the fit, sets the accuracy.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from arch import arch_model
from scipy.optimize import minimize
from scipy.signal import lfilter
from scipy.special import digamma

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


FIT_METHODS = ("exact", "arch")
MAX_ITERATIONS = 200  # SLSQP iterations of the exact fit (arch's own fit: SciPy's 100)


def gjr_t_gradient(params: np.ndarray, data: np.ndarray, backcast: float) -> np.ndarray:
    """Gradient of arch's objective (minus the GJR-GARCH(1,1)-t log-likelihood) in ``params``.

    Exact, by the chain rule through the variance recursion: each d sigma2_t / d theta follows
    the recursion's own linear filter (coefficient beta), so the six derivatives cost about one
    likelihood evaluation where SciPy's forward differences cost seven. ``backcast`` is held
    fixed, as arch holds it. arch clips variances to loose bounds (1e-6 to 1e6 times an EWMA);
    where a clip binds the gradient is that of the unclipped model (it never binds at a fit).
    """
    mu, _, alpha, gamma, beta, nu = params
    e = data - mu
    e2 = e * e
    neg = e < 0
    sigma2 = filter_variance(data, params, backcast)[:-1]
    drivers = np.empty((5, e.shape[0]))  # d/d(mu, omega, alpha, gamma, beta) of sigma2's input
    drivers[:, 0] = 0.0, 1.0, backcast, 0.5 * backcast, backcast
    drivers[0, 1:] = -2.0 * (alpha + gamma * neg[:-1]) * e[:-1]
    drivers[1, 1:] = 1.0
    drivers[2, 1:] = e2[:-1]
    drivers[3, 1:] = neg[:-1] * e2[:-1]
    drivers[4, 1:] = sigma2[:-1]
    d_sigma2 = lfilter([1.0], [1.0, -beta], drivers, axis=1)
    nu_m2 = nu - 2.0
    z = e2 / (sigma2 * nu_m2)
    w = z / (1.0 + z)
    dll_dsigma2 = (0.5 * (nu + 1.0) * w - 0.5) / sigma2
    grad = d_sigma2 @ dll_dsigma2
    grad[0] += np.sum((nu + 1.0) * e / (sigma2 * nu_m2 * (1.0 + z)))  # via e = data - mu
    dll_dnu = e.shape[0] * (
        0.5 * digamma(0.5 * (nu + 1.0)) - 0.5 * digamma(0.5 * nu) - 0.5 / nu_m2
    ) + np.sum(0.5 * (nu + 1.0) * w / nu_m2 - 0.5 * np.log1p(z))
    return -np.append(grad, dll_dnu)


def _arch_model(data: np.ndarray):
    return arch_model(data, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)


def _fit_exact(data: np.ndarray, starting_values: np.ndarray | None):
    """arch's fit of the model, with exact derivatives handed to SciPy's SLSQP.

    The same problem as ``arch_model(...).fit()`` (arch 8.0, ``ARCHModel.fit``): arch's
    objective (``_loglikelihood``), backcast, variance bounds, parameter bounds, linear
    constraints, warm-start validation and cold starting values, the same SLSQP and ``ftol``.
    What differs: SLSQP gets the objective's exact gradient (:func:`gjr_t_gradient`) and the
    constraints' constant Jacobian as one vector constraint (arch passes neither, so SciPy
    differences the objective and each of the seven constraints numerically: ~70 % of a fit),
    may take up to ``MAX_ITERATIONS`` iterations, and arch's starting-value grid search is
    skipped when a valid warm start is given. tests/unit/test_garch.py checks that with SciPy's
    differencing back in place this reproduces arch's fit exactly.
    """
    model = _arch_model(data)
    model._adjust_sample(None, None)  # what arch's fit does first: the full sample
    vol, dist = model.volatility, model.distribution
    resids = data - data.mean()  # the constant mean's residuals at its starting value
    backcast = vol.backcast(resids)
    var_bounds = vol.variance_bounds(resids)
    sigma2 = np.zeros(data.shape[0])
    (a_vol, b_vol), (a_dist, b_dist) = vol.constraints(), dist.constraints()
    a = np.zeros((a_vol.shape[0] + a_dist.shape[0], 6))  # a @ params - b >= 0
    a[: a_vol.shape[0], 1:5] = a_vol
    a[a_vol.shape[0] :, 5:] = a_dist
    b = np.concatenate([b_vol, b_dist])
    bounds = model.bounds() + vol.bounds(resids) + dist.bounds(resids)
    if starting_values is not None:
        sv = np.asarray(starting_values, dtype=float)
        valid = (
            sv.shape == (len(bounds),)
            and bool(np.all(a @ sv - b >= 0))
            and all(lo <= x <= hi for x, (lo, hi) in zip(sv, bounds, strict=True))
        )
        starting_values = sv if valid else None  # arch, too, drops an invalid start
    if starting_values is None:
        sv_vol = vol.starting_values(resids)
        vol.compute_variance(sv_vol, resids, sigma2, backcast, var_bounds)
        std_resids = resids / np.sqrt(sigma2)
        starting_values = np.hstack(
            [model.starting_values(), sv_vol, dist.starting_values(std_resids)]
        )
    return minimize(
        model._loglikelihood,
        starting_values,
        args=(sigma2, backcast, var_bounds),
        jac=lambda x, *_: gjr_t_gradient(x, data, backcast),
        method="SLSQP",
        bounds=bounds,
        constraints=[{"type": "ineq", "fun": lambda x, *_: a @ x - b, "jac": lambda x, *_: a}],
        options={"maxiter": MAX_ITERATIONS},
    )


def fit_gjr_garch_t(
    returns_pct: np.ndarray,
    starting_values: np.ndarray | None = None,
    *,
    scale: float = 1.0,
    max_vol_ratio: float = 5.0,
    method: str = "exact",
) -> FitResult:
    """Fit a constant-mean GJR-GARCH(1,1)-t with ``arch`` on ``returns_pct * scale``.

    ``method="exact"`` (the warehouse's): arch's likelihood maximised with exact derivatives
    (:func:`_fit_exact`), ~4x faster; ``"arch"``: ``arch_model(...).fit()`` itself, the
    reference. A fit that converged is still rejected (``implausible``) when its implied
    long-run volatility is more than ``max_vol_ratio`` times above or below the window's own.
    """
    if method not in FIT_METHODS:
        raise ValueError(f"method must be one of {FIT_METHODS}, got {method!r}")
    started = time.perf_counter()
    data = returns_pct * scale
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence is checked below, not warned about
            if method == "exact":
                opt = _fit_exact(data, starting_values)
                params, loglik, flag = opt.x, -float(opt.fun), opt.status
            else:
                res = _arch_model(data).fit(
                    disp="off", starting_values=starting_values, show_warning=False
                )
                opt = res.optimization_result
                params, loglik, flag = res.params, float(res.loglikelihood), res.convergence_flag
    except Exception as exc:  # any failure means: fall back, and record why
        return FitResult(
            None,
            "fit_failed",
            seconds=time.perf_counter() - started,
            message=f"{type(exc).__name__}: {exc}",
            scale=scale,
        )
    params = np.asarray(params, dtype=float)
    elapsed = time.perf_counter() - started
    iterations = int(getattr(opt, "nit", 0) or 0)

    def result(status: str, message: str | None = None) -> FitResult:
        return FitResult(params, status, loglik, iterations, elapsed, message, scale)

    if flag != 0 or not np.all(np.isfinite(params)):
        return result("not_converged", str(getattr(opt, "message", "")))
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


def continue_variance(returns_pct: np.ndarray, params: np.ndarray, last: float) -> np.ndarray:
    """:func:`filter_variance` carried on from a state instead of started from a backcast.

    ``last`` is the one-step variance after the observation before ``returns_pct`` (an element
    of ``filter_variance``'s output); element i of the result is the one-step variance after
    observation i. Bit for bit what one ``filter_variance`` over both stretches gives: lfilter
    keeps ``beta * y`` as its state and adds each input to it, as here.
    """
    mu, omega, alpha, gamma, beta = params[:5]
    e = returns_pct - mu
    drive = omega + (alpha + gamma * (e < 0)) * e * e
    sigma2, _ = lfilter([1.0], [1.0, -beta], drive, zi=[beta * last])
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


def continue_ewma(returns_pct: np.ndarray, last: float) -> np.ndarray:
    """:func:`ewma_variance` carried on past its warm-up from ``last``, the forecast after the
    observation before ``returns_pct``: bit for bit the same values (lfilter's state is
    ``lambda * y``)."""
    out, _ = lfilter(
        [1.0 - EWMA_LAMBDA], [1.0, -EWMA_LAMBDA], returns_pct**2, zi=[EWMA_LAMBDA * last]
    )
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

"""Dynamic beta by a Kalman filter: beta as a random walk observed through daily returns.

Model, per fund::

    r[t]    = beta[t] * b[t] + e[t],      e[t] ~ N(0, R[t])       (observation)
    beta[t] = beta[t-1] + u[t],           u[t] ~ N(0, Q[t])       (state)

with r the fund's return and b its home benchmark's return over the same span. The noise
variances are estimated on line, point-in-time: R is an EWMA of the squared post-update
residuals and Q = R / (memory^2 * V), V an EWMA of b^2, which makes the filter scale-free with an
effective memory of about ``memory`` observations (a signal-to-noise ratio of 1/memory^2). The
filter starts diffuse (beta 0, variance 1) at each fund's first return.

Two guards keep one bad observation from setting a fund's beta (on the real files a thin fund's
first +49 % day on a 0.9 % benchmark day made its beta 54, and it took months to decay):

- a robust update: the innovation that moves beta is clipped at ``innovation_clip`` of its own
  standard deviations (a Huber-type robust Kalman filter, as in Masreliez & Martin 1977), so one
  day's influence on beta is bounded; the noise estimate still sees the whole residual, so a
  fund whose returns really did get wilder adapts;
- a warm-up: beta is published from a fund's ``min_pairs``-th paired return (the filter runs
  from the first), when the diffuse start has been forgotten.

All funds are filtered together on a date grid (a loop over dates, vectors over funds); a fund
with no return on a date keeps its state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etf_warehouse.frames import empty_frame


@dataclass(frozen=True)
class KalmanBetaSettings:
    memory: int = 126  # observations: beta adapts over about half a year
    noise_lambda: float = 0.97  # EWMA decay of the residual and benchmark variances
    initial_beta: float = 0.0
    initial_variance: float = 1.0
    variance_floor: float = 1e-10  # daily return variance floor (a stale benchmark day)
    innovation_clip: float = 4.0  # standard deviations of the innovation that move beta
    min_pairs: int = 63  # paired returns before a beta is published


def kalman_beta_grid(
    fund_returns: np.ndarray, benchmark_returns: np.ndarray, settings: KalmanBetaSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Filtered beta and its standard error on a (dates x funds) grid; NaN where no pair."""
    n_dates, n_funds = fund_returns.shape
    beta_out = np.full((n_dates, n_funds), np.nan)
    se_out = np.full((n_dates, n_funds), np.nan)
    beta = np.full(n_funds, settings.initial_beta)
    p = np.full(n_funds, settings.initial_variance)
    r_var = np.full(n_funds, np.nan)  # NaN until the fund's first pair
    b_var = np.full(n_funds, np.nan)
    lam = settings.noise_lambda
    floor = settings.variance_floor
    memory2 = float(settings.memory) ** 2
    clip = settings.innovation_clip
    pairs_seen = np.zeros(n_funds, dtype=np.int64)
    for t in range(n_dates):
        y = fund_returns[t]
        x = benchmark_returns[t]
        seen = ~(np.isnan(y) | np.isnan(x))
        if not seen.any():
            continue
        idx = np.flatnonzero(seen)
        yy, xx = y[idx], x[idx]
        first = np.isnan(r_var[idx])
        # start each fund's noise estimates from its first pair
        r_now = np.where(first, np.maximum(yy * yy, floor), r_var[idx])
        v_now = np.where(first, np.maximum(xx * xx, floor), b_var[idx])
        p_pred = p[idx] + r_now / (memory2 * v_now)
        s = xx * xx * p_pred + r_now
        bound = clip * np.sqrt(s)
        innovation = np.clip(yy - beta[idx] * xx, -bound, bound)
        gain = p_pred * xx / s
        beta_new = beta[idx] + gain * innovation
        p_new = (1.0 - gain * xx) * p_pred
        residual = yy - beta_new * xx
        beta[idx] = beta_new
        p[idx] = p_new
        r_var[idx] = np.maximum(lam * r_now + (1.0 - lam) * residual * residual, floor)
        b_var[idx] = np.maximum(lam * v_now + (1.0 - lam) * xx * xx, floor)
        pairs_seen[idx] += 1
        published = pairs_seen[idx] >= settings.min_pairs
        beta_out[t, idx[published]] = beta_new[published]
        se_out[t, idx[published]] = np.sqrt(p_new[published])
    return beta_out, se_out


PANEL_SCHEMA = {
    "ticker": "str",
    "price_date": "datetime64[ns]",
    "beta_kalman": "float64",
    "beta_kalman_se": "float64",
}


def kalman_beta_panel(pairs: pd.DataFrame, settings: KalmanBetaSettings) -> pd.DataFrame:
    """Kalman beta after every paired return.

    ``pairs`` has columns ticker, price_date, daily_return, benchmark_return (decimal). Returns
    ticker, price_date, beta_kalman, beta_kalman_se.
    """
    pairs = pairs.dropna(subset=["daily_return", "benchmark_return"])
    if pairs.empty:  # no paired returns yet: an empty frame, still typed
        return empty_frame(PANEL_SCHEMA)
    y = pairs.pivot(index="price_date", columns="ticker", values="daily_return").sort_index()
    x = pairs.pivot(index="price_date", columns="ticker", values="benchmark_return")
    x = x.reindex(index=y.index, columns=y.columns)
    beta, se = kalman_beta_grid(y.to_numpy(), x.to_numpy(), settings)
    dates_idx, funds_idx = np.nonzero(~np.isnan(beta))
    if dates_idx.size == 0:  # no fund past its warm-up: still typed (an untyped empty column
        return empty_frame(PANEL_SCHEMA)  # would reach DuckDB as type NULL)
    return pd.DataFrame(
        {
            "ticker": y.columns.to_numpy()[funds_idx],
            "price_date": y.index.to_numpy()[dates_idx],
            "beta_kalman": beta[dates_idx, funds_idx],
            "beta_kalman_se": se[dates_idx, funds_idx],
        }
    )

"""The weights of one selection at one rebalance: caps, covariance, mean-variance and the
capped inverse-volatility fallback (the strategies and their loop:
:mod:`etf_warehouse.portfolio.construction`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import linprog, minimize
from sklearn.covariance import ledoit_wolf_shrinkage

if TYPE_CHECKING:
    from etf_warehouse.portfolio.construction import PortfolioSettings

TRADING_DAYS = 252
SMOOTH_ABS = 1e-8


@dataclass(frozen=True)
class Caps:
    """Upper bounds on groups of funds: (group name, member mask, cap) triples."""

    groups: tuple[tuple[str, np.ndarray, float], ...]

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.groups:
            return np.zeros((0, 0)), np.zeros(0)
        return (
            np.vstack([mask.astype(float) for _, mask, _ in self.groups]),
            np.array([cap for _, _, cap in self.groups]),
        )


def group_caps(
    asset_class: np.ndarray,
    risk_category: np.ndarray,
    constraints: pd.DataFrame | tuple[tuple, ...],
) -> Caps:
    """Caps for a selection from the portfolio_constraints seed (constraint_type, key,
    max_weight), as a frame or as its rows (``tuple(frame.itertuples(index=False))``: a loop
    over rebalances converts the frame once)."""
    groups = []
    rows = (
        constraints.itertuples(index=False)
        if isinstance(constraints, pd.DataFrame)
        else constraints
    )
    for row in rows:
        values = asset_class if row.constraint_type == "asset_class" else risk_category
        mask = values == row.key
        if mask.any() and row.max_weight < 1.0:
            groups.append((f"{row.constraint_type}={row.key}", mask, float(row.max_weight)))
    return Caps(tuple(groups))


def shrunk_covariance(daily_returns: np.ndarray) -> np.ndarray:
    """Covariance of daily returns (rows = days, NaN where a fund has no return), annualised:
    each fund's own variance, and correlations shrunk toward zero by the Ledoit-Wolf intensity.

    Shrinking the covariance toward a scaled identity (as scikit-learn's LedoitWolf does) pulls
    every variance toward the average one: among funds of very different volatility the
    lowest-volatility fund selected (median over the rebalances) went from 0.14 % a year to
    1.6 % on the sample (a cash fund; up to 36x) and from 1.0 % to 2.9 % on the 40 real funds
    (SHY), so mean-variance saw cash and short bonds as risky. Here the variances are the
    funds' own and only the correlations, whose estimates are the noisy part, are shrunk (the
    identity target on standardised returns: Ledoit & Wolf 2004, scikit-learn's
    ledoit_wolf_shrinkage). A fund's variance and each pair's correlation come from the days
    it (the pair) has returns: a gap is no return, not a zero.
    The intensity is estimated on the days every fund has a return (mean-filled standardised
    returns when fewer than 30 such days exist); the result is made positive definite.
    """
    x = np.asarray(daily_returns, dtype=float)
    n = x.shape[1]
    frame = pd.DataFrame(x)
    sd = frame.std(ddof=1).to_numpy()
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, np.nanmedian(np.where(sd > 0, sd, np.nan)))
    sd = np.nan_to_num(sd, nan=1e-4)
    if n == 1:
        return np.array([[sd[0] ** 2 * TRADING_DAYS]])
    z = (frame - frame.mean()) / sd
    corr = z.corr(min_periods=3).fillna(0.0).to_numpy(copy=True)
    np.fill_diagonal(corr, 1.0)
    complete = z.dropna().to_numpy()
    sample = complete if len(complete) >= 30 else z.fillna(0.0).to_numpy()
    intensity = float(ledoit_wolf_shrinkage(sample, assume_centered=False))
    shrunk = (1.0 - intensity) * corr + intensity * np.eye(n)
    # pairwise estimates need not be positive definite: lift small or negative eigenvalues
    values, vectors = np.linalg.eigh(shrunk)
    if values.min() < 1e-6:
        shrunk = (vectors * np.maximum(values, 1e-6)) @ vectors.T
        scale = np.sqrt(np.diag(shrunk))
        shrunk = shrunk / np.outer(scale, scale)
    return shrunk * np.outer(sd, sd) * TRADING_DAYS


def water_fill(base: np.ndarray, max_weight: float, caps: Caps) -> np.ndarray:
    """Weights proportional to ``base`` under a per-fund cap and group caps; sum <= 1.

    Progressive filling: every fund with a positive base grows in proportion to it until it
    reaches ``max_weight``, or a group it belongs to reaches its cap (then all of that group's
    growing funds stop), or the portfolio is full. Funds that stop keep their weight; the others
    carry on. Groups may overlap (asset class and risk category). What cannot be placed stays
    uninvested (cash): the result never breaks a cap, but with overlapping caps it can leave
    cash that another allocation would have placed (:func:`feasible_start` decides exactly
    whether a fully invested portfolio exists).
    """
    base = np.maximum(np.nan_to_num(np.asarray(base, dtype=float), nan=0.0), 0.0)
    weights = np.zeros_like(base)
    growing = base > 0
    a, limits = caps.matrix()
    if not a.size:
        a, limits = np.zeros((0, base.shape[0])), np.zeros(0)
    for _ in range(base.shape[0] + len(limits) + 1):
        if not growing.any():
            break
        rate = np.where(growing, base, 0.0)
        # how far the common level can rise before each kind of cap binds
        with np.errstate(divide="ignore", invalid="ignore"):
            fund_room = np.where(growing, (max_weight - weights) / rate, np.inf)
            group_rate = a @ rate
            group_room = np.where(group_rate > 0, (limits - a @ weights) / group_rate, np.inf)
        total_room = (1.0 - weights.sum()) / rate.sum()
        step = max(min(fund_room.min(), group_room.min(initial=np.inf), total_room), 0.0)
        weights = weights + step * rate
        if step >= total_room - 1e-15:
            break
        stopped = fund_room <= step + 1e-15
        for row, room in zip(a, group_room, strict=True):
            if room <= step + 1e-15:
                stopped |= row > 0
        growing &= ~stopped
    return np.minimum(weights, max_weight)


def feasible_start(max_weight: float, caps: Caps, n: int) -> np.ndarray | None:
    """A fully invested portfolio meeting every cap, as even as the caps allow (a linear
    programme maximising the smallest weight), or None when there is none.

    Remembered by its inputs (the same caps recur across rebalances: 466 distinct of 1,020
    solves on the sample), so a repeat costs no linear programme and gives the same start."""
    a, limits = caps.matrix()
    start = _feasible_start(float(max_weight), n, a.shape, a.tobytes(), limits.tobytes())
    return None if start is None else start.copy()


@lru_cache(maxsize=4096)
def _feasible_start(
    max_weight: float, n: int, shape: tuple[int, ...], a_bytes: bytes, limits_bytes: bytes
) -> np.ndarray | None:
    a = np.frombuffer(a_bytes).reshape(shape)
    limits = np.frombuffer(limits_bytes)
    # variables: n weights and the floor t; maximise t s.t. w_i >= t
    objective = np.zeros(n + 1)
    objective[-1] = -1.0
    rows = [np.hstack([-np.eye(n), np.ones((n, 1))])]
    bounds_ub = [np.zeros(n)]
    if a.size:
        rows.append(np.hstack([a, np.zeros((a.shape[0], 1))]))
        bounds_ub.append(limits)
    result = linprog(
        objective,
        A_ub=np.vstack(rows),
        b_ub=np.concatenate(bounds_ub),
        A_eq=np.hstack([np.ones((1, n)), np.zeros((1, 1))]),
        b_eq=[1.0],
        bounds=[(0.0, max_weight)] * n + [(0.0, None)],
        method="highs",
    )
    if result.status != 0:
        return None
    return np.clip(result.x[:n], 0.0, max_weight)


def mean_variance(
    mu: np.ndarray,
    cov: np.ndarray,
    previous: np.ndarray,
    caps: Caps,
    settings: PortfolioSettings,
) -> tuple[np.ndarray | None, str]:
    """SLSQP solution of the mean-variance problem, or (None, reason) when it cannot be had."""
    n = mu.shape[0]
    a, limits = caps.matrix()
    # fully invested is only possible if the caps leave room for a whole portfolio
    start = feasible_start(settings.max_weight, caps, n)
    if start is None:
        return None, "infeasible"
    lam, kappa = settings.risk_aversion, settings.turnover_penalty

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        diff = w - previous
        smooth = np.sqrt(diff * diff + SMOOTH_ABS)
        value = -mu @ w + 0.5 * lam * w @ cov @ w + kappa * smooth.sum()
        grad = -mu + lam * cov @ w + kappa * diff / smooth
        return float(value), grad

    constraints = [{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(n)}]
    if a.size:
        constraints.append({"type": "ineq", "fun": lambda w: limits - a @ w, "jac": lambda w: -a})
    result = minimize(
        objective,
        start,
        jac=True,
        method="SLSQP",
        bounds=[(0.0, settings.max_weight)] * n,
        constraints=constraints,
        options={"maxiter": 200, "ftol": 1e-10},
    )
    w = result.x
    ok = (
        result.success
        and np.all(np.isfinite(w))
        and abs(w.sum() - 1.0) < 1e-6
        and w.min() > -1e-8
        and w.max() < settings.max_weight + 1e-8
        and (not a.size or np.all(a @ w <= limits + 1e-8))
    )
    if not ok:
        return None, "solver_failed"
    return np.clip(w, 0.0, settings.max_weight), "optimal"

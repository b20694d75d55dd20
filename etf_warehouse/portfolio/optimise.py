"""The weights of one selection at one rebalance: caps, covariance, mean-variance and the
capped inverse-volatility fallback (the strategies and their loop:
:mod:`etf_warehouse.portfolio.construction`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import clarabel
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from sklearn.covariance import ledoit_wolf_shrinkage

if TYPE_CHECKING:
    from etf_warehouse.portfolio.construction import PortfolioSettings

TRADING_DAYS = 252
# a mean-variance weight at or below this is the solver's approach to 0, not a holding
SOLVER_ZERO = 1e-7


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
    solves on the sample), so a repeat costs no linear programme and gives the same start.
    mean_variance asks it whether a fully invested book exists at all."""
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
    """The mean-variance weights (Clarabel's solution of the quadratic programme below), or
    (None, reason) when they cannot be had.

    maximise mu'w - (risk_aversion / 2) w'Sw - turnover_penalty * sum|w - previous| subject to
    sum w = 1, 0 <= w <= max_weight and the group caps. The turnover term is made linear the
    standard way: w - previous = buy - sell with buy, sell >= 0 and the penalty on buy + sell
    (at the optimum one of the two is 0, so their sum is |w - previous|). A convex quadratic
    programme in 3n variables, solved to its optimum by an interior-point method.

    Until 2026-12-06 SLSQP solved a smoothed version (|x| as sqrt(x^2 + 1e-8)): 92 iterations
    a solve, and it stopped short of the optimum, by 7e-7 to 1.9e-5 of objective and up to 0.48
    percentage points of weight on the sample's 204 rebalances (benchmarks/README.md, the
    sample build; scale.md, 2026-12-06, 17:00); this solves the same 204 in a tenth of the
    time.
    """
    n = mu.shape[0]
    a, limits = caps.matrix()
    # fully invested is only possible if the caps leave room for a whole portfolio (decided
    # exactly by a linear programme, remembered across rebalances)
    if feasible_start(settings.max_weight, caps, n) is None:
        return None, "infeasible"
    n_caps = a.shape[0] if a.size else 0
    # variables x = (w, buy, sell); the objective is minimised: 1/2 x'Px + q'x
    p = np.zeros((3 * n, 3 * n))
    p[:n, :n] = np.triu(settings.risk_aversion * cov)  # Clarabel reads P's upper triangle
    q = np.concatenate([-mu, np.full(2 * n, settings.turnover_penalty)])
    # rows: Ax + s = b with s in the cones: 1 + n equalities (sum w = 1, w - buy + sell =
    # previous), then 4n + n_caps inequalities (-w <= 0, w <= max_weight, -buy <= 0,
    # -sell <= 0, caps @ w <= limits)
    lhs = np.zeros((1 + 5 * n + n_caps, 3 * n))
    rhs = np.zeros(lhs.shape[0])
    i = np.arange(n)
    lhs[0, :n], rhs[0] = 1.0, 1.0
    lhs[1 + i, i], lhs[1 + i, n + i], lhs[1 + i, 2 * n + i] = 1.0, -1.0, 1.0
    rhs[1 : 1 + n] = previous
    row = 1 + n
    lhs[row + i, i] = -1.0
    lhs[row + n + i, i], rhs[row + n : row + 2 * n] = 1.0, settings.max_weight
    lhs[row + 2 * n + i, n + i] = -1.0
    lhs[row + 3 * n + i, 2 * n + i] = -1.0
    if n_caps:
        lhs[row + 4 * n :, :n], rhs[row + 4 * n :] = a, limits
    cones = [clarabel.ZeroConeT(1 + n), clarabel.NonnegativeConeT(4 * n + n_caps)]
    solution = clarabel.DefaultSolver(
        sparse.csc_matrix(p), q, sparse.csc_matrix(lhs), rhs, cones, _solver_settings()
    ).solve()
    w = np.asarray(solution.x[:n], dtype=float)
    ok = (
        solution.status in (clarabel.SolverStatus.Solved, clarabel.SolverStatus.AlmostSolved)
        and np.all(np.isfinite(w))
        and abs(w.sum() - 1.0) < 1e-6
        and w.min() > -1e-8
        and w.max() < settings.max_weight + 1e-8
        and (not a.size or np.all(a @ w <= limits + 1e-8))
    )
    if not ok:
        return None, "solver_failed"
    # an interior-point solution approaches a bound without reaching it: a fund the optimum
    # leaves out comes back with a weight of 1e-10 to 2e-8 (the sample), which would count as
    # a holding; below SOLVER_ZERO it is none (the book then holds at most n * 1e-7 in cash)
    return np.where(w > SOLVER_ZERO, np.minimum(w, settings.max_weight), 0.0), "optimal"


def _solver_settings() -> clarabel.DefaultSettings:
    """Clarabel's settings: quiet, and the optimum to 1e-12. On the sample's 204 rebalances its
    default 1e-8 left weights up to 9.4e-5 from the 1e-12 solution and 1e-10 up to 1.4e-6, in
    the same time (about 0.7 ms a solve)."""
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-12
    return settings

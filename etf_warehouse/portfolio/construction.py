"""Portfolio construction at each rebalance: selection, covariance, constrained weights.

At every signal date (the first trading day of each month; trades happen the next day) each
strategy selects funds from that day's eligible universe and weights them:

- ``mean_variance``: maximise mu'w - (risk_aversion / 2) w'Sw - turnover_penalty * sum|w - w_prev|
  over ``top_n`` funds selected by the strategy's score (holdings stay while ranked within
  ``top_n * selection_buffer``, a no-trade band on the selection), long only, each fund at most
  ``max_weight``, each asset class / risk category at most its cap (seed portfolio_constraints),
  fully invested.
  mu is the ML ensemble's bias-corrected forecast (annualised), S the covariance of the last
  ``cov_window`` daily returns (annualised) with its correlations shrunk (see
  shrunk_covariance), w_prev the strategy's previous target.
  Solved with SciPy's SLSQP; |x| is smoothed as sqrt(x^2 + 1e-8) so the problem stays smooth.
- ``inverse_vol``: weights proportional to 1 / GARCH volatility over the same selection, under
  the same caps (the risk-parity-style alternative).
- ``equal_weight``: every eligible fund, equal weights, no caps. The benchmark,
  ``equal_weight_unlevered``, leaves out the geared, inverse and volatility funds (leverage
  other than 1 in int_etfs_classified): an index of 3x and inverse funds is no portfolio a user
  would hold as a yardstick, and on the 40 real funds their volatility drag moved equal
  weight's CAGR by 1.4 % a year. ``equal_weight`` stays as a variant.

It never fails: when the caps cannot be met by a fully invested portfolio of the selection
(``infeasible``) or the solver does not succeed (``solver_failed``), the weights fall back to the
capped inverse-volatility rule, and whatever the caps leave uninvested stays in cash; the status
says which. Feasibility is decided exactly (a linear programme, whose solution also starts the
solver); capped weights are found by progressive filling (see water_fill).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog, minimize
from sklearn.covariance import ledoit_wolf_shrinkage

from etf_warehouse.frames import typed_frame

TRADING_DAYS = 252
SMOOTH_ABS = 1e-8


@dataclass(frozen=True)
class PortfolioSettings:
    top_n: int = 20
    selection_buffer: float = 2.5  # a holding stays while ranked within top_n * buffer
    max_weight: float = 0.15
    risk_aversion: float = 10.0
    # Per unit of two-sided turnover, in annual-return units: mu is annualised but a monthly
    # forecast's edge lasts about a month while a trade's cost is paid once, so the penalty is
    # about 12 x the one-way cost of trading (~0.3 %). Measured on the sample: 0.002 turned the
    # book over 9x a year for a 2.6 %/yr cost drag; 0.04 gives ~2x and 0.5 %.
    turnover_penalty: float = 0.04
    cov_window: int = 252
    forecast_periods_per_year: float = 12.0  # the forecast is a 21-session return


METHODS = ("mean_variance", "inverse_vol", "equal_weight")


@dataclass(frozen=True)
class Strategy:
    name: str
    method: str  # one of METHODS
    score_column: str | None  # the ranking that selects the funds (None: all eligible)
    survivors_only: bool = False
    unlevered_only: bool = False  # leave out geared, inverse and volatility funds

    def __post_init__(self) -> None:
        # an unknown method would otherwise fall through to inverse volatility, silently
        if self.method not in METHODS:
            raise ValueError(
                f"strategy {self.name}: method {self.method!r} is not one of {METHODS}"
            )


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("composite", "mean_variance", "composite_score"),
    Strategy("composite_inverse_vol", "inverse_vol", "composite_score"),
    Strategy("composite_fixed_weights", "mean_variance", "composite_score_fixed"),
    # weights that follow the components' trailing out-of-sample rank ICs (int_scoring_weights)
    Strategy("composite_learned_weights", "mean_variance", "composite_score_learned"),
    # the same system ranked without the macro/geo multipliers: what the market context adds
    Strategy("composite_without_market_context", "mean_variance", "composite_score_unadjusted"),
    Strategy("composite_survivors_only", "mean_variance", "composite_score", True),
    Strategy("equal_weight_unlevered", "equal_weight", None, unlevered_only=True),
    Strategy("equal_weight", "equal_weight", None),
    Strategy("equal_weight_survivors_only", "equal_weight", None, True),
)
# the yardstick of mart_backtest_summary, mart_backtest_daily and mart_backtest_windows (the
# SQL reads it from the macro backtest_benchmark(); tests/unit/test_construction.py keeps the
# two equal)
BENCHMARK = "equal_weight_unlevered"
# the names mart_backtest_summary singles out (macros in macros/helpers/backtest_strategies.sql)
SYSTEM_STRATEGY = "composite"
WITHOUT_CONTEXT_STRATEGY = "composite_without_market_context"
SURVIVORS_ONLY_SUFFIX = "_survivors_only"
WEIGHTS_MODES = ("regime", "fixed", "learned")  # var scoring_weights_mode (int_scoring_weights)


def backtest_strategies(weights_mode: str = "regime") -> tuple[Strategy, ...]:
    """The strategies of a build whose ranking uses ``weights_mode``.

    ``composite`` ranks by the build's own score; the other two weights modes run beside it as
    ``composite_<mode>_weights``. With the default (regime) that is STRATEGIES; with ``fixed``
    or ``learned`` the variant equal to ``composite`` is replaced by the regime-weights one, so
    no variant is counted twice and every mode is backtested.
    """
    if weights_mode not in WEIGHTS_MODES:
        raise ValueError(f"scoring_weights_mode {weights_mode!r}: use one of {WEIGHTS_MODES}")
    if weights_mode == "regime":
        return STRATEGIES
    regime = Strategy("composite_regime_weights", "mean_variance", "composite_score_regime")
    return tuple(regime if s.name == f"composite_{weights_mode}_weights" else s for s in STRATEGIES)


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
    asset_class: np.ndarray, risk_category: np.ndarray, constraints: pd.DataFrame
) -> Caps:
    """Caps for a selection from the portfolio_constraints seed (constraint_type, key,
    max_weight)."""
    groups = []
    for row in constraints.itertuples(index=False):
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
    programme maximising the smallest weight), or None when there is none."""
    a, limits = caps.matrix()
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


def select_with_buffer(
    day: pd.DataFrame, score_column: str, held: dict[str, float], settings: PortfolioSettings
) -> pd.DataFrame:
    """The ``top_n`` funds to hold: current holdings ranked within ``top_n * selection_buffer``
    stay, the best-ranked other funds fill the remaining places. The buffer keeps a fund that
    slips from 20th to 25th from being sold one month and bought back the next."""
    ranked = day.sort_values([score_column, "ticker"], ascending=[False, True]).reset_index(
        drop=True
    )
    within_buffer = ranked.index < settings.top_n * settings.selection_buffer
    keep = within_buffer & ranked["ticker"].isin([t for t, w in held.items() if w > 0])
    kept = ranked.loc[keep].head(settings.top_n)
    fill = ranked.loc[~keep].head(settings.top_n - len(kept))
    return pd.concat([kept, fill]).sort_values([score_column, "ticker"], ascending=[False, True])


def strategy_targets(
    strategy: Strategy,
    signals: pd.DataFrame,
    daily_returns: pd.DataFrame,
    constraints: pd.DataFrame,
    settings: PortfolioSettings,
    previous: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Target weights of one strategy at every signal date (rows with weight > 0).

    ``signals``: signal_date, ticker, asset_class, risk_category, composite_score,
    composite_score_regime, composite_score_fixed, composite_score_learned,
    composite_score_unadjusted,
    forecast_return, garch_vol_ann, leverage, is_survivor (eligible funds only).
    ``daily_returns``: date x ticker daily returns (NaN where no price), used up to each signal
    date only. ``previous``: the weights before the first signal date (turnover penalty).
    """
    rows = []
    previous = dict(previous or {})
    dates = daily_returns.index
    for signal_date, day in signals.groupby("signal_date", sort=True):
        if strategy.survivors_only:
            day = day.loc[day["is_survivor"]]
        if strategy.unlevered_only:
            day = day.loc[day["leverage"] == 1]
        if day.empty:
            continue
        if strategy.score_column is not None:
            day = select_with_buffer(day, strategy.score_column, previous, settings)
        tickers = day["ticker"].to_numpy()
        if strategy.method == "equal_weight":
            weights, status = np.full(len(tickers), 1.0 / len(tickers)), "equal_weight"
        else:
            caps = group_caps(
                day["asset_class"].to_numpy(), day["risk_category"].to_numpy(), constraints
            )
            weights, status = None, "inverse_vol"
            if strategy.method == "mean_variance":
                end = dates.searchsorted(pd.Timestamp(signal_date), side="right")
                window = daily_returns.iloc[max(0, end - settings.cov_window) : end][tickers]
                mu = day["forecast_return"].to_numpy() * settings.forecast_periods_per_year
                prev = np.array([previous.get(t, 0.0) for t in tickers])
                weights, status = mean_variance(
                    mu, shrunk_covariance(window.to_numpy()), prev, caps, settings
                )
                if weights is None:
                    status = f"fallback_{status}"
            if weights is None:
                weights = water_fill(
                    1.0 / day["garch_vol_ann"].to_numpy(), settings.max_weight, caps
                )
        previous = dict(zip(tickers, weights, strict=True))
        for ticker, weight in zip(tickers, weights, strict=True):
            if weight > 1e-10:
                rows.append(
                    (signal_date, strategy.name, ticker, float(weight), strategy.method, status)
                )
    return typed_frame(rows, HOLDINGS_SCHEMA)


HOLDINGS_SCHEMA = {
    "rebalance_date": "datetime64[ns]",
    "strategy": "str",
    "ticker": "str",
    "target_weight": "float64",
    "method": "str",
    "status": "str",
}


def portfolio_targets(
    signals: pd.DataFrame,
    daily_returns: pd.DataFrame,
    constraints: pd.DataFrame,
    settings: PortfolioSettings,
    strategies: tuple[Strategy, ...] = STRATEGIES,
) -> pd.DataFrame:
    """Targets of every strategy (see strategy_targets), stacked."""
    frames = [
        strategy_targets(s, signals, daily_returns, constraints, settings) for s in strategies
    ]
    return pd.concat(frames, ignore_index=True).astype(HOLDINGS_SCHEMA)

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
  A convex quadratic programme (the turnover split into buys and sells), solved to its optimum
  by Clarabel (see optimise.mean_variance).
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
says which. Feasibility is decided exactly (a linear programme); capped weights are found by
progressive filling (see water_fill).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from etf_warehouse import progress
from etf_warehouse.frames import typed_frame
from etf_warehouse.parallel import process_map
from etf_warehouse.portfolio.optimise import (  # noqa: F401  (importable from here too)
    TRADING_DAYS,
    Caps,
    feasible_start,
    group_caps,
    mean_variance,
    shrunk_covariance,
    water_fill,
)


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


# a weight at or below this is no holding: not published, and not kept by the selection buffer
# (a solver weight of 1e-15 counted as held kept a fund the published book does not show)
HELD_WEIGHT = 1e-10

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


def buffer_selection(
    scores: np.ndarray, tickers: np.ndarray, held: dict[str, float], settings: PortfolioSettings
) -> np.ndarray:
    """Positions of the ``top_n`` funds to hold, best first (score descending, then ticker; a
    missing score ranks last): current holdings ranked within ``top_n * selection_buffer``
    stay, the best-ranked other funds fill the remaining places. The buffer keeps a fund that
    slips from 20th to 25th from being sold one month and bought back the next."""
    scores = np.asarray(scores, dtype=float)
    missing = np.isnan(scores)
    # ticker codes in string order (tickers are unique on a day), then lexsort: last key first
    _, ticker_rank = np.unique(tickers.astype(str), return_inverse=True)
    ranked = np.lexsort((ticker_rank, np.where(missing, 0.0, -scores), missing))
    holding = {t for t, w in held.items() if w > HELD_WEIGHT}
    within_buffer = np.arange(ranked.shape[0]) < settings.top_n * settings.selection_buffer
    keep = within_buffer & np.fromiter((t in holding for t in tickers[ranked]), bool, len(ranked))
    kept = np.flatnonzero(keep)[: settings.top_n]
    fill = np.flatnonzero(~keep)[: settings.top_n - len(kept)]
    return ranked[np.sort(np.concatenate([kept, fill]))]


def select_with_buffer(
    day: pd.DataFrame, score_column: str, held: dict[str, float], settings: PortfolioSettings
) -> pd.DataFrame:
    """The rows of ``day`` chosen by :func:`buffer_selection`, best first."""
    chosen = buffer_selection(
        day[score_column].to_numpy(dtype=float), day["ticker"].to_numpy(), held, settings
    )
    return day.iloc[chosen]


@dataclass(frozen=True)
class SignalDay:
    """One signal date's eligible funds as arrays (shared by every strategy's loop)."""

    date: pd.Timestamp
    end: int  # rows of the daily returns dated on or before the signal date
    columns: dict[str, np.ndarray]


SIGNAL_ARRAYS = ("ticker", "asset_class", "risk_category", "forecast_return", "garch_vol_ann")


def signal_days(
    signals: pd.DataFrame, dates: pd.DatetimeIndex, score_columns: set[str]
) -> list[SignalDay]:
    """The signals split by date once, as numpy arrays (pandas row selection per date and
    strategy was most of the construction's time)."""
    names = [*SIGNAL_ARRAYS, *sorted(score_columns)]
    names += [c for c in ("is_survivor", "leverage") if c in signals.columns]
    signals = signals.sort_values("signal_date", kind="stable")
    arrays = {c: signals[c].to_numpy() for c in names}
    keys = signals["signal_date"].to_numpy()
    if not keys.size:
        return []
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
    days = []
    for lo, hi in itertools.pairwise(bounds):
        date = pd.Timestamp(keys[lo])
        end = int(dates.searchsorted(date, side="right"))
        days.append(SignalDay(date, end, {c: a[lo:hi] for c, a in arrays.items()}))
    return days


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
    scores = {strategy.score_column} - {None}
    days = signal_days(signals, daily_returns.index, scores)
    return _targets(
        strategy, days, ReturnsMatrix.of(daily_returns), constraints, settings, previous
    )


@dataclass(frozen=True)
class ReturnsMatrix:
    """Daily returns as one array (dates x funds) and each ticker's column."""

    values: np.ndarray
    column: dict[str, int]

    @classmethod
    def of(cls, daily_returns: pd.DataFrame) -> ReturnsMatrix:
        return cls(
            daily_returns.to_numpy(dtype=float),
            {t: i for i, t in enumerate(daily_returns.columns)},
        )

    def window(self, end: int, length: int, tickers: np.ndarray) -> np.ndarray:
        """The ``length`` rows before ``end`` of ``tickers``' columns (dates x tickers, in the
        column-major layout pandas hands out, so the covariance sums in the same order)."""
        columns = [self.column[t] for t in tickers]
        return np.asfortranarray(self.values[max(0, end - length) : end, columns])


# One BLAS thread: the matrices are a selection's (20 x 20), where threads only add overhead
# (and spin against each other in a pool of processes), and the weights must not depend on how
# many cores the machine has (OpenBLAS splits its sums by thread count).
@threadpool_limits.wrap(limits=1, user_api="blas")
def _targets(
    strategy: Strategy,
    days: list[SignalDay],
    returns: ReturnsMatrix,
    constraints: pd.DataFrame,
    settings: PortfolioSettings,
    previous: dict[str, float] | None = None,
) -> pd.DataFrame:
    rows = []
    previous = dict(previous or {})
    constraint_rows = tuple(constraints.itertuples(index=False))
    for day in days:
        cols = day.columns
        mask = np.ones(cols["ticker"].shape[0], dtype=bool)
        if strategy.survivors_only:
            mask &= cols["is_survivor"].astype(bool)
        if strategy.unlevered_only:
            mask &= cols["leverage"] == 1
        chosen = np.flatnonzero(mask)
        if not chosen.size:
            continue
        if strategy.score_column is not None:
            scores = cols[strategy.score_column][chosen].astype(float)
            chosen = chosen[buffer_selection(scores, cols["ticker"][chosen], previous, settings)]
        tickers = cols["ticker"][chosen]
        if strategy.method == "equal_weight":
            weights, status = np.full(len(tickers), 1.0 / len(tickers)), "equal_weight"
        else:
            caps = group_caps(
                cols["asset_class"][chosen], cols["risk_category"][chosen], constraint_rows
            )
            weights, status = None, "inverse_vol"
            if strategy.method == "mean_variance":
                window = returns.window(day.end, settings.cov_window, tickers)
                mu = cols["forecast_return"][chosen] * settings.forecast_periods_per_year
                prev = np.array([previous.get(t, 0.0) for t in tickers])
                weights, status = mean_variance(mu, shrunk_covariance(window), prev, caps, settings)
                if weights is None:
                    status = f"fallback_{status}"
            if weights is None:
                weights = water_fill(1.0 / cols["garch_vol_ann"][chosen], settings.max_weight, caps)
        previous = dict(zip(tickers, weights, strict=True))
        for ticker, weight in zip(tickers, weights, strict=True):
            if weight > HELD_WEIGHT:
                rows.append(
                    (day.date, strategy.name, ticker, float(weight), strategy.method, status)
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
    workers: int = 1,
) -> pd.DataFrame:
    """Targets of every strategy (see strategy_targets), stacked in the order of
    ``strategies``. With ``workers`` > 1 the strategies run in a pool of processes (each
    strategy's loop is sequential: a target is the next one's previous weights); the result is
    the same."""
    scores = {s.score_column for s in strategies} - {None}
    shared = (signal_days(signals, daily_returns.index, scores), ReturnsMatrix.of(daily_returns))
    progress.expect(len(strategies), "strategies")
    if workers > 1 and len(strategies) > 1:
        initargs = (*shared, constraints, settings)
        frames = process_map(
            _shared_targets, strategies, workers, initializer=_share, initargs=initargs
        )
    else:
        frames = []
        for strategy in strategies:
            frames.append(_targets(strategy, *shared, constraints, settings))
            progress.advance()
    return pd.concat(frames, ignore_index=True).astype(HOLDINGS_SCHEMA)


_SHARED: dict[str, object] = {}


def _share(
    days: list[SignalDay],
    returns: ReturnsMatrix,
    constraints: pd.DataFrame,
    settings: PortfolioSettings,
) -> None:
    """Worker initialiser: the inputs every strategy reads, sent once per process."""
    _SHARED.update(days=days, returns=returns, constraints=constraints, settings=settings)


def _shared_targets(strategy: Strategy) -> pd.DataFrame:
    return _targets(strategy, *(_SHARED[k] for k in ("days", "returns", "constraints", "settings")))

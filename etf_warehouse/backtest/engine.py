"""Daily walk-forward backtest of target weights, with transaction costs.

The rules (documented here once; ``tests/e2e`` recomputes NAV from them independently):

1. Time. Targets are computed at the close of their signal date d (mart_portfolio_holdings
   .rebalance_date) and traded at the close of the next trading day e. Nothing uses the close
   of d to trade, and nothing uses data after the day being simulated.
2. Returns. Each day, every position earns the fund's total return that day (fct_daily_prices
   .daily_return); a fund with no price that day earns nothing (its price is unchanged). Cash
   earns nothing. NAV starts at 1.0 at the close of the first signal date, all in cash.
3. Weights drift with returns between trades.
4. Trades. On e, each fund with a price on e moves from its drifted weight to its target (funds
   absent from the targets go to 0); a fund with no price on e cannot trade and keeps its
   weight, and the tradeable targets are scaled by min(1, (1 - stuck weight) / their sum) so the
   book never borrows. Turnover = sum of |weight change| (buys plus sells, fraction of NAV).
5. Costs (no brokerage). A trade of value V (AUD: |weight change| x NAV x ``portfolio_value``)
   costs V x (half_spread + ``impact_coefficient`` x daily_vol x sqrt(V / traded_value)): half
   the bid-ask spread plus square-root market impact. half_spread, daily_vol and traded_value are
   the fund's cost inputs (int_cost_inputs) as of the signal date d (its latest row dated <= d,
   so a fund with a missing day still has them); a trade's impact is capped at 10 % of its
   value, and a fund with no cost inputs at all pays that cap and no spread. The day's costs
   are taken from NAV in proportion (positions keep the weights just traded to).
6. Delisting. A held fund with no price for more than ``delisting_grace`` sessions is sold at its
   last price on that day (costs as in 5, with its last cost inputs): it never disappears and
   never makes the NAV undefined.
7. Reported per day: gross_return (before costs), net_return (after), cost (fraction of the
   previous NAV), turnover, NAV, drawdown from the running peak of NAV.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etf_warehouse import progress
from etf_warehouse.frames import relation_grid, typed_frame
from etf_warehouse.parallel import process_map

MAX_IMPACT = 0.10
MAX_POOLED_MARKET_BYTES = 256 * 2**20  # larger markets are backtested in one process


def exact_sum(values: np.ndarray) -> float:
    """Correctly rounded sum (math.fsum) of the non-zero entries.

    A float sum's last bits depend on the order and grouping of its terms, and numpy groups them
    by array length; the backtest's arrays are as wide as the universe, which grows as data is
    added. An exactly rounded sum is the same whatever else is in the array, so NAV dated d
    stays bit-identical when data after d arrives (point-in-time).
    """
    return math.fsum(values[values != 0].tolist())


@dataclass(frozen=True)
class BacktestSettings:
    portfolio_value: float = 1_000_000.0  # AUD (the price currency for real files)
    impact_coefficient: float = 1.0
    delisting_grace: int = 10


def trade_costs(
    trade_value: np.ndarray,
    half_spread: np.ndarray,
    daily_vol: np.ndarray,
    traded_value: np.ndarray,
    impact_coefficient: float,
) -> np.ndarray:
    """Cost of each trade in currency: value x (half spread + capped square-root impact)."""
    trade_value = np.asarray(trade_value, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        participation = np.where(traded_value > 0, trade_value / traded_value, np.inf)
        impact = impact_coefficient * np.nan_to_num(daily_vol, nan=0.0) * np.sqrt(participation)
    impact = np.minimum(np.nan_to_num(impact, nan=MAX_IMPACT, posinf=MAX_IMPACT), MAX_IMPACT)
    return trade_value * (np.nan_to_num(half_spread, nan=0.0) + impact)


@dataclass
class CostInputs:
    """(dates x funds) arrays of the cost model's inputs, as of each date."""

    half_spread: np.ndarray
    daily_vol: np.ndarray
    traded_value: np.ndarray

    def columns(self, funds: np.ndarray) -> CostInputs:
        return CostInputs(
            self.half_spread[:, funds], self.daily_vol[:, funds], self.traded_value[:, funds]
        )


def run_backtest(
    dates: pd.DatetimeIndex,
    returns: np.ndarray,
    costs: CostInputs,
    targets: dict[pd.Timestamp, np.ndarray],
    settings: BacktestSettings,
) -> pd.DataFrame:
    """Simulate one strategy. ``returns`` is (dates x funds) with NaN where a fund has no price;
    ``targets`` maps signal dates to weight vectors over the same funds."""
    n_days, n_funds = returns.shape
    sessions = set(dates)
    signal_dates = sorted(t for t in targets if t in sessions)
    if not signal_dates:
        return typed_frame([], DAILY_SCHEMA)
    start = dates.get_loc(signal_dates[0])
    execution = {
        dates.get_loc(d) + 1: targets[d] for d in signal_dates if dates.get_loc(d) + 1 < n_days
    }
    signal_of = {dates.get_loc(d) + 1: dates.get_loc(d) for d in signal_dates}
    has_price = ~np.isnan(returns)
    growth_all = 1.0 + np.nan_to_num(returns, nan=0.0)
    # the cost inputs are forward-filled (as of each date), so a delisting sale at t uses the
    # fund's last inputs seen by t: row t itself
    inputs = np.stack([costs.half_spread, costs.daily_vol, costs.traded_value], axis=1)
    day_of = list(dates)  # boxed once, not per session
    sessions_without_price = np.zeros(n_funds, dtype=int)

    nav, peak = 1.0, 1.0
    weights = np.zeros(n_funds)
    out = [(day_of[start], nav, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 1.0, 0)]
    pv = settings.portfolio_value
    for t in range(start + 1, n_days):
        growth = growth_all[t]
        cash = 1.0 - exact_sum(weights)
        invested_growth = exact_sum(weights * growth)
        portfolio_growth = cash + invested_growth
        gross_nav = nav * portfolio_growth
        weights = weights * growth / portfolio_growth
        sessions_without_price = np.where(has_price[t], 0, sessions_without_price + 1)

        change = np.zeros(n_funds)
        trade_inputs = np.full((3, n_funds), np.nan)
        delisted = (sessions_without_price > settings.delisting_grace) & (weights > 0)
        if delisted.any():
            change[delisted] = -weights[delisted]
            trade_inputs[:, delisted] = inputs[t][:, delisted]
        if t in execution:
            target = execution[t]
            tradeable = has_price[t] & ~delisted
            # funds that cannot trade keep their weight: the others share what is left, so
            # the book never borrows
            stuck = exact_sum(weights[~tradeable & ~delisted])
            wanted = exact_sum(target[tradeable])
            scale = min(1.0, (1.0 - stuck) / wanted) if wanted > 0 else 0.0
            change[tradeable] = target[tradeable] * scale - weights[tradeable]
            d = signal_of[t]
            trade_inputs[:, tradeable] = inputs[d][:, tradeable]
        traded = change != 0
        cost_value = 0.0
        if traded.any():
            cost_value = exact_sum(
                trade_costs(
                    np.abs(change[traded]) * gross_nav * pv,
                    trade_inputs[0, traded],
                    trade_inputs[1, traded],
                    trade_inputs[2, traded],
                    settings.impact_coefficient,
                )
            )
        cost_fraction = cost_value / (gross_nav * pv)
        weights = weights + change
        weights[np.abs(weights) < 1e-15] = 0.0
        new_nav = gross_nav * (1.0 - cost_fraction)
        peak = max(peak, new_nav)
        out.append(
            (
                day_of[t],
                new_nav,
                gross_nav / nav - 1.0,
                new_nav / nav - 1.0,
                (gross_nav - new_nav) / nav,
                exact_sum(np.abs(change)),
                new_nav / peak - 1.0,
                int((weights > 0).sum()),
                1.0 - exact_sum(weights),
                int(delisted.sum()),
            )
        )
        nav = new_nav
    return typed_frame(out, DAILY_SCHEMA)


DAILY_SCHEMA = {
    "date": "datetime64[ns]",
    "nav": "float64",
    "gross_return": "float64",
    "net_return": "float64",
    "cost": "float64",
    "turnover": "float64",
    "drawdown": "float64",
    "n_positions": "int64",
    "cash_weight": "float64",
    "n_delisting_sales": "int64",
}
DAILY_COLUMNS = list(DAILY_SCHEMA)


COST_COLUMNS = ("half_spread", "daily_vol", "traded_value")


def cost_inputs_from_relation(relation: Any) -> dict[str, pd.DataFrame]:
    """int_cost_inputs (a DuckDB relation) as :func:`backtest_all` takes it: each of
    ``COST_COLUMNS`` as a (price date x ticker) frame, read without a string per row
    (:func:`etf_warehouse.frames.relation_grid`; the same frames as pandas' pivot of the rows)."""
    dates, tickers, grids = relation_grid(relation, "price_date", "ticker", COST_COLUMNS)
    index = pd.DatetimeIndex(dates)
    return {c: pd.DataFrame(grids[c], index=index, columns=tickers) for c in COST_COLUMNS}


def _wide_cost_inputs(cost_inputs: pd.DataFrame | Mapping[str, pd.DataFrame]) -> dict:
    if not isinstance(cost_inputs, pd.DataFrame):
        return dict(cost_inputs)
    wide = cost_inputs.pivot(index="price_date", columns="ticker", values=list(COST_COLUMNS))
    # none when there are no rows
    return {c: wide.get(c, pd.DataFrame(index=wide.index)) for c in COST_COLUMNS}


def backtest_all(
    holdings: pd.DataFrame,
    daily_returns: pd.DataFrame,
    cost_inputs: pd.DataFrame | Mapping[str, pd.DataFrame],
    settings: BacktestSettings,
    workers: int = 1,
) -> pd.DataFrame:
    """Run every strategy in ``holdings`` (rebalance_date, strategy, ticker, target_weight).

    ``daily_returns``: trading dates x tickers (NaN where no price). ``cost_inputs``: ticker,
    price_date, half_spread, daily_vol, traded_value, or those columns already wide
    (:func:`cost_inputs_from_relation`). Returns DAILY_COLUMNS plus strategy.
    With ``workers`` > 1 the strategies (independent of each other) run in a pool of
    processes, unless the market is larger than ``MAX_POOLED_MARKET_BYTES`` (memory); the
    result is the same to the bit (its sums are exact: :func:`exact_sum`).
    """
    dates = pd.DatetimeIndex(daily_returns.index)
    tickers = list(daily_returns.columns)
    wide = _wide_cost_inputs(cost_inputs)
    # as of each session: the latest inputs dated on or before it (forward fill uses the past
    # only); inputs dated on a non-trading day count from the next session
    union = dates.union(pd.DatetimeIndex(wide[COST_COLUMNS[0]].index))
    costs = CostInputs(
        *(
            wide[column]
            .reindex(index=union, columns=tickers)
            .ffill()
            .reindex(index=dates)
            .to_numpy()
            for column in COST_COLUMNS
        )
    )
    position = {t: i for i, t in enumerate(tickers)}
    books = [
        _strategy_book(str(strategy), book, position)
        for strategy, book in holdings.groupby("strategy", sort=True)
    ]
    if not books:  # nothing scored yet (a short or tiny universe): no strategy holds anything
        return typed_frame([], {"strategy": "str", **DAILY_SCHEMA})
    market = (dates, daily_returns.to_numpy(), costs, settings)
    progress.expect(len(books), "strategies")
    # each worker holds a copy of the market and one wide strategy's working arrays at a time:
    # at 3,000 funds x 20 years (480 MB of market) two workers took backtest_daily's process
    # tree from 3.3 to 5.9 GiB, so a market that large runs here, one strategy at a time
    market_bytes = 4 * market[1].nbytes  # returns and the three cost inputs
    if workers > 1 and len(books) > 1 and market_bytes <= MAX_POOLED_MARKET_BYTES:
        frames = process_map(_shared_backtest, books, workers, initializer=_share, initargs=market)
    else:
        frames = []
        for book in books:
            frames.append(_backtest_book(book, *market))
            progress.advance()
    return pd.concat(frames, ignore_index=True)[["strategy", *DAILY_COLUMNS]]


@dataclass(frozen=True)
class _Book:
    """One strategy's targets over the funds it ever holds (``held``: column positions)."""

    strategy: str
    held: np.ndarray
    targets: dict[pd.Timestamp, np.ndarray]


def _strategy_book(strategy: str, book: pd.DataFrame, position: dict[str, int]) -> _Book:
    # a fund the strategy never targets never holds or trades: simulate only the others (the
    # same NAV to the bit; sums are exact), which at thousands of funds is most of the width
    # for every strategy but equal weight
    unknown = sorted(set(book["ticker"]) - position.keys())
    if unknown:
        raise ValueError(
            f"strategy {strategy} holds funds with no daily returns: {', '.join(unknown[:10])}"
        )
    fund = book["ticker"].map(position).to_numpy(dtype=int)
    held = np.unique(fund)
    # one weight vector per signal date, filled in one assignment (rows are unique per date
    # and fund: the holdings' key)
    signal_dates, row = np.unique(
        pd.DatetimeIndex(book["rebalance_date"]).to_numpy(), return_inverse=True
    )
    vectors = np.zeros((len(signal_dates), len(held)))
    vectors[row, np.searchsorted(held, fund)] = book["target_weight"].to_numpy()
    return _Book(strategy, held, {pd.Timestamp(d): vectors[i] for i, d in enumerate(signal_dates)})


def _backtest_book(
    book: _Book,
    dates: pd.DatetimeIndex,
    returns: np.ndarray,
    costs: CostInputs,
    settings: BacktestSettings,
) -> pd.DataFrame:
    result = run_backtest(
        dates, returns[:, book.held], costs.columns(book.held), book.targets, settings
    )
    return result.assign(strategy=book.strategy)


_SHARED: dict[str, object] = {}


def _share(
    dates: pd.DatetimeIndex, returns: np.ndarray, costs: CostInputs, settings: BacktestSettings
) -> None:
    """Worker initialiser: the market every strategy reads, sent once per process."""
    _SHARED.update(dates=dates, returns=returns, costs=costs, settings=settings)


def _shared_backtest(book: _Book) -> pd.DataFrame:
    return _backtest_book(book, *(_SHARED[k] for k in ("dates", "returns", "costs", "settings")))

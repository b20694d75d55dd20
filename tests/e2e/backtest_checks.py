"""Acceptance checks of the backtest marts, shared by the sample and real-file end-to-end tests.

``naive_nav`` recomputes a strategy's NAV from the published tables alone — the targets in
mart_portfolio_holdings, the session returns in int_backtest_returns and the cost inputs in
int_cost_inputs — following the rules written in etf_warehouse/backtest/engine.py, one fund and
one day at a time with plain Python numbers. It shares no code with the engine.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict

from tests.e2e.dbt_runner import DbtResult

STRATEGIES = {
    "composite",
    "composite_inverse_vol",
    "composite_fixed_weights",
    "composite_learned_weights",
    "composite_without_market_context",
    "composite_survivors_only",
    "equal_weight_unlevered",
    "equal_weight",
    "equal_weight_survivors_only",
}
# survivors-only universes look into the future on purpose (they measure survivorship bias):
# the point-in-time comparison leaves them out
POINT_IN_TIME_STRATEGIES = (
    "composite",
    "composite_inverse_vol",
    "composite_fixed_weights",
    "composite_learned_weights",
    "composite_without_market_context",
    "equal_weight_unlevered",
    "equal_weight",
)


def naive_nav(
    build: DbtResult,
    strategy: str,
    *,
    portfolio_value: float = 1_000_000.0,
    impact_coefficient: float = 1.0,
    delisting_grace: int = 10,
) -> dict[str, float]:
    """NAV by date of ``strategy``, recomputed from the marts' inputs with a naive loop."""
    sessions = [
        d
        for (d,) in build.query(
            "select price_date::varchar from int_trading_calendar where is_trading_day"
            " order by price_date"
        )
    ]
    targets: dict[str, dict[str, float]] = defaultdict(dict)
    for date, ticker, weight in build.query(
        "select rebalance_date::varchar, ticker, target_weight from mart_portfolio_holdings"
        f" where strategy = '{strategy}'"
    ):
        targets[date][ticker] = weight
    returns: dict[str, dict[str, float]] = defaultdict(dict)
    for date, ticker, value in build.query(
        "select date::varchar, ticker, daily_return from int_backtest_returns"
    ):
        returns[date][ticker] = value
    # per fund: its cost-input dates and, per field, the latest non-null value up to each
    dates_of: dict[str, list[str]] = defaultdict(list)
    filled: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for ticker, date, *values in build.query(
        "select ticker, price_date::varchar, half_spread, daily_vol, traded_value"
        " from int_cost_inputs order by ticker, price_date"
    ):
        previous = filled[ticker][-1] if filled[ticker] else (math.nan,) * 3
        dates_of[ticker].append(date)
        filled[ticker].append(
            tuple(old if new is None else new for old, new in zip(previous, values, strict=True))
        )

    def inputs_as_of(ticker: str, date: str) -> tuple[float, float, float] | None:
        """The fund's latest cost inputs dated on or before ``date`` (field by field)."""
        position = bisect.bisect_right(dates_of.get(ticker, []), date)
        return filled[ticker][position - 1] if position else None

    def cost(value: float, found: tuple[float, float, float] | None) -> float:
        if found is None:
            return value * 0.10
        half_spread, daily_vol, traded_value = found
        spread = 0.0 if math.isnan(half_spread) else half_spread
        if math.isnan(traded_value) or traded_value <= 0:
            impact = 0.10
        else:
            vol = 0.0 if math.isnan(daily_vol) else daily_vol
            impact = min(impact_coefficient * vol * math.sqrt(value / traded_value), 0.10)
        return value * (spread + impact)

    start = min(d for d in targets if d in set(sessions))
    first = sessions.index(start)
    # the session after each signal date trades its targets
    trade_on = {
        sessions[sessions.index(d) + 1]: d
        for d in targets
        if d in set(sessions) and sessions.index(d) + 1 < len(sessions)
    }
    nav = 1.0
    weights: dict[str, float] = {}
    missing: dict[str, int] = defaultdict(int)
    out = {start: nav}
    for day in sessions[first + 1 :]:
        today = returns.get(day, {})
        growth = {t: 1.0 + today.get(t, 0.0) for t in weights}
        total = (1.0 - sum(weights.values())) + sum(w * growth[t] for t, w in weights.items())
        gross = nav * total
        weights = {t: w * growth[t] / total for t, w in weights.items()}
        for ticker in set(missing) | set(weights):
            missing[ticker] = 0 if ticker in today else missing[ticker] + 1
        day_cost = 0.0
        changes: dict[str, float] = {}
        delisted = {t for t, w in weights.items() if w > 0 and missing[t] > delisting_grace}
        for ticker in delisted:
            changes[ticker] = -weights[ticker]
            day_cost += cost(weights[ticker] * gross * portfolio_value, inputs_as_of(ticker, day))
        if day in trade_on:
            signal = trade_on[day]
            wanted = targets[signal]
            universe = (set(wanted) | set(weights)) - delisted
            tradeable = {t for t in universe if t in today}
            stuck = sum(weights.get(t, 0.0) for t in universe - tradeable)
            wanted_total = sum(wanted.get(t, 0.0) for t in tradeable)
            scale = min(1.0, (1.0 - stuck) / wanted_total) if wanted_total > 0 else 0.0
            for ticker in tradeable:
                change = wanted.get(ticker, 0.0) * scale - weights.get(ticker, 0.0)
                if change != 0.0:
                    changes[ticker] = change
                    day_cost += cost(
                        abs(change) * gross * portfolio_value, inputs_as_of(ticker, signal)
                    )
        for ticker, change in changes.items():
            weights[ticker] = weights.get(ticker, 0.0) + change
            if abs(weights[ticker]) < 1e-15:
                del weights[ticker]
        nav = gross * (1.0 - day_cost / (gross * portfolio_value))
        out[day] = nav
    return out


def check_nav_reproduces(build: DbtResult, strategies: tuple[str, ...]) -> float:
    """Largest relative NAV difference between the mart and ``naive_nav`` over ``strategies``."""
    worst = 0.0
    for strategy in strategies:
        expected = naive_nav(build, strategy)
        published = dict(
            build.query(
                f"select date::varchar, nav from mart_backtest_daily where strategy = '{strategy}'"
            )
        )
        assert published.keys() == expected.keys(), strategy
        for date, nav in expected.items():
            worst = max(worst, abs(published[date] / nav - 1.0))
    return worst


def check_summary(build: DbtResult) -> dict[str, tuple]:
    """The acceptance ranges of mart_backtest_summary; returns its rows by strategy."""
    rows = {
        r[0]: r[1:]
        for r in build.query(
            "select strategy, n_windows, psr, dsr, spa_pvalue, annual_turnover,"
            " annual_cost_drag, n_trials, n_trials_effective, spa_family_pvalue,"
            " survivorship_bias_ann from mart_backtest_summary"
        )
    }
    assert set(rows) == STRATEGIES
    ((recorded,),) = build.query("select count(*) from config_trials where selected_on_returns")
    families = set()
    for strategy, row in rows.items():
        windows, psr, dsr, spa, turnover, drag, trials, effective, family, _ = row
        assert windows >= 60, strategy
        for value in (psr, dsr, spa, family):
            assert 0.0 <= value <= 1.0, strategy
        assert turnover > 0 and drag > 0, strategy
        # composite, composite_inverse_vol, composite_fixed_weights,
        # composite_learned_weights and composite_without_market_context, and the recorded
        # trials selected on returns
        assert trials == 5 + recorded and recorded > 0
        assert 1.0 <= effective <= trials
        families.add(family)
    assert len(families) == 1  # one test of the family, on every row
    for strategy in ("composite_survivors_only", "equal_weight_survivors_only"):
        assert rows[strategy][-1] is not None
    return rows

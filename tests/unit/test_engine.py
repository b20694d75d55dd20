"""Daily walk-forward backtest with transaction costs (etf_warehouse.backtest.engine).

``naive_backtest`` below re-implements the seven rules of the engine's module docstring with
plain loops over days and funds; it shares no code with the engine. It takes the raw cost
inputs (NaN on days without a row) and looks up "the latest row dated <= d" itself; the engine's
``run_backtest`` takes inputs already "as of each date" (``as_of``), ``backtest_all`` the long
rows.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from etf_warehouse.backtest import engine
from etf_warehouse.backtest.engine import (
    DAILY_COLUMNS,
    MAX_IMPACT,
    BacktestSettings,
    CostInputs,
    backtest_all,
    cost_inputs_from_relation,
    run_backtest,
    trade_costs,
)

COMPARED = ["nav", "gross_return", "net_return", "cost", "turnover", "drawdown", "cash_weight"]
COUNTED = ["n_positions", "n_delisting_sales"]


# --- an independent implementation of the rules ------------------------------------------------


def naive_cost(
    value: float, half_spread: float, daily_vol: float, traded_value: float, coefficient: float
) -> float:
    """Rule 5 for one trade: value x (half spread + square-root impact capped at 10 %). A
    missing half spread or volatility counts as zero; no (or zero) traded value means the
    capped impact."""
    spread = 0.0 if math.isnan(half_spread) else half_spread
    if math.isnan(traded_value) or traded_value <= 0:
        impact = 0.10
    else:
        vol = 0.0 if math.isnan(daily_vol) else daily_vol
        impact = min(0.10, coefficient * vol * math.sqrt(value / traded_value))
    return value * (spread + impact)


def naive_backtest(
    dates: pd.DatetimeIndex,
    returns: np.ndarray,
    half_spread: np.ndarray,
    daily_vol: np.ndarray,
    traded_value: np.ndarray,
    targets: dict[pd.Timestamp, np.ndarray],
    portfolio_value: float = 1_000_000.0,
    coefficient: float = 1.0,
    grace: int = 10,
) -> pd.DataFrame:
    days = list(dates)
    n_days, n_funds = len(days), len(returns[0])
    where = {day: i for i, day in enumerate(days)}
    signal_days = sorted(where[d] for d in targets)
    orders = {}  # execution day -> (signal day, target weights)
    for d, target in targets.items():
        if where[d] + 1 < n_days:
            orders[where[d] + 1] = (where[d], [float(x) for x in target])

    def priced(t: int, j: int) -> bool:
        return not math.isnan(returns[t][j])

    def sessions_without_price(t: int, j: int) -> int:
        count = 0
        while t - count >= 0 and not priced(t - count, j):
            count += 1
        return count

    def last_seen(values: np.ndarray, t: int, j: int) -> float:
        for s in range(t, -1, -1):
            if not math.isnan(values[s][j]):
                return float(values[s][j])
        return math.nan

    start = signal_days[0]
    nav, peak = 1.0, 1.0
    weights = [0.0] * n_funds
    rows = [
        {
            "date": days[start],
            "nav": 1.0,
            "gross_return": 0.0,
            "net_return": 0.0,
            "cost": 0.0,
            "turnover": 0.0,
            "drawdown": 0.0,
            "n_positions": 0,
            "cash_weight": 1.0,
            "n_delisting_sales": 0,
        }
    ]
    for t in range(start + 1, n_days):
        # rules 2 and 3: each position earns its fund's return (none without a price), cash none
        values = [
            weights[j] * (1.0 + returns[t][j]) if priced(t, j) else weights[j]
            for j in range(n_funds)
        ]
        cash = 1.0 - sum(weights)
        growth = cash + sum(values)
        gross_nav = nav * growth
        weights = [v / growth for v in values]

        trades = []  # (fund, weight change, half spread, daily vol, traded value)
        # rule 6: sell a held fund without a price for more than the grace, last inputs
        sold = set()
        for j in range(n_funds):
            if weights[j] > 0 and sessions_without_price(t, j) > grace:
                sold.add(j)
                trades.append(
                    (
                        j,
                        -weights[j],
                        last_seen(half_spread, t, j),
                        last_seen(daily_vol, t, j),
                        last_seen(traded_value, t, j),
                    )
                )
        # rule 4: trade to the targets of the previous day's signal
        if t in orders:
            d, target = orders[t]
            movable = [j for j in range(n_funds) if priced(t, j) and j not in sold]
            stuck = sum(weights[j] for j in range(n_funds) if j not in movable and j not in sold)
            wanted = sum(target[j] for j in movable)
            scale = min(1.0, (1.0 - stuck) / wanted) if wanted > 0 else 1.0
            for j in movable:
                change = target[j] * scale - weights[j]
                if change != 0.0:
                    # rule 5: the fund's inputs as of the signal date (latest row <= d)
                    trades.append(
                        (
                            j,
                            change,
                            last_seen(half_spread, d, j),
                            last_seen(daily_vol, d, j),
                            last_seen(traded_value, d, j),
                        )
                    )
        cost_value = 0.0
        turnover = 0.0
        for j, change, h, v, tv in trades:
            weights[j] += change
            turnover += abs(change)
            cost_value += naive_cost(
                abs(change) * gross_nav * portfolio_value, h, v, tv, coefficient
            )
        new_nav = gross_nav - cost_value / portfolio_value
        peak = max(peak, new_nav)
        rows.append(
            {
                "date": days[t],
                "nav": new_nav,
                "gross_return": gross_nav / nav - 1.0,
                "net_return": new_nav / nav - 1.0,
                "cost": (gross_nav - new_nav) / nav,
                "turnover": turnover,
                "drawdown": new_nav / peak - 1.0,
                "n_positions": sum(1 for w in weights if w > 1e-15),
                "cash_weight": 1.0 - sum(weights),
                "n_delisting_sales": len(sold),
            }
        )
        nav = new_nav
    return pd.DataFrame(rows)


# --- a seeded random setup ---------------------------------------------------------------------

N_FUNDS, N_DAYS = 8, 300
DELISTED, DELIST_DAY = 7, 150  # fund 7 has no price from day 150 on
GAPPED, GAP = 6, range(200, 205)  # fund 6 misses 5 sessions (under the grace)


def make_setup(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=N_DAYS)
    returns = rng.normal(0.0004, 0.012, (N_DAYS, N_FUNDS))
    returns[rng.random(returns.shape) < 0.03] = np.nan
    returns[DELIST_DAY:, DELISTED] = np.nan
    returns[list(GAP), GAPPED] = np.nan
    missing = np.isnan(returns)
    half_spread = rng.uniform(0.0005, 0.003, (N_DAYS, N_FUNDS))
    daily_vol = rng.uniform(0.005, 0.02, (N_DAYS, N_FUNDS))
    traded_value = rng.uniform(1e5, 1e7, (N_DAYS, N_FUNDS))
    traded_value[:, 0] = 2_000.0  # an illiquid fund: its impact hits the 10 % cap
    for a in (half_spread, daily_vol, traded_value):
        a[missing] = np.nan  # no cost inputs without a price
    targets = {}
    for k, day in enumerate([*range(10, N_DAYS - 21, 21), N_DAYS - 1]):
        w = rng.dirichlet(np.ones(N_FUNDS)) * rng.uniform(0.85, 1.0)
        w[rng.random(N_FUNDS) < 0.25] = 0.0
        w[DELISTED] = 0.2  # always wanted: held when its prices stop
        if k == 3:
            w[:] = 0.0  # one all-cash target
        targets[dates[day]] = w
    # a signal the day before the gap starts: the gapped fund cannot trade on e
    targets[dates[GAP[0] - 1]] = rng.dirichlet(np.ones(N_FUNDS))
    return {
        "dates": dates,
        "returns": returns,
        "half_spread": half_spread,
        "daily_vol": daily_vol,
        "traded_value": traded_value,
        "targets": targets,
    }


def as_of(raw: np.ndarray) -> np.ndarray:
    """(dates x funds) inputs as of each date: the latest non-missing value on or before it."""
    return pd.DataFrame(raw).ffill().to_numpy()


def run(setup: dict, settings: BacktestSettings | None = None) -> pd.DataFrame:
    costs = CostInputs(*(as_of(setup[k]) for k in ("half_spread", "daily_vol", "traded_value")))
    return run_backtest(
        setup["dates"], setup["returns"], costs, setup["targets"], settings or BacktestSettings()
    )


def naive(setup: dict, settings: BacktestSettings | None = None) -> pd.DataFrame:
    s = settings or BacktestSettings()
    return naive_backtest(
        setup["dates"],
        setup["returns"],
        setup["half_spread"],
        setup["daily_vol"],
        setup["traded_value"],
        setup["targets"],
        s.portfolio_value,
        s.impact_coefficient,
        s.delisting_grace,
    )


def assert_same(engine: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert list(engine["date"]) == list(reference["date"])
    for column in COMPARED:
        np.testing.assert_allclose(
            engine[column].to_numpy(dtype=float),
            reference[column].to_numpy(dtype=float),
            rtol=0,
            atol=1e-10,
            err_msg=column,
        )
    for column in COUNTED:
        np.testing.assert_array_equal(
            engine[column].to_numpy(), reference[column].to_numpy(), err_msg=column
        )


@pytest.fixture(scope="module")
def setup() -> dict:
    return make_setup()


# --- trade_costs -------------------------------------------------------------------------------


def test_trade_costs_hand_checked() -> None:
    cost = trade_costs(
        np.array([10_000.0]), np.array([0.001]), np.array([0.01]), np.array([1_000_000.0]), 1.0
    )
    assert cost[0] == pytest.approx(10_000 * (0.001 + 0.01 * math.sqrt(0.01)), abs=1e-12)
    assert cost[0] == pytest.approx(20.0, abs=1e-12)
    # the coefficient scales the impact only
    cost = trade_costs(
        np.array([10_000.0]), np.array([0.001]), np.array([0.01]), np.array([1_000_000.0]), 3.0
    )
    assert cost[0] == pytest.approx(10_000 * (0.001 + 0.03 * 0.1), abs=1e-12)


def test_trade_costs_impact_is_capped() -> None:
    cost = trade_costs(np.array([1e6]), np.array([0.002]), np.array([0.05]), np.array([1e4]), 1.0)
    assert cost[0] == pytest.approx(1e6 * (0.002 + MAX_IMPACT))
    assert MAX_IMPACT == 0.10


def test_trade_costs_without_traded_value_take_the_capped_impact() -> None:
    with np.errstate(all="raise"):  # and no floating-point warnings escape
        cost = trade_costs(
            np.array([5_000.0, 5_000.0, 5_000.0, 0.0]),
            np.array([0.001, 0.001, np.nan, 0.001]),
            np.array([0.01, 0.0, 0.01, 0.01]),
            np.array([0.0, np.nan, 1e6, 1e6]),
            1.0,
        )
    assert np.all(np.isfinite(cost))
    np.testing.assert_allclose(
        cost, [5_000 * 0.101, 5_000 * 0.101, 5_000 * 0.01 * math.sqrt(0.005), 0.0], atol=1e-12
    )


# --- run_backtest against the naive rules ------------------------------------------------------


def test_run_backtest_matches_the_naive_rules(setup: dict) -> None:
    engine = run(setup)
    reference = naive(setup)
    assert list(engine.columns) == DAILY_COLUMNS
    assert_same(engine, reference)
    # the setup exercises what it claims to
    assert engine["n_delisting_sales"].sum() == 1
    assert engine["cost"].max() > 0 and engine["turnover"].max() > 0
    assert np.isfinite(engine[COMPARED].to_numpy(dtype=float)).all()


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(
    "settings",
    [
        BacktestSettings(portfolio_value=5e7, impact_coefficient=0.5, delisting_grace=3),
        BacktestSettings(delisting_grace=0),
    ],
)
def test_run_backtest_matches_the_naive_rules_other_settings(
    seed: int, settings: BacktestSettings
) -> None:
    setup = make_setup(seed)
    assert_same(run(setup, settings), naive(setup, settings))


def test_run_backtest_starts_in_cash_at_the_first_signal(setup: dict) -> None:
    out = run(setup)
    first = min(setup["targets"])
    assert out["date"].iloc[0] == first
    assert out["date"].iloc[-1] == setup["dates"][-1]
    assert out.iloc[0][["nav", "cash_weight"]].tolist() == [1.0, 1.0]
    # nothing happens before the first execution day
    assert out.iloc[1]["turnover"] > 0
    assert out.iloc[0]["turnover"] == 0


def test_run_backtest_without_signals_is_empty(setup: dict) -> None:
    costs = CostInputs(setup["half_spread"], setup["daily_vol"], setup["traded_value"])
    out = run_backtest(setup["dates"], setup["returns"], costs, {}, BacktestSettings())
    assert out.empty
    assert list(out.columns) == DAILY_COLUMNS


# --- look-ahead --------------------------------------------------------------------------------


def test_signal_timing_matters(setup: dict) -> None:
    dates = setup["dates"]
    shifted = dict(setup)
    shifted["targets"] = {dates[dates.get_loc(d) - 1]: w for d, w in setup["targets"].items()}
    a, b = run(setup), run(shifted)
    assert_same(b, naive(shifted))
    tail_a = a.set_index("date")["nav"].iloc[-100:]
    tail_b = b.set_index("date")["nav"].reindex(tail_a.index)
    assert np.abs(tail_a - tail_b).max() > 1e-4


def small_market(n_days: int = 12, n_funds: int = 2) -> dict:
    dates = pd.bdate_range("2022-03-01", periods=n_days)
    returns = np.full((n_days, n_funds), 0.001)
    zeros = np.zeros((n_days, n_funds))
    return {
        "dates": dates,
        "returns": returns,
        "half_spread": zeros.copy(),
        "daily_vol": zeros.copy(),
        "traded_value": np.full((n_days, n_funds), 1e9),
    }


@pytest.mark.parametrize("jump_offset", [0, 1, 2])
def test_execution_day_return_is_earned_by_the_old_weights(jump_offset: int) -> None:
    m = small_market()
    d = 3  # executed on e = d + 1
    m["targets"] = {m["dates"][d]: np.array([1.0, 0.0])}
    m["returns"][d + jump_offset, 0] = 0.5  # +50 % on d, e or e + 1
    nav = run(m)["nav"].to_numpy()  # nav[k] is the close of day d + k
    if jump_offset < 2:  # on d or e the book is still all cash
        assert nav[1] == pytest.approx(1.0, abs=1e-12)
        assert nav[2] == pytest.approx(1.001, abs=1e-12)
    else:  # on e + 1 the book holds the fund
        assert nav[1] == pytest.approx(1.0, abs=1e-12)
        assert nav[2] == pytest.approx(1.5, abs=1e-12)
    assert_same(run(m), naive(m))


def test_old_weights_earn_the_execution_day() -> None:
    m = small_market()
    m["returns"][:, 1] = 0.0
    m["targets"] = {m["dates"][2]: np.array([1.0, 0.0]), m["dates"][6]: np.array([0.0, 1.0])}
    m["returns"][7, 0] = -0.3  # fund 0 crashes on the second execution day: still held
    out = run(m).set_index("date")["nav"]
    before = out.loc[m["dates"][6]]
    assert out.loc[m["dates"][7]] == pytest.approx(before * 0.7, rel=1e-12)
    assert out.loc[m["dates"][8]] == pytest.approx(before * 0.7, rel=1e-12)  # now in fund 1


# --- delisting and stuck funds -----------------------------------------------------------------


def delisting_market(gap: int, grace: int = 3) -> tuple[dict, BacktestSettings]:
    """Funds 0 and 1 at 0.5 each from day 2 (zero impact); fund 0 has no price (nor cost
    inputs) on days 6 .. 6 + gap - 1; its last half spread before the gap is 0.004."""
    m = small_market(n_days=20)
    m["half_spread"][:] = 0.001
    m["half_spread"][5, 0] = 0.004
    m["targets"] = {m["dates"][1]: np.array([0.5, 0.5])}
    m["returns"][6 : 6 + gap, 0] = np.nan
    for a in (m["half_spread"], m["daily_vol"], m["traded_value"]):
        a[6 : 6 + gap, 0] = np.nan
    return m, BacktestSettings(delisting_grace=grace)


def test_a_fund_without_prices_beyond_the_grace_is_sold() -> None:
    m, s = delisting_market(gap=100)
    out = run(m, s).set_index("date")
    sale_day = 6 + s.delisting_grace  # the (grace + 1)-th session without a price
    row = out.loc[m["dates"][sale_day]]
    assert out["n_delisting_sales"].sum() == 1
    assert row["n_delisting_sales"] == 1
    assert row["n_positions"] == 1
    # fund 0's weight, drifted over 4 sessions in which only fund 1 earned 0.1 %, goes to cash
    weight = 1.0 / (1.0 + 1.001**4)
    assert row["turnover"] == pytest.approx(weight, abs=1e-12)
    assert row["cash_weight"] == pytest.approx(weight, abs=1e-12)
    # sold at its last half spread (0.004, the day before the gap), no impact
    assert row["cost"] == pytest.approx(weight * (1.0 + row["gross_return"]) * 0.004, abs=1e-15)
    # afterwards: nothing more happens to it, NAV follows fund 1's half of the book
    after = out.loc[m["dates"][sale_day + 1]]
    assert after["net_return"] == pytest.approx((1 - weight) * 0.001, abs=1e-15)
    assert out[COMPARED].notna().all().all()
    assert np.isfinite(out[COMPARED].to_numpy(dtype=float)).all()
    assert_same(out.reset_index(), naive(m, s))


def test_a_short_gap_keeps_the_weight() -> None:
    m, s = delisting_market(gap=3)  # exactly the grace: not sold
    out = run(m, s)
    assert out["n_delisting_sales"].sum() == 0
    assert (out["n_positions"].iloc[1:] == 2).all()
    assert (out["turnover"].iloc[2:] == 0).all()
    assert_same(out, naive(m, s))


def test_a_stuck_target_keeps_its_weight_and_the_book_never_borrows() -> None:
    m = small_market(n_days=15, n_funds=3)
    m["half_spread"][:] = 0.002
    m["targets"] = {
        m["dates"][1]: np.array([0.6, 0.2, 0.2]),
        m["dates"][6]: np.array([0.0, 0.5, 0.5]),
    }
    m["returns"][7, 0] = np.nan  # fund 0 cannot be sold on the execution day
    m["returns"][5, 0] = 0.2  # ... and has drifted above its target
    out = run(m)
    assert (out["cash_weight"] >= -1e-12).all()
    row = out.iloc[7 - 1]  # the close of day 7
    assert row["date"] == m["dates"][7]
    assert row["n_positions"] == 3
    assert row["cash_weight"] == pytest.approx(0.0, abs=1e-12)
    # targets are not re-issued: fund 0 keeps its weight after its price returns
    assert out.iloc[8 - 1]["n_positions"] == 3
    assert out.iloc[8 - 1]["turnover"] == 0
    assert_same(out, naive(m))


def test_the_book_never_borrows_on_the_random_setup(setup: dict) -> None:
    out = run(setup)
    assert (out["cash_weight"] >= -1e-12).all()
    assert (out["cash_weight"] <= 1.0 + 1e-12).all()
    assert (out["drawdown"] <= 0).all()


def test_zero_cost_inputs_cost_nothing(setup: dict) -> None:
    free = dict(setup)
    free["half_spread"] = np.zeros_like(setup["half_spread"])
    free["daily_vol"] = np.zeros_like(setup["daily_vol"])
    free["traded_value"] = np.full_like(setup["traded_value"], 1e6)
    out = run(free)
    assert out["turnover"].sum() > 1.0
    np.testing.assert_array_equal(out["gross_return"], out["net_return"])
    assert (out["cost"] == 0).all()
    assert_same(out, naive(free))


# --- backtest_all ------------------------------------------------------------------------------


def test_backtest_all_runs_every_strategy(setup: dict) -> None:
    dates, tickers = setup["dates"], [f"T{j}" for j in range(N_FUNDS)]
    daily_returns = pd.DataFrame(setup["returns"], index=dates, columns=tickers)
    cost_rows = []
    for i, day in enumerate(dates):
        for j, ticker in enumerate(tickers):
            if not np.isnan(setup["returns"][i, j]):
                cost_rows.append(
                    (
                        ticker,
                        day,
                        setup["half_spread"][i, j],
                        setup["daily_vol"][i, j],
                        setup["traded_value"][i, j],
                    )
                )
    cost_inputs = pd.DataFrame(
        cost_rows, columns=["ticker", "price_date", "half_spread", "daily_vol", "traded_value"]
    )
    # holdings hold rows with weight > 0 only, so an all-cash target cannot be expressed
    invested = {d: w for d, w in setup["targets"].items() if w.sum() > 0}
    assert len(invested) == len(setup["targets"]) - 1
    other = {d: np.roll(w, 1) for d, w in invested.items()}
    holdings = pd.DataFrame(
        [
            (d, name, tickers[j], w[j])
            for name, book in (("a_strategy", invested), ("b_strategy", other))
            for d, w in book.items()
            for j in range(N_FUNDS)
            if w[j] > 0
        ],
        columns=["rebalance_date", "strategy", "ticker", "target_weight"],
    )
    out = backtest_all(holdings, daily_returns, cost_inputs, BacktestSettings())
    assert list(out.columns) == ["strategy", *DAILY_COLUMNS]
    assert out["strategy"].unique().tolist() == ["a_strategy", "b_strategy"]
    blocks = {name: block.reset_index(drop=True) for name, block in out.groupby("strategy")}
    assert list(blocks["a_strategy"]["date"]) == list(blocks["b_strategy"]["date"])
    assert_same(blocks["a_strategy"], naive({**setup, "targets": invested}))
    assert_same(blocks["b_strategy"], naive({**setup, "targets": other}))
    # the strategies in two worker processes: the same frame to the bit (exact sums)
    pooled = backtest_all(holdings, daily_returns, cost_inputs, BacktestSettings(), workers=2)
    pd.testing.assert_frame_equal(pooled, out, check_exact=True)
    # the cost inputs read wide from DuckDB (the build's path): the same frame
    relation = duckdb.connect().from_df(cost_inputs.sample(frac=1.0, random_state=2))
    wide = backtest_all(
        holdings, daily_returns, cost_inputs_from_relation(relation), BacktestSettings()
    )
    pd.testing.assert_frame_equal(wide, out, check_exact=True)


def test_backtest_all_keeps_a_large_market_in_one_process(
    setup: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above MAX_POOLED_MARKET_BYTES no pool is started (each worker would copy the market)."""
    dates, tickers = setup["dates"], [f"T{j}" for j in range(N_FUNDS)]
    daily_returns = pd.DataFrame(setup["returns"], index=dates, columns=tickers)
    cost_inputs = pd.DataFrame(
        {
            "ticker": tickers[0],
            "price_date": dates[:1],
            "half_spread": 0.001,
            "daily_vol": 0.01,
            "traded_value": 1e6,
        }
    )
    holdings = pd.DataFrame(
        [
            (d, name, tickers[j], 1.0 / N_FUNDS)
            for name in ("a_strategy", "b_strategy")
            for d in list(setup["targets"])[:2]
            for j in range(N_FUNDS)
        ],
        columns=["rebalance_date", "strategy", "ticker", "target_weight"],
    )

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pool was started for a market above the limit")

    monkeypatch.setattr(engine, "MAX_POOLED_MARKET_BYTES", 0)
    monkeypatch.setattr(engine, "process_map", no_pool)
    serial = backtest_all(holdings, daily_returns, cost_inputs, BacktestSettings(), workers=2)
    assert set(serial["strategy"]) == {"a_strategy", "b_strategy"}


def test_backtest_all_takes_cost_inputs_as_of_the_signal_date() -> None:
    dates = pd.bdate_range("2022-03-01", periods=10)  # Tue 1 March .. Mon 14 March
    signal, execution = pd.Timestamp("2022-03-07"), pd.Timestamp("2022-03-08")  # Mon, Tue
    daily_returns = pd.DataFrame(0.0, index=dates, columns=["A", "B"])
    cost_inputs = pd.DataFrame(
        {
            "ticker": ["A", "A", "A"],
            # the Saturday row counts from Monday; the execution day's row is not used
            "price_date": pd.to_datetime(["2022-03-04", "2022-03-05", "2022-03-08"]),
            "half_spread": [0.002, 0.003, 0.05],
            "daily_vol": [0.0, 0.0, 0.0],
            "traded_value": [1e12, 1e12, 1e12],
        }
    )  # B has no cost inputs at all: the capped impact and no spread
    holdings = pd.DataFrame(
        {
            "rebalance_date": [signal, signal],
            "strategy": "s",
            "ticker": ["A", "B"],
            "target_weight": [0.6, 0.4],
        }
    )
    out = backtest_all(holdings, daily_returns, cost_inputs, BacktestSettings())
    # the build's path: the inputs read wide from DuckDB (B absent there too), the same frame
    relation = duckdb.connect().from_df(
        cost_inputs.assign(price_date=cost_inputs["price_date"].dt.date)
    )
    wide = cost_inputs_from_relation(relation)
    assert list(wide["half_spread"].columns) == ["A"]
    pd.testing.assert_frame_equal(
        backtest_all(holdings, daily_returns, wide, BacktestSettings()), out, check_exact=True
    )
    out = out.set_index("date")
    assert out.index[0] == signal
    assert out.loc[execution, "cost"] == pytest.approx(0.6 * 0.003 + 0.4 * MAX_IMPACT, abs=1e-15)
    assert out.loc[execution, "turnover"] == pytest.approx(1.0, abs=1e-15)
    assert (out["cost"].drop(execution) == 0).all()


def test_backtest_all_without_holdings_is_empty_and_typed() -> None:
    """A universe too short or small to score gives no holdings: an empty, typed result (DuckDB
    would store untyped columns as NULL-typed and break the mart's contract)."""
    dates = pd.bdate_range("2021-01-01", periods=5)
    daily_returns = pd.DataFrame(0.001, index=dates, columns=["AAA", "BBB"])
    holdings = pd.DataFrame(
        {
            "rebalance_date": pd.Series(dtype="datetime64[ns]"),
            "strategy": pd.Series(dtype="str"),
            "ticker": pd.Series(dtype="str"),
            "target_weight": pd.Series(dtype="float64"),
        }
    )
    cost_inputs = pd.DataFrame(
        {
            "ticker": pd.Series(dtype="str"),
            "price_date": pd.Series(dtype="datetime64[ns]"),
            "half_spread": pd.Series(dtype="float64"),
            "daily_vol": pd.Series(dtype="float64"),
            "traded_value": pd.Series(dtype="float64"),
        }
    )
    out = backtest_all(holdings, daily_returns, cost_inputs, BacktestSettings())
    assert out.empty
    assert list(out.columns) == ["strategy", *DAILY_COLUMNS]
    assert out["nav"].dtype == "float64" and out["n_positions"].dtype == "int64"
    assert pd.api.types.is_datetime64_any_dtype(out["date"])
    assert pd.api.types.is_string_dtype(out["strategy"])


def test_backtest_all_names_held_funds_without_returns() -> None:
    dates = pd.bdate_range("2021-01-01", periods=5)
    daily_returns = pd.DataFrame(0.001, index=dates, columns=["AAA"])
    holdings = pd.DataFrame(
        {
            "rebalance_date": [dates[1], dates[1]],
            "strategy": "s",
            "ticker": ["AAA", "ZZZ"],
            "target_weight": [0.5, 0.5],
        }
    )
    cost_inputs = pd.DataFrame(
        {
            "ticker": ["AAA"],
            "price_date": [dates[0]],
            "half_spread": [0.001],
            "daily_vol": [0.01],
            "traded_value": [1e6],
        }
    )
    with pytest.raises(ValueError, match="strategy s holds funds with no daily returns: ZZZ"):
        backtest_all(holdings, daily_returns, cost_inputs, BacktestSettings())

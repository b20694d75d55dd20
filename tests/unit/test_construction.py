"""Portfolio construction: water-filling, mean-variance, selection, targets
(etf_warehouse.portfolio.construction)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from sklearn.covariance import LedoitWolf, ledoit_wolf_shrinkage

from etf_warehouse.portfolio.construction import (
    HELD_WEIGHT,
    STRATEGIES,
    Caps,
    PortfolioSettings,
    Strategy,
    backtest_strategies,
    feasible_start,
    group_caps,
    mean_variance,
    portfolio_targets,
    select_with_buffer,
    shrunk_covariance,
    strategy_targets,
    water_fill,
)

NO_CAPS = Caps(())
STATUSES = {
    "optimal",
    "inverse_vol",
    "equal_weight",
    "fallback_infeasible",
    "fallback_solver_failed",
}
SETTINGS = PortfolioSettings(top_n=8, selection_buffer=1.5, max_weight=0.2, cov_window=120)
CONSTRAINTS = pd.DataFrame(
    {
        "constraint_type": ["asset_class", "risk_category"],
        "key": ["commodity", "very_high"],
        "max_weight": [0.25, 0.25],
    }
)
ASSET_CLASSES = ["equity"] * 14 + ["bond"] * 8 + ["commodity"] * 4 + ["property"] * 4
RISK_CATEGORIES = ["low", "medium", "high", "very_high"]
N_FUNDS = len(ASSET_CLASSES)
TICKERS = [f"F{i:02d}" for i in range(N_FUNDS)]


def caps_of(*groups: tuple[list[int], float], n: int) -> Caps:
    """Caps from (member indices, cap) pairs over ``n`` funds."""
    out = []
    for k, (members, cap) in enumerate(groups):
        mask = np.zeros(n, dtype=bool)
        mask[members] = True
        out.append((f"g{k}", mask, cap))
    return Caps(tuple(out))


def lp_capacity(max_weight: float, caps: Caps, n: int) -> float:
    """The largest total weight the caps allow (a linear programme, independent of the library)."""
    a, limits = caps.matrix()
    result = linprog(
        -np.ones(n),
        A_ub=a if a.size else None,
        b_ub=limits if a.size else None,
        bounds=[(0.0, max_weight)] * n,
        method="highs",
    )
    assert result.success
    return -result.fun


def make_market(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Signals on 6 monthly signal dates over 30 funds and seeded daily returns."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", "2021-03-31")
    returns = pd.DataFrame(
        rng.normal(0.0003, 0.01, (len(dates), N_FUNDS)), index=dates, columns=TICKERS
    )
    returns = returns.mask(rng.random(returns.shape) < 0.02)  # gaps
    month_starts = returns.groupby(returns.index.to_period("M")).head(1).index
    signal_dates = month_starts[month_starts >= "2020-10-01"][:6]
    risk = np.array([RISK_CATEGORIES[i % 4] for i in range(N_FUNDS)])
    rows = []
    for d in signal_dates:
        eligible = np.sort(rng.choice(N_FUNDS, size=26, replace=False))
        for i in eligible:
            rows.append(
                {
                    "signal_date": d,
                    "ticker": TICKERS[i],
                    "asset_class": ASSET_CLASSES[i],
                    "risk_category": risk[i],
                    "composite_score": rng.normal(),
                    "composite_score_fixed": rng.normal(),
                    "composite_score_learned": rng.normal(),
                    "composite_score_unadjusted": rng.normal(),
                    "forecast_return": rng.normal(0.005, 0.01),
                    "garch_vol_ann": rng.uniform(0.15, 0.22),
                    "leverage": {2: 3.0, 5: -2.0}.get(i % 7, 1.0),
                    "is_survivor": bool(i % 5 != 3),
                }
            )
    return pd.DataFrame(rows), returns


@pytest.fixture(scope="module")
def market() -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_market()


@pytest.fixture(scope="module")
def all_targets(market: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    signals, returns = market
    return portfolio_targets(signals, returns, CONSTRAINTS, SETTINGS)


# --- water_fill --------------------------------------------------------------------------------


def test_water_fill_proportional_when_no_cap_binds() -> None:
    base = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(water_fill(base, 0.5, NO_CAPS), base / 10.0, atol=1e-12)


def test_water_fill_fund_cap_binds_and_excess_goes_to_the_others() -> None:
    base = np.array([6.0, 2.0, 1.0, 1.0])  # 0.6, 0.2, 0.1, 0.1 uncapped
    w = water_fill(base, 0.4, NO_CAPS)
    # 0.6 left over for the others, still in proportion 2:1:1
    np.testing.assert_allclose(w, [0.4, 0.3, 0.15, 0.15], atol=1e-12)


def test_water_fill_group_cap_binds_and_the_rest_is_filled() -> None:
    base = np.ones(6)
    caps = caps_of(([0, 1], 0.2), n=6)  # two commodity funds, 0.2 together
    w = water_fill(base, 0.5, caps)
    np.testing.assert_allclose(w, [0.1, 0.1, 0.2, 0.2, 0.2, 0.2], atol=1e-12)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


def test_water_fill_leaves_cash_when_no_full_book_fits() -> None:
    base = np.array([1.0, 1.0, 1.0, 3.0])
    caps = caps_of(([0, 1, 2], 0.3), n=4)  # group 0.3 plus one fund at 0.4 at most
    w = water_fill(base, 0.4, caps)
    assert w.sum() == pytest.approx(0.7, abs=1e-12)
    assert w.max() <= 0.4 + 1e-12
    assert w[:3].sum() <= 0.3 + 1e-12
    # too few funds for the per-fund cap
    w = water_fill(np.array([1.0, 2.0]), 0.3, NO_CAPS)
    np.testing.assert_allclose(w, [0.3, 0.3], atol=1e-12)


def test_water_fill_ignores_non_positive_bases() -> None:
    w = water_fill(np.array([0.0, -1.0, 1.0, 3.0]), 1.0, NO_CAPS)
    np.testing.assert_allclose(w, [0.0, 0.0, 0.25, 0.75], atol=1e-12)


def test_water_fill_group_cap_holds_when_members_hit_the_fund_cap() -> None:
    base = np.array([10.0, 10.0, 1, 1, 1, 1, 1, 1, 1, 1])  # two low-vol commodity funds
    caps = caps_of(([0, 1], 0.2), n=10)
    w = water_fill(base, 0.15, caps)
    assert w[:2].sum() <= 0.2 + 1e-9  # the library gives 0.15 + 0.15 = 0.3
    assert w.sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.xfail(
    reason="known limitation of the proportional rule: progressive filling stops funds 2, 3 and 4 "
    "together when both overlapping groups bind, so 5 % stays in cash although a fully invested "
    "book with fund 3 lower meets every cap (mean-variance, a quadratic programme, finds it)",
    strict=True,
    raises=AssertionError,
)
def test_water_fill_fills_a_full_book_under_overlapping_caps() -> None:
    # funds 3, 4 are one asset class capped at 0.3; funds 2, 3 one risk category capped at 0.3.
    # [0.25, 0.25, 0.25, 0.05, 0.2] meets every cap and is fully invested.
    caps = caps_of(([3, 4], 0.3), ([2, 3], 0.3), n=5)
    assert lp_capacity(0.25, caps, 5) >= 1.0
    w = water_fill(np.ones(5), 0.25, caps)
    assert w.sum() == pytest.approx(1.0, abs=1e-9)  # the library gives 0.95


def _groups(n: int) -> st.SearchStrategy[list[tuple[list[bool], float]]]:
    group = st.tuples(
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.floats(0.01, 1.0, allow_nan=False),
    )
    return st.lists(group, max_size=4)


@st.composite
def water_fill_case(draw: st.DrawFn) -> tuple[np.ndarray, float, Caps]:
    n = draw(st.integers(1, 12))
    base = np.array(draw(st.lists(st.floats(1e-3, 1e3), min_size=n, max_size=n)))
    max_weight = draw(st.floats(0.01, 1.0))
    groups = tuple((f"g{k}", np.array(mask), cap) for k, (mask, cap) in enumerate(draw(_groups(n))))
    return base, max_weight, Caps(groups)


BUG_GROUP_FROZEN = (
    np.array([10.0, 10.0, 1, 1, 1, 1, 1, 1, 1, 1]),
    0.15,
    caps_of(([0, 1], 0.2), n=10),
)
BUG_OVERLAP = (np.ones(5), 0.25, caps_of(([3, 4], 0.3), ([2, 3], 0.3), n=5))
HYPOTHESIS = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@HYPOTHESIS
@given(case=water_fill_case())
def test_water_fill_property_bounds(case: tuple[np.ndarray, float, Caps]) -> None:
    base, max_weight, caps = case
    w = water_fill(base, max_weight, caps)
    assert np.all(w >= 0.0)
    assert np.all(w <= max_weight + 1e-9)
    assert w.sum() <= 1.0 + 1e-9
    free_book = water_fill(base, max_weight, NO_CAPS)
    assert free_book.sum() == pytest.approx(min(1.0, base.shape[0] * max_weight), abs=1e-9)
    if base.shape[0] * max_weight >= 1.0:
        assert free_book.sum() == pytest.approx(1.0, abs=1e-9)
        assert np.all(free_book <= max_weight + 1e-9)


@HYPOTHESIS
@given(case=water_fill_case())
@example(case=BUG_GROUP_FROZEN)
def test_water_fill_property_group_caps(case: tuple[np.ndarray, float, Caps]) -> None:
    base, max_weight, caps = case
    w = water_fill(base, max_weight, caps)
    a, limits = caps.matrix()
    if a.size:
        assert np.all(a @ w <= limits + 1e-9)


@pytest.mark.xfail(
    reason="known limitation, see test_water_fill_fills_a_full_book_under_overlapping_caps",
    strict=True,
    raises=AssertionError,
)
@HYPOTHESIS
@given(case=water_fill_case())
@example(case=BUG_OVERLAP)
def test_water_fill_property_full_book_when_caps_allow(
    case: tuple[np.ndarray, float, Caps],
) -> None:
    base, max_weight, caps = case
    w = water_fill(base, max_weight, caps)
    capacity = lp_capacity(max_weight, caps, base.shape[0])
    if capacity >= 1.0 + 1e-9:
        assert w.sum() == pytest.approx(1.0, abs=1e-9)


# --- mean_variance -----------------------------------------------------------------------------


def test_mean_variance_equal_mu_is_capped_minimum_variance() -> None:
    variances = np.linspace(0.01, 0.09, 8)
    s = PortfolioSettings(max_weight=0.2, turnover_penalty=0.0)
    w, status = mean_variance(np.full(8, 0.05), np.diag(variances), np.zeros(8), NO_CAPS, s)
    assert status == "optimal"
    # minimum variance with a diagonal covariance: w_i = min(max_weight, c / var_i)
    expected = water_fill(1.0 / variances, 0.2, NO_CAPS)
    assert expected[0] == pytest.approx(0.2)  # the cap binds on the lowest variances
    np.testing.assert_allclose(w, expected, atol=1e-4)


def test_mean_variance_larger_mu_tilts_toward_the_fund() -> None:
    variances = np.linspace(0.01, 0.09, 8)
    s = PortfolioSettings(max_weight=0.3, turnover_penalty=0.0)
    mu = np.full(8, 0.05)
    w0, _ = mean_variance(mu, np.diag(variances), np.zeros(8), NO_CAPS, s)
    mu[5] = 0.3
    w1, status = mean_variance(mu, np.diag(variances), np.zeros(8), NO_CAPS, s)
    assert status == "optimal"
    assert w1[5] > w0[5] + 0.05
    assert w1.sum() == pytest.approx(1.0, abs=1e-6)


def test_mean_variance_turnover_penalty_pulls_toward_previous() -> None:
    variances = np.linspace(0.01, 0.09, 8)
    previous = np.array([0.0, 0.0, 0.0, 0.2, 0.2, 0.2, 0.2, 0.2])
    distances = {}
    for penalty in (0.0, 1.0):
        s = PortfolioSettings(max_weight=0.2, turnover_penalty=penalty)
        w, status = mean_variance(np.full(8, 0.05), np.diag(variances), previous, NO_CAPS, s)
        assert status == "optimal"
        distances[penalty] = np.abs(w - previous).sum()
    assert distances[0.0] > 0.5
    assert distances[1.0] < 0.01  # a feasible previous book is kept under a large penalty


def test_mean_variance_constraints_hold() -> None:
    rng = np.random.default_rng(3)
    n = 12
    x = rng.normal(0.0, 0.01, (300, n)) + rng.normal(0.0, 0.01, (300, 1))
    cov = np.cov(x, rowvar=False) * 252
    mu = rng.normal(0.1, 0.2, n)
    caps = caps_of(([0, 1, 2], 0.2), ([2, 3, 4, 5], 0.3), n=n)
    s = PortfolioSettings(max_weight=0.15, turnover_penalty=0.01)
    w, status = mean_variance(mu, cov, np.zeros(n), caps, s)
    assert status == "optimal"
    assert w.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.all(w >= 0.0)
    assert np.all(w <= 0.15 + 1e-9)
    assert w[[0, 1, 2]].sum() <= 0.2 + 1e-8
    assert w[[2, 3, 4, 5]].sum() <= 0.3 + 1e-8


def slsqp_reference(
    mu: np.ndarray, cov: np.ndarray, previous: np.ndarray, caps: Caps, s: PortfolioSettings
) -> np.ndarray:
    """The same programme solved another way: SciPy's SLSQP on the smooth form (w, buy, sell),
    from an equal-weight start, to a tight tolerance."""
    from scipy.optimize import minimize

    n = len(mu)
    a, limits = caps.matrix()
    eq = np.zeros((1 + n, 3 * n))
    eq[0, :n] = 1.0
    eq[1:, :n], eq[1:, n : 2 * n], eq[1:, 2 * n :] = np.eye(n), -np.eye(n), np.eye(n)
    eq_rhs = np.concatenate([[1.0], previous])

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        w = x[:n]
        grad = np.concatenate([-mu + s.risk_aversion * cov @ w, np.full(2 * n, s.turnover_penalty)])
        value = -mu @ w + 0.5 * s.risk_aversion * w @ cov @ w + s.turnover_penalty * x[n:].sum()
        return value, grad

    constraints = [{"type": "eq", "fun": lambda x: eq @ x - eq_rhs, "jac": lambda x: eq}]
    if a.size:
        wide = np.hstack([a, np.zeros((a.shape[0], 2 * n))])
        constraints.append(
            {"type": "ineq", "fun": lambda x: limits - wide @ x, "jac": lambda x: -wide}
        )
    start = np.full(n, 1.0 / n)
    x0 = np.concatenate([start, np.maximum(start - previous, 0), np.maximum(previous - start, 0)])
    result = minimize(
        objective,
        x0,
        jac=True,
        method="SLSQP",
        bounds=[(0.0, s.max_weight)] * n + [(0.0, None)] * (2 * n),
        constraints=constraints,
        options={"maxiter": 500, "ftol": 1e-14},
    )
    assert result.success, result.message
    return result.x[:n]


@pytest.mark.parametrize("seed", range(6))
def test_mean_variance_matches_a_reference_solver(seed: int) -> None:
    # random books like a rebalance's: 20 funds, correlated returns, caps on two overlapping
    # groups, a previous book of other funds (so the turnover term binds for some, not all)
    rng = np.random.default_rng(seed)
    n = 20
    x = rng.normal(0.0, 0.01, (252, n)) * rng.uniform(0.2, 3.0, n) + rng.normal(0.0, 0.01, (252, 1))
    cov = np.cov(x, rowvar=False) * 252
    mu = rng.normal(0.05, 0.15, n)
    previous = np.zeros(n)
    previous[rng.choice(n, 8, replace=False)] = 0.125
    caps = caps_of((list(range(0, 8)), 0.4), (list(range(5, 14)), 0.45), n=n)
    s = PortfolioSettings(max_weight=0.15, turnover_penalty=0.04)
    w, status = mean_variance(mu, cov, previous, caps, s)
    expected = slsqp_reference(mu, cov, previous, caps, s)
    assert status == "optimal"
    np.testing.assert_allclose(w, expected, atol=1e-5)
    # a fund the optimum leaves out has no weight at all, not the solver's approach to 0
    assert np.all((w == 0.0) | (w > 1e-6))

    def objective(v: np.ndarray) -> float:
        return float(
            -mu @ v
            + 0.5 * s.risk_aversion * v @ cov @ v
            + s.turnover_penalty * np.abs(v - previous).sum()
        )

    assert objective(w) <= objective(expected) + 1e-9


@pytest.mark.parametrize(
    ("n", "max_weight", "groups"),
    [
        (6, 0.15, ()),  # 6 x 0.15 < 1
        (4, 0.3, (([0, 1, 2], 0.3),)),  # at most 0.3 + 0.3
    ],
)
def test_mean_variance_infeasible(n: int, max_weight: float, groups: tuple) -> None:
    s = PortfolioSettings(max_weight=max_weight)
    caps = caps_of(*groups, n=n)
    assert lp_capacity(max_weight, caps, n) < 1.0
    w, status = mean_variance(np.full(n, 0.1), np.eye(n) * 0.04, np.zeros(n), caps, s)
    assert w is None
    assert status == "infeasible"


def test_mean_variance_feasible_overlapping_caps_are_not_infeasible() -> None:
    day = pd.DataFrame(
        {
            "asset_class": ["equity", "bond", "bond", "commodity", "commodity"],
            "risk_category": ["low", "low", "high", "high", "low"],
        }
    )
    constraints = pd.DataFrame(
        {
            "constraint_type": ["asset_class", "risk_category"],
            "key": ["commodity", "high"],
            "max_weight": [0.3, 0.3],
        }
    )
    caps = group_caps(day["asset_class"].to_numpy(), day["risk_category"].to_numpy(), constraints)
    assert lp_capacity(0.25, caps, 5) >= 1.0  # e.g. [0.25, 0.25, 0.25, 0.05, 0.2]
    s = PortfolioSettings(max_weight=0.25)
    w, status = mean_variance(np.full(5, 0.1), np.eye(5) * 0.04, np.zeros(5), caps, s)
    assert status == "optimal"
    assert w is not None
    assert w.sum() == pytest.approx(1.0, abs=1e-6)


# --- select_with_buffer ------------------------------------------------------------------------


def ranked_day(n: int = 10) -> pd.DataFrame:
    # scores n-1 .. 0 in a shuffled order: ticker Tk has rank k (0 = best)
    rng = np.random.default_rng(1)
    order = rng.permutation(n)
    return pd.DataFrame({"ticker": [f"T{k}" for k in order], "score": (n - 1 - order) * 1.0})


def test_select_with_buffer_keeps_a_holding_within_the_buffer() -> None:
    s = PortfolioSettings(top_n=3, selection_buffer=2.0)  # buffer: ranks 0..5
    chosen = select_with_buffer(ranked_day(), "score", {"T5": 0.3, "T1": 0.2}, s)
    assert chosen["ticker"].tolist() == ["T0", "T1", "T5"]


def test_select_with_buffer_drops_a_holding_beyond_the_buffer() -> None:
    s = PortfolioSettings(top_n=3, selection_buffer=2.0)
    chosen = select_with_buffer(ranked_day(), "score", {"T6": 0.3, "T9": 0.1}, s)
    assert chosen["ticker"].tolist() == ["T0", "T1", "T2"]
    # a zero previous weight is not a holding
    chosen = select_with_buffer(ranked_day(), "score", {"T4": 0.0}, s)
    assert chosen["ticker"].tolist() == ["T0", "T1", "T2"]


def test_select_with_buffer_at_most_top_n_ordered_by_score() -> None:
    s = PortfolioSettings(top_n=3, selection_buffer=3.0)
    held = {"T8": 0.1, "T7": 0.1, "T6": 0.1, "T5": 0.1, "T0": 0.1}
    chosen = select_with_buffer(ranked_day(), "score", held, s)
    assert len(chosen) == 3
    assert chosen["score"].is_monotonic_decreasing
    # the best-ranked holdings stay
    assert chosen["ticker"].tolist() == ["T0", "T5", "T6"]


# --- strategy_targets / portfolio_targets ------------------------------------------------------


def test_every_strategy_has_targets_on_every_signal_date(
    market: tuple[pd.DataFrame, pd.DataFrame], all_targets: pd.DataFrame
) -> None:
    signals, _ = market
    assert set(all_targets["strategy"]) == {s.name for s in STRATEGIES}
    for _, block in all_targets.groupby("strategy"):
        assert set(block["rebalance_date"]) == set(signals["signal_date"])
    assert set(all_targets["status"]) <= STATUSES
    assert (all_targets["target_weight"] > 0).all()


def test_weights_respect_the_caps(market: tuple[pd.DataFrame, pd.DataFrame], all_targets) -> None:
    signals, _ = market
    info = signals.drop_duplicates("ticker").set_index("ticker")
    methods = {s.name: s.method for s in STRATEGIES}
    for (name, _), book in all_targets.groupby(["strategy", "rebalance_date"]):
        assert book["target_weight"].sum() <= 1.0 + 1e-9
        if methods[name] == "equal_weight":
            continue
        assert len(book) <= SETTINGS.top_n
        assert book["target_weight"].max() <= SETTINGS.max_weight + 1e-9
        asset = info.loc[book["ticker"], "asset_class"].to_numpy()
        risk = info.loc[book["ticker"], "risk_category"].to_numpy()
        weights = book["target_weight"].to_numpy()
        assert weights[asset == "commodity"].sum() <= 0.25 + 1e-8
        assert weights[risk == "very_high"].sum() <= 0.25 + 1e-8


def test_optimised_strategies_are_fully_invested(all_targets: pd.DataFrame) -> None:
    optimal = all_targets.loc[all_targets["status"] == "optimal"]
    assert not optimal.empty
    sums = optimal.groupby(["strategy", "rebalance_date"])["target_weight"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-6)
    assert set(optimal["method"]) == {"mean_variance"}


def test_equal_weight_holds_every_eligible_fund(
    market: tuple[pd.DataFrame, pd.DataFrame], all_targets: pd.DataFrame
) -> None:
    signals, _ = market
    for name, survivors, unlevered in (
        ("equal_weight", False, False),
        ("equal_weight_survivors_only", True, False),
        ("equal_weight_unlevered", False, True),
    ):
        book = all_targets.loc[all_targets["strategy"] == name]
        for d, day in signals.groupby("signal_date"):
            eligible = day.loc[day["is_survivor"]] if survivors else day
            eligible = eligible.loc[eligible["leverage"] == 1] if unlevered else eligible
            assert len(eligible) < len(day) or not (unlevered or survivors)
            held = book.loc[book["rebalance_date"] == d]
            assert sorted(held["ticker"]) == sorted(eligible["ticker"])
            np.testing.assert_allclose(held["target_weight"], 1.0 / len(eligible), atol=1e-15)
            assert set(held["status"]) == {"equal_weight"}


def test_survivors_only_strategies_hold_only_survivors(
    market: tuple[pd.DataFrame, pd.DataFrame], all_targets: pd.DataFrame
) -> None:
    signals, _ = market
    survivor = signals.drop_duplicates("ticker").set_index("ticker")["is_survivor"]
    assert not survivor.all()
    for s in STRATEGIES:
        book = all_targets.loc[all_targets["strategy"] == s.name]
        if s.survivors_only:
            assert survivor.loc[book["ticker"]].all()
        else:
            assert not survivor.loc[book["ticker"]].all()


def test_selecting_strategies_pick_from_the_top_of_their_score(
    market: tuple[pd.DataFrame, pd.DataFrame], all_targets: pd.DataFrame
) -> None:
    signals, _ = market
    first = signals["signal_date"].min()
    day = signals.loc[signals["signal_date"] == first]
    # no holdings yet on the first date: exactly the top_n by score
    for name, column in (
        ("composite", "composite_score"),
        ("composite_inverse_vol", "composite_score"),
    ):
        top = day.nlargest(SETTINGS.top_n, column)["ticker"]
        held = all_targets.loc[
            (all_targets["strategy"] == name) & (all_targets["rebalance_date"] == first), "ticker"
        ]
        assert set(held) <= set(top)
    for name, column in (
        ("composite_fixed_weights", "composite_score_fixed"),
        ("composite_learned_weights", "composite_score_learned"),
        ("composite_without_market_context", "composite_score_unadjusted"),
    ):
        top_alternative = day.nlargest(SETTINGS.top_n, column)["ticker"]
        held = all_targets.loc[
            (all_targets["strategy"] == name) & (all_targets["rebalance_date"] == first),
            "ticker",
        ]
        assert set(held) <= set(top_alternative), name


def test_inverse_vol_weights_are_inverse_volatility(
    market: tuple[pd.DataFrame, pd.DataFrame], all_targets: pd.DataFrame
) -> None:
    signals, _ = market
    book = all_targets.loc[all_targets["strategy"] == "composite_inverse_vol"]
    assert set(book["status"]) == {"inverse_vol"}
    info = signals.drop_duplicates("ticker").set_index("ticker")
    for d, day in book.groupby("rebalance_date"):
        vol = signals.loc[signals["signal_date"] == d].set_index("ticker")["garch_vol_ann"]
        inv = 1.0 / vol.loc[day["ticker"]].to_numpy()
        w = day["target_weight"].to_numpy()
        # funds away from every cap share what is left in proportion to 1 / vol
        free = w < SETTINGS.max_weight - 1e-9
        free &= info.loc[day["ticker"], "asset_class"].ne("commodity").to_numpy()
        free &= info.loc[day["ticker"], "risk_category"].ne("very_high").to_numpy()
        assert free.sum() >= 2
        ratio = w[free] / inv[free]
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)


ALL_CLASSES_CAPPED = pd.DataFrame(
    {
        "constraint_type": ["asset_class"] * 4,
        "key": ["equity", "bond", "commodity", "property"],
        "max_weight": [0.2, 0.2, 0.2, 0.2],
    }
)


def test_infeasible_caps_fall_back_without_raising(
    market: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    signals, returns = market
    targets = portfolio_targets(signals, returns, ALL_CLASSES_CAPPED, SETTINGS)
    mv = targets.loc[targets["method"] == "mean_variance"]
    assert not mv.empty
    assert set(mv["status"]) == {"fallback_infeasible"}
    assert set(targets.loc[targets["method"] == "inverse_vol", "status"]) == {"inverse_vol"}
    sums = targets.groupby(["strategy", "rebalance_date"])["target_weight"].sum()
    assert (sums <= 1.0 + 1e-9).all()
    assert (sums > 0.0).all()
    assert len(sums) == len(STRATEGIES) * signals["signal_date"].nunique()
    capped = targets.loc[~targets["strategy"].str.startswith("equal_weight")]
    assert capped["target_weight"].max() <= SETTINGS.max_weight + 1e-9


def test_infeasible_fallback_respects_the_caps(
    market: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    signals, returns = market
    targets = portfolio_targets(signals, returns, ALL_CLASSES_CAPPED, SETTINGS)
    capped = targets.loc[~targets["strategy"].str.startswith("equal_weight")]
    info = signals.drop_duplicates("ticker").set_index("ticker")["asset_class"]
    by_class = capped.assign(asset_class=info.loc[capped["ticker"]].to_numpy())
    sums = by_class.groupby(["strategy", "rebalance_date", "asset_class"])["target_weight"].sum()
    assert (sums <= 0.2 + 1e-9).all()
    # so no capped book holds more than the four caps together
    assert (
        capped.groupby(["strategy", "rebalance_date"])["target_weight"].sum() <= 0.8 + 1e-9
    ).all()


def test_inverse_vol_respects_a_group_cap_with_low_vol_members() -> None:
    d = pd.Timestamp("2021-01-04")
    n = 10
    signals = pd.DataFrame(
        {
            "signal_date": d,
            "ticker": [f"T{i}" for i in range(n)],
            "asset_class": ["commodity"] * 2 + ["equity"] * (n - 2),
            "risk_category": ["low"] * n,
            "composite_score": np.arange(n, 0, -1.0),
            "composite_score_fixed": np.arange(n, 0, -1.0),
            "composite_score_learned": np.arange(n, 0, -1.0),
            "composite_score_unadjusted": np.arange(n, 0, -1.0),
            "forecast_return": 0.01,
            "garch_vol_ann": [0.05, 0.05] + [0.2] * (n - 2),  # two low-vol gold funds
            "leverage": 1.0,
            "is_survivor": True,
        }
    )
    returns = pd.DataFrame(
        np.random.default_rng(0).normal(0, 0.01, (30, n)),
        index=pd.bdate_range(end=d, periods=30),
        columns=signals["ticker"],
    )
    s = PortfolioSettings(top_n=10, max_weight=0.15)
    targets = strategy_targets(STRATEGIES[1], signals, returns, CONSTRAINTS, s)
    commodity = targets.loc[targets["ticker"].isin(["T0", "T1"]), "target_weight"].sum()
    assert commodity <= 0.25 + 1e-9  # the library holds 0.3


def test_targets_are_point_in_time(market: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    signals, returns = market
    signal_dates = np.sort(signals["signal_date"].unique())
    cut = pd.Timestamp(signal_dates[2])
    base = portfolio_targets(signals, returns, CONSTRAINTS, SETTINGS)
    later = returns.index > cut
    for garbage in (np.nan, 1e6):
        spoiled = returns.copy()
        spoiled.loc[later] = garbage
        other = portfolio_targets(signals, spoiled, CONSTRAINTS, SETTINGS)
        keep = base["rebalance_date"] <= cut
        pd.testing.assert_frame_equal(
            other.loc[other["rebalance_date"] <= cut].reset_index(drop=True),
            base.loc[keep].reset_index(drop=True),
        )
        # and the later dates do depend on those returns (the check can fail)
        assert not other.loc[other["rebalance_date"] > cut].equals(base.loc[~keep])


def test_covariance_window_ends_at_the_signal_date(
    market: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    signals, returns = market
    composite = STRATEGIES[0]
    d = pd.Timestamp(np.sort(signals["signal_date"].unique())[0])
    one = signals.loc[signals["signal_date"] == d]
    base = strategy_targets(composite, one, returns, CONSTRAINTS, SETTINGS)
    spoiled = returns.copy()
    spoiled.loc[d] = spoiled.loc[d] * 50.0  # the signal date's own return is known at d
    changed = strategy_targets(composite, one, spoiled, CONSTRAINTS, SETTINGS)
    a = base.set_index("ticker")["target_weight"]
    b = changed.set_index("ticker")["target_weight"]
    assert a.sub(b, fill_value=0.0).abs().max() > 1e-3


def test_previous_weights_feed_the_turnover_penalty(
    market: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    signals, returns = market
    d = pd.Timestamp(np.sort(signals["signal_date"].unique())[0])
    one = signals.loc[signals["signal_date"] == d]
    s = PortfolioSettings(top_n=8, max_weight=0.2, turnover_penalty=1.0, cov_window=120)
    strategy = Strategy("mv", "mean_variance", "composite_score")
    fresh = strategy_targets(strategy, one, returns, CONSTRAINTS, s)
    # a full book of 5 funds at 0.2 that meets the caps (one commodity, one very_high at most)
    info = one.set_index("ticker").sort_values("composite_score", ascending=False)
    held: dict[str, float] = {}
    for ticker in info.index[4:12]:  # within the selection buffer (8 x 1.5)
        book = [*held, ticker]
        if (info.loc[book, "asset_class"] == "commodity").sum() <= 1 and (
            info.loc[book, "risk_category"] == "very_high"
        ).sum() <= 1:
            held[ticker] = 0.2
        if len(held) == 5:
            break
    assert set(held) - set(fresh["ticker"])  # not the book the strategy picks unaided
    kept = strategy_targets(strategy, one, returns, CONSTRAINTS, s, previous=held)
    got = kept.set_index("ticker")["target_weight"]
    assert set(kept["status"]) == {"optimal"}
    assert sum(abs(got.get(t, 0.0) - held.get(t, 0.0)) for t in set(got.index) | set(held)) < 0.01


def test_mean_variance_targets_solve_the_documented_problem(
    market: tuple[pd.DataFrame, pd.DataFrame], all_targets: pd.DataFrame
) -> None:
    """On the first signal date (no previous book): the top_n by composite score, mu = the
    forecast x 12, S = shrunk_covariance of the last cov_window returns up to d."""
    signals, returns = market
    d = signals["signal_date"].min()
    day = signals.loc[signals["signal_date"] == d].nlargest(SETTINGS.top_n, "composite_score")
    day = day.sort_values("composite_score", ascending=False)
    tickers = day["ticker"].tolist()
    window = returns.loc[:d, tickers].iloc[-SETTINGS.cov_window :].to_numpy()
    cov = shrunk_covariance(window)
    caps = group_caps(day["asset_class"].to_numpy(), day["risk_category"].to_numpy(), CONSTRAINTS)
    mu = day["forecast_return"].to_numpy() * 12
    expected, status = mean_variance(mu, cov, np.zeros(len(tickers)), caps, SETTINGS)
    assert status == "optimal"
    got = all_targets.loc[
        (all_targets["strategy"] == "composite") & (all_targets["rebalance_date"] == d)
    ].set_index("ticker")["target_weight"]
    np.testing.assert_allclose(got.reindex(tickers, fill_value=0.0), expected, atol=1e-9)
    assert not np.allclose(  # the forecast matters: mu not annualised gives another book
        mean_variance(mu / 12, cov, np.zeros(len(tickers)), caps, SETTINGS)[0], expected, atol=1e-3
    )


def test_no_signals_give_an_empty_typed_book(market: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    signals, returns = market
    out = portfolio_targets(signals.iloc[0:0], returns, CONSTRAINTS, SETTINGS)
    assert out.empty
    assert list(out.columns) == [
        "rebalance_date",
        "strategy",
        "ticker",
        "target_weight",
        "method",
        "status",
    ]
    assert pd.api.types.is_datetime64_any_dtype(out["rebalance_date"])
    assert out["target_weight"].dtype == "float64"
    assert pd.api.types.is_string_dtype(out["ticker"])


def test_targets_are_typed(all_targets: pd.DataFrame) -> None:
    assert pd.api.types.is_datetime64_any_dtype(all_targets["rebalance_date"])
    assert pd.api.types.is_string_dtype(all_targets["strategy"])


def test_the_sql_strategy_names_are_the_python_ones() -> None:
    """mart_backtest_* read the strategies they single out from macros: the same names."""
    from pathlib import Path

    from etf_warehouse.portfolio import construction

    macros = Path(__file__).resolve().parents[2] / "macros/helpers/backtest_strategies.sql"
    text = macros.read_text()

    def literal(macro: str) -> str:
        return text.split(f"{{% macro {macro}() -%}}")[1].split("{%-")[0].strip()

    names = {s.name for s in STRATEGIES}
    assert literal("backtest_benchmark") == f"'{construction.BENCHMARK}'"
    assert literal("backtest_system_strategy") == f"'{construction.SYSTEM_STRATEGY}'"
    assert (
        literal("backtest_without_context_strategy") == f"'{construction.WITHOUT_CONTEXT_STRATEGY}'"
    )
    assert literal("backtest_survivors_only_suffix") == f"'{construction.SURVIVORS_ONLY_SUFFIX}'"
    assert {
        construction.BENCHMARK,
        construction.SYSTEM_STRATEGY,
        construction.WITHOUT_CONTEXT_STRATEGY,
    } <= names
    # every survivors-only strategy has its full-universe twin
    suffix = construction.SURVIVORS_ONLY_SUFFIX
    assert all(n.removesuffix(suffix) in names for n in names if n.endswith(suffix))


# --- shrunk_covariance ------------------------------------------------------------------------


def mixed_volatility_returns(n_days: int = 252, seed: int = 0) -> np.ndarray:
    """A cash-like fund (0.1 %/yr), short bonds (1 %), equities (15-25 %), correlated equities."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 0.012, n_days)
    cols = [rng.normal(0, 0.001 / np.sqrt(252), n_days), rng.normal(0, 0.01 / np.sqrt(252), n_days)]
    cols += [market * b + rng.normal(0, 0.006, n_days) for b in (0.8, 1.0, 1.2, 1.4)]
    return np.column_stack(cols)


def test_shrinkage_keeps_each_funds_own_variance() -> None:
    x = mixed_volatility_returns()
    cov = shrunk_covariance(x)
    np.testing.assert_allclose(np.diag(cov), x.var(axis=0, ddof=1) * 252, rtol=1e-10)
    # what the scaled-identity target did: the cash fund's volatility 10x and more
    old = LedoitWolf().fit(x).covariance_ * 252
    assert np.sqrt(old[0, 0]) > 10 * np.sqrt(cov[0, 0])


def test_shrinkage_pulls_correlations_toward_zero_by_the_ledoit_wolf_intensity() -> None:
    x = mixed_volatility_returns(n_days=60, seed=1)
    cov = shrunk_covariance(x)
    sd = x.std(axis=0, ddof=1)
    corr = cov / np.outer(sd, sd) / 252
    sample = np.corrcoef(x, rowvar=False)
    z = (x - x.mean(axis=0)) / sd
    delta = ledoit_wolf_shrinkage(z)
    assert 0 < delta < 1
    off = ~np.eye(x.shape[1], dtype=bool)
    np.testing.assert_allclose(corr[off], (1 - delta) * sample[off], rtol=1e-8, atol=1e-12)
    assert np.linalg.eigvalsh(cov).min() > 0


def test_gaps_are_not_zero_returns() -> None:
    x = mixed_volatility_returns(seed=2)
    gappy = x.copy()
    gappy[100:140, 3] = np.nan  # a fund with a 40-day gap
    cov = shrunk_covariance(gappy)
    own = np.nanvar(gappy[:, 3], ddof=1) * 252
    assert cov[3, 3] == pytest.approx(own, rel=1e-10)
    filled = np.nan_to_num(gappy[:, 3])
    assert cov[3, 3] > filled.var(ddof=1) * 252 * 1.05  # zeros would shrink its variance
    assert np.linalg.eigvalsh(cov).min() > 0


@pytest.mark.parametrize("mode", ["regime", "fixed", "learned"])
def test_every_weights_mode_is_backtested_once(mode):
    strategies = backtest_strategies(mode)
    names = [s.name for s in strategies]
    assert len(names) == len(set(names)) == len(STRATEGIES)
    # composite ranks by the build's own score; the other two modes run beside it
    variants = {s.score_column for s in strategies if s.name.endswith("_weights")}
    others = {f"composite_score_{m}" for m in ("regime", "fixed", "learned") if m != mode}
    assert variants == others


def test_an_unknown_weights_mode_is_refused():
    with pytest.raises(ValueError, match="scoring_weights_mode"):
        backtest_strategies("adaptive")


def test_an_unknown_construction_method_is_refused():
    with pytest.raises(ValueError, match="is not one of"):
        Strategy("typo", "mean_varience", "composite_score")


def test_buffer_selection_orders_like_pandas_with_ties_and_missing_scores() -> None:
    # the numpy ranking must equal pandas' sort (score descending, ticker ascending, NaN last)
    # that it replaced: ties on score, missing scores, tickers out of order
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        day = pd.DataFrame(
            {
                "ticker": rng.permutation([f"X{k:03d}" for k in range(n)]),
                "score": rng.choice([np.nan, 1.0, 2.0, 2.5, -1.0, 0.0], n),
            }
        )
        held = {t: float(rng.choice([0.0, 1e-12, 0.1])) for t in rng.choice(day["ticker"], 5)}
        s = PortfolioSettings(top_n=int(rng.integers(1, 10)), selection_buffer=1.5)
        ranked = day.sort_values(["score", "ticker"], ascending=[False, True]).reset_index(
            drop=True
        )
        buffer = ranked.index < s.top_n * s.selection_buffer
        keep = buffer & ranked["ticker"].isin([t for t, w in held.items() if w > HELD_WEIGHT])
        kept = ranked.loc[keep].head(s.top_n)
        fill = ranked.loc[~keep].head(s.top_n - len(kept))
        expected = pd.concat([kept, fill]).sort_values(["score", "ticker"], ascending=[False, True])
        chosen = select_with_buffer(day, "score", held, s)
        assert chosen["ticker"].tolist() == expected["ticker"].tolist()


def test_a_pool_of_processes_gives_the_same_book(market: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    signals, returns = market
    one = portfolio_targets(signals, returns, CONSTRAINTS, SETTINGS)
    pooled = portfolio_targets(signals, returns, CONSTRAINTS, SETTINGS, workers=2)
    pd.testing.assert_frame_equal(pooled, one)
    assert set(one["strategy"]) == {s.name for s in STRATEGIES}


def test_feasible_start_repeats_are_remembered_and_independent() -> None:
    """The same caps give the same start without another linear programme, as a copy the
    caller may change; other caps get their own."""
    from etf_warehouse.portfolio.optimise import _feasible_start

    caps = Caps((("asset_class=equity", np.array([True, True, False, False]), 0.5),))
    _feasible_start.cache_clear()
    first = feasible_start(0.4, caps, 4)
    first[:] = -1.0
    second = feasible_start(0.4, caps, 4)
    assert _feasible_start.cache_info().hits == 1
    assert second.sum() == pytest.approx(1.0) and second[:2].sum() <= 0.5 + 1e-9
    other = feasible_start(0.3, caps, 4)
    assert _feasible_start.cache_info().misses == 2
    assert other.max() <= 0.3 + 1e-9
    assert feasible_start(0.2, caps, 4) is None  # 4 x 0.2 < 1

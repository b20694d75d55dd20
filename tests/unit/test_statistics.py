"""Performance statistics and significance tests (etf_warehouse.backtest.statistics)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kurtosis, norm, skew

from etf_warehouse.backtest.statistics import (
    ValidationSettings,
    deflation,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    spa_pvalue,
    strategy_statistics,
)

FAST = ValidationSettings(spa_reps=300, seed=0)
N_DAYS = 756
COLUMNS = [
    "strategy",
    "start_date",
    "end_date",
    "n_days",
    "cagr",
    "ann_vol",
    "sharpe",
    "sortino",
    "max_drawdown",
    "annual_turnover",
    "annual_cost_drag",
    "sharpe_per_period",
    "skewness",
    "kurtosis",
    "psr",
    "dsr_sharpe_star",
    "dsr",
    "n_trials",
    "n_trials_effective",
    "trial_correlation",
    "dsr_trial_variance",
    "spa_pvalue",
    "spa_family_pvalue",
]
TRIALS = ["composite", "composite_inverse_vol", "composite_fixed_weights"]


def expected_max_sharpe_reference(n: float, variance: float) -> float:
    """E[max SR] of n skill-less trials (Bailey & Lopez de Prado 2014), written out here."""
    gamma = np.euler_gamma
    return math.sqrt(variance) * (
        (1 - gamma) * norm.ppf(1 - 1 / n) + gamma * norm.ppf(1 - 1 / (n * math.e))
    )


def deflation_reference(
    daily: pd.DataFrame, risk_free: pd.Series, trials: list[str], extra: int = 0, recorded=()
) -> tuple[int, float, float]:
    """(M, N, V) written out: N = rho + (1 - rho) M, V floored at 1 / (T - 1)."""
    wide = daily.pivot(index="date", columns="strategy", values="net_return").iloc[1:]
    excess = wide[trials].sub(risk_free.reindex(wide.index).to_numpy(), axis=0)
    sharpes = list(excess.mean() / excess.std(ddof=1)) + [r / math.sqrt(252) for r in recorded]
    m = len(trials) + extra + len(recorded)
    corr = excess.corr().to_numpy()
    rho = max(corr[np.triu_indices(len(trials), k=1)].mean(), 0.0) if len(trials) > 1 else 0.0
    variance = max(np.var(sharpes, ddof=1), 1 / (len(wide) - 1))
    return m, rho + (1 - rho) * m, variance


# --- probabilistic_sharpe_ratio ----------------------------------------------------------------


def test_psr_hand_computed() -> None:
    expected = norm.cdf(0.1 * math.sqrt(252) / math.sqrt(1 + 0.5 * 0.01))
    assert probabilistic_sharpe_ratio(0.1, 0.0, 253, 0.0, 3.0) == pytest.approx(expected, abs=1e-12)
    # skewness and kurtosis enter the denominator: 1 - skew SR + (kurt - 1) / 4 SR^2
    z = (0.1 - 0.02) * math.sqrt(99) / math.sqrt(1 - (-0.5) * 0.1 + (6 - 1) / 4 * 0.01)
    assert probabilistic_sharpe_ratio(0.1, 0.02, 100, -0.5, 6.0) == pytest.approx(
        norm.cdf(z), abs=1e-12
    )


def test_psr_increases_with_n_and_sharpe() -> None:
    by_n = [probabilistic_sharpe_ratio(0.05, 0.0, n, 0.0, 3.0) for n in (10, 50, 250, 1000)]
    assert np.all(np.diff(by_n) > 0)
    by_sr = [probabilistic_sharpe_ratio(sr, 0.0, 250, 0.0, 3.0) for sr in (-0.1, 0.0, 0.05, 0.1)]
    assert np.all(np.diff(by_sr) > 0)
    assert all(0.0 <= p <= 1.0 for p in by_n + by_sr)


@pytest.mark.parametrize("sharpe", [-0.2, 0.0, 0.07])
def test_psr_is_one_half_at_the_threshold(sharpe: float) -> None:
    assert probabilistic_sharpe_ratio(sharpe, sharpe, 300, 0.3, 5.0) == pytest.approx(0.5)


@pytest.mark.parametrize("n", [-1, 0, 1])
def test_psr_undefined_for_short_samples(n: int) -> None:
    assert math.isnan(probabilistic_sharpe_ratio(0.1, 0.0, n, 0.0, 3.0))


def test_psr_undefined_for_non_finite_sharpe_or_degenerate_moments() -> None:
    assert math.isnan(probabilistic_sharpe_ratio(float("nan"), 0.0, 100, 0.0, 3.0))
    assert math.isnan(probabilistic_sharpe_ratio(float("inf"), 0.0, 100, 0.0, 3.0))
    # 1 - skew SR + (kurt - 1) / 4 SR^2 <= 0
    assert math.isnan(probabilistic_sharpe_ratio(1.0, 0.0, 100, 5.0, 3.0))


# --- expected_max_sharpe -----------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1])
def test_expected_max_sharpe_of_one_trial_is_zero(n: int) -> None:
    assert expected_max_sharpe(n, 0.01) == 0.0


def test_expected_max_sharpe_grows_with_trials_and_variance() -> None:
    by_n = [expected_max_sharpe(n, 0.01) for n in (2, 3, 5, 10, 100)]
    assert by_n[0] > 0
    assert np.all(np.diff(by_n) > 0)
    by_var = [expected_max_sharpe(5, v) for v in (0.001, 0.01, 0.1)]
    assert np.all(np.diff(by_var) > 0)
    assert expected_max_sharpe(5, 0.0) == 0.0


@pytest.mark.parametrize(("n", "variance"), [(2, 0.01), (6, 0.0004), (1000, 0.25)])
def test_expected_max_sharpe_formula(n: int, variance: float) -> None:
    assert expected_max_sharpe(n, variance) == pytest.approx(
        expected_max_sharpe_reference(n, variance), rel=1e-12
    )


# --- spa_pvalue --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def benchmark() -> np.ndarray:
    return np.random.default_rng(0).normal(0.0003, 0.01, N_DAYS)


def test_spa_pvalue_identical_strategy_is_one(benchmark: np.ndarray) -> None:
    assert spa_pvalue(benchmark.copy(), benchmark, FAST) == 1.0


def test_spa_pvalue_in_unit_interval(benchmark: np.ndarray) -> None:
    rng = np.random.default_rng(5)
    for k in range(4):
        strategy = benchmark * rng.uniform(0.5, 1.5) + rng.normal(0.0, 0.005, N_DAYS)
        p = spa_pvalue(strategy, benchmark, FAST)
        assert 0.0 <= p <= 1.0, k


def test_spa_pvalue_detects_a_consistent_outperformance(benchmark: np.ndarray) -> None:
    noise = np.random.default_rng(1).normal(0.0, 0.005, N_DAYS)
    assert spa_pvalue(benchmark + 0.002 + noise, benchmark, FAST) < 0.05


def test_spa_pvalue_benchmark_minus_costs_is_not_superior(benchmark: np.ndarray) -> None:
    for seed in range(4):
        costs = 0.0005 * (1 + np.abs(np.random.default_rng(seed).normal(0.0, 1.0, N_DAYS)))
        assert spa_pvalue(benchmark - costs, benchmark, FAST) > 0.3


@pytest.mark.xfail(
    reason="for a strategy clearly worse than the benchmark the consistent p-value is about 0.5 "
    "(not near 1): arch's SPA.compute compares the raw maximum mean loss differential with its "
    "bootstrap without Hansen's max(0, .) floor, and the clearly-worse model is not recentred, "
    "so p = P(mean* > mean) ~ 0.5 however much worse it is (here 0.468 for seed 2)",
    strict=True,
    raises=AssertionError,
)
def test_spa_pvalue_benchmark_minus_costs_is_above_one_half(benchmark: np.ndarray) -> None:
    settings = ValidationSettings(spa_reps=500, seed=0)
    pvalues = []
    for seed in range(4):
        costs = 0.0005 * (1 + np.abs(np.random.default_rng(seed).normal(0.0, 1.0, N_DAYS)))
        pvalues.append(spa_pvalue(benchmark - costs, benchmark, settings))
    assert min(pvalues) > 0.5, pvalues


def test_spa_pvalue_constant_cost_drag_is_not_superior(benchmark: np.ndarray) -> None:
    assert spa_pvalue(benchmark - 0.001, benchmark, ValidationSettings(spa_reps=500)) > 0.5


def test_spa_pvalue_is_deterministic_for_a_seed(benchmark: np.ndarray) -> None:
    strategy = benchmark + np.random.default_rng(2).normal(0.0002, 0.004, N_DAYS)
    assert (strategy - benchmark).mean() > 0  # better on average, not significantly
    first = spa_pvalue(strategy, benchmark, FAST)
    assert spa_pvalue(strategy, benchmark, FAST) == first
    assert 0.0 < first < 1.0
    others = {
        spa_pvalue(strategy, benchmark, ValidationSettings(spa_reps=300, seed=s))
        for s in range(1, 4)
    }
    assert others != {first}  # the seed is used


# --- strategy_statistics -----------------------------------------------------------------------


def make_daily(seed: int = 0, n_days: int = N_DAYS) -> pd.DataFrame:
    """Daily rows per strategy: a start row (nav 1, net_return 0) then ``n_days`` returns."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2019-01-01", periods=n_days + 1)
    bench = rng.normal(0.0003, 0.01, n_days)
    returns = {
        "equal_weight": bench,
        "composite": bench + 0.0008 + rng.normal(0.0, 0.004, n_days),
        "composite_inverse_vol": 0.8 * bench + rng.normal(0.0001, 0.003, n_days),
        "composite_fixed_weights": bench + rng.normal(-0.0002, 0.006, n_days),
    }
    frames = []
    for name, r in returns.items():
        net = np.r_[0.0, r]
        nav = np.cumprod(1.0 + net)
        frames.append(
            pd.DataFrame(
                {
                    "strategy": name,
                    "date": dates,
                    "nav": nav,
                    "net_return": net,
                    "cost": np.r_[0.0, rng.uniform(0.0, 0.0002, n_days)],
                    "turnover": np.r_[0.0, rng.uniform(0.0, 0.05, n_days)],
                    "drawdown": nav / np.maximum.accumulate(nav) - 1.0,
                }
            )
        )
    daily = pd.concat(frames, ignore_index=True)
    return daily.sample(frac=1.0, random_state=1)  # row order must not matter


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    return make_daily()


@pytest.fixture(scope="module")
def risk_free(daily: pd.DataFrame) -> pd.Series:
    dates = np.sort(daily["date"].unique())
    return pd.Series(0.00008, index=pd.DatetimeIndex(dates))


@pytest.fixture(scope="module")
def table(daily: pd.DataFrame, risk_free: pd.Series) -> pd.DataFrame:
    return strategy_statistics(daily, risk_free, "equal_weight", TRIALS, FAST).set_index("strategy")


def test_statistics_columns_and_rows(table: pd.DataFrame, daily: pd.DataFrame) -> None:
    assert ["strategy", *table.columns] == COLUMNS
    assert sorted(table.index) == sorted(daily["strategy"].unique())
    assert (table["n_days"] == N_DAYS).all()  # the start row is not a return
    assert (table["start_date"] == daily["date"].min()).all()
    assert (table["end_date"] == daily["date"].max()).all()


def test_spa_tests_in_worker_processes_give_the_same_table(
    table: pd.DataFrame, daily: pd.DataFrame, risk_free: pd.Series
) -> None:
    pooled = strategy_statistics(daily, risk_free, "equal_weight", TRIALS, FAST, workers=2)
    pd.testing.assert_frame_equal(pooled.set_index("strategy"), table, check_exact=True)
    assert table["spa_pvalue"].between(0.0, 1.0).all()


def test_psr_and_dsr_are_probabilities(table: pd.DataFrame) -> None:
    assert table["psr"].between(0.0, 1.0).all()
    assert table["dsr"].between(0.0, 1.0).all()


def test_dsr_deflates_over_the_trials(
    table: pd.DataFrame, daily: pd.DataFrame, risk_free: pd.Series
) -> None:
    m, n, variance = deflation_reference(daily, risk_free, TRIALS)
    assert (table["n_trials"] == m).all()
    assert table["n_trials_effective"].to_numpy() == pytest.approx(n, rel=1e-10)
    assert table["dsr_trial_variance"].to_numpy() == pytest.approx(variance, rel=1e-10)
    assert (table["dsr_sharpe_star"] > 0).all()
    trials = table.loc[TRIALS]
    assert (trials["dsr"] < trials["psr"]).all()
    assert table["dsr_sharpe_star"].iloc[0] == pytest.approx(
        expected_max_sharpe_reference(n, variance), rel=1e-10
    )


def test_trial_variance_never_below_the_null_variance() -> None:
    """Four near-identical variants agree with each other far more closely than any of them
    estimates its Sharpe ratio (the issue-17 finding: V 3e-7 against 1/T 2.3e-4)."""
    rng = np.random.default_rng(5)
    common = rng.normal(0.0004, 0.01, 1000)
    variants = pd.DataFrame({f"v{j}": common + rng.normal(0, 0.0005, 1000) for j in range(4)})
    sharpes = variants.mean() / variants.std(ddof=1)
    assert np.var(sharpes, ddof=1) < 1e-3 / 999
    deflated = deflation(variants, None, 0, 1000)
    assert deflated.variance == pytest.approx(1 / 999, rel=1e-12)
    assert deflated.correlation > 0.99 and 4 > deflated.n_effective > 1.0
    # so near one trial, the paper's approximation is negative and floored at 0
    reference = expected_max_sharpe_reference(deflated.n_effective, 1 / 999)
    assert deflated.sharpe_star == max(reference, 0.0)


def test_extra_trials_count_and_deflate_more(
    table: pd.DataFrame, daily: pd.DataFrame, risk_free: pd.Series
) -> None:
    settings = ValidationSettings(spa_reps=300, seed=0, extra_trials=7)
    more = strategy_statistics(daily, risk_free, "equal_weight", TRIALS, settings)
    more = more.set_index("strategy")
    m, n, variance = deflation_reference(daily, risk_free, TRIALS, extra=7)
    assert (more["n_trials"] == len(TRIALS) + 7).all() and m == len(TRIALS) + 7
    assert more["dsr_sharpe_star"].iloc[0] == pytest.approx(
        expected_max_sharpe_reference(n, variance), rel=1e-10
    )
    assert (more["dsr"] < table["dsr"]).all()
    pd.testing.assert_series_equal(more["psr"], table["psr"])


def test_recorded_trials_selected_on_returns_count(
    table: pd.DataFrame, daily: pd.DataFrame, risk_free: pd.Series
) -> None:
    recorded = pd.DataFrame(
        {
            "trial_id": ["a-01", "a-02", "b-01", "c-01"],
            "selected_on_returns": [True, True, True, False],
            "sharpe": [0.9, np.nan, 2.5, 5.0],  # annualised; the CPU-time trial is not counted
        }
    )
    out = strategy_statistics(daily, risk_free, "equal_weight", TRIALS, FAST, recorded)
    out = out.set_index("strategy")
    m, _, variance = deflation_reference(daily, risk_free, TRIALS, recorded=(0.9, 2.5))
    m += 1  # a-02: counted, its Sharpe ratio unknown
    rho = float(out["trial_correlation"].iloc[0])
    n = rho + (1 - rho) * m
    assert (out["n_trials"] == len(TRIALS) + 3).all()
    assert out["n_trials_effective"].iloc[0] == pytest.approx(n, rel=1e-10)
    assert out["dsr_trial_variance"].iloc[0] == pytest.approx(variance, rel=1e-10)
    assert out["dsr_trial_variance"].iloc[0] > 1 / (N_DAYS - 1)  # 2.5 a year stands out
    assert (out["dsr"] < table["dsr"]).all()


def test_one_trial_is_not_deflated(daily: pd.DataFrame, risk_free: pd.Series) -> None:
    one = strategy_statistics(daily, risk_free, "equal_weight", ["composite"], FAST)
    assert (one["n_trials"] == 1).all()
    assert (one["dsr_sharpe_star"] == 0).all()
    np.testing.assert_allclose(one["dsr"], one["psr"], rtol=0, atol=0)


def test_statistics_recomputed(
    table: pd.DataFrame, daily: pd.DataFrame, risk_free: pd.Series
) -> None:
    for name, frame in daily.groupby("strategy"):
        frame = frame.sort_values("date")
        row = table.loc[name]
        net = frame["net_return"].to_numpy()[1:]
        n = len(net)
        years = n / 252
        excess = net - risk_free.reindex(frame["date"].iloc[1:]).to_numpy()
        sr = excess.mean() / excess.std(ddof=1)
        downside = np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2))
        assert row["cagr"] == pytest.approx(frame["nav"].iloc[-1] ** (252 / n) - 1, rel=1e-10)
        assert row["annual_cost_drag"] == pytest.approx(frame["cost"].sum() / years, rel=1e-10)
        assert row["annual_turnover"] == pytest.approx(frame["turnover"].sum() / years, rel=1e-10)
        assert row["ann_vol"] == pytest.approx(net.std(ddof=1) * np.sqrt(252), rel=1e-10)
        assert row["sharpe_per_period"] == pytest.approx(sr, rel=1e-10)
        assert row["sharpe"] == pytest.approx(sr * np.sqrt(252), rel=1e-10)
        assert row["sortino"] == pytest.approx(excess.mean() / downside * np.sqrt(252), rel=1e-10)
        assert row["max_drawdown"] == pytest.approx(frame["drawdown"].min(), rel=1e-12)
        assert row["skewness"] == pytest.approx(skew(excess), rel=1e-10)
        assert row["kurtosis"] == pytest.approx(kurtosis(excess, fisher=False), rel=1e-10)
        z = (
            sr
            * np.sqrt(n - 1)
            / np.sqrt(1 - skew(excess) * sr + (kurtosis(excess, fisher=False) - 1) / 4 * sr**2)
        )
        assert row["psr"] == pytest.approx(norm.cdf(z), rel=1e-10)


def test_sharpe_is_in_excess_of_the_risk_free_rate(
    daily: pd.DataFrame, table: pd.DataFrame, risk_free: pd.Series
) -> None:
    none = strategy_statistics(daily, risk_free * 0.0, "equal_weight", TRIALS, FAST)
    higher = strategy_statistics(daily, risk_free * 3.0, "equal_weight", TRIALS, FAST)
    none, higher = none.set_index("strategy"), higher.set_index("strategy")
    assert (none["sharpe"] > table["sharpe"]).all()
    assert (table["sharpe"] > higher["sharpe"]).all()
    assert (none["psr"] > higher["psr"]).all()
    # the return-based figures do not depend on it
    for column in ("cagr", "ann_vol", "annual_cost_drag", "max_drawdown"):
        np.testing.assert_array_equal(none[column], higher[column])


def test_missing_risk_free_days_count_as_zero(daily: pd.DataFrame, risk_free: pd.Series) -> None:
    partial = risk_free.iloc[::2]
    filled = risk_free.copy()
    filled.iloc[1::2] = 0.0
    a = strategy_statistics(daily, partial, "equal_weight", TRIALS, FAST)
    b = strategy_statistics(daily, filled, "equal_weight", TRIALS, FAST)
    pd.testing.assert_frame_equal(a, b)


def test_family_spa_is_one_test_of_all_variants(table: pd.DataFrame, daily: pd.DataFrame) -> None:
    family = table["spa_family_pvalue"]
    assert (family == family.iloc[0]).all() and 0.0 <= family.iloc[0] <= 1.0
    wide = daily.pivot(index="date", columns="strategy", values="net_return").iloc[1:]
    assert family.iloc[0] == spa_pvalue(
        wide[TRIALS].to_numpy(), wide["equal_weight"].to_numpy(), FAST
    )
    assert family.iloc[0] < 0.05  # composite beats the benchmark by 0.08 %/day


def test_family_spa_of_noise_is_not_significant() -> None:
    rng = np.random.default_rng(3)
    bench = rng.normal(0.0003, 0.01, 1000)
    family = np.column_stack([bench + rng.normal(0.0, 0.004, 1000) for _ in range(5)])
    assert spa_pvalue(family, bench, FAST) > 0.1
    # one member with a real edge makes the family significant
    family[:, 2] += 0.0015
    assert spa_pvalue(family, bench, FAST) < 0.05


def test_spa_pvalues_in_the_table(table: pd.DataFrame, daily: pd.DataFrame) -> None:
    assert table.loc["equal_weight", "spa_pvalue"] == 1.0
    assert table["spa_pvalue"].between(0.0, 1.0).all()
    assert table.loc["composite", "spa_pvalue"] < 0.05  # + 0.08 %/day over the benchmark
    # the same as calling spa_pvalue on the two return series
    wide = daily.pivot(index="date", columns="strategy", values="net_return").iloc[1:]
    for name in TRIALS:
        assert table.loc[name, "spa_pvalue"] == spa_pvalue(
            wide[name].to_numpy(), wide["equal_weight"].to_numpy(), FAST
        )


def test_dsr_of_the_best_null_strategy_is_rarely_significant() -> None:
    """N independent skill-less strategies tried, the best picked: over 300 seeds its PSR
    clears 0.95 often, its DSR in at most 5 % of them."""
    n_strategies, n_days, seeds = 10, 500, 300
    psr_hits = dsr_hits = 0
    settings = ValidationSettings(spa_reps=1, seed=0)
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        returns = rng.normal(0.0, 0.01, (n_days, n_strategies))
        excess = pd.DataFrame(returns, columns=[f"s{j}" for j in range(n_strategies)])
        sr = excess.mean() / excess.std(ddof=1)
        best = sr.idxmax()
        x = excess[best].to_numpy()
        deflated = deflation(excess, None, settings.extra_trials, n_days)
        args = (n_days, float(skew(x)), float(kurtosis(x, fisher=False)))
        psr_hits += probabilistic_sharpe_ratio(float(sr[best]), 0.0, *args) > 0.95
        dsr_hits += probabilistic_sharpe_ratio(float(sr[best]), deflated.sharpe_star, *args) > 0.95
    assert psr_hits / seeds > 0.25  # picking the best of 10 looks significant a third of the time
    assert dsr_hits / seeds <= 0.05


def test_statistics_are_deterministic(daily: pd.DataFrame, risk_free: pd.Series) -> None:
    a = strategy_statistics(daily, risk_free, "equal_weight", TRIALS, FAST)
    b = strategy_statistics(
        daily.sample(frac=1.0, random_state=7), risk_free, "equal_weight", TRIALS, FAST
    )
    pd.testing.assert_frame_equal(a, b)


def test_no_daily_rows_give_an_empty_typed_summary(
    daily: pd.DataFrame, risk_free: pd.Series
) -> None:
    out = strategy_statistics(daily.iloc[0:0], risk_free, "equal_weight", TRIALS, FAST)
    full = strategy_statistics(daily, risk_free, "equal_weight", TRIALS, FAST)
    assert out.empty
    assert list(out.columns) == list(full.columns)
    assert out["n_trials"].dtype == "int64" and out["spa_pvalue"].dtype == "float64"
    assert pd.api.types.is_datetime64_any_dtype(out["start_date"])

"""Performance statistics and significance tests of backtested strategies.

- Annualised figures from daily net returns: CAGR, volatility, Sharpe and Sortino ratios on
  returns in excess of the risk-free rate, maximum drawdown, turnover and cost drag per year.
- Probabilistic Sharpe Ratio (Bailey & Lopez de Prado 2012): the probability that the true
  Sharpe ratio exceeds SR*, from the per-period (daily) Sharpe ratio, its sample length, skewness
  and raw (not excess) kurtosis:

      PSR(SR*) = Phi( (SR - SR*) sqrt(n - 1) / sqrt(1 - skew SR + (kurt - 1) / 4 SR^2) )

  ``psr`` uses SR* = 0.
- Deflated Sharpe Ratio (Bailey & Lopez de Prado 2014): PSR against the Sharpe ratio the best of
  N skill-less trials would show, gamma Euler's constant:

      SR* = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))

  What the search was (see ``deflation``):

  - M, the trials (``n_trials``): the system's variants built together (the composite family)
    plus every configuration recorded in seed config_trials whose choice looked at returns
    (``selected_on_returns``), plus ``extra_trials``;
  - N, the effective number of independent trials (``n_trials_effective``): trials of one
    system are correlated, and the paper's estimate is N = rho + (1 - rho) M, with rho the
    average pairwise correlation of the variants' daily excess returns (the recorded trials are
    variants of the same system and assumed as correlated);
  - V, the variance of the trials' per-period Sharpe ratios (``dsr_trial_variance``): of the
    variants' and the recorded trials' Sharpe ratios, but never below the estimator's own
    variance under the null, 1 / (T - 1) for T returns (Lo 2002): a handful of near-identical
    variants agree with each other far more closely than any of them estimates its Sharpe.

- Hansen's (2005) test of Superior Predictive Ability against the benchmark, with
  ``arch.bootstrap.SPA``: losses are negative net returns, a stationary bootstrap whose block
  length comes from ``arch.bootstrap.optimal_block_length`` of the loss differential, seeded;
  the reported p-value is the consistent one. A small p-value says the strategy beat the
  benchmark by more than luck would explain. ``spa_pvalue`` tests each strategy alone;
  ``spa_family_pvalue`` tests the family at once (does *any* of the system's variants beat
  the benchmark?), the headline answer for a search over variants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from arch.bootstrap import SPA, optimal_block_length
from scipy import stats

from etf_warehouse.frames import empty_frame
from etf_warehouse.parallel import process_map

TRADING_DAYS = 252
EULER_GAMMA = 0.5772156649015329


@dataclass(frozen=True)
class ValidationSettings:
    spa_reps: int = 1000
    seed: int = 0
    # configurations tried outside this build (e.g. earlier parameter choices): added to the
    # variants in the build when DSR counts its trials
    extra_trials: int = 0


def probabilistic_sharpe_ratio(
    sharpe: float, sharpe_star: float, n: int, skew: float, kurtosis: float
) -> float:
    """PSR of a per-period Sharpe ratio estimated from ``n`` returns (raw kurtosis)."""
    if n < 2 or not np.isfinite(sharpe):
        return float("nan")
    denominator = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if denominator <= 0:
        return float("nan")
    z = (sharpe - sharpe_star) * np.sqrt(n - 1) / np.sqrt(denominator)
    return float(stats.norm.cdf(z))


def expected_max_sharpe(n_trials: float, trial_sharpe_variance: float) -> float:
    """Expected maximum per-period Sharpe ratio of ``n_trials`` skill-less trials (an effective
    number of trials need not be whole). The paper's approximation turns negative for fewer
    than about 1.3 trials, where the expected maximum of one is 0: it is floored there."""
    if n_trials <= 1:
        return 0.0
    expected_max = (1 - EULER_GAMMA) * stats.norm.ppf(1 - 1.0 / n_trials) + EULER_GAMMA * (
        stats.norm.ppf(1 - 1.0 / (n_trials * np.e))
    )
    return float(np.sqrt(trial_sharpe_variance) * max(expected_max, 0.0))


def spa_pvalue(
    strategy_returns: np.ndarray, benchmark_returns: np.ndarray, settings: ValidationSettings
) -> float:
    """Hansen's SPA consistent p-value of one or more strategies against the benchmark (arch).

    ``strategy_returns``: one strategy (T,) or a family (T x k), tested at once."""
    losses_model = -np.asarray(strategy_returns, dtype=float)
    if losses_model.ndim == 1:
        losses_model = losses_model[:, None]
    losses_bench = -np.asarray(benchmark_returns, dtype=float)
    differential = losses_bench[:, None] - losses_model
    varies = [np.ptp(d) > 1e-12 * max(1.0, float(np.abs(d).max())) for d in differential.T]
    if not any(varies):
        # identical to the benchmark or a constant edge: no sampling variance to bootstrap
        # (arch's studentised statistic is then rounding noise); certainly superior or not
        return 0.0 if (differential.mean(axis=0) > 1e-15).any() else 1.0
    if not all(varies):
        if (differential.mean(axis=0)[~np.array(varies)] > 1e-15).any():
            return 0.0  # a member beats the benchmark by a constant: certainly superior
        losses_model = losses_model[:, varies]
        differential = differential[:, varies]
    # the block length of the family: the longest any member's differential asks for
    blocks = [float(optimal_block_length(d).loc[0, "stationary"]) for d in differential.T]
    blocks = [b for b in blocks if np.isfinite(b)]
    block = max(1.0, max(blocks)) if blocks else 10.0
    test = SPA(
        losses_bench,
        losses_model,
        block_size=int(np.ceil(block)),
        reps=settings.spa_reps,
        bootstrap="stationary",
        seed=settings.seed,
    )
    test.compute()
    return float(np.clip(test.pvalues["consistent"], 0.0, 1.0))


@dataclass(frozen=True)
class Deflation:
    """What the deflated Sharpe ratio deflates over (see the module docstring)."""

    n_trials: int  # M: variants in the build + recorded trials selected on returns + extra
    n_effective: float  # N = rho + (1 - rho) M
    correlation: float  # rho, average pairwise correlation of the variants' excess returns
    variance: float  # V, floored at the estimator's null variance 1 / (T - 1)
    sharpe_star: float  # SR*, per period


def deflation(
    variant_excess: pd.DataFrame,
    recorded_trials: pd.DataFrame | None,
    extra_trials: int,
    n_returns: int,
) -> Deflation:
    """The search a family's DSR deflates over.

    ``variant_excess``: the system variants' daily excess returns (one column each) on their
    common dates. ``recorded_trials``: seed config_trials (columns selected_on_returns and
    sharpe, an annualised Sharpe ratio where recorded). ``n_returns``: T of the strategy whose
    Sharpe ratio is deflated (the variance floor is 1 / (T - 1)).
    """
    variants = variant_excess.dropna(how="any")
    sharpes = [
        float(x.mean() / x.std(ddof=1)) if x.std(ddof=1) > 0 else 0.0 for _, x in variants.items()
    ]
    recorded = 0
    if recorded_trials is not None and len(recorded_trials):
        on_returns = recorded_trials.loc[recorded_trials["selected_on_returns"].astype(bool)]
        recorded = len(on_returns)
        known = pd.to_numeric(on_returns["sharpe"], errors="coerce").dropna()
        sharpes += list(known.to_numpy() / np.sqrt(TRADING_DAYS))
    n_trials = len(variants.columns) + recorded + extra_trials
    correlation = 0.0
    if variants.shape[1] > 1 and len(variants) > 2:
        corr = variants.corr().to_numpy()
        pairs = corr[np.triu_indices_from(corr, k=1)]
        pairs = pairs[np.isfinite(pairs)]
        correlation = float(np.clip(pairs.mean(), 0.0, 1.0)) if pairs.size else 0.0
    n_effective = correlation + (1.0 - correlation) * n_trials if n_trials > 0 else 0.0
    spread = float(np.var(sharpes, ddof=1)) if len(sharpes) > 1 else 0.0
    floor = 1.0 / (n_returns - 1) if n_returns > 1 else 0.0
    variance = max(spread, floor)
    return Deflation(
        n_trials=n_trials,
        n_effective=n_effective,
        correlation=correlation,
        variance=variance,
        sharpe_star=expected_max_sharpe(n_effective, variance),
    )


FAMILY = "\0family"  # the family's SPA test among the strategies' (no strategy's name)


def _spa_test(test: tuple[np.ndarray, np.ndarray, ValidationSettings]) -> float:
    return spa_pvalue(*test)


def strategy_statistics(
    daily: pd.DataFrame,
    risk_free: pd.Series,
    benchmark: str,
    trial_strategies: list[str],
    settings: ValidationSettings,
    recorded_trials: pd.DataFrame | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """One row per strategy of ``daily`` (strategy, date, nav, net_return, cost, turnover,
    drawdown). ``risk_free``: daily risk-free return by date. ``trial_strategies``: the system
    variants built together (the family the DSR deflates over and the family SPA tests);
    ``recorded_trials``: seed config_trials, the configurations compared to choose the
    defaults; ``settings.extra_trials`` more are counted as tried elsewhere. With ``workers``
    > 1 the SPA tests (each seeded) run in a pool of processes: the same p-values."""
    if daily.empty:  # nothing was held yet (a short or tiny universe)
        return empty_frame(SUMMARY_SCHEMA)
    daily = daily.sort_values(["strategy", "date"])
    returns = {
        name: frame.set_index("date")["net_return"].iloc[1:]  # the first row is the start
        for name, frame in daily.groupby("strategy", sort=True)
    }
    excess = {
        name: series - risk_free.reindex(series.index).fillna(0.0).to_numpy()
        for name, series in returns.items()
    }
    per_period_sharpe = {
        name: float(x.mean() / x.std(ddof=1)) if x.std(ddof=1) > 0 else 0.0
        for name, x in excess.items()
    }
    family = [t for t in trial_strategies if t in excess]
    family_excess = pd.DataFrame({t: excess[t] for t in family})
    # the SPA tests (the bootstrap is most of this function's time): the family's, then each
    # strategy's against the benchmark
    tests: dict[str, tuple[np.ndarray, np.ndarray, ValidationSettings]] = {}
    if family and benchmark in returns:
        common = pd.DataFrame({t: returns[t] for t in family}).dropna(how="any")
        tests[FAMILY] = (
            common.to_numpy(),
            returns[benchmark].reindex(common.index).fillna(0.0).to_numpy(),
            settings,
        )
    if benchmark in returns:
        for name, series in returns.items():
            if name != benchmark:
                tests[name] = (
                    series.to_numpy(),
                    returns[benchmark].reindex(series.index).fillna(0.0).to_numpy(),
                    settings,
                )
    if workers > 1 and len(tests) > 1:
        pvalues = dict(zip(tests, process_map(_spa_test, tests.values(), workers), strict=True))
    else:
        pvalues = {name: _spa_test(test) for name, test in tests.items()}
    family_pvalue = pvalues.get(FAMILY, float("nan"))
    rows = []
    deflations: dict[int, Deflation] = {}
    for name, frame in daily.groupby("strategy", sort=True):
        net = returns[name].to_numpy()
        x = excess[name].to_numpy()
        n = net.shape[0]
        years = n / TRADING_DAYS
        sr = per_period_sharpe[name]
        downside = np.sqrt(np.mean(np.minimum(x, 0.0) ** 2))
        skew = float(stats.skew(x)) if n > 2 else 0.0
        kurt = float(stats.kurtosis(x, fisher=False)) if n > 3 else 3.0
        if n not in deflations:  # the same for every strategy of the backtest's length
            deflations[n] = deflation(family_excess, recorded_trials, settings.extra_trials, n)
        deflated = deflations[n]
        nav_end = float(frame["nav"].iloc[-1])
        rows.append(
            {
                "strategy": name,
                "start_date": frame["date"].iloc[0],
                "end_date": frame["date"].iloc[-1],
                "n_days": n,
                "cagr": nav_end ** (1.0 / years) - 1.0 if years > 0 else np.nan,
                "ann_vol": float(np.std(net, ddof=1) * np.sqrt(TRADING_DAYS)),
                "sharpe": sr * np.sqrt(TRADING_DAYS),
                "sortino": float(x.mean() / downside * np.sqrt(TRADING_DAYS))
                if downside > 0
                else np.nan,
                "max_drawdown": float(frame["drawdown"].min()),
                "annual_turnover": float(frame["turnover"].sum() / years),
                "annual_cost_drag": float(frame["cost"].sum() / years),
                "sharpe_per_period": sr,
                "skewness": skew,
                "kurtosis": kurt,
                "psr": probabilistic_sharpe_ratio(sr, 0.0, n, skew, kurt),
                "dsr_sharpe_star": deflated.sharpe_star,
                "dsr": probabilistic_sharpe_ratio(sr, deflated.sharpe_star, n, skew, kurt),
                "n_trials": deflated.n_trials,
                "n_trials_effective": deflated.n_effective,
                "trial_correlation": deflated.correlation,
                "dsr_trial_variance": deflated.variance,
                "spa_pvalue": 1.0 if name == benchmark else pvalues[name],
                "spa_family_pvalue": family_pvalue,
            }
        )
    return pd.DataFrame(rows)[list(SUMMARY_SCHEMA)]


SUMMARY_SCHEMA = {
    "strategy": "str",
    "start_date": "datetime64[ns]",
    "end_date": "datetime64[ns]",
    "n_days": "int64",
    "cagr": "float64",
    "ann_vol": "float64",
    "sharpe": "float64",
    "sortino": "float64",
    "max_drawdown": "float64",
    "annual_turnover": "float64",
    "annual_cost_drag": "float64",
    "sharpe_per_period": "float64",
    "skewness": "float64",
    "kurtosis": "float64",
    "psr": "float64",
    "dsr_sharpe_star": "float64",
    "dsr": "float64",
    "n_trials": "int64",
    "n_trials_effective": "float64",
    "trial_correlation": "float64",
    "dsr_trial_variance": "float64",
    "spa_pvalue": "float64",
    "spa_family_pvalue": "float64",
}

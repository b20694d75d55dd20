"""Performance statistics and significance tests of backtested strategies.

- Annualised figures from daily net returns: CAGR, volatility, Sharpe and Sortino ratios on
  returns in excess of the risk-free rate, maximum drawdown, turnover and cost drag per year.
- Probabilistic Sharpe Ratio (Bailey & Lopez de Prado 2012): the probability that the true
  Sharpe ratio exceeds SR*, from the per-period (daily) Sharpe ratio, its sample length, skewness
  and raw (not excess) kurtosis:

      PSR(SR*) = Phi( (SR - SR*) sqrt(n - 1) / sqrt(1 - skew SR + (kurt - 1) / 4 SR^2) )

  ``psr`` uses SR* = 0.
- Deflated Sharpe Ratio (Bailey & Lopez de Prado 2014): PSR against the Sharpe ratio the best of
  ``n_trials`` skill-less trials would show, with V the variance of the trials' (per-period)
  Sharpe ratios and gamma Euler's constant:

      SR* = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))

- Hansen's (2005) test of Superior Predictive Ability against the benchmark, with
  ``arch.bootstrap.SPA``: losses are negative net returns, a stationary bootstrap whose block
  length comes from ``arch.bootstrap.optimal_block_length`` of the loss differential, seeded;
  the reported p-value is the consistent one. A small p-value says the strategy beat the
  benchmark by more than luck would explain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from arch.bootstrap import SPA, optimal_block_length
from scipy import stats

from etf_warehouse.frames import empty_frame

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


def expected_max_sharpe(n_trials: int, trial_sharpe_variance: float) -> float:
    """Expected maximum per-period Sharpe ratio of ``n_trials`` skill-less trials."""
    if n_trials <= 1:
        return 0.0
    return float(
        np.sqrt(trial_sharpe_variance)
        * (
            (1 - EULER_GAMMA) * stats.norm.ppf(1 - 1.0 / n_trials)
            + EULER_GAMMA * stats.norm.ppf(1 - 1.0 / (n_trials * np.e))
        )
    )


def spa_pvalue(
    strategy_returns: np.ndarray, benchmark_returns: np.ndarray, settings: ValidationSettings
) -> float:
    """Hansen's SPA consistent p-value of a strategy against the benchmark (arch)."""
    losses_model = -np.asarray(strategy_returns, dtype=float)
    losses_bench = -np.asarray(benchmark_returns, dtype=float)
    differential = losses_bench - losses_model
    if np.allclose(differential, 0.0):
        return 1.0  # identical to the benchmark: nothing to be superior with
    if np.ptp(differential) <= 1e-12 * max(1.0, float(np.abs(differential).max())):
        # a constant edge has no sampling variance to bootstrap (arch's studentised statistic
        # is then rounding noise): it is certainly superior or certainly not
        return 0.0 if differential.mean() > 0 else 1.0
    block = float(optimal_block_length(differential).loc[0, "stationary"])
    block = max(1.0, block) if np.isfinite(block) else 10.0
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


def strategy_statistics(
    daily: pd.DataFrame,
    risk_free: pd.Series,
    benchmark: str,
    trial_strategies: list[str],
    settings: ValidationSettings,
) -> pd.DataFrame:
    """One row per strategy of ``daily`` (strategy, date, nav, net_return, cost, turnover,
    drawdown). ``risk_free``: daily risk-free return by date. ``trial_strategies``: the system
    variants tried (the family DSR deflates over); ``settings.extra_trials`` more are counted
    as tried elsewhere, with the same Sharpe-ratio variance."""
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
    trials = [per_period_sharpe[t] for t in trial_strategies if t in per_period_sharpe]
    trial_variance = float(np.var(trials, ddof=1)) if len(trials) > 1 else 0.0
    n_trials = len(trials) + settings.extra_trials
    sharpe_star = expected_max_sharpe(n_trials, trial_variance)
    rows = []
    for name, frame in daily.groupby("strategy", sort=True):
        net = returns[name].to_numpy()
        x = excess[name].to_numpy()
        n = net.shape[0]
        years = n / TRADING_DAYS
        sr = per_period_sharpe[name]
        downside = np.sqrt(np.mean(np.minimum(x, 0.0) ** 2))
        skew = float(stats.skew(x)) if n > 2 else 0.0
        kurt = float(stats.kurtosis(x, fisher=False)) if n > 3 else 3.0
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
                "dsr_sharpe_star": sharpe_star,
                "dsr": probabilistic_sharpe_ratio(sr, sharpe_star, n, skew, kurt),
                "n_trials": n_trials,
                "spa_pvalue": 1.0
                if name == benchmark
                else spa_pvalue(
                    net,
                    returns[benchmark].reindex(returns[name].index).fillna(0.0).to_numpy(),
                    settings,
                ),
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
    "spa_pvalue": "float64",
}

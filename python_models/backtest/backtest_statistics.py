"""Per-strategy performance and significance: CAGR, vol, Sharpe, Sortino, drawdown, turnover,
cost drag, PSR, DSR (over the system variants tried) and Hansen's SPA p-value vs the benchmark.
"""

import pandas as pd

from etf_warehouse.backtest.statistics import strategy_statistics
from etf_warehouse.dbt_glue import validation_settings, with_date_columns
from etf_warehouse.portfolio.construction import BENCHMARK, STRATEGIES


def model(dbt, session):
    daily = dbt.ref("backtest_daily").df()
    risk_free = dbt.ref("int_risk_free_daily").df()
    daily["date"] = pd.to_datetime(daily["date"])
    rf = risk_free.set_index(pd.to_datetime(risk_free["date"]))["daily_rf"]
    trials = [s.name for s in STRATEGIES if s.name != BENCHMARK and not s.survivors_only]
    result = strategy_statistics(
        daily, rf, BENCHMARK, trials, validation_settings(dbt.config.get("validation"))
    )
    return with_date_columns(result, ["start_date", "end_date"])

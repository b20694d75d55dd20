"""Per-strategy performance and significance: CAGR, vol, Sharpe, Sortino, drawdown, turnover,
cost drag, PSR, DSR (over the system variants built together and the configurations recorded in
seed config_trials) and Hansen's SPA p-values vs the benchmark, per strategy and for the family.
"""

import pandas as pd

from etf_warehouse.backtest.statistics import strategy_statistics
from etf_warehouse.dbt_glue import validation_settings, with_date_columns
from etf_warehouse.portfolio.construction import BENCHMARK, backtest_strategies


def model(dbt, session):
    daily = dbt.ref("backtest_daily").df()
    risk_free = dbt.ref("int_risk_free_daily").df()
    recorded = dbt.ref("config_trials").df()
    daily["date"] = pd.to_datetime(daily["date"])
    rf = risk_free.set_index(pd.to_datetime(risk_free["date"]))["daily_rf"]
    # the system's variants: every strategy that ranks by a score, on the full universe
    strategies = backtest_strategies(dbt.config.get("scoring_weights_mode"))
    family = [s.name for s in strategies if s.score_column is not None and not s.survivors_only]
    result = strategy_statistics(
        daily, rf, BENCHMARK, family, validation_settings(dbt.config.get("validation")), recorded
    )
    return with_date_columns(result, ["start_date", "end_date"])

"""Per-strategy performance and significance: CAGR, vol, Sharpe, Sortino, drawdown, turnover,
cost drag, PSR, DSR (over the system variants built together and the configurations recorded in
seed config_trials) and Hansen's SPA p-values vs the benchmark, per strategy and for the family
(the SPA tests in python_workers processes).
"""

import pandas as pd

from etf_warehouse.backtest.statistics import ValidationSettings, strategy_statistics
from etf_warehouse.dbt_glue import (
    config_value,
    settings_from_config,
    with_date_columns,
    worker_count,
)
from etf_warehouse.portfolio.construction import BENCHMARK, backtest_strategies
from etf_warehouse.progress import reported


def build(dbt, session):
    daily = dbt.ref("backtest_daily").df()
    risk_free = dbt.ref("int_risk_free_daily").df()
    recorded = dbt.ref("config_trials").df()
    daily["date"] = pd.to_datetime(daily["date"])
    rf = risk_free.set_index(pd.to_datetime(risk_free["date"]))["daily_rf"]
    # the system's variants: every strategy that ranks by a score, on the full universe
    this = dbt.this.identifier
    weights_mode = config_value(
        dbt.config.get("scoring_weights_mode"), str, key="scoring_weights_mode", model=this
    )
    strategies = backtest_strategies(weights_mode)
    family = [s.name for s in strategies if s.score_column is not None and not s.survivors_only]
    validation = settings_from_config(
        ValidationSettings, dbt.config.get("validation"), model=this, name="validation"
    )
    workers = config_value(dbt.config.get("python_workers"), int, key="python_workers", model=this)
    result = strategy_statistics(
        daily, rf, BENCHMARK, family, validation, recorded, workers=worker_count(workers)
    )
    return with_date_columns(result, ["start_date", "end_date"])


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

"""Daily walk-forward backtest of every strategy's holdings, with spread and impact costs.

Rules in etf_warehouse/backtest/engine.py: trade at the next day's close, positions drift,
delisted funds sold at their last price after the grace period, costs taken from NAV. The
strategies run in python_workers processes (one at a time here when the market is larger
than the engine's MAX_POOLED_MARKET_BYTES: each worker would copy it).
"""

import pandas as pd

from etf_warehouse.backtest.engine import (
    BacktestSettings,
    backtest_all,
    cost_inputs_from_relation,
)
from etf_warehouse.dbt_glue import (
    config_value,
    settings_from_config,
    wide_returns,
    with_date_columns,
    worker_count,
)
from etf_warehouse.progress import reported


def build(dbt, session):
    this = dbt.this.identifier
    workers = config_value(dbt.config.get("python_workers"), int, key="python_workers", model=this)
    holdings = dbt.ref("portfolio_holdings").df()
    returns = wide_returns(dbt.ref("int_backtest_returns"))
    sessions = dbt.ref("int_trading_calendar").filter("is_trading_day").project("price_date").df()
    returns = returns.reindex(pd.DatetimeIndex(sessions["price_date"]).sort_values())
    cost_inputs = cost_inputs_from_relation(dbt.ref("int_cost_inputs"))
    holdings["rebalance_date"] = pd.to_datetime(holdings["rebalance_date"])
    settings = settings_from_config(
        BacktestSettings, dbt.config.get("backtest"), model=this, name="backtest"
    )
    daily = backtest_all(holdings, returns, cost_inputs, settings, workers=worker_count(workers))
    return with_date_columns(daily, ["date"])


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

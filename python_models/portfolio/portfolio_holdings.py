"""Target weights of every strategy at every monthly rebalance (signal date; traded next day).

Mean-variance on the bias-corrected forecasts with a Ledoit-Wolf covariance, capped inverse
volatility, or equal weight (etf_warehouse.portfolio.construction); a failed or infeasible solve
falls back to capped inverse volatility and says so in `status`.
"""

import pandas as pd

from etf_warehouse.dbt_glue import (
    config_value,
    settings_from_config,
    wide_returns,
    with_date_columns,
    worker_count,
)
from etf_warehouse.portfolio.construction import (
    PortfolioSettings,
    backtest_strategies,
    portfolio_targets,
)
from etf_warehouse.progress import reported


def build(dbt, session):
    this = dbt.this.identifier
    settings = settings_from_config(
        PortfolioSettings, dbt.config.get("portfolio"), model=this, name="portfolio"
    )
    weights_mode = config_value(
        dbt.config.get("scoring_weights_mode"), str, key="scoring_weights_mode", model=this
    )
    workers = config_value(dbt.config.get("python_workers"), int, key="python_workers", model=this)
    signals = dbt.ref("int_backtest_signals").df()
    returns = wide_returns(dbt.ref("int_backtest_returns"))
    constraints = dbt.ref("portfolio_constraints").df()
    signals["signal_date"] = pd.to_datetime(signals["signal_date"])
    holdings = portfolio_targets(
        signals,
        returns,
        constraints,
        settings,
        backtest_strategies(weights_mode),
        workers=worker_count(workers),
    )
    return with_date_columns(holdings, ["rebalance_date"])


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

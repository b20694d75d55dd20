"""The system's target portfolio on the latest scored date: the trade list's destination.

The `composite` strategy's construction applied to today's eligible funds, with its latest
monthly target as the previous weights of the turnover penalty.
"""

import pandas as pd

from etf_warehouse.dbt_glue import settings_from_config, wide_returns, with_date_columns
from etf_warehouse.portfolio.construction import STRATEGIES, PortfolioSettings, strategy_targets
from etf_warehouse.progress import reported


def build(dbt, session):
    settings = settings_from_config(
        PortfolioSettings, dbt.config.get("portfolio"), model=dbt.this.identifier, name="portfolio"
    )
    signals = dbt.ref("int_latest_signals").df()
    returns = wide_returns(dbt.ref("int_backtest_returns"))
    constraints = dbt.ref("portfolio_constraints").df()
    holdings = dbt.ref("portfolio_holdings").df()
    signals["signal_date"] = pd.to_datetime(signals["signal_date"])
    composite = next(s for s in STRATEGIES if s.name == "composite")
    book = holdings.loc[holdings["strategy"] == composite.name]
    previous = {}
    if not book.empty:
        last = book.loc[book["rebalance_date"] == book["rebalance_date"].max()]
        previous = dict(zip(last["ticker"], last["target_weight"], strict=True))
    targets = strategy_targets(
        composite,
        signals,
        returns,
        constraints,
        settings,
        previous=previous,
    )
    return with_date_columns(targets, ["rebalance_date"])


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

"""Rolling factor loadings of every fund on the first trading day of every month.

OLS of the fund's excess returns on the factor returns over the last window (252 sessions of
daily sample factors, or 60 months of real Fama-French + macro factors), Newey-West t-stats
(etf_warehouse.risk.factors). Point-in-time: a date's loadings use periods dated up to it.
"""

import pandas as pd

from etf_warehouse.dbt_glue import config_value, factor_settings, with_date_columns
from etf_warehouse.frames import empty_frame
from etf_warehouse.progress import reported
from etf_warehouse.risk.factors import (
    OUTPUT_SCHEMA,
    monthly_as_of_dates,
    rolling_factor_loadings,
    wide_factor_returns,
)


def build(dbt, session):
    this = dbt.this.identifier
    config = dbt.config.get("factor_model")
    factors_long = dbt.ref("int_factor_returns").df()
    returns = dbt.ref("int_factor_regression_returns").df()
    calendar = dbt.ref("int_trading_calendar").df()
    if factors_long.empty or returns.empty:
        return with_date_columns(
            empty_frame(OUTPUT_SCHEMA | {"frequency": "str"}),
            ["as_of_date", "window_start", "window_end"],
        )
    frequency = str(factors_long["frequency"].iloc[0])
    settings = factor_settings(config, frequency, this)
    max_staleness_days = config_value(
        config["max_staleness_days"], int, key="factor_model.max_staleness_days", model=this
    )
    factors = wide_factor_returns(factors_long)
    returns["period_date"] = pd.to_datetime(returns["period_date"])
    sessions = pd.to_datetime(calendar.loc[calendar["is_trading_day"], "price_date"])
    dates = monthly_as_of_dates(sessions, factors.index, max_staleness_days)
    loadings = rolling_factor_loadings(returns, factors, dates, settings)
    loadings["frequency"] = frequency
    return with_date_columns(loadings, ["as_of_date", "window_start", "window_end"])


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

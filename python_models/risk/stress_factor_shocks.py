"""Every factor's move in each hypothetical stress scenario (seed stress_shocks), on the
latest date: named shocks as given, the other factors at 0 or, with var
stress_conditional_shocks, at their expected value given them (etf_warehouse.risk.stress)."""

import pandas as pd

from etf_warehouse.dbt_glue import config_value, factor_settings, with_date_columns
from etf_warehouse.frames import empty_frame
from etf_warehouse.progress import reported
from etf_warehouse.risk.factors import wide_factor_returns
from etf_warehouse.risk.stress import SHOCK_SCHEMA, conditional_factor_shocks


def build(dbt, session):
    this = dbt.this.identifier
    config = dbt.config.get("factor_model")
    factors_long = dbt.ref("int_factor_returns").df()
    shocks = dbt.ref("stress_shocks").df()
    calendar = dbt.ref("int_trading_calendar").df()
    if factors_long.empty or calendar.empty:
        return with_date_columns(empty_frame(SHOCK_SCHEMA), ["covariance_start", "covariance_end"])
    settings = factor_settings(config, str(factors_long["frequency"].iloc[0]), this)
    conditional = config_value(
        config["stress_conditional_shocks"],
        bool,
        key="factor_model.stress_conditional_shocks",
        model=this,
    )
    factors = wide_factor_returns(factors_long)
    as_of = pd.to_datetime(calendar.loc[calendar["is_trading_day"], "price_date"]).max()
    out = conditional_factor_shocks(
        factors,
        shocks,
        as_of,
        settings.window,
        conditional=conditional,
    )
    return with_date_columns(out, ["covariance_start", "covariance_end"])


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

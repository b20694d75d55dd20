"""Point-in-time GARCH volatility forecasts after every return of every fund.

Filters each fund's conditional variance forward with the parameters of its latest refit
(garch_fits); EWMA where no usable fit exists, flagged with the reason. A live refresh keeps
only the rows of the new days.
"""

from etf_warehouse.dbt_glue import (
    live_refresh_from,
    settings_from_config,
    tail_rows,
    with_date_columns,
)
from etf_warehouse.risk.garch import GarchSettings, garch_volatility_panel


def model(dbt, session):
    settings = settings_from_config(
        GarchSettings, dbt.config.get("garch"), model=dbt.this.identifier, name="garch"
    )
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    returns = (
        dbt.ref("int_prices_adjusted")
        .filter("daily_return is not null")
        .project("ticker, price_date as date, daily_return")
        .df()
    )
    fits = dbt.ref("garch_fits").df()
    volatility = garch_volatility_panel(returns, fits, settings)
    return with_date_columns(
        tail_rows(volatility, "date", refresh_from), ["date", "params_refit_date"]
    )

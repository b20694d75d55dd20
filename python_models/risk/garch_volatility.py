"""Point-in-time GARCH volatility forecasts after every return of every fund.

Filters each fund's conditional variance forward with the parameters of its latest refit
(garch_fits); EWMA where no usable fit exists, flagged with the reason.
"""

from etf_warehouse.dbt_glue import garch_settings, with_date_columns
from etf_warehouse.risk.garch import garch_volatility_panel


def model(dbt, session):
    returns = (
        dbt.ref("fct_daily_prices")
        .filter("daily_return is not null")
        .project("ticker, date, daily_return")
        .df()
    )
    fits = dbt.ref("garch_fits").df()
    return with_date_columns(
        garch_volatility_panel(returns, fits, garch_settings(dbt.config.get("garch"))),
        ["date", "params_refit_date"],
    )

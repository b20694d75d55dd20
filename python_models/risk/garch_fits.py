"""GJR-GARCH(1,1)-t fits per fund on the refit schedule (arch), one row per fund and refit.

The expensive step of the volatility model; garch_volatility filters forward from these.
"""

from etf_warehouse.dbt_glue import garch_settings, with_date_columns, worker_count
from etf_warehouse.risk.garch import garch_fits_panel


def model(dbt, session):
    returns = (
        dbt.ref("fct_daily_prices")
        .filter("daily_return is not null")
        .project("ticker, date, daily_return")
        .df()
    )
    return with_date_columns(
        garch_fits_panel(
            returns,
            garch_settings(dbt.config.get("garch")),
            workers=worker_count(dbt.config.get("python_workers")),
        ),
        ["refit_date", "window_start", "window_end"],
    )

"""GJR-GARCH(1,1)-t fits per fund on the refit schedule (arch), one row per fund and refit.

The expensive step of the volatility model; garch_volatility filters forward from these. A
live refresh fits only the refits falling in the new days (usually none), warm-started from
the fits already made.
"""

from etf_warehouse.dbt_glue import (
    config_value,
    live_refresh_from,
    settings_from_config,
    with_date_columns,
    worker_count,
)
from etf_warehouse.progress import reported
from etf_warehouse.risk.garch import FundSeries, GarchSettings, garch_fits_panel, refits_from


def build(dbt, session):
    this = dbt.this.identifier
    settings = settings_from_config(
        GarchSettings, dbt.config.get("garch"), model=this, name="garch"
    )
    workers = config_value(dbt.config.get("python_workers"), int, key="python_workers", model=this)
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    returns = dbt.ref("int_prices_adjusted").filter("daily_return is not null")
    if refresh_from is not None:
        # usually no refit falls in the new days: then nothing to read or fit
        dates = returns.project("price_date").distinct().df()["price_date"]
        if not refits_from(dates, settings, refresh_from):
            returns = returns.limit(0)
    # read as numbers, sorted by DuckDB (FundSeries.from_relation)
    returns = FundSeries.from_relation(returns.project("ticker, price_date as date, daily_return"))
    earlier = None
    if refresh_from is not None and len(returns):
        earlier = session.sql(f"select * from {dbt.this}").df()
    return with_date_columns(
        garch_fits_panel(
            returns,
            settings,
            workers=worker_count(workers),
            fit_from=refresh_from,
            earlier_fits=earlier,
        ),
        ["refit_date", "window_start", "window_end"],
    )


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

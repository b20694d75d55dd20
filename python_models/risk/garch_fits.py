"""GJR-GARCH(1,1)-t fits per fund on the refit schedule (arch), one row per fund and refit.

The expensive step of the volatility model; garch_volatility filters forward from these. A
live refresh fits only the refits falling in the new days (usually none), warm-started from
the fits already made. While the worker processes hold every core, DuckDB runs on one thread.
"""

from contextlib import nullcontext

from etf_warehouse.dbt_glue import (
    duckdb_threads,
    garch_settings,
    live_refresh_from,
    with_date_columns,
    worker_count,
)
from etf_warehouse.risk.garch import garch_fits_panel


def model(dbt, session):
    # Not an input: start after it. At 3,000 funds int_etfs_classified, 2 s on its own, ran
    # 130-170 s beside the fitting processes and spilled tens of GB to DuckDB's temp files.
    dbt.ref("int_etfs_classified")
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    returns = (
        dbt.ref("fct_daily_prices")
        .filter("daily_return is not null")
        .project("ticker, date, daily_return")
        .df()
    )
    earlier = session.sql(f"select * from {dbt.this}").df() if refresh_from is not None else None
    workers = worker_count(dbt.config.get("python_workers"))
    with duckdb_threads(session, 1) if workers > 1 else nullcontext():
        fits = garch_fits_panel(
            returns,
            garch_settings(dbt.config.get("garch")),
            workers=workers,
            fit_from=refresh_from,
            earlier_fits=earlier,
        )
    return with_date_columns(fits, ["refit_date", "window_start", "window_end"])

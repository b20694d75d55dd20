"""Kalman-filter beta of every fund on its home benchmark, after every paired return.

A live refresh keeps only the rows of the new days.
"""

from etf_warehouse.dbt_glue import (
    live_refresh_from,
    settings_from_config,
    tail_rows,
    with_date_columns,
)
from etf_warehouse.risk.beta import KalmanBetaSettings, kalman_beta_panel


def model(dbt, session):
    settings = settings_from_config(
        KalmanBetaSettings,
        {"memory": dbt.config.get("beta_kalman_memory")},
        model=dbt.this.identifier,
        name="beta_kalman_memory",
    )
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    pairs = (
        dbt.ref("int_beta_inputs")
        .project("ticker, price_date, daily_return, benchmark_return")
        .df()
    )
    betas = kalman_beta_panel(pairs, settings)
    return with_date_columns(tail_rows(betas, "price_date", refresh_from), ["price_date"])

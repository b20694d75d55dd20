"""Kalman-filter beta of every fund on its home benchmark, after every paired return."""

from etf_warehouse.dbt_glue import kalman_beta_settings, with_date_columns
from etf_warehouse.risk.beta import kalman_beta_panel


def model(dbt, session):
    pairs = (
        dbt.ref("int_beta_inputs")
        .project("ticker, price_date, daily_return, benchmark_return")
        .df()
    )
    return with_date_columns(
        kalman_beta_panel(pairs, kalman_beta_settings(dbt.config.get("beta_kalman_memory"))),
        ["price_date"],
    )

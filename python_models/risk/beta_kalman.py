"""Kalman-filter beta of every fund on its home benchmark, after every paired return.

A full build reads the pairs as a numeric grid and hands the betas to DuckDB as a stream, a
few hundred dates at a time (etf_warehouse.risk.beta.pairs_grid, kalman_beta_frames): at 3,000
funds the model alone peaked at 4.3 GB as a frame of every pair, pivoted (benchmarks/scale.md).
A live refresh carries each fund's filter on from its state after its last earlier pair
(the kalman_* columns) over the new pairs only, refiltering a fund's whole history only while
it warms up (etf_warehouse.risk.beta.kalman_beta_tail).
"""

from etf_warehouse.dbt_glue import (
    earlier_rows,
    frame_stream,
    live_refresh_from,
    settings_from_config,
    sql_string_list,
    with_date_columns,
)
from etf_warehouse.progress import reported
from etf_warehouse.risk.beta import (
    PANEL_SCHEMA,
    KalmanBetaSettings,
    kalman_beta_frames,
    kalman_beta_tail,
    pairs_grid,
)


def build(dbt, session):
    settings = settings_from_config(
        KalmanBetaSettings,
        {"memory": dbt.config.get("beta_kalman_memory")},
        model=dbt.this.identifier,
        name="beta_kalman_memory",
    )
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    columns = "ticker, price_date, daily_return, benchmark_return"
    pairs = dbt.ref("int_beta_inputs")
    if refresh_from is None:
        grid = pairs_grid(pairs.project(columns))
        return frame_stream(
            kalman_beta_frames(grid, settings),
            PANEL_SCHEMA,
            ["price_date"],
            step=dbt.this.identifier,
        )
    since = f"date '{refresh_from.date()}'"
    earlier = earlier_rows(
        session,
        dbt.this,
        ["kalman_variance", "kalman_residual_var", "kalman_benchmark_var", "kalman_pairs"],
        f"""
        select *
        from {dbt.this}
        where price_date < {since}
        qualify row_number() over (partition by ticker order by price_date desc) = 1
        """,
    )
    betas = kalman_beta_tail(
        pairs.filter(f"price_date >= {since}").project(columns).df(),
        earlier,
        settings,
        lambda tickers: pairs.filter(f"ticker in {sql_string_list(tickers)}").project(columns).df(),
    )
    return with_date_columns(betas, ["price_date"])


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

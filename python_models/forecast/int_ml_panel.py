"""The forecasting panel: each feature of int_ml_panel_inputs as its cross-sectional percentile
rank that day, centred on zero, and the label (etf_warehouse.forecast.panel, where the rules
are).

The inputs are read sorted by (price_date, ticker), a batch at a time, on a connection of their
own, and the panel is written in that order a block of days at a time (dbt_glue.batch_stream):
neither is ever whole in memory, and ml_forecasts' reads of a few dates at a time find them
together. A live refresh recomputes the days from `forecast_horizon` rows before the new prices
(their labels see them); each day's ranks are over that whole day, so they equal a full build's.
"""

from etf_warehouse.dbt_glue import (
    batch_stream,
    config_value,
    live_refresh_from,
    live_rows_before,
    worker_count,
)
from etf_warehouse.forecast.panel import INPUT_COLUMNS, OUTPUT_SCHEMA, panel_batches
from etf_warehouse.progress import reported

READ_BATCH_ROWS = 262_144


def build(dbt, session):
    this = dbt.this.identifier
    horizon = config_value(
        dbt.config.get("forecast_horizon"), int, key="forecast_horizon", model=this
    )
    workers = config_value(dbt.config.get("python_workers"), int, key="python_workers", model=this)
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    inputs = dbt.ref("int_ml_panel_inputs")
    if refresh_from is not None:
        since = live_rows_before(session, dbt.ref("int_prices_adjusted"), refresh_from, horizon)
        inputs = inputs.filter(f"price_date >= date '{since:%Y-%m-%d}'")
    query = inputs.project(", ".join(INPUT_COLUMNS)).order("price_date, ticker").sql_query()
    # read while DuckDB writes the panel on this model's connection: on a connection of its own
    rows = session.cursor().sql(query).to_arrow_reader(READ_BATCH_ROWS)
    # the features of a block ranked on python_workers threads (numpy sorts outside the GIL)
    panel = panel_batches(rows, threads=worker_count(workers))
    return batch_stream(panel, OUTPUT_SCHEMA, step=this)


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

"""All point-in-time features of a fund on a date, one row per clean price row: momentum,
volatility, drawdown and liquidity over trailing windows of the fund's rows
(etf_warehouse.features.daily, where the rules are). The input of the scoring and forecasting
models.

int_prices_adjusted is read sorted by (ticker, price_date), a batch at a time, on a connection
of its own; numpy computes whole funds at a time on python_workers threads, and the rows go
back to DuckDB as a stream (dbt_glue.batch_stream), so neither is ever whole in memory. The
volume trend's logarithm is DuckDB's ln, as in the SQL this replaced.

A live refresh reads each fund's rows from the longest window's rows before its new prices (every
window's rows, so the new rows' values are a full build's) with the fund's peak before them,
and returns the rows dated on or after refresh_from.
"""

from etf_warehouse.dbt_glue import (
    batch_stream,
    config_value,
    live_refresh_from,
    live_rows_before,
    settings_from_config,
    worker_count,
)
from etf_warehouse.features.daily import (
    INPUT_COLUMNS,
    OUTPUT_SCHEMA,
    FeatureWindows,
    feature_batches,
    output_columns,
)
from etf_warehouse.progress import reported

READ_BATCH_ROWS = 262_144


def build(dbt, session):
    this = dbt.this.identifier
    windows = settings_from_config(
        FeatureWindows, dbt.config.get("windows"), model=this, name="windows"
    )
    workers = config_value(dbt.config.get("python_workers"), int, key="python_workers", model=this)
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    prices = dbt.ref("int_prices_adjusted")
    earlier_peak = None
    if refresh_from is not None:
        since = live_rows_before(session, prices, refresh_from, windows.history_rows)
        on_since = f"price_date >= date '{since:%Y-%m-%d}'"
        # each fund's peak before the rows read: the running peak goes on from it
        earlier = prices.filter(f"price_date < date '{since:%Y-%m-%d}'")
        earlier_peak = dict(earlier.aggregate("ticker, max(adj_close)").fetchall())
        prices = prices.filter(on_since)
    query = prices.project(", ".join(INPUT_COLUMNS)).order("ticker, price_date").sql_query()
    # read while DuckDB writes the features on this model's connection: on a connection of its own
    rows = session.cursor().sql(query).to_arrow_reader(READ_BATCH_ROWS)
    features = feature_batches(
        rows, windows, earlier_peak=earlier_peak, threads=worker_count(workers)
    )
    result = session.from_arrow(batch_stream(features, OUTPUT_SCHEMA, step=this))
    if refresh_from is not None:
        result = result.filter(f"price_date >= date '{refresh_from:%Y-%m-%d}'")
    return result.project(output_columns())


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

"""Walk-forward ML forecasts (ridge + gradient boosting) of next-month relative returns.

Quarterly retrains on purged, embargoed labels; each member's out-of-sample bias removed and the
ensemble shrunk by out-of-sample skill (etf_warehouse.forecast.ml). A live refresh retrains
only the current period's models and keeps the earlier forecasts; it reads the panel's
month-start rows and the current period's, not the whole panel. Small fits run in
python_workers processes.

Memory: the panel is read from DuckDB a retrain period at a time (ml_rows.RelationPanel) and the
forecasts go to DuckDB as a stream, a period at a time (dbt_glue.frame_stream); neither is ever
whole in memory. At 10,000 funds the build's peak while this model ran fell from 16.9 to 6.1 GiB
(benchmarks/scale.md).
"""

from etf_warehouse.dbt_glue import (
    config_value,
    frame_stream,
    live_refresh_from,
    settings_from_config,
    worker_count,
)
from etf_warehouse.forecast.ml import (
    ForecastSettings,
    forecast_frames,
    live_panel_dates,
    output_schema,
)
from etf_warehouse.forecast.ml_rows import RelationPanel
from etf_warehouse.progress import reported


def build(dbt, session):
    this = dbt.this.identifier
    settings = settings_from_config(
        ForecastSettings, dbt.config.get("forecast"), model=this, name="forecast"
    )
    workers = config_value(dbt.config.get("python_workers"), int, key="python_workers", model=this)
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    panel = dbt.ref("int_ml_panel")
    calendar = earlier = None
    if refresh_from is not None:
        # a live refresh reads the month-start rows (training and calibration) and the rows of
        # the periods it refits, not the whole panel; and the stored month-start forecasts
        calendar = panel.aggregate("price_date").distinct().order("price_date").df()
        month_starts, first_refit = live_panel_dates(calendar["price_date"], refresh_from, settings)
        starts = ", ".join(f"date '{d:%Y-%m-%d}'" for d in month_starts)
        on_starts = f"price_date in ({starts})" if len(month_starts) else "false"
        panel = panel.filter(f"{on_starts} or price_date >= date '{first_refit:%Y-%m-%d}'")
        earlier = session.sql(f"select * from {dbt.this} where {on_starts}").df()
        calendar = calendar["price_date"]
    # the forecasts are made while DuckDB writes them (frame_stream): the panel is then read
    # while that query runs on this model's connection, so on a connection of its own
    reader = session.cursor()
    features = [c for c in panel.columns if c.startswith("f_")]
    frames = forecast_frames(
        RelationPanel(reader.sql(panel.sql_query())),
        features,
        settings,
        from_date=refresh_from,
        earlier=earlier,
        calendar=calendar,
        workers=worker_count(workers),
    )
    return frame_stream(
        frames,
        output_schema(),
        ["price_date", "model_date", "train_start", "train_label_end"],
        step=this,
    )


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

"""Walk-forward ML forecasts (ridge + gradient boosting) of next-month relative returns.

Quarterly retrains on purged, embargoed labels; each member's out-of-sample bias removed and the
ensemble shrunk by out-of-sample skill (etf_warehouse.forecast.ml). A live refresh retrains
only the current period's models and keeps the earlier forecasts.
"""

from etf_warehouse.dbt_glue import (
    frame_by_year,
    live_refresh_from,
    settings_from_config,
    with_date_columns,
)
from etf_warehouse.forecast.ml import ForecastSettings, walk_forward_forecasts
from etf_warehouse.progress import reported


def build(dbt, session):
    settings = settings_from_config(
        ForecastSettings, dbt.config.get("forecast"), model=dbt.this.identifier, name="forecast"
    )
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    # in the order the model uses, a year at a time (one read of it all was the build's peak)
    panel = frame_by_year(dbt.ref("int_ml_panel"), "price_date, ticker")
    features = [c for c in panel.columns if c.startswith("f_")]
    earlier = session.sql(f"select * from {dbt.this}").df() if refresh_from is not None else None
    return with_date_columns(
        walk_forward_forecasts(
            panel,
            features,
            settings,
            from_date=refresh_from,
            earlier=earlier,
        ),
        ["price_date", "model_date", "train_start", "train_label_end"],
    )


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

"""Walk-forward ML forecasts (ridge + gradient boosting) of next-month relative returns.

Monthly retrains on purged, embargoed labels; each member's out-of-sample bias removed and the
ensemble shrunk by out-of-sample skill (etf_warehouse.forecast.ml).
"""

from etf_warehouse.dbt_glue import forecast_settings, with_date_columns
from etf_warehouse.forecast.ml import walk_forward_forecasts


def model(dbt, session):
    panel = dbt.ref("int_ml_panel").df()
    features = [c for c in panel.columns if c.startswith("f_")]
    return with_date_columns(
        walk_forward_forecasts(panel, features, forecast_settings(dbt.config.get("forecast"))),
        ["price_date", "model_date"],
    )

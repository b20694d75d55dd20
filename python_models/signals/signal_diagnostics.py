"""Signal quality summaries (etf_warehouse.signals.diagnostics), the source of
mart_signal_diagnostics: per signal, horizon and segment (overall, regime, asset class), the
mean rank IC with its Newey-West t-stat, IC information ratio, hit rate, annualised quintile
returns, top-minus-bottom spread and top-quintile turnover.
"""

from etf_warehouse.dbt_glue import config_value, with_date_columns
from etf_warehouse.progress import reported
from etf_warehouse.signals.diagnostics import segmented, summarise_ic


def build(dbt, session):
    overall = dbt.ref("int_signal_ic").df()
    by_class = dbt.ref("int_signal_ic_by_asset_class").df()
    per_date = segmented(overall, by_class)
    sessions_per_year = config_value(
        dbt.config.get("sessions_per_year"),
        float,
        key="sessions_per_year",
        model=dbt.this.identifier,
    )
    summary = summarise_ic(per_date, sessions_per_year)
    return with_date_columns(summary, ["first_signal_date", "last_signal_date"])


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

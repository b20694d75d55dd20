"""Point-in-time GARCH volatility forecasts after every return of every fund.

Filters each fund's conditional variance forward with the parameters of its latest refit
(garch_fits); EWMA where no usable fit exists, flagged with the reason. A live refresh carries
each fund's filters on from their states after its last earlier return (columns ewma_state,
garch_state) over the new returns only, refiltering the whole history of a fund only where it
must (etf_warehouse.risk.garch.garch_volatility_tail).
"""

import pandas as pd

from etf_warehouse.dbt_glue import (
    earlier_rows,
    frame_stream,
    live_refresh_from,
    settings_from_config,
    sql_string_list,
    with_date_columns,
)
from etf_warehouse.progress import reported
from etf_warehouse.risk.garch import (
    BAND_WINDOW,
    VOLATILITY_SCHEMA,
    FundSeries,
    GarchSettings,
    garch_volatility_frames,
    garch_volatility_tail,
)

DATE_COLUMNS = ["date", "params_refit_date"]


def build(dbt, session):
    settings = settings_from_config(
        GarchSettings, dbt.config.get("garch"), model=dbt.this.identifier, name="garch"
    )
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    returns = dbt.ref("int_prices_adjusted").filter("daily_return is not null")
    columns = "ticker, price_date as date, daily_return"
    fits = dbt.ref("garch_fits").df()
    if refresh_from is None:
        # read as numbers, written as a stream a hundred funds at a time (FundSeries,
        # garch_volatility_frames): as one frame, 4.5 GB at 3,000 funds (benchmarks/scale.md)
        series = FundSeries.from_relation(returns.project(columns))
        return frame_stream(
            garch_volatility_frames(series, fits, settings),
            VOLATILITY_SCHEMA,
            DATE_COLUMNS,
            step=dbt.this.identifier,
        )
    since = f"date '{refresh_from.date()}'"
    recent = f"date '{(refresh_from - pd.Timedelta(days=550)).date()}'"
    earlier = earlier_rows(
        session,
        dbt.this,
        ["ewma_state", "garch_state"],
        # each fund's last BAND_WINDOW rows and its count of rows: the windows sort only the
        # last ~550 days of rows (a fund with fewer of its last rows in them, all its rows)
        f"""
        with counts as (
            select
                ticker,
                count(*) as n_obs,
                count(*) filter (where date >= {recent}) as n_recent
            from {dbt.this}
            where date < {since}
            group by ticker
        )
        select
            earlier.ticker,
            earlier.date,
            earlier.ewma_state,
            earlier.garch_state,
            counts.n_obs
        from {dbt.this} as earlier
        inner join counts
            on earlier.ticker = counts.ticker
        where
            earlier.date < {since}
            and (earlier.date >= {recent} or counts.n_recent < least(counts.n_obs, {BAND_WINDOW}))
        qualify row_number() over (partition by earlier.ticker order by earlier.date desc)
            <= {BAND_WINDOW}
        """,
    )
    volatility = garch_volatility_tail(
        returns.filter(f"price_date >= {since}").project(columns).df(),
        earlier,
        fits,
        returns.project("price_date").distinct().df()["price_date"],
        settings,
        lambda tickers: (
            returns.filter(f"ticker in {sql_string_list(tickers)}").project(columns).df()
        ),
    )
    return with_date_columns(volatility, DATE_COLUMNS)


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

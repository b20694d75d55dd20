"""Trading sessions of the exchange named by the `exchange_calendar` var, over the price dates.

Empty when the var is absent: int_trading_calendar then infers the calendar from the data.
"""

import pandas as pd

from etf_warehouse.dbt_glue import optional_str
from etf_warehouse.reference.calendar import exchange_sessions


def model(dbt, session):
    code = optional_str(dbt.config.get("exchange_calendar"))
    span = dbt.ref("int_prices_cleaned").aggregate("min(price_date), max(price_date)").fetchall()
    first, last = span[0]
    if code is None or first is None:
        return pd.DataFrame({"session_date": pd.Series([], dtype="datetime64[ns]")})
    sessions = exchange_sessions(code, first, last)
    return pd.DataFrame({"session_date": sessions.to_numpy(dtype="datetime64[ns]")})

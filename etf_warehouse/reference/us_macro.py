"""Real US macro series bundled with the ``arch`` package, as monthly rows.

- Moody's seasoned Aaa and Baa corporate bond yields (monthly averages, percent, FRED AAA/BAA,
  1919-01 to 2018-12): the Aaa yield stands in for the long-rate level and Baa - Aaa for the
  credit spread in real-file builds (no government yield ships with arch).
- WTI crude oil (daily spot, USD, FRED DCOILWTICO, 1986-01 to 2019-01): the month's last
  quote.
- Core CPI (index, FRED CPILFESL, 1957-01 to 2018-11): year-on-year inflation in percent.

A monthly average or a month's CPI is known only once the month is over (CPI about two weeks
later still), so each row carries ``available_date``, the first calendar day a model may use it:
the first day of the next month for yields and oil, and the 15th of the next month for CPI
(``cpi_available_date``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from arch.data import core_cpi, default, wti


def load_us_macro_monthly() -> pd.DataFrame:
    """One row per month with the yields, credit spread, oil price and core inflation.

    Columns: ``month_start``, ``available_date``, ``cpi_available_date``, ``aaa_yield_pct``,
    ``baa_yield_pct``, ``credit_spread_pct`` (Baa - Aaa, percentage points), ``wti_usd`` (last
    quote of a complete month), ``core_cpi_yoy_pct``. Missing values stay NaN (months outside a
    series' span); nothing is interpolated.
    """
    yields = default.load().rename(columns={"AAA": "aaa_yield_pct", "BAA": "baa_yield_pct"})
    yields.index = pd.DatetimeIndex(yields.index).to_period("M")
    oil = wti.load()["DCOILWTICO"].dropna()
    oil.index = pd.DatetimeIndex(oil.index).to_period("M")
    # the file stops on 2019-01-03: its last month is incomplete and is left out
    oil_month_end = oil.groupby(level=0).last().iloc[:-1].rename("wti_usd")
    cpi = core_cpi.load()["CPILFESL"]
    cpi.index = pd.DatetimeIndex(cpi.index).to_period("M")
    if not pd.period_range(cpi.index[0], cpi.index[-1], freq="M").equals(cpi.index):
        raise ValueError("core CPI months are not consecutive")
    cpi_yoy = (100.0 * (cpi / cpi.shift(12) - 1.0)).rename("core_cpi_yoy_pct")
    months = yields.join([oil_month_end, cpi_yoy], how="outer").sort_index()
    month_start = months.index.to_timestamp(how="start")
    next_month = (months.index + 1).to_timestamp(how="start")
    out = pd.DataFrame(
        {
            "month_start": month_start,
            "available_date": next_month,
            "cpi_available_date": next_month + pd.Timedelta(days=14),
            "aaa_yield_pct": months["aaa_yield_pct"].to_numpy(dtype=float),
            "baa_yield_pct": months["baa_yield_pct"].to_numpy(dtype=float),
            "wti_usd": months["wti_usd"].to_numpy(dtype=float),
            "core_cpi_yoy_pct": months["core_cpi_yoy_pct"].to_numpy(dtype=float),
        }
    )
    out.insert(5, "credit_spread_pct", out["baa_yield_pct"] - out["aaa_yield_pct"])
    out["core_cpi_yoy_pct"] = np.round(out["core_cpi_yoy_pct"], 6)
    return out.reset_index(drop=True)

"""The real US macro series bundled with arch (etf_warehouse.reference.us_macro)."""

from __future__ import annotations

import pandas as pd
import pytest

from etf_warehouse.reference.us_macro import load_us_macro_monthly


@pytest.fixture(scope="module")
def macro() -> pd.DataFrame:
    return load_us_macro_monthly()


def test_one_row_per_month_available_after_it_ends(macro):
    assert macro["month_start"].is_unique and macro["month_start"].is_monotonic_increasing
    assert (macro["month_start"].dt.day == 1).all()
    nxt = macro["month_start"] + pd.offsets.MonthBegin(1)
    assert (macro["available_date"] == nxt).all()
    assert (macro["cpi_available_date"] == nxt + pd.Timedelta(days=14)).all()


def test_known_values(macro):
    oct_2008 = macro.set_index("month_start").loc[pd.Timestamp("2008-10-01")]
    # FRED: AAA 6.28, BAA 8.88 in October 2008; WTI closed the month at 68.10
    assert oct_2008["aaa_yield_pct"] == pytest.approx(6.28)
    assert oct_2008["baa_yield_pct"] == pytest.approx(8.88)
    assert oct_2008["credit_spread_pct"] == pytest.approx(2.60)
    assert oct_2008["wti_usd"] == pytest.approx(68.10)
    assert 1.5 < oct_2008["core_cpi_yoy_pct"] < 3.0


def test_incomplete_last_oil_month_is_left_out(macro):
    # the bundled WTI file stops on 2019-01-03
    assert macro.loc[macro["wti_usd"].notna(), "month_start"].max() == pd.Timestamp("2018-12-01")
    assert macro["month_start"].max() == pd.Timestamp("2018-12-01")

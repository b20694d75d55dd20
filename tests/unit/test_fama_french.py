"""The real Fama-French monthly factors bundled with ``arch`` (etf_warehouse.reference)."""

from __future__ import annotations

import pandas as pd
import pytest

from etf_warehouse.reference.fama_french import load_fama_french_monthly


@pytest.fixture(scope="module")
def ff() -> pd.DataFrame:
    return load_fama_french_monthly()


def test_columns(ff):
    assert list(ff.columns) == ["month_start", "month_end", "mkt_rf", "smb", "hml", "rf"]


def test_first_row_is_july_1926_in_decimals(ff):
    first = ff.iloc[0]
    assert first["month_start"] == pd.Timestamp("1926-07-01")
    assert first["month_end"] == pd.Timestamp("1926-07-31")
    # The file holds percent (2.96, 0.22): the loader divides by 100.
    assert first["mkt_rf"] == pytest.approx(0.0296, abs=1e-12)
    assert first["rf"] == pytest.approx(0.0022, abs=1e-12)
    assert first["smb"] == pytest.approx(-0.0230, abs=1e-12)
    assert first["hml"] == pytest.approx(-0.0287, abs=1e-12)


def test_months_are_consecutive_without_gaps(ff):
    months = ff["month_start"].dt.to_period("M")
    steps = (months.iloc[1:].to_numpy() - months.iloc[:-1].to_numpy()).tolist()
    assert all(step.n == 1 for step in steps)
    assert (ff["month_start"].dt.day == 1).all()


def test_month_end_is_the_last_calendar_day(ff):
    assert (ff["month_end"] == ff["month_start"] + pd.offsets.MonthEnd(0)).all()
    assert ((ff["month_end"] + pd.Timedelta(days=1)).dt.day == 1).all()
    assert ff.loc[ff["month_start"] == "2000-02-01", "month_end"].item() == pd.Timestamp(
        "2000-02-29"
    )


def test_length_and_last_month(ff):
    assert 1_080 <= len(ff) <= 1_120
    assert ff["month_start"].iloc[-1] == pd.Timestamp("2018-11-01")
    assert ff["month_end"].iloc[-1] == pd.Timestamp("2018-11-30")


def test_values_are_decimals_with_a_positive_equity_premium(ff):
    assert 0.004 < ff["mkt_rf"].mean() < 0.01
    assert ff[["mkt_rf", "smb", "hml", "rf"]].notna().all().all()
    # Monthly factor returns in decimals never reach +-100 %; percent values would.
    assert ff[["mkt_rf", "smb", "hml"]].abs().max().max() < 0.5
    assert ff["rf"].between(-0.01, 0.02).all()

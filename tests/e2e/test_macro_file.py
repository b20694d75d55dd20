"""End to end: a macro file (var macro_path) on real price files.

The real Stooq funds end in January 2020, after arch's bundled US macro series (2018): without a
macro file their last year has neutral multipliers. The macro file here is synthetic (this
machine cannot download FRED or the RBA), written under the sources' own identifiers with
``etfw download-macro``'s layout: US yields (DGS10) drift one way and Australian ones
(FCMYGBAG10D) the other, so a fund's rate pressure shows which it follows. A few bad rows test
the quarantine.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import STOOQ_UNIVERSE
from tests.e2e.dbt_runner import DbtResult, dbt_build

pytestmark = pytest.mark.e2e

# a dozen real funds: enough to score (min_universe_size 10); TLT and IEF are US bonds, EWA
# Australian equity
TICKERS = ["agg", "ewa", "gld", "hyg", "ief", "iwm", "lqd", "qqq", "shy", "spy", "tip", "tlt"]
TRUNCATE_AT = date(2016, 6, 30)
BAD_ROWS = [
    # (date, series, value, available_date, reason)
    ("2012-05-01", "DGS10", ".", "", "value_missing"),
    ("2012-13-01", "DGS10", "2.0", "", "date_unparseable"),
    ("2012-05-02", "DGS10", "abc", "", "value_not_a_number"),
    ("2012-05-03", "GPRD", "-5", "", "value_not_positive"),
    ("2012-05-04", "DGS10", "2.0", "2012-05-01", "available_before_observation"),
    ("2012-05-07", "", "2.0", "", "series_missing"),
    ("2012-05-08", "DGS10", "9.9", "", "duplicate_observation"),  # a second row for a day
]


def macro_frame(start: date = date(2003, 1, 1), end: date = date(2020, 3, 31)) -> pd.DataFrame:
    """Business-daily DGS10, FCMYGBAG10D, BAMLC0A0CM and GPRD; an unmapped series MYINDEX."""
    rng = np.random.default_rng(20261204)
    days = pd.bdate_range(start, end)
    n = len(days)
    us_steps = rng.normal(0.0, 0.04, n) + np.where(days.year >= 2016, 0.004, -0.002)
    us = 4.0 + np.cumsum(us_steps)
    au = 5.0 - np.cumsum(us_steps) * 0.8  # Australian yields move against US ones here
    spread = np.exp(0.1 * np.cumsum(rng.normal(0.0, 0.03, n))) * 1.2
    geo = 100.0 * np.exp(rng.normal(0.0, 0.25, n) + np.where(days.year == 2019, 0.8, 0.0))
    frames = [
        pd.DataFrame({"date": days.date, "series": name, "value": values})
        for name, values in [
            ("DGS10", us),
            ("FCMYGBAG10D", au),
            ("BAMLC0A0CM", spread),
            ("GPRD", geo),
            ("MYINDEX", np.arange(n, dtype=float)),
        ]
    ]
    out = pd.concat(frames, ignore_index=True)
    return out.assign(value=out["value"].round(6))  # as written to the file


def write_macro_file(path: Path, frame: pd.DataFrame, bad_rows: list | None = None) -> Path:
    out = frame.assign(date=frame["date"].astype(str), value=frame["value"].map("{:.6f}".format))
    out["available_date"] = ""
    if bad_rows:
        bad = pd.DataFrame([row[:4] for row in bad_rows], columns=list(out.columns))
        out = pd.concat([out, bad], ignore_index=True)
    out.to_csv(path, index=False)
    return path


def real_vars(prices: Path, macro: Path) -> dict:
    return {
        "prices_path": str(prices / "*.txt"),
        "prices_format": "stooq",
        "universe_path": str(STOOQ_UNIVERSE),
        "macro_path": str(macro),
    }


@pytest.fixture(scope="module")
def prices(stooq_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("prices")
    for ticker in TICKERS:
        shutil.copy(stooq_dir / f"{ticker}.us.txt", folder)
    return folder


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return macro_frame()


@pytest.fixture(scope="module")
def macro_build(prices, frame, tmp_path_factory) -> DbtResult:
    work = tmp_path_factory.mktemp("macro_build")
    macro = write_macro_file(work / "macro.csv", frame, BAD_ROWS)
    # the scoring path and the marts that publish the macro state (not the portfolio,
    # backtest and stress marts, which read the rankings the same way with or without a file)
    return dbt_build(
        work,
        real_vars(prices, macro),
        select="+mart_etf_rankings +mart_macro_state +fct_macro_quarantine +mart_data_quality",
        cautious=True,
    )


def test_multipliers_move_through_the_last_date(macro_build):
    (last_date, n_funds, moved, notes), *_ = macro_build.query(
        """
        select as_of_date, count(*), count(*) filter (where macro_multiplier != 1),
            count(market_context_note)
        from mart_etf_rankings
        where as_of_date = (select max(as_of_date) from mart_etf_rankings)
        group by as_of_date
        """
    )
    assert last_date >= date(2020, 1, 2)
    assert moved >= n_funds - 2  # all but funds with no rate or credit sensitivity
    assert notes == 0  # every pressure had fresh data
    statuses = macro_build.query(
        "select distinct rate_status, credit_status, geo_status from mart_macro_state"
        " where region = 'GLOBAL' and date >= '2005-01-01'"
    )
    assert statuses == [("ok", "ok", "ok")]


def test_a_fund_follows_its_regions_series(macro_build, frame):
    rows = macro_build.query(
        """
        select ticker, as_of_date, rate_series, rate_pressure
        from mart_etf_rankings
        where ticker in ('TLT', 'EWA') and as_of_date = '2019-06-28'
        order by ticker
        """
    )
    (ewa, ewa_day, ewa_series, ewa_pressure), (tlt, _, tlt_series, tlt_pressure) = rows
    assert (ewa, ewa_series, tlt, tlt_series) == ("EWA", "FCMYGBAG10D", "TLT", "DGS10")
    # traceable to the file: the value available on the day (dated the day before: a daily
    # series' lag is 1 day) minus the one available 182 days earlier, per 1 pp, clamped
    for series, pressure in (("DGS10", tlt_pressure), ("FCMYGBAG10D", ewa_pressure)):
        values = frame.loc[frame["series"] == series].set_index("date")["value"]

        def available_on(day: date, values=values) -> float:
            return values.loc[values.index <= day - timedelta(days=1)].iloc[-1]

        change = available_on(ewa_day) - available_on(ewa_day - timedelta(days=182))
        assert pressure == pytest.approx(max(-1.0, min(1.0, change)), abs=1e-9)
    assert np.sign(ewa_pressure) == -np.sign(tlt_pressure) != 0


def test_bad_rows_are_quarantined_with_their_line(macro_build, frame):
    rows = macro_build.query(
        "select reason, source_line, value_text from fct_macro_quarantine order by source_line"
    )
    assert [r[0] for r in rows] == [row[4] for row in BAD_ROWS]
    # the bad rows follow the good ones in the file (header = line 1)
    assert [r[1] for r in rows] == list(range(len(frame) + 2, len(frame) + 2 + len(BAD_ROWS)))
    used = macro_build.query("select count(*) from int_macro_series")[0][0]
    assert used + len(rows) == len(frame) + len(BAD_ROWS)
    checks = dict(
        macro_build.query(
            "select check_name, count(*) from mart_data_quality where check_category = 'macro'"
            " group by all"
        )
    )
    assert checks["macro_series_unmapped"] == 1 and checks["value_missing"] == 1


def test_truncating_the_macro_file_changes_nothing_before_the_cut(
    macro_build, prices, frame, tmp_path
):
    """The state (and so the multipliers, a per-day function of it and of the funds' fixed
    sensitivities) on every day up to the cut is the same without the file's later rows."""
    short = write_macro_file(tmp_path / "macro.csv", frame.loc[frame["date"] <= TRUNCATE_AT])
    truncated = dbt_build(
        tmp_path / "build",
        real_vars(prices, short),
        select="+mart_macro_state",
        cautious=True,
    )
    query = f"select * from mart_macro_state where date <= '{TRUNCATE_AT}' order by date, region"
    before = macro_build.query(query)
    assert len(before) > 1000
    assert truncated.query(query) == before
    later = f"select count(*) from mart_macro_state where date > '{TRUNCATE_AT}' and "
    assert truncated.query(later + "rate_status = 'stale'")[0][0] > 0


def test_without_a_macro_file_real_builds_read_arch(prices, tmp_path):
    """No file: the arch series, as before (neutral after they end in 2018)."""
    build = dbt_build(
        tmp_path,
        {k: v for k, v in real_vars(prices, Path("unused")).items() if k != "macro_path"},
        select="+mart_macro_state +fct_macro_quarantine",
        cautious=True,
    )
    assert build.query("select count(*) from fct_macro_quarantine") == [(0,)]
    assert build.query(
        "select distinct rate_series, geo_status from mart_macro_state where region = 'GLOBAL'"
        " and date between '2010-01-01' and '2018-06-30'"
    ) == [("long_yield_pct", "unavailable")]


def test_a_parquet_macro_file_with_typed_columns(tmp_path):
    """Parquet: typed columns, no available_date, row numbers for lines; on the sample market."""
    days = pd.bdate_range("2020-01-01", periods=5)
    frame = pd.DataFrame(
        {
            "date": days.date,
            "series": ["DGS10"] * 4 + ["GPRD"],
            "value": [1.5, 1.6, float("nan"), 1.7, 120.0],
        }
    )
    path = tmp_path / "macro.parquet"
    frame.to_parquet(path, index=False)
    build = dbt_build(
        tmp_path / "build",
        {"macro_path": str(path)},
        select="+int_macro_series +fct_macro_quarantine",
        cautious=True,
    )
    assert build.query("select reason, source_line, date from fct_macro_quarantine") == [
        ("value_missing", 3, days[2].date())  # pandas writes NaN as null
    ]
    assert build.query(
        "select series, observation_date, available_date from int_macro_series"
        " where series = 'GPRD'"
    ) == [("GPRD", days[4].date(), days[4].date() + timedelta(days=7))]  # posted weekly


def test_a_macro_file_without_a_value_column_stops_the_build(tmp_path):
    path = tmp_path / "macro.csv"
    path.write_text("date,series,level\n2020-01-02,DGS10,1.9\n")
    build = dbt_build(
        tmp_path / "build",
        {"macro_path": str(path)},
        select="input_files",
        expect_success=False,
    )
    assert f"macro file {path}: line 1 'date,series,level' lacks required column(s) value" in (
        build.output
    )

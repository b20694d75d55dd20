"""Offline tests of ``etfw download-macro`` (etf_warehouse.ingest.macro_download).

No network: ``fetch`` maps each source's URL to a response kept in
``fixtures/macro_responses``. Those files imitate the real responses' structure (headers, date
formats, missing-value markers, the RBA's byte-order mark and Windows-1252 dash, Stata files);
their README says where each format was learned. They were built offline: this machine cannot
download the live responses.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from etf_warehouse.ingest import macro_download as md

FIXTURES = Path(__file__).parent / "fixtures" / "macro_responses"

FRED_VALUES = (FIXTURES / "fred_DGS10.csv").read_bytes()


def fixture_for(url: str) -> bytes:
    """The recorded response of a source URL (FRED series without their own fixture reuse the
    DGS10 file with its header renamed)."""
    if "fredgraph" in url:
        series = url.split("id=")[1].split("&")[0]
        if series == "VIXCLS":
            return (FIXTURES / "fred_VIXCLS_old_header.csv").read_bytes()
        return FRED_VALUES.replace(b"DGS10", series.encode())
    if "rba.gov.au" in url:
        return (FIXTURES / f"rba_{url.rsplit('/', 1)[1]}").read_bytes()
    if "daily_recent" in url:
        return (FIXTURES / "gpr_data_gpr_daily_recent.dta").read_bytes()
    if "gpr_export" in url:
        return (FIXTURES / "gpr_data_gpr_export.dta").read_bytes()
    raise AssertionError(f"no fixture for {url}")


def test_fred_current_header_and_empty_missing_values():
    frame = md.parse_fred_csv(FRED_VALUES, "DGS10")
    lines = FRED_VALUES.decode().splitlines()
    assert lines[0] == "observation_date,DGS10"
    empty = [line for line in lines[1:] if line.endswith(",")]
    assert empty and len(frame) == len(lines) - 1 - len(empty)
    assert frame.iloc[0].tolist() == [date(2024, 1, 2), "DGS10", 3.95, "FRED"]


def test_fred_older_header_and_dot_missing_values():
    content = (FIXTURES / "fred_VIXCLS_old_header.csv").read_bytes()
    frame = md.parse_fred_csv(content, "VIXCLS")
    assert content.startswith(b"DATE,VIXCLS")
    assert b"\n2023-12-25,." in content
    assert date(2023, 12, 25) not in set(frame["date"])
    assert frame["value"].notna().all() and (frame["series"] == "VIXCLS").all()


def test_rba_daily_table_with_bom_and_windows_1252_title():
    content = (FIXTURES / "rba_f2-data.csv").read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and b"\x96" in content
    frame = md.parse_rba_csv(content, "f2", ["FCMYGBAG10D", "FCMYGBAG2D"])
    assert set(frame["series"]) == {"FCMYGBAG10D", "FCMYGBAG2D"}
    first = frame.loc[frame["series"] == "FCMYGBAG10D"].iloc[0]
    assert (first["date"], first["value"]) == (date(2024, 1, 2), 3.964)


def test_rba_padded_rows_and_monthly_dates():
    fx = md.parse_rba_csv((FIXTURES / "rba_f11.1-data.csv").read_bytes(), "f11.1", ["FXRUSD"])
    assert len(fx) > 5 and fx["value"].between(0.5, 0.8).all()
    monthly = md.parse_rba_csv((FIXTURES / "rba_f1.1-data.csv").read_bytes(), "f1.1", ["FIRMMCRT"])
    assert all(d.day >= 28 for d in monthly["date"])  # month-end dates written DD/MM/YYYY
    cash = md.parse_rba_csv((FIXTURES / "rba_f1-data.csv").read_bytes(), "f1", ["FIRMMCRTD"])
    assert set(cash["value"]) == {4.35}


def test_gpr_daily_and_monthly_stata_files():
    daily = md.parse_gpr_daily((FIXTURES / "gpr_data_gpr_daily_recent.dta").read_bytes())
    raw = pd.read_stata(FIXTURES / "gpr_data_gpr_daily_recent.dta")
    assert len(daily) == raw["GPRD"].notna().sum()
    assert daily.iloc[0]["date"] == date(2024, 1, 3) and daily.iloc[0]["value"] == raw["GPRD"][0]
    monthly = md.parse_gpr_monthly((FIXTURES / "gpr_data_gpr_export.dta").read_bytes())
    assert all(d.day == 1 for d in monthly["date"]) and (monthly["series"] == "GPR").all()


@pytest.mark.parametrize(
    ("parse", "content", "named"),
    [
        (
            lambda c: md.parse_fred_csv(c, "DGS10"),
            b"<html>Service unavailable</html>",
            "FRED DGS10",
        ),
        (lambda c: md.parse_fred_csv(c, "DGS10"), b"observation_date,DGS2\n2024-01-02,4\n", "DGS2"),
        (lambda c: md.parse_fred_csv(c, "DGS10"), b"DATE,DGS10\n02/01/2024,4\n", "line 2"),
        (lambda c: md.parse_fred_csv(c, "DGS10"), b"", "FRED DGS10: the response is empty"),
        (
            lambda c: md.parse_rba_csv(c, "f2", ["FCMYGBAG10D"]),
            b"<html>moved</html>",
            "RBA table F2",
        ),
        (
            lambda c: md.parse_rba_csv(c, "f2", ["FCMYGBAG10D"]),
            b"Title,x\nSeries ID,FCMYGBAG2D\n02-Jan-2024,4\n",
            "FCMYGBAG10D not in the table",
        ),
        (
            lambda c: md.parse_rba_csv(c, "f2", ["FCMYGBAG10D"]),
            b"Series ID,FCMYGBAG10D\n2024-01-02,4\n",
            "'2024-01-02' is not a date",
        ),
        (md.parse_gpr_daily, b"<html>not found</html>", "GPR daily: not a Stata .dta file"),
        (md.parse_gpr_monthly, b"PK\x03\x04 an xlsx", "GPR monthly: not a Stata .dta file"),
    ],
)
def test_a_malformed_response_names_its_source(parse, content, named):
    with pytest.raises(md.MacroSourceError, match=named):
        parse(content)


def test_a_stata_file_without_the_index_column_names_it(tmp_path):
    path = tmp_path / "x.dta"
    pd.DataFrame({"DAY": [20240102], "OTHER": [1.0]}).to_stata(path, write_index=False)
    with pytest.raises(md.MacroSourceError, match=r"GPR daily: column.*GPRD missing"):
        md.parse_gpr_daily(path.read_bytes())


def test_download_writes_every_series_under_its_source_id(tmp_path):
    calls: list[str] = []

    def fetch(url: str) -> bytes:
        calls.append(url)
        return fixture_for(url)

    out = tmp_path / "macro" / "macro.csv"
    frame = md.download_macro(out, start=date(2024, 1, 1), fetch=fetch)
    assert len(calls) == len(md.FRED_SERIES) + len(md.RBA_TABLES) + 2
    assert all("cosd=2024-01-01" in url for url in calls if "fredgraph" in url)
    expected = set(md.FRED_SERIES) | {"FCMYGBAG10D", "FCMYGBAG2D", "FIRMMCRTD", "FXRUSD"}
    assert set(frame["series"]) == expected | {"GPRD", "GPR"}
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["date", "series", "value", "source"]
    assert len(rows) == len(frame) + 1
    assert ["2024-01-02", "DGS10", "3.95", "FRED"] in rows
    # every series the download writes is one seed macro_series knows
    seed = pd.read_csv(Path(__file__).parents[2] / "seeds" / "macro_series.csv")
    assert set(frame["series"]) <= set(seed["series"])


def test_start_drops_earlier_observations(tmp_path):
    frame = md.download_macro(tmp_path / "m.csv", start=date(2024, 1, 10), fetch=fixture_for)
    assert min(frame["date"]) >= date(2024, 1, 10)


def test_a_failing_source_stops_the_download_and_keeps_the_old_file(tmp_path):
    out = tmp_path / "macro.csv"
    out.write_text("date,series,value\n2020-01-02,DGS10,1.9\n")

    def fetch(url: str) -> bytes:
        if "f11.1" in url:
            raise OSError("HTTP Error 503: Service Unavailable")
        return fixture_for(url)

    with pytest.raises(md.MacroSourceError, match=r"RBA table F11\.1: download of .* failed"):
        md.download_macro(out, start=date(2024, 1, 1), fetch=fetch)
    assert out.read_text() == "date,series,value\n2020-01-02,DGS10,1.9\n"
    assert not list(tmp_path.glob("*.partial"))

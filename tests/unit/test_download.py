"""Offline tests of the Yahoo download writer (etf_warehouse.ingest.download).

No network: ``fetch`` is a fake returning a recorded-shape response. The numbers below are
synthetic, made up for the test; only the *shape* is what ``yfinance.download(ticker,
auto_adjust=False)`` returns in recent versions: (Price, Ticker) MultiIndex columns in the order
Adj Close, Close, High, Low, Open, Volume, and a timezone-aware DatetimeIndex named "Date".
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etf_warehouse.ingest.download import YAHOO_COLUMNS, download_yahoo, to_yahoo_frame
from etf_warehouse.ingest.manifest import inspect_price_file

TICKER = "TEST.AX"
HEADER = "Date,Open,High,Low,Close,Adj Close,Volume"

# Synthetic values (not market data). Row 3 (2024-01-05) has no close: a non-trading day.
DATES = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]
SYNTHETIC = {
    "Adj Close": [9.5, 9.6, 9.7, np.nan, 9.9],
    "Close": [10.0, 10.1, 10.2, np.nan, 10.4],
    "High": [10.2, 10.3, 10.4, np.nan, 10.6],
    "Low": [9.8, 9.9, 10.0, np.nan, 10.2],
    "Open": [9.9, 10.0, 10.1, np.nan, 10.3],
    "Volume": [1000.0, 2000.0, 1500.0, np.nan, 0.0],
}
KEPT = [0, 1, 2, 4]


def yfinance_like(ticker: str = TICKER, *, multi: bool = True, tz: str | None = "Australia/Sydney"):
    index = pd.DatetimeIndex(pd.to_datetime(DATES), name="Date")
    if tz is not None:
        index = index.tz_localize(tz)
    frame = pd.DataFrame(SYNTHETIC, index=index)
    if multi:
        frame.columns = pd.MultiIndex.from_product(
            [list(SYNTHETIC), [ticker]], names=["Price", "Ticker"]
        )
    return frame


def fake_fetch(response: pd.DataFrame, calls: list | None = None):
    def fetch(ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
        if calls is not None:
            calls.append((ticker, start, end))
        return response

    return fetch


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as fh:
        return list(csv.reader(fh))


def test_fixture_has_the_yfinance_shape():
    raw = yfinance_like()
    assert isinstance(raw.columns, pd.MultiIndex)
    assert raw.columns.names == ["Price", "Ticker"]
    assert raw.index.name == "Date"
    assert raw.index.tz is not None
    assert raw["Close"].isna().any().item()


def test_download_writes_the_yahoo_file(tmp_path):
    calls: list = []
    written = download_yahoo(
        [TICKER],
        tmp_path,
        start="2024-01-01",
        end="2024-01-09",
        fetch=fake_fetch(yfinance_like(), calls),
    )
    path = tmp_path / "TEST.AX.csv"
    assert written == [path]
    assert calls == [(TICKER, "2024-01-01", "2024-01-09")]
    text = path.read_text()
    assert text.splitlines()[0] == HEADER
    rows = read_rows(path)[1:]
    # The NaN-close row (2024-01-05) is dropped; dates are plain ISO dates (no time, no tz).
    assert [r[0] for r in rows] == [DATES[i] for i in KEPT]
    assert "2024-01-05" not in text
    assert "+" not in text and ":" not in text
    # Integer volumes, no "1000.0".
    assert [r[6] for r in rows] == ["1000", "2000", "1500", "0"]
    frame = pd.read_csv(path)
    assert frame["Volume"].dtype == np.int64
    for column in ("Open", "High", "Low", "Close", "Adj Close"):
        expected = [SYNTHETIC[column][i] for i in KEPT]
        assert frame[column].tolist() == pytest.approx(expected), column


def test_download_creates_the_directory_and_upper_cases_the_file_name(tmp_path):
    out_dir = tmp_path / "new" / "dir"
    written = download_yahoo(["test.ax"], out_dir, fetch=fake_fetch(yfinance_like("test.ax")))
    assert written == [out_dir / "TEST.AX.csv"]
    assert written[0].is_file()


def test_download_several_tickers(tmp_path):
    responses = {"AAA.AX": yfinance_like("AAA.AX"), "BBB.AX": yfinance_like("BBB.AX")}
    written = download_yahoo(list(responses), tmp_path, fetch=lambda t, start, end: responses[t])
    assert [p.name for p in written] == ["AAA.AX.csv", "BBB.AX.csv"]


def test_flat_columns_and_naive_index(tmp_path):
    raw = yfinance_like(multi=False, tz=None)
    written = download_yahoo([TICKER], tmp_path, fetch=fake_fetch(raw))
    rows = read_rows(written[0])
    assert ",".join(rows[0]) == HEADER
    assert [r[0] for r in rows[1:]] == [DATES[i] for i in KEPT]


def test_ticker_first_multiindex(tmp_path):
    # yfinance's group_by="ticker" puts the ticker on level 0 and the field on level 1.
    raw = yfinance_like().swaplevel(axis=1)
    out = to_yahoo_frame(raw, TICKER)
    assert list(out.columns) == ["Date", *YAHOO_COLUMNS]
    assert out["Date"].tolist() == [DATES[i] for i in KEPT]


def test_timezone_does_not_shift_dates():
    # Midnight in Sydney is the previous day in UTC; the written date is the exchange's date.
    out = to_yahoo_frame(yfinance_like(tz="Australia/Sydney"), TICKER)
    assert out["Date"].iloc[0] == "2024-01-02"
    out = to_yahoo_frame(yfinance_like(tz="America/New_York"), TICKER)
    assert out["Date"].iloc[0] == "2024-01-02"


def test_missing_volume_becomes_zero():
    raw = yfinance_like(multi=False)
    raw.loc[raw.index[1], "Volume"] = np.nan
    out = to_yahoo_frame(raw, TICKER)
    assert out["Volume"].tolist() == [1000, 0, 1500, 0]
    assert out["Volume"].dtype == np.int64


@pytest.mark.parametrize("response", [pd.DataFrame(), None])
def test_empty_response_names_the_ticker(tmp_path, response):
    with pytest.raises(ValueError, match=r"TEST\.AX: Yahoo returned no prices"):
        download_yahoo([TICKER], tmp_path, fetch=fake_fetch(response))
    assert not (tmp_path / "TEST.AX.csv").exists()


def test_empty_multiindex_response_names_the_ticker(tmp_path):
    raw = yfinance_like().iloc[:0]
    with pytest.raises(ValueError, match=r"TEST\.AX"):
        download_yahoo([TICKER], tmp_path, fetch=fake_fetch(raw))


def test_response_without_adj_close_is_rejected(tmp_path):
    # What yfinance returns with auto_adjust=True: no "Adj Close" column.
    raw = yfinance_like().drop(columns="Adj Close", level="Price")
    with pytest.raises(ValueError, match="lacks column\\(s\\) Adj Close") as info:
        download_yahoo([TICKER], tmp_path, fetch=fake_fetch(raw))
    assert TICKER in str(info.value)
    assert not (tmp_path / "TEST.AX.csv").exists()


def test_written_file_passes_the_manifest_check(tmp_path):
    (path,) = download_yahoo([TICKER], tmp_path, fetch=fake_fetch(yfinance_like()))
    pf = inspect_price_file(str(path))
    assert pf.file_format == "yahoo"
    assert pf.ticker == "TEST.AX"
    assert pf.header == HEADER
    assert pf.positions["adj_close"] == 6
    assert pf.n_fields == 7

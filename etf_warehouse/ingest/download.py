"""Download daily prices from Yahoo Finance into the warehouse's ``yahoo`` file format.

For users with internet access; the build never needs it. ``yfinance`` is an optional extra
(``pip install -e .[download]``) imported only when a download runs. Tests pass a recorded
response through ``fetch`` and never touch the network.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

YAHOO_COLUMNS = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]

Fetch = Callable[[str, str | None, str | None], pd.DataFrame]


def fetch_with_yfinance(ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
    try:
        import yfinance
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise RuntimeError(
            "downloading needs the optional yfinance package: pip install -e '.[download]'"
        ) from exc
    return yfinance.download(
        ticker, start=start, end=end, auto_adjust=False, actions=False, progress=False
    )


def to_yahoo_frame(raw: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Normalise a yfinance response to ``Date,Open,High,Low,Close,Adj Close,Volume``.

    yfinance returns either flat columns or (field, ticker) MultiIndex columns, with a
    timezone-aware or naive DatetimeIndex; rows with no close (non-trading days) are dropped
    because they are not prices, and the dates are written as plain ISO dates.
    """
    frame = raw.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        level = 0 if "Close" in frame.columns.get_level_values(0) else 1
        frame.columns = frame.columns.get_level_values(level)
    missing = [c for c in YAHOO_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{ticker}: the response lacks column(s) {', '.join(missing)}")
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    out = frame[YAHOO_COLUMNS].copy()
    out.insert(0, "Date", index.strftime("%Y-%m-%d"))
    out = out.loc[out["Close"].notna()]
    out["Volume"] = out["Volume"].fillna(0).astype("int64")
    return out.reset_index(drop=True)


def download_yahoo(
    tickers: list[str],
    out_dir: Path,
    *,
    start: str | None = None,
    end: str | None = None,
    fetch: Fetch | None = None,
) -> list[Path]:
    """Write ``<out_dir>/<TICKER>.csv`` per ticker; returns the paths written.

    An empty response (unknown ticker, no data in the range) is an error naming the ticker
    rather than an empty file the build would then reject.
    """
    fetch = fetch or fetch_with_yfinance
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ticker in tickers:
        raw = fetch(ticker, start, end)
        if raw is None or raw.empty:
            raise ValueError(f"{ticker}: Yahoo returned no prices (unknown ticker or no data)")
        frame = to_yahoo_frame(raw, ticker)
        path = out_dir / f"{ticker.upper()}.csv"
        frame.to_csv(path, index=False)
        written.append(path)
    return written

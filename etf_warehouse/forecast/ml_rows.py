"""Row-position helpers for the walk-forward forecaster (etf_warehouse.forecast.ml).

The forecaster's panel is in (price_date, ticker) order, so each date's rows are one contiguous
range and a retrain's predicted rows a slice; its training and calibration rows are all
month-start rows, about one panel row in 21. These helpers find the ranges once and copy the
month-start rows into numpy arrays once, so no retrain masks, sorts or copies the whole panel
(8 M rows at 3,000 funds).

The panel itself is read through a :class:`PanelRows`: a frame in memory (:class:`FramePanel`,
the unit tests and benchmarks) or the dbt relation (:class:`RelationPanel`, the dbt model),
which is read from DuckDB a retrain period at a time, so the whole panel (1.4 GB as a frame at
3,000 funds, 3.4 times as many rows at 10,000) is never in memory at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

# Training sets smaller than this fit the gradient-boosting member on one OpenMP thread. On the
# sample's 9,000-row sets a second thread bought no wall time for twice the CPU, and when the
# other core was busy (another dbt model, another process) the threads' barriers stalled: one
# 0.2 s fit took 38 s. At 3,000 funds (180,000 rows) two threads fit 1.6x faster on idle
# cores, so large sets keep scikit-learn's default. The fit is the same either way: each
# feature's histogram is summed by one thread, in row order.
GBM_PARALLEL_MIN_ROWS = 20_000


def gbm_threads(n_rows: int) -> int | None:
    """OpenMP threads for a fit on ``n_rows`` rows (None: scikit-learn's default)."""
    return 1 if n_rows < GBM_PARALLEL_MIN_ROWS else None


def date_ranges(row_dates: np.ndarray) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The distinct dates of sorted ``row_dates`` and where each one's rows start: the rows of
    ``dates[i]`` are ``first[i]:first[i + 1]`` (``first`` ends with the row count)."""
    n = len(row_dates)
    new = np.flatnonzero(row_dates[1:] != row_dates[:-1]) + 1
    first = np.concatenate([[0], new, [n]]) if n else np.zeros(1, dtype=np.intp)
    return pd.DatetimeIndex(row_dates[first[:-1]]), first.astype(np.intp)


def rows_of_dates(first: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Row positions, ascending, of the dates flagged in ``which`` (ranges from date_ranges)."""
    ranges = [np.arange(first[i], first[i + 1]) for i in np.flatnonzero(which)]
    return np.concatenate(ranges) if ranges else np.zeros(0, dtype=np.intp)


def varying_columns(x: np.ndarray) -> np.ndarray:
    """Per column of ``x``: at least two distinct non-missing values."""
    if x.shape[0] == 0:
        return np.zeros(x.shape[1], dtype=bool)
    low, high = np.fmin.reduce(x, axis=0), np.fmax.reduce(x, axis=0)  # NaN only if all NaN
    return ~np.isnan(low) & (low != high)


@dataclass(frozen=True)
class SampleRows:
    """Panel rows at ``pos`` (ascending): their date, label availability, label and features."""

    pos: np.ndarray
    date: np.ndarray
    available: np.ndarray
    label: np.ndarray
    x: np.ndarray  # len(pos) x features, float


def sample_rows(rows: pd.DataFrame, features: list[str], pos: np.ndarray) -> SampleRows:
    """The arrays of ``rows``, the panel's rows at positions ``pos`` (in that order)."""
    if len(rows) != len(pos):
        raise ValueError(f"{len(rows)} rows given for {len(pos)} positions")
    return SampleRows(
        pos=pos,
        date=rows["price_date"].to_numpy(),
        available=rows["label_available_date"].to_numpy(),
        label=rows["label_relative_return"].to_numpy(dtype=float),
        x=rows[features].to_numpy(dtype=float),
    )


class PanelRows(Protocol):
    """A forecasting panel in (price_date, ticker) order, read by dates: ``dates`` are its
    distinct dates, ascending, and the rows of ``dates[i]`` are at positions
    ``first_row[i]:first_row[i + 1]`` (``first_row`` ends with the row count)."""

    dates: pd.DatetimeIndex
    first_row: np.ndarray

    def between(self, i: int, j: int) -> pd.DataFrame:
        """The rows of ``dates[i:j]``, in panel order, on a fresh 0..n-1 index."""
        ...

    def on(self, which: np.ndarray) -> pd.DataFrame:
        """The rows of the dates flagged in ``which`` (one flag per date), in panel order."""
        ...


class FramePanel:
    """A panel held as one frame (sorted into panel order unless it already is)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = by_date_and_ticker(frame)
        self.dates, self.first_row = date_ranges(self.frame["price_date"].to_numpy())

    def between(self, i: int, j: int) -> pd.DataFrame:
        rows = self.frame.iloc[self.first_row[i] : self.first_row[j]]
        return rows.reset_index(drop=True)

    def on(self, which: np.ndarray) -> pd.DataFrame:
        return self.frame.iloc[rows_of_dates(self.first_row, which)].reset_index(drop=True)


class RelationPanel:
    """A panel in DuckDB (a relation with ticker and price_date columns), read a few dates at a
    time: one query counts the rows of each date, and each read asks DuckDB for its dates' rows
    in panel order. The frames equal a :class:`FramePanel`'s of the whole relation read at once
    (values, order and dtypes; a read of no rows has its text columns as object)."""

    def __init__(self, relation: Any) -> None:
        self.relation = relation
        counts = relation.aggregate("price_date, count(*) as n_rows", "price_date")
        counts = counts.order("price_date").df()
        self.dates = pd.DatetimeIndex(counts["price_date"])
        self.first_row = np.concatenate([[0], np.cumsum(counts["n_rows"].to_numpy())]).astype(
            np.intp
        )

    def _read(self, condition: str, n_rows: int) -> pd.DataFrame:
        rows = self.relation.filter(condition).order("price_date, ticker").df()
        if len(rows) != n_rows:  # the relation changed under the reader
            raise ValueError(f"read {len(rows)} panel rows where {n_rows} were counted")
        return rows

    def between(self, i: int, j: int) -> pd.DataFrame:
        bounds = [f"price_date >= {_date_literal(self.dates[i])}"] if i < len(self.dates) else []
        if j < len(self.dates):
            bounds.append(f"price_date < {_date_literal(self.dates[j])}")
        condition = " and ".join(bounds) if i < j else "false"
        return self._read(condition, int(self.first_row[j] - self.first_row[i]))

    def on(self, which: np.ndarray) -> pd.DataFrame:
        flagged = self.dates[np.asarray(which, dtype=bool)]
        literals = ", ".join(_date_literal(d) for d in flagged)
        n_rows = int(np.diff(self.first_row)[np.asarray(which, dtype=bool)].sum())
        return self._read(f"price_date in ({literals})" if literals else "false", n_rows)


def _date_literal(day: pd.Timestamp) -> str:
    return f"date '{pd.Timestamp(day):%Y-%m-%d}'"


def by_date_and_ticker(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel in (price_date, ticker) order on a fresh 0..n-1 index. A panel already in that
    order is not copied."""
    dates = panel["price_date"].to_numpy()
    tickers = panel["ticker"].to_numpy()
    later = dates[1:] > dates[:-1]
    ordered = bool(np.all(later | ((dates[1:] == dates[:-1]) & (tickers[1:] > tickers[:-1]))))
    if ordered and panel.index.equals(pd.RangeIndex(len(panel))):
        return panel
    return panel.sort_values(["price_date", "ticker"], kind="stable").reset_index(drop=True)

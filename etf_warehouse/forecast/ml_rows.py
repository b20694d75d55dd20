"""Row-position helpers for the walk-forward forecaster (etf_warehouse.forecast.ml).

The forecaster's panel is in (price_date, ticker) order, so each date's rows are one contiguous
range and a retrain's predicted rows a slice; its training and calibration rows are all
month-start rows, about one panel row in 21. These helpers find the ranges once and copy the
month-start rows into numpy arrays once, so no retrain masks, sorts or copies the whole panel
(8 M rows at 3,000 funds).
"""

from __future__ import annotations

from dataclasses import dataclass

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


def sample_rows(panel: pd.DataFrame, features: list[str], pos: np.ndarray) -> SampleRows:
    columns = [panel.columns.get_loc(f) for f in features]
    return SampleRows(
        pos=pos,
        date=panel["price_date"].to_numpy()[pos],
        available=panel["label_available_date"].iloc[pos].to_numpy(),
        label=panel["label_relative_return"].iloc[pos].to_numpy(dtype=float),
        x=panel.iloc[pos, columns].to_numpy(dtype=float),
    )

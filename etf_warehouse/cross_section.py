"""Ranks within each day's funds, in numpy: the shared core of the forecasting panel's ranks
(etf_warehouse.forecast.panel) and the component scores (etf_warehouse.scoring.components).

A block of days is laid out as a days x funds grid (NaN where a fund has no value that day) and
each row sorted: sorting a few thousand values a day at a time stays in cache, where DuckDB's
rank windows sort every row of the table (at 3,000 funds about three times as long).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def block_layout(
    tickers: pa.Array, dates: pa.Array, *, table: str
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Rows of ``table`` sorted by date (``dates``, a date column, ``tickers`` their funds):
    ``(day, fund, n_days, n_funds)``, each row's day index in the block (0, 1, ...) and fund
    index, and their counts. Raises ValueError naming ``table`` where a row has no date, the
    rows are not in date order or a fund has two rows on one day."""
    encoded = pc.dictionary_encode(tickers)
    fund = encoded.indices.to_numpy(zero_copy_only=False)
    n_funds = len(encoded.dictionary)
    day_number = dates.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
    if dates.null_count or np.any(day_number[1:] < day_number[:-1]):
        raise ValueError(f"{table}: rows must come in date order, each with a date")
    day = np.zeros(len(day_number), dtype=np.intp)
    day[1:] = np.cumsum(day_number[1:] != day_number[:-1])
    n_days = int(day[-1]) + 1 if len(day) else 0
    cells = np.bincount(day.astype(np.int64) * n_funds + fund, minlength=n_days * n_funds)
    if len(day) and cells.max() > 1:
        raise ValueError(f"{table}: two rows for one fund and date")
    return day, fund, n_days, n_funds


def value_grid(
    values: np.ndarray,
    valid: np.ndarray,
    day: np.ndarray,
    fund: np.ndarray,
    n_days: int,
    n_funds: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The rows' values as a days x funds grid for :func:`run_starts`, NaN where a fund has no
    value (a null or no row), and which rows hold a NaN *value*: those come in as +inf, ranked
    with the largest number, for the caller to move after every number."""
    is_nan = valid & np.isnan(values)
    key = np.where(valid, values, np.nan)
    key[is_nan] = np.inf
    grid = np.full((n_days, n_funds), np.nan)
    grid[day, fund] = key
    return grid, is_nan


def run_starts(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row of ``grid`` sorted, NaN cells last: ``(order, ordered, run_start)``, where
    ``order`` is the argsort along each row, ``ordered`` the sorted values and ``run_start`` (a
    float) for each sorted cell the position where its run of equal values starts, i.e.
    ``r - 1`` for SQL's ``rank()`` (equal values share the lowest rank; -0.0 equals 0.0)."""
    n_funds = grid.shape[1]
    order = np.argsort(grid, axis=1)  # NaN last; ties in any order
    ordered = np.take_along_axis(grid, order, axis=1)
    new_run = np.empty(ordered.shape, dtype=bool)
    new_run[:, 0] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=new_run[:, 1:])
    run_start = np.maximum.accumulate(
        np.where(new_run, np.arange(n_funds, dtype=np.float64), 0.0), axis=1
    )
    return order, ordered, run_start


def percent_ranks(
    values: np.ndarray,
    valid: np.ndarray,
    day: np.ndarray,
    fund: np.ndarray,
    n_days: int,
    n_funds: int,
) -> np.ndarray:
    """SQL's ``percent_rank() over (partition by day order by value)`` (ascending, nulls last)
    of each row (``day``/``fund``: its day and fund index, one row per pair): ``(r - 1) /
    (n - 1)``, 0 where the day has one row. ``n`` counts the day's rows, nulls included;
    ``r - 1`` the day's rows ordered before the row's value: a NaN value after every number
    (+inf included) and tied with NaN, a null after every value and tied with null, as DuckDB
    orders them. The division is DuckDB's, so the result is its bit for bit."""
    grid, is_nan = value_grid(values, valid, day, fund, n_days, n_funds)
    order, _, run_start = run_starts(grid)
    before = np.empty_like(grid)
    np.put_along_axis(before, order, run_start, axis=1)
    before = before[day, fund]
    if is_nan.any():
        numbers = np.bincount(day, weights=valid & ~is_nan, minlength=n_days)
        before[is_nan] = numbers[day[is_nan]]
    if not valid.all():
        values_that_day = np.bincount(day, weights=valid, minlength=n_days)
        before[~valid] = values_that_day[day[~valid]]
    rows = np.bincount(day, minlength=n_days).astype(np.float64)[day]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rows > 1, before / (rows - 1.0), 0.0)

"""The forecasting panel (the dbt model ``int_ml_panel``): each feature of
``int_ml_panel_inputs`` as its cross-sectional percentile rank that day, and the label.

The rules, all here:

- **rank**: among the day's non-null values of a feature, ``(r - 1) / (n - 1) - 0.5``, where
  ``r`` is the value's rank (1 for the lowest; equal values share the lowest rank of their run,
  as SQL's ``rank()``) and ``n`` the day's count of non-null values; null where the value is
  null or ``n < 2`` (no spread to rank). NaN, a value, ranks after every number and ties with
  NaN, as DuckDB orders it. Centred on zero: -0.5 .. 0.5.
- **label_relative_return**: the fund's ``forward_return`` minus the day's mean forward return
  over the funds that have one. The mean is exact: the sum of the fixed-point integers
  ``forward_return_fp`` (1e-12 units, summed as integers) over ``count * 1e12``, so it does not
  depend on the order the rows are added in, and a model trained on it stays the same bit for
  bit when other data changes (macros/helpers/fixed_point.sql).
- **label_available_date**: the day's latest ``label_end_date``, the date of the last price any
  of that day's labels needs (the forecaster trains on a day only once it is past).

Each block of days is ranked as a days x funds grid sorted along the funds. At 3,000 funds
the model took 16.7 s and 30.5 CPU-seconds where the SQL it replaced (sixteen rank windows)
took 41.7 s and 81.0, the same panel bit for bit (benchmarks/scale.md, "2026-12-07, evening").
The rows come from DuckDB sorted by (price_date, ticker) a batch at a time, and go back in that
order, so neither the inputs nor the panel are ever whole in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np
import pyarrow as pa

from etf_warehouse.cross_section import block_layout, run_starts, value_grid
from etf_warehouse.frames import arrow_floats, whole_groups

FEATURES = [
    "momentum_1m",
    "momentum_3m",
    "momentum_6m",
    "momentum_12m",
    "momentum_12_1",
    "realized_vol_1m_ann",
    "realized_vol_3m_ann",
    "downside_vol_3m_ann",
    "garch_vol_21d_ann",
    "beta_kalman",
    "drawdown",
    "max_drawdown_12m",
    "log_traded_value_3m",
    "amihud_illiquidity_3m",
    "volume_trend",
    "zero_volume_share_3m",
]
FIXED_POINT_SCALE = 1e12  # forward_return_fp = round(forward_return * 1e12)
# the columns read from int_ml_panel_inputs, in (price_date, ticker) order
INPUT_COLUMNS = [
    "ticker",
    "price_date",
    *FEATURES,
    "forward_return",
    "forward_return_fp",
    "label_end_date",
]
# rows ranked at a time: a block's days x funds grids hold about as many cells (8 bytes each)
BLOCK_ROWS = 1_000_000

OUTPUT_SCHEMA = pa.schema(
    [
        ("ticker", pa.string()),
        ("price_date", pa.date32()),
        *[(f"f_{feature}", pa.float64()) for feature in FEATURES],
        ("label_relative_return", pa.float64()),
        ("forward_return", pa.float64()),
        ("label_available_date", pa.date32()),
    ]
)


def centred_ranks(grid: np.ndarray) -> np.ndarray:
    """Each cell's centred percentile rank within its row of ``grid`` (days x funds, NaN where
    a fund has no value that day), by the rule in this module's docstring; NaN where null.

    A value that is itself NaN must come in as +inf with :func:`day_feature_ranks`'s fix-up;
    here NaN means "no value"."""
    n_funds = grid.shape[1]
    order, ordered, run_start = run_starts(grid)
    missing = np.isnan(ordered)
    count = (n_funds - np.count_nonzero(missing, axis=1)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        centred = run_start / (count - 1.0)[:, None] - 0.5
    centred[missing | (count < 2)[:, None]] = np.nan
    ranks = np.empty_like(grid)
    np.put_along_axis(ranks, order, centred, axis=1)
    return ranks


def day_feature_ranks(
    values: np.ndarray,
    valid: np.ndarray,
    day: np.ndarray,
    fund: np.ndarray,
    n_days: int,
    n_funds: int,
) -> np.ndarray:
    """The centred ranks of one feature's rows (``day``/``fund``: each row's day and fund
    index, one row per pair), NaN where null."""
    grid, is_nan_value = value_grid(values, valid, day, fund, n_days, n_funds)
    ranks = centred_ranks(grid)[day, fund]
    if is_nan_value.any():  # after every number, +inf included, tied with NaN alone
        numbers = np.bincount(day, weights=valid & ~is_nan_value, minlength=n_days)
        count = np.bincount(day, weights=valid, minlength=n_days)
        at = day[is_nan_value]
        with np.errstate(divide="ignore", invalid="ignore"):
            ranks[is_nan_value] = np.where(
                count[at] >= 2, numbers[at] / (count[at] - 1.0) - 0.5, np.nan
            )
    return ranks


def day_starts(day: np.ndarray) -> np.ndarray:
    """Where each day's rows start in rows sorted by day (ends with the row count)."""
    new = np.flatnonzero(day[1:] != day[:-1]) + 1
    return np.concatenate([[0], new, [len(day)]]).astype(np.intp)


def day_labels(
    day: np.ndarray,
    forward_return: np.ndarray,
    forward_fp: np.ndarray,
    fp_valid: np.ndarray,
    label_end: np.ndarray,
    end_valid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by day (``day`` ascending): each row's relative return (NaN where null), and
    its day's latest label end (days since 1970-01-01) with whether there is one."""
    starts = day_starts(day)[:-1]
    fixed = np.where(fp_valid, forward_fp, 0).astype(np.int64)
    count = np.add.reduceat(fp_valid.astype(np.int64), starts)
    magnitude = np.add.reduceat(np.abs(fixed).astype(np.float64), starts)
    if np.any(magnitude >= 2.0**62):  # an int64 sum could overflow: exact in Python integers
        bounds = np.append(starts, len(day))
        total = np.array([float(sum(int(x) for x in fixed[a:b])) for a, b in pairwise(bounds)])
    else:
        total = np.add.reduceat(fixed, starts).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(count > 0, total / (count * FIXED_POINT_SCALE), np.nan)
    rows_per_day = np.diff(np.append(starts, len(day)))
    label = forward_return - np.repeat(mean, rows_per_day)
    label[~fp_valid] = np.nan
    latest = np.maximum.reduceat(np.where(end_valid, label_end, np.iinfo(np.int32).min), starts)
    has_latest = latest > np.iinfo(np.int32).min
    return (
        label,
        np.repeat(latest, rows_per_day).astype(np.int32),
        np.repeat(has_latest, rows_per_day),
    )


def _nullable(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.float64(), mask=np.isnan(values))


def panel_batch(rows: pa.Table, *, threads: int = 1) -> pa.RecordBatch:
    """The panel rows of ``rows``: whole days of int_ml_panel_inputs (``INPUT_COLUMNS``), sorted
    by (price_date, ticker); the result keeps that order. The features are ranked on up to
    ``threads`` threads (numpy's sorts run outside the GIL); the result is the same."""
    tickers = rows.column("ticker").combine_chunks()
    dates = rows.column("price_date").combine_chunks()
    day, fund, n_days, n_funds = block_layout(tickers, dates, table="int_ml_panel_inputs")

    def ranked(feature: str) -> pa.Array:
        values, valid = arrow_floats(rows.column(feature))
        return _nullable(day_feature_ranks(values, valid, day, fund, n_days, n_funds))

    columns: list[pa.Array] = [tickers.cast(pa.string()), dates]
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            columns += list(pool.map(ranked, FEATURES))
    else:
        columns += [ranked(feature) for feature in FEATURES]
    forward_return, _ = arrow_floats(rows.column("forward_return"))
    fp = rows.column("forward_return_fp").combine_chunks()
    end = rows.column("label_end_date").combine_chunks()
    label, latest, has_latest = day_labels(
        day,
        forward_return,
        fp.fill_null(0).to_numpy(zero_copy_only=False),
        fp.is_valid().to_numpy(zero_copy_only=False),
        end.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False),
        end.is_valid().to_numpy(zero_copy_only=False),
    )
    columns += [
        _nullable(label),
        rows.column("forward_return").combine_chunks().cast(pa.float64()),
        pa.array(latest, type=pa.int32(), mask=~has_latest).cast(pa.date32()),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=OUTPUT_SCHEMA)


def panel_batches(
    batches: Iterable[pa.RecordBatch], *, min_rows: int = BLOCK_ROWS, threads: int = 1
) -> Iterator[pa.RecordBatch]:
    """The panel of ``batches`` (int_ml_panel_inputs' ``INPUT_COLUMNS`` in (price_date, ticker)
    order, cut anywhere), computed whole days at a time (:func:`panel_batch`, on ``threads``
    threads), at least ``min_rows`` rows a block (the last may be smaller): a day's rows that
    may continue in the next batch wait for it."""
    for block in whole_groups(batches, "price_date", min_rows):
        yield panel_batch(block, threads=threads)

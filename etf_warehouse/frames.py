"""Typed pandas frames for the dbt Python models' outputs.

A frame built from an empty list of rows has untyped (object) columns, and DuckDB stores those
as NULL-typed columns that break contracts and unit-test casts downstream (tiny universes where
nothing is scored yet). These helpers keep each column's dtype whether or not there are rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def empty_frame(schema: dict[str, str]) -> pd.DataFrame:
    """A frame with no rows and the columns and dtypes of ``schema``."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in schema.items()})


def typed_frame(rows: Sequence[Sequence[Any]], schema: dict[str, str]) -> pd.DataFrame:
    """``rows`` (tuples in ``schema``'s column order) as a frame with ``schema``'s dtypes."""
    if not rows:
        return empty_frame(schema)
    return pd.DataFrame(list(rows), columns=list(schema)).astype(schema)


def relation_grid(
    relation: Any, row_key: str, column_key: str, values: Sequence[str]
) -> tuple[pd.Index, pd.Index, dict[str, np.ndarray]]:
    """A DuckDB relation as (row label x column label) arrays of its ``values`` columns (floats,
    NaN where a pair of keys has no row or a null value): the labels are each key's distinct
    values, ascending, as pandas indexes named after the keys; rows with a null key are left
    out. At most one row per pair of keys (a duplicate would overwrite, so the callers' inputs
    carry a uniqueness test).

    What pandas' ``pivot`` of the relation's frame gives, without a Python object per row: the
    relation is read once as Arrow, each key dictionary-encoded (its small dictionary sorted),
    so a row becomes two positions and its values. For 12.7 M rows (3,000 funds x 20 years) the
    frame with a string per row, pivoted, took 3.4-4.5 GB and most of a model's time
    (benchmarks/scale.md).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    table = relation.project(", ".join(f'"{c}"' for c in [row_key, column_key, *values]))
    table = table.to_arrow_table()
    table = table.filter(pc.and_(pc.is_valid(table[row_key]), pc.is_valid(table[column_key])))

    def positions(key: str) -> tuple[pd.Index, np.ndarray]:
        encoded = pc.dictionary_encode(table[key].combine_chunks())
        order = pc.array_sort_indices(encoded.dictionary).to_numpy()
        rank = np.empty_like(order)
        rank[order] = np.arange(order.shape[0])
        labels = encoded.dictionary.take(pa.array(order, type=pa.int64()))
        if pa.types.is_date(labels.type):  # as DuckDB's own frames give dates
            labels = labels.cast(pa.timestamp("us"))
        return pd.Index(labels.to_pandas(), name=key), rank[encoded.indices.to_numpy()]

    row_index, row_at = positions(row_key)
    column_index, column_at = positions(column_key)
    grids = {}
    for value in values:
        column = pc.fill_null(pc.cast(table[value], pa.float64()), np.nan)
        grid = np.full((len(row_index), len(column_index)), np.nan)
        grid[row_at, column_at] = column.to_numpy()
        grids[value] = grid
    return row_index, column_index, grids


def whole_groups(batches: Iterable[pa.RecordBatch], key: str, min_rows: int) -> Iterator[pa.Table]:
    """``batches`` (sorted so that each value of ``key`` is one run of rows, cut anywhere)
    regrouped into tables of whole runs, at least ``min_rows`` rows each (the last may be
    smaller): the rows of the last value seen wait for the next batch, where it may go on."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        held += batch.num_rows
        if held < min_rows:
            continue
        block = pa.Table.from_batches(pending)
        values = block.column(key)
        complete = pc.sum(pc.not_equal(values, values[-1])).as_py() or 0  # before the last run
        if complete:
            yield block.slice(0, complete)
            rest = block.slice(complete)
            pending, held = rest.to_batches(), rest.num_rows
    if held:
        yield pa.Table.from_batches(pending)


def arrow_floats(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A numeric Arrow column as (float64 values, validity); a null's value is NaN (a NaN
    value stays NaN and valid)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    array = array.cast(pa.float64())
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    values = array.fill_null(np.nan).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float64), np.asarray(valid, dtype=bool)

"""Typed pandas frames for the dbt Python models' outputs.

A frame built from an empty list of rows has untyped (object) columns, and DuckDB stores those
as NULL-typed columns that break contracts and unit-test casts downstream (tiny universes where
nothing is scored yet). These helpers keep each column's dtype whether or not there are rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


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
    values, ascending, as pandas indexes named after the keys. At most one row per pair of keys
    (a duplicate would overwrite, so the callers' inputs carry a uniqueness test).

    What pandas' ``pivot`` of the relation's frame gives, without a Python object per row:
    each row is read as its two positions (found by joining the keys' small tables of
    distinct values) and its values. For 12.7 M rows (3,000 funds x 20 years) the frame with a
    string per row, pivoted, took 3.4-4.5 GB and most of a model's time (benchmarks/scale.md).
    """
    r, c = f'"{row_key}"', f'"{column_key}"'
    keys = f"""
        with
        row_labels as (
            select {r} as label, (row_number() over (order by {r}) - 1)::integer as position
            from (select distinct {r} from grid_rows)
        ),
        column_labels as (
            select {c} as label, (row_number() over (order by {c}) - 1)::integer as position
            from (select distinct {c} from grid_rows)
        )
    """
    rows = relation.query("grid_rows", keys + "select label from row_labels order by position")
    columns = relation.query(
        "grid_rows", keys + "select label from column_labels order by position"
    )
    row_index = pd.Index(rows.df()["label"], name=row_key)
    column_index = pd.Index(columns.df()["label"], name=column_key)
    selected = ", ".join(f'grid_rows."{v}"::double as "{v}"' for v in values)
    cells = relation.query(
        "grid_rows",
        keys
        + f"""
        select row_labels.position as row_position, column_labels.position as column_position,
            {selected}
        from grid_rows
        inner join row_labels on grid_rows.{r} = row_labels.label
        inner join column_labels on grid_rows.{c} = column_labels.label
        """,
    ).fetchnumpy()
    at = (np.asarray(cells["row_position"]), np.asarray(cells["column_position"]))
    grids = {}
    for value in values:
        grid = np.full((len(row_index), len(column_index)), np.nan)
        grid[at] = np.ma.filled(np.ma.asarray(cells[value], dtype=float), np.nan)
        grids[value] = grid
    return row_index, column_index, grids

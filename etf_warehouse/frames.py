"""Typed pandas frames for the dbt Python models' outputs.

A frame built from an empty list of rows has untyped (object) columns, and DuckDB stores those
as NULL-typed columns that break contracts and unit-test casts downstream (tiny universes where
nothing is scored yet). These helpers keep each column's dtype whether or not there are rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


def empty_frame(schema: dict[str, str]) -> pd.DataFrame:
    """A frame with no rows and the columns and dtypes of ``schema``."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in schema.items()})


def typed_frame(rows: Sequence[Sequence[Any]], schema: dict[str, str]) -> pd.DataFrame:
    """``rows`` (tuples in ``schema``'s column order) as a frame with ``schema``'s dtypes."""
    if not rows:
        return empty_frame(schema)
    return pd.DataFrame(list(rows), columns=list(schema)).astype(schema)

"""Row-position helpers of the walk-forward forecaster (etf_warehouse.forecast.ml_rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etf_warehouse.forecast.ml_rows import (
    GBM_PARALLEL_MIN_ROWS,
    FramePanel,
    RelationPanel,
    date_ranges,
    gbm_threads,
    rows_of_dates,
    sample_rows,
    varying_columns,
)


def test_date_ranges_and_rows_of_dates():
    days = pd.to_datetime(["2020-01-02"] * 3 + ["2020-01-03"] * 2 + ["2020-02-03"] * 4)
    dates, first = date_ranges(days.to_numpy())
    assert list(dates) == list(pd.to_datetime(["2020-01-02", "2020-01-03", "2020-02-03"]))
    np.testing.assert_array_equal(first, [0, 3, 5, 9])
    np.testing.assert_array_equal(
        rows_of_dates(first, np.array([True, False, True])), [0, 1, 2, 5, 6, 7, 8]
    )
    assert rows_of_dates(first, np.zeros(3, dtype=bool)).size == 0
    empty_dates, empty_first = date_ranges(days.to_numpy()[:0])
    assert len(empty_dates) == 0 and list(empty_first) == [0]


def test_varying_columns_as_distinct_non_missing_values():
    nan, inf = np.nan, np.inf
    x = np.array(
        [
            [1.0, nan, 2.0, nan, inf, -0.0],
            [1.0, nan, nan, 3.0, inf, 0.0],
            [1.0, nan, 2.5, 3.0, -inf, 0.0],
        ]
    )
    expected = [
        pd.Series(x[:, j]).dropna().nunique() >= 2 for j in range(x.shape[1])
    ]  # the rule the forecaster used per training frame
    np.testing.assert_array_equal(varying_columns(x), expected)
    np.testing.assert_array_equal(varying_columns(x[:0]), [False] * 6)


def test_sample_rows_copies_the_rows_at_positions():
    panel = pd.DataFrame(
        {
            "ticker": ["A", "B", "A", "B"],
            "price_date": pd.to_datetime(["2020-01-02", "2020-01-02", "2020-01-03", "2020-01-03"]),
            "f_x": [0.1, 0.2, 0.3, 0.4],
            "label_relative_return": [0.01, np.nan, 0.03, 0.04],
            "label_available_date": pd.to_datetime(["2020-02-03"] * 4),
        }
    )
    rows = sample_rows(panel.iloc[[1, 3]], ["f_x"], np.array([1, 3]))
    np.testing.assert_array_equal(rows.x, [[0.2], [0.4]])
    np.testing.assert_array_equal(rows.label, [np.nan, 0.04])
    assert list(rows.date) == list(panel["price_date"].to_numpy()[[1, 3]])


def test_sample_rows_refuses_rows_that_are_not_the_positions():
    panel = pd.DataFrame(
        {
            "price_date": pd.to_datetime(["2020-01-02"] * 2),
            "f_x": [0.1, 0.2],
            "label_relative_return": [0.01, 0.02],
            "label_available_date": pd.to_datetime(["2020-02-03"] * 2),
        }
    )
    with pytest.raises(ValueError, match="2 rows given for 1 positions"):
        sample_rows(panel, ["f_x"], np.array([1]))


def test_small_training_sets_fit_on_one_thread():
    assert gbm_threads(9_000) == 1
    assert gbm_threads(GBM_PARALLEL_MIN_ROWS) is None


def test_a_panel_read_from_duckdb_equals_the_panel_as_one_frame():
    """RelationPanel (ml_forecasts' read, a few dates at a time) and FramePanel give the same
    dates, row positions and rows (values, order, dtypes), for a range of dates, flagged dates,
    no dates, and an empty panel."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        "create table panel as select"
        " (date '2019-12-30' + to_days(((i * 7919) % 40)::integer))::date as price_date,"
        " 'T' || (i % 7) as ticker, i * 0.5 as f_x"
        " from range(280) t(i)"
    )
    relation = con.table("panel")
    read = RelationPanel(relation)
    whole = FramePanel(relation.df())  # in no particular order: FramePanel sorts it
    assert read.dates.equals(whole.dates) and len(read.dates) == 40
    np.testing.assert_array_equal(read.first_row, whole.first_row)
    assert read.first_row[-1] == 280
    for i, j in [(0, 40), (3, 17), (39, 40)]:
        pd.testing.assert_frame_equal(read.between(i, j), whole.between(i, j), check_exact=True)
    flags = np.zeros(40, dtype=bool)
    flags[[0, 9, 39]] = True
    for which in (flags, ~flags):
        pd.testing.assert_frame_equal(read.on(which), whole.on(which), check_exact=True)
    # no rows: the same columns (DuckDB returns an empty text column as object, not str)
    for empty in (read.between(5, 5), read.on(np.zeros(40, dtype=bool))):
        assert empty.empty and list(empty.columns) == list(whole.frame.columns)
    nothing = RelationPanel(relation.filter("false"))
    assert len(nothing.dates) == 0 and list(nothing.first_row) == [0]
    assert nothing.on(np.zeros(0, dtype=bool)).empty

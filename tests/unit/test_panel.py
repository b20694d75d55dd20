"""The forecasting panel's ranks and labels (etf_warehouse.forecast.panel, the model
int_ml_panel): a hand-computed case, and the SQL the model replaced, run by DuckDB, as the
reference, bit for bit, on data with ties, nulls, NaN, infinities and signed zeros, cut into
batches anywhere."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from etf_warehouse.forecast.panel import (
    FEATURES,
    INPUT_COLUMNS,
    OUTPUT_SCHEMA,
    centred_ranks,
    day_labels,
    panel_batch,
    panel_batches,
)


def _inputs(rows: list[dict]) -> pa.Table:
    """An int_ml_panel_inputs table of ``rows`` (features not given are null)."""
    columns = {}
    for name in INPUT_COLUMNS:
        values = [row.get(name) for row in rows]
        if name == "ticker":
            columns[name] = pa.array(values, pa.string())
        elif name in ("price_date", "label_end_date"):
            columns[name] = pa.array(values, pa.date32())
        elif name == "forward_return_fp":
            columns[name] = pa.array(values, pa.int64())
        else:
            columns[name] = pa.array(values, pa.float64())
    return pa.table(columns)


def test_hand_computed_two_days():
    # On the first day momentum_1m is 1, 2, 2 and null: the three values rank -0.5, 0 and 0
    # (ties share the lower rank; the denominator counts the day's non-null values only) and
    # the null stays null; the labels are each fund's forward return minus the day's mean of
    # those present (0.5); every row's label_available_date is the day's latest label end. On
    # the second day a lone value has no spread to rank (null), and its label is zero.
    d1, d2 = dt.date(2024, 1, 2), dt.date(2024, 1, 3)
    rows = [
        dict(ticker="AAA", price_date=d1, momentum_1m=1.0, forward_return=0.25,
             forward_return_fp=250_000_000_000, label_end_date=dt.date(2024, 2, 1)),
        dict(ticker="BBB", price_date=d1, momentum_1m=2.0, forward_return=0.75,
             forward_return_fp=750_000_000_000, label_end_date=dt.date(2024, 2, 2)),
        dict(ticker="CCC", price_date=d1, momentum_1m=2.0, forward_return=0.5,
             forward_return_fp=500_000_000_000, label_end_date=dt.date(2024, 2, 1)),
        dict(ticker="DDD", price_date=d1),
        dict(ticker="AAA", price_date=d2, momentum_1m=3.0, forward_return=0.125,
             forward_return_fp=125_000_000_000, label_end_date=dt.date(2024, 2, 5)),
    ]  # fmt: skip
    panel = panel_batch(_inputs(rows)).to_pydict()
    assert panel["ticker"] == ["AAA", "BBB", "CCC", "DDD", "AAA"]
    assert panel["f_momentum_1m"] == [-0.5, 0.0, 0.0, None, None]
    assert panel["label_relative_return"] == [-0.25, 0.25, 0.0, None, 0.0]
    assert panel["label_available_date"] == [dt.date(2024, 2, 2)] * 4 + [dt.date(2024, 2, 5)]
    assert panel["f_momentum_3m"] == [None] * 5
    assert pa.RecordBatch.from_pydict(panel, schema=OUTPUT_SCHEMA).schema == OUTPUT_SCHEMA


def test_a_day_of_nulls_has_no_label_end():
    rows = [dict(ticker="AAA", price_date=dt.date(2024, 1, 2), momentum_1m=1.0)]
    panel = panel_batch(_inputs(rows)).to_pydict()
    assert panel["label_relative_return"] == [None]
    assert panel["label_available_date"] == [None]


def test_two_rows_for_one_fund_and_date_are_refused():
    rows = [dict(ticker="AAA", price_date=dt.date(2024, 1, 2))] * 2
    with pytest.raises(ValueError, match="two rows for one fund and date"):
        panel_batch(_inputs(rows))


def test_centred_ranks_grid():
    grid = np.array([[3.0, 1.0, np.nan, 1.0, 2.0], [np.nan, 5.0, np.nan, np.nan, np.nan]])
    ranks = centred_ranks(grid)
    np.testing.assert_array_equal(ranks, [[0.5, -0.5, np.nan, -0.5, 2 / 3 - 0.5], [np.nan] * 5])


def _random_inputs(seed: int, n_funds: int, n_days: int) -> pa.Table:
    """Inputs with the awkward values: many ties (values rounded to a few levels), nulls, NaN,
    +-inf, -0.0 beside 0.0, late-listed funds (missing rows) and days of one fund."""
    rng = np.random.default_rng(seed)
    tickers, dates = np.meshgrid(np.arange(n_funds), np.arange(n_days))
    keep = rng.random(tickers.shape) < 0.8
    keep[n_days // 2, 1:] = False  # a day with a single fund
    tickers, dates = tickers[keep], dates[keep]
    n = len(tickers)
    columns: dict[str, pa.Array] = {
        "ticker": pa.array([f"T{t:04d}" for t in tickers], pa.string()),
        "price_date": pa.array(
            (np.datetime64("2010-01-04") + dates.astype("timedelta64[D]")).astype("datetime64[D]"),
            pa.date32(),
        ),
    }
    for k, feature in enumerate(FEATURES):
        values = np.round(rng.standard_t(3, n), k % 3)  # ties, more in some features
        special = rng.random(n)
        values[special < 0.01] = np.nan
        values[(special >= 0.01) & (special < 0.015)] = np.inf
        values[(special >= 0.015) & (special < 0.02)] = -np.inf
        values[(special >= 0.02) & (special < 0.03)] = -0.0
        null = rng.random(n) < 0.1 * (k % 2)
        columns[feature] = pa.array(values, pa.float64(), mask=null)
    forward = rng.standard_t(3, n) * 0.05
    fp = np.round(forward * 1e12).astype(np.int64)
    null = rng.random(n) < 0.1
    columns["forward_return"] = pa.array(forward, pa.float64(), mask=null)
    columns["forward_return_fp"] = pa.array(fp, pa.int64(), mask=null)
    end = dates + 30 + rng.integers(0, 3, n)
    columns["label_end_date"] = pa.array(
        (np.datetime64("2010-01-04") + end.astype("timedelta64[D]")).astype("datetime64[D]"),
        pa.date32(),
        mask=null,
    )
    return pa.table(columns)


def _sql_reference(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The panel by the SQL model this replaced (int_ml_panel.sql before 2026-12-07, with the
    macros cross_sectional_rank, exact_window_avg), sorted into the panel's order."""
    ranks = ",\n".join(
        f"""case when {f} is not null then (rank() over (partition by price_date, {f} is null
        order by {f}) - 1) / nullif(count({f}) over (partition by price_date) - 1, 0) - 0.5
        end as f_{f}"""
        for f in FEATURES
    )
    return con.sql(
        f"""
        select
            ticker,
            price_date,
            {ranks},
            forward_return - (sum(forward_return_fp) over same_day)::double
                / (count(forward_return_fp) over same_day * 1e12) as label_relative_return,
            forward_return,
            max(label_end_date) over same_day as label_available_date
        from inputs
        window same_day as (partition by price_date)
        order by price_date, ticker
        """
    ).to_arrow_table()


@pytest.mark.parametrize("seed, n_funds, n_days", [(1, 40, 30), (2, 7, 90), (3, 300, 12)])
def test_equals_the_sql_it_replaced_bit_for_bit(seed, n_funds, n_days):
    inputs = _random_inputs(seed, n_funds, n_days)
    con = duckdb.connect()
    con.register("inputs", inputs)
    expected = _sql_reference(con)
    con.unregister("inputs")
    ordered = con.sql("select * from inputs order by price_date, ticker").to_arrow_table()
    # cut into batches of 37 rows: days split between batches; blocks of about 100 rows
    got = pa.Table.from_batches(
        list(panel_batches(ordered.to_batches(max_chunksize=37), min_rows=100)),
        schema=OUTPUT_SCHEMA,
    )
    assert got.num_rows == expected.num_rows
    assert got.column_names == expected.column_names
    for name in got.column_names:
        left, right = got.column(name).combine_chunks(), expected.column(name).combine_chunks()
        if pa.types.is_floating(left.type):
            # bit for bit: the same nulls, and the same 64 bits where not null (NaN included)
            assert left.is_null().equals(right.is_null()), name
            a = left.fill_null(0.0).to_numpy(zero_copy_only=False).view(np.int64)
            b = right.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
            assert np.array_equal(a, b.view(np.int64)), name
        else:
            assert left.equals(right.cast(left.type)), name


def test_blocks_do_not_change_the_result():
    con = duckdb.connect()
    con.register("inputs", _random_inputs(4, 25, 40))
    ordered = con.sql("select * from inputs order by price_date, ticker").to_arrow_table()
    whole = panel_batch(ordered)
    for cut, block, threads in [(1, 1, 1), (13, 50, 2), (1000, 10**9, 3)]:
        got = pa.Table.from_batches(
            list(
                panel_batches(
                    ordered.to_batches(max_chunksize=cut), min_rows=block, threads=threads
                )
            )
        )
        assert got.equals(pa.Table.from_batches([whole])), (cut, block, threads)


def test_a_day_mean_beyond_int64_is_summed_exactly():
    # two forward returns of 2**62 fixed-point units: their int64 sum would wrap to a negative
    # number; summed as Python integers the mean is 2**62 units, so each label is exactly zero
    value = 2.0**62 / 1e12
    label, latest, has_latest = day_labels(
        np.array([0, 0]),
        np.array([value, value]),
        np.array([2**62, 2**62], dtype=np.int64),
        np.array([True, True]),
        np.array([10, 12], dtype=np.int32),
        np.array([True, False]),
    )
    assert label.tolist() == [0.0, 0.0]
    assert latest.tolist() == [10, 10] and has_latest.tolist() == [True, True]

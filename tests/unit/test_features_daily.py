"""The daily features (etf_warehouse.features.daily): hand-computed cases, and the SQL views
they replaced, run by DuckDB on random data with gaps, zeros, ties, halves and large moves, as
the reference, bit for bit."""

from __future__ import annotations

import datetime
import math

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from etf_warehouse.features.daily import (
    INPUT_COLUMNS,
    OUTPUT_SCHEMA,
    FeatureWindows,
    feature_batch,
    feature_batches,
    int128_to_double,
    output_columns,
)

COLUMNS = [f.name for f in OUTPUT_SCHEMA if f.name != "volume_ratio"]


def reference_sql(w: FeatureWindows, since: str | None = None) -> str:
    """The four feature views and the join that int_etf_features_daily was (its SQL at
    6b5b42f, the macros expanded), over a table ``prices``; with ``since``, as a live refresh
    rendered them (rows from ``since`` on, the earlier peak from the rows before). And the
    200-day trend as int_signal_inputs computed it then (DuckDB's windowed avg of doubles)."""

    def rows(n: int) -> str:
        return (
            "(partition by ticker order by price_date "
            f"rows between {n - 1} preceding and current row)"
        )

    def full(expression: str, column: str, n: int) -> str:
        return f"case when count({column}) over {rows(n)} = {n} then {expression} end"

    def avg(column: str, scale: str, n: int) -> str:
        return (
            f"(sum({column}) over {rows(n)})::double / (count({column}) over {rows(n)} * {scale})"
        )

    def stddev(column: str, scale: str, n: int) -> str:
        c, s = f"count({column}) over {rows(n)}", f"sum({column}) over {rows(n)}"
        s2 = f"sum({column}::hugeint * {column}) over {rows(n)}"
        return f"sqrt(({c} * {s2} - {s} * {s})::double / nullif({c} * ({c} - 1), 0)) / {scale}"

    where = f"where price_date >= date '{since}'" if since else ""
    vol = ",\n".join(
        full(
            f"{stddev('log_return_fp', '1e12', n)} * sqrt({w.trading_days_per_year})",
            "log_return",
            n,
        )
        + f" as realized_vol_{label}_ann"
        for label, n in (("1m", w.window_1m), ("3m", w.window_3m), ("12m", w.window_12m))
    )
    liquidity = ",\n".join(
        f"{full(avg('volume_fp', '1e3', n), 'price_date', n)} as adv_{label}_units,\n"
        f"{full(avg('traded_value_fp', '1e2', n), 'price_date', n)} as traded_value_{label}"
        for label, n in (("1m", w.window_1m), ("3m", w.window_3m))
    )
    w1, w3, w6, w12 = w.window_1m, w.window_3m, w.window_6m, w.window_12m
    year = w.trading_days_per_year
    downside = full(
        f"sqrt((sum(downside_fp::hugeint * downside_fp) over {rows(w3)})::double / {w3} * {year})"
        " / 1e12",
        "log_return",
        w3,
    )
    trend = full(
        f"ln(nullif({avg('traded_value_fp', '1e2', w1)}, 0) / "
        f"nullif({avg('traded_value_fp', '1e2', w6)}, 0))",
        "price_date",
        w6,
    )
    shares = {
        name: full(f"avg({day}) over {rows(w3)}", "price_date", w3)
        for name, day in (("zero", "zero_volume_day"), ("stale", "stale_day"))
    }
    return f"""
    with prices_read as (select * from prices {where}),
    momentum as (
        select ticker, price_date,
            adj_close / lag(adj_close, {w1}) over by_ticker - 1 as momentum_1m,
            adj_close / lag(adj_close, {w3}) over by_ticker - 1 as momentum_3m,
            adj_close / lag(adj_close, {w6}) over by_ticker - 1 as momentum_6m,
            adj_close / lag(adj_close, {w12}) over by_ticker - 1 as momentum_12m,
            lag(adj_close, {w1}) over by_ticker / lag(adj_close, {w12}) over by_ticker - 1
                as momentum_12_1
        from prices_read window by_ticker as (partition by ticker order by price_date)
    ),
    returns as (
        select ticker, price_date, log_return,
            round((log_return) * 1e12)::bigint as log_return_fp,
            round((least(log_return, 0)) * 1e12)::bigint as downside_fp
        from prices_read
    ),
    volatility as (
        select ticker, price_date, {vol},
            {downside} as downside_vol_3m_ann
        from returns
    ),
    earlier_peaks as (
        select ticker, max(adj_close) as earlier_peak from prices
        where price_date < {f"date '{since}'" if since else "null"} group by ticker
    ),
    peaks as (
        select p.ticker, p.price_date, p.adj_close,
            greatest(max(p.adj_close) over history_to_date,
                coalesce(e.earlier_peak, max(p.adj_close) over history_to_date)) as running_peak
        from prices_read as p left outer join earlier_peaks as e on p.ticker = e.ticker
        window history_to_date as (partition by p.ticker order by p.price_date
            rows between unbounded preceding and current row)
    ),
    drawdowns as (
        select ticker, price_date, adj_close / running_peak - 1 as drawdown,
            min(adj_close / running_peak - 1) over {rows(w12)} as max_drawdown_12m
        from peaks
    ),
    liquidity_inputs as (
        select ticker, price_date,
            round((volume) * 1e3)::bigint as volume_fp,
            round((close * volume) * 1e2)::bigint as traded_value_fp,
            round((case when close * volume > 0 and daily_return is not null
                then least(abs(daily_return) / (close * volume) * 1e6, 1e6) end) * 1e9)::bigint
                as amihud_fp,
            is_zero_volume::int as zero_volume_day,
            is_stale::int as stale_day
        from prices_read
    ),
    liquidity as (
        select ticker, price_date, {liquidity},
            {full(avg("amihud_fp", "1e9", w3), "price_date", w3)} as amihud_illiquidity_3m,
            {trend} as volume_trend,
            {shares["zero"]} as zero_volume_share_3m,
            {shares["stale"]} as stale_share_3m
        from liquidity_inputs
    )
    select
        p.ticker, p.price_date, p.obs_index, p.close, p.adj_close, p.daily_return, p.log_return,
        m.momentum_1m, m.momentum_3m, m.momentum_6m, m.momentum_12m, m.momentum_12_1,
        v.realized_vol_1m_ann, v.realized_vol_3m_ann, v.realized_vol_12m_ann,
        v.downside_vol_3m_ann, d.drawdown, d.max_drawdown_12m,
        l.adv_1m_units, l.adv_3m_units, l.traded_value_1m, l.traded_value_3m,
        l.amihud_illiquidity_3m, l.volume_trend, l.zero_volume_share_3m, l.stale_share_3m,
        case when count(*) over last_200 = 200
            then p.adj_close / avg(p.adj_close) over last_200 - 1 end as trend_200d,
        p.is_stale, p.has_detected_action, p.sessions_missing_before
    from prices_read as p
    join momentum as m using (ticker, price_date)
    join volatility as v using (ticker, price_date)
    join drawdowns as d using (ticker, price_date)
    join liquidity as l using (ticker, price_date)
    {"where p.price_date >= date '" + since + "'" if since else ""}
    window last_200 as (partition by p.ticker order by p.price_date
        rows between 199 preceding and current row)
    """


def random_prices(seed: int, n_funds: int = 9, max_rows: int = 700) -> pa.Table:
    """int_prices_adjusted-like rows with the awkward cases: funds of 1 and 2 rows, nulls in
    every input, zero and fractional volumes (halves at the fixed-point scale), repeated
    closes, a constant return, log returns of several units, a NaN close and adj_close."""
    rng = np.random.default_rng(seed)
    frames = []
    for f in range(n_funds):
        n = [1, 2, 40, max_rows][f] if f < 4 else int(rng.integers(3, max_rows))
        log_return = rng.standard_t(3, n) * 0.02
        if f == 5:
            log_return[:] = 0.01  # a constant return: the variance's numerator is exactly 0
        if f == 6:
            log_return *= 60  # several units: the sums of squares need the high 64 bits
        log_return[0] = np.nan
        adj_close = 50 * np.exp(np.nancumsum(log_return))
        adj_close[rng.random(n) < 0.05] = 50.0  # repeated levels: tied peaks
        close = np.round(adj_close * rng.uniform(0.9, 1.1), 2)
        volume = np.round(rng.lognormal(8, 3, n))
        volume[rng.random(n) < 0.1] = 0.0
        volume[rng.random(n) < 0.05] = 0.0025  # x 1e3 = 2.5: a half, rounded away from zero
        daily_return = np.expm1(log_return)
        flags = rng.random(n)
        frame = {
            "ticker": [f"F{f:02d}"] * n,
            "price_date": np.datetime64("2001-01-01")
            + np.sort(rng.choice(3 * n, n, replace=False)),
            "obs_index": np.arange(1, n + 1),
            "close": close,
            "adj_close": adj_close,
            "daily_return": daily_return,
            "log_return": log_return,
            "volume": volume,
            "is_zero_volume": volume == 0,
            "is_stale": flags < 0.1,
            "has_detected_action": flags > 0.98,
            "sessions_missing_before": rng.integers(0, 3, n),
        }
        masks = {c: rng.random(n) < 0.03 for c in ("close", "daily_return", "volume", "is_stale")}
        masks["log_return"] = np.arange(n) == 0
        masks["log_return"] |= (rng.random(n) < 0.01) & (f != 5)
        if f == 7:
            masks["adj_close"] = rng.random(n) < 0.05
            frame["adj_close"][n // 2] = np.nan
        table = pa.table(
            {
                k: pa.array(v, mask=masks.get(k)) if k in masks else pa.array(v)
                for k, v in frame.items()
            }
        )
        frames.append(table)
    return pa.concat_tables(frames).cast(pa.schema([(c, t) for c, t in _input_types().items()]))


def _input_types() -> dict[str, pa.DataType]:
    types = {c: pa.float64() for c in INPUT_COLUMNS}
    types.update(
        ticker=pa.string(),
        price_date=pa.date32(),
        obs_index=pa.int64(),
        sessions_missing_before=pa.int64(),
        is_zero_volume=pa.bool_(),
        is_stale=pa.bool_(),
        has_detected_action=pa.bool_(),
    )
    return types


def computed(con, windows: FeatureWindows, *, batch_rows=97, min_rows=300, threads=1, since=None):
    """The library's features of ``prices`` in ``con``, through DuckDB's ln as the model."""
    where = f"where price_date >= date '{since}'" if since else ""
    earlier = None
    if since:
        earlier = dict(
            con.sql(
                f"select ticker, max(adj_close) from prices where price_date < date '{since}' "
                "group by ticker"
            ).fetchall()
        )
    reader = con.sql(
        f"select {', '.join(INPUT_COLUMNS)} from prices {where} order by ticker, price_date"
    ).to_arrow_reader(batch_rows)
    batches = list(
        feature_batches(reader, windows, earlier_peak=earlier, min_rows=min_rows, threads=threads)
    )
    features = pa.Table.from_batches(batches, schema=OUTPUT_SCHEMA)  # noqa: F841 (read by DuckDB)
    rows = con.sql(f"select {output_columns()} from features")
    if since:
        rows = rows.filter(f"price_date >= date '{since}'")
    return rows.order("ticker, price_date").to_arrow_table()


def assert_same(ours: pa.Table, reference: pa.Table, *, trend_exact: bool = True) -> None:
    """Every column bit for bit; the 200-day trend, unless ``trend_exact``, to 1e-12 (its SQL
    summed the window in an order of DuckDB's, this in a fixed one)."""
    assert ours.column_names == reference.column_names
    assert ours.num_rows == reference.num_rows
    for name in ours.column_names:
        if name == "trend_200d" and not trend_exact:
            a, b = ours.column(name).combine_chunks(), reference.column(name).combine_chunks()
            assert a.is_null().equals(b.is_null())
            x = a.fill_null(0.0).to_numpy(zero_copy_only=False)
            y = b.fill_null(0.0).to_numpy(zero_copy_only=False)
            assert np.allclose(x, y, rtol=0, atol=1e-12, equal_nan=True)
            assert np.count_nonzero(~np.isnan(x) & (x != 0)) > 0 or not len(x)
            continue
        a, b = ours.column(name).combine_chunks(), reference.column(name).combine_chunks()
        assert a.is_null().equals(b.is_null()), name
        if pa.types.is_floating(a.type):
            x = a.fill_null(0.0).to_numpy(zero_copy_only=False)
            y = b.fill_null(0.0).to_numpy(zero_copy_only=False)
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            bad = np.flatnonzero(~same | (np.signbit(x) != np.signbit(y)))
            assert not bad.size, (name, bad[:5], x[bad[:5]], y[bad[:5]])
        else:
            assert a.equals(b), name


def sql_reference(con, windows: FeatureWindows, since=None) -> pa.Table:
    return con.sql(reference_sql(windows, since)).order("ticker, price_date").to_arrow_table()


@pytest.mark.parametrize(
    "windows",
    [FeatureWindows(), FeatureWindows(3, 5, 7, 9, 1), FeatureWindows(1, 2, 2, 4, 12)],
    ids=["default", "small", "tiny"],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_equals_the_sql_it_replaced(windows, seed):
    con = duckdb.connect()
    prices = random_prices(seed)  # noqa: F841 (read by DuckDB)
    con.sql("create table prices as select * from prices")
    assert_same(computed(con, windows), sql_reference(con, windows), trend_exact=False)


def test_blocks_and_threads_change_nothing():
    con = duckdb.connect()
    prices = random_prices(3)  # noqa: F841 (read by DuckDB)
    con.sql("create table prices as select * from prices")
    windows = FeatureWindows(3, 5, 7, 9, 1)
    one = computed(con, windows, batch_rows=100_000, min_rows=10**9)
    assert_same(computed(con, windows, batch_rows=7, min_rows=1, threads=2), one)
    assert_same(computed(con, windows, batch_rows=250, min_rows=600, threads=3), one)


def test_a_live_refresh_equals_a_full_build():
    """Reading each fund from a date on, with its peak before: the rows from that date equal
    the full computation's, bit for bit, wherever every window fits after the date (the model
    reads from history_rows before the new prices), and the SQL of a live refresh's
    everywhere."""
    con = duckdb.connect()
    prices = random_prices(4)  # noqa: F841 (read by DuckDB)
    con.sql("create table prices as select * from prices")
    windows = FeatureWindows(3, 5, 7, 9, 1)
    since = "2001-06-01"
    assert_same(
        computed(con, windows, since=since), sql_reference(con, windows, since), trend_exact=False
    )
    tail = computed(con, windows, since=since)
    full = computed(con, windows)
    late = con.sql(
        f"select ticker, price_date from (select ticker, price_date, row_number() over (partition "
        f"by ticker order by price_date) as k from prices where price_date >= date '{since}') "
        f"where k > {windows.history_rows} order by ticker, price_date"
    ).to_arrow_table()

    def keys(t: pa.Table) -> list:
        return list(
            zip(t.column("ticker").to_pylist(), t.column("price_date").to_pylist(), strict=True)
        )

    wanted = set(keys(late))

    def pick(t: pa.Table) -> pa.Table:
        return t.filter(pa.array([k in wanted for k in keys(t)]))

    assert pick(tail).num_rows == len(wanted) > 0
    assert_same(pick(tail), pick(full))


def _rows(**columns) -> pa.Table:
    n = len(next(iter(columns.values())))
    base = {
        "ticker": ["AAA"] * n,
        "price_date": [datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(n)],
        "obs_index": list(range(1, n + 1)),
        "close": [1.0] * n,
        "adj_close": [1.0] * n,
        "daily_return": [None] * n,
        "log_return": [None] * n,
        "volume": [1.0] * n,
        "is_zero_volume": [False] * n,
        "is_stale": [False] * n,
        "has_detected_action": [False] * n,
        "sessions_missing_before": [0] * n,
    }
    base.update(columns)
    types = _input_types()
    return pa.table({c: pa.array(base[c], type=types[c]) for c in INPUT_COLUMNS})


def _feature(batch: pa.RecordBatch, name: str) -> list:
    return batch.column(OUTPUT_SCHEMA.get_field_index(name)).to_pylist()


def test_hand_computed_momentum():
    """Windows of 1/2/3/4 rows; the index doubles every row, so the k-row return is 2^k - 1,
    and 12-1 momentum on row 5 is index(4) / index(1) - 1 = 7."""
    batch = feature_batch(_rows(adj_close=[1.0, 2.0, 4.0, 8.0, 16.0]), FeatureWindows(1, 2, 3, 4))
    assert _feature(batch, "momentum_1m") == [None, 1, 1, 1, 1]
    assert _feature(batch, "momentum_3m") == [None, None, 3, 3, 3]
    assert _feature(batch, "momentum_6m") == [None, None, None, 7, 7]
    assert _feature(batch, "momentum_12m") == [None, None, None, None, 15]
    assert _feature(batch, "momentum_12_1") == [None, None, None, None, 7]


def test_hand_computed_volatility():
    """Windows of 3/5/5 rows and a 1-day year: log returns 0, -1, -2, -3, -4 give 1 over any 3
    rows, sqrt(2.5) over 5; the downside deviation over 5 is sqrt((0+1+4+9+16)/5) = sqrt(6)
    (one ulp above the nearest double to sqrt(6): it is assembled from exact sums)."""
    batch = feature_batch(
        _rows(log_return=[None, 0.0, -1.0, -2.0, -3.0, -4.0]), FeatureWindows(3, 5, 5, 5, 1)
    )
    assert _feature(batch, "realized_vol_1m_ann") == [None, None, None, 1, 1, 1]
    assert _feature(batch, "realized_vol_3m_ann") == [None] * 5 + [1.5811388300841898]
    assert _feature(batch, "realized_vol_12m_ann") == [None] * 5 + [1.5811388300841898]
    assert _feature(batch, "downside_vol_3m_ann") == [None] * 5 + [2.4494897427831783]


def test_hand_computed_drawdowns():
    """Index 10, 12, 9, 6, 12, 15: drawdowns 0, 0, -25 %, -50 %, 0, 0; the deepest over the
    last 3 rows is -25 % on row 3 and -50 % on rows 4 to 6."""
    batch = feature_batch(
        _rows(adj_close=[10.0, 12.0, 9.0, 6.0, 12.0, 15.0]), FeatureWindows(window_12m=3)
    )
    assert _feature(batch, "drawdown") == [0, 0, -0.25, -0.5, 0, 0]
    assert _feature(batch, "max_drawdown_12m") == [0, 0, -0.25, -0.5, -0.5, -0.5]


def test_hand_computed_liquidity():
    """Close 2, volumes 1024, 0, 2048, 1024, windows of 2/4/4 rows: on row 4 the 1-month mean
    volume is 1536 units and traded value 3072, the 3-month 1024 and 2048, Amihud averages
    0.25/4096 and 0.5/2048 per unit traded (x 1e6 = 152.587890625), the trend ratio 1.5, a
    quarter of the days without volume, a quarter stale."""
    batch = feature_batch(
        _rows(
            close=[2.0] * 4,
            volume=[1024.0, 0.0, 2048.0, 1024.0],
            daily_return=[None, 0.0, 0.25, -0.5],
            is_zero_volume=[False, True, False, False],
            is_stale=[False, True, False, False],
        ),
        FeatureWindows(2, 4, 4, 4),
    )
    assert _feature(batch, "adv_1m_units") == [None, 512, 1024, 1536]
    assert _feature(batch, "traded_value_1m") == [None, 1024, 2048, 3072]
    assert _feature(batch, "adv_3m_units") == [None, None, None, 1024]
    assert _feature(batch, "traded_value_3m") == [None, None, None, 2048]
    assert _feature(batch, "amihud_illiquidity_3m") == [None, None, None, 152.587890625]
    assert _feature(batch, "volume_ratio") == [None, None, None, 1.5]
    assert _feature(batch, "zero_volume_share_3m") == [None, None, None, 0.25]
    assert _feature(batch, "stale_share_3m") == [None, None, None, 0.25]
    assert math.log(1.5) == 0.4054651081081644  # the SQL's expected volume_trend


def test_hand_computed_trend():
    """Index 1, 2, ..., 200, 230: on row 200 the mean is 100.5 and the trend 200 / 100.5 - 1;
    on row 201 the window is 2 .. 200 and 230, mean (20099 + 230) / 200 = 101.645."""
    index = [float(i) for i in range(1, 201)] + [230.0]
    batch = feature_batch(_rows(adj_close=index), FeatureWindows())
    trend = _feature(batch, "trend_200d")
    assert trend[:199] == [None] * 199
    assert trend[199] == 200 / 100.5 - 1
    assert trend[200] == 230 / 101.645 - 1


def test_the_trend_depends_on_its_window_alone():
    """The 200-row sum adds the same values in the same order whatever precedes them."""
    rng = np.random.default_rng(5)
    index = list(np.exp(np.cumsum(rng.normal(0, 0.02, 600))) * 37.3)
    full = _feature(feature_batch(_rows(adj_close=index), FeatureWindows()), "trend_200d")
    late = _feature(feature_batch(_rows(adj_close=index[150:]), FeatureWindows()), "trend_200d")
    assert full[150 + 199 :] == late[199:]


def test_int128_to_double_rounds_to_nearest_even():
    """Against Python's exact int -> float, on values where rounding the low 64 bits first and
    then the sum (double rounding) would be wrong, ties, and random ones."""
    rng = np.random.default_rng(0)
    values = [2**64 + 2**63 + 2**11 + 1, 2**64 + 2**11, 2**64 + 2**12 + 2**11, 2**53 - 1, 0, 1]
    values += [
        int(u) * 2**64 + int(v)
        for u, v in zip(rng.integers(0, 2**40, 500), rng.integers(0, 2**63, 500), strict=True)
    ]
    values += [(1 << k) + (1 << (k - 54)) for k in range(64, 105)]  # exact ties
    values += [(1 << k) + (1 << (k - 54)) + 1 for k in range(64, 105)]  # just above
    upper = np.array([v >> 64 for v in values], dtype=np.int64)
    lower = np.array([v & (2**64 - 1) for v in values], dtype=np.uint64).view(np.int64)
    assert int128_to_double(upper, lower).tolist() == [float(v) for v in values]


def test_unsorted_rows_are_refused():
    rows = _rows(adj_close=[1.0, 2.0])
    swapped = rows.take([1, 0])
    with pytest.raises(ValueError, match="sorted by"):
        feature_batch(swapped, FeatureWindows())
    two_runs = pa.concat_tables(
        [rows.slice(0, 1), _rows(ticker=["BBB"]).slice(0, 1), rows.slice(1)]
    )
    with pytest.raises(ValueError, match="sorted by"):
        feature_batch(two_runs, FeatureWindows())


def test_a_value_that_cannot_be_a_fixed_point_integer_is_named():
    with pytest.raises(ValueError, match="log_return"):
        feature_batch(_rows(log_return=[None, float("nan")]), FeatureWindows())
    with pytest.raises(ValueError, match="beyond"):
        feature_batch(_rows(log_return=[None, 40.0]), FeatureWindows())

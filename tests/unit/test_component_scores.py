"""The component scores (etf_warehouse.scoring.components): the dbt unit test's hand-computed
case, and the SQL int_component_scores was (its rank windows run by DuckDB) as the reference,
bit for bit, on random days with ties, NaN, infinities, signed zeros, nulls and lone funds."""

from __future__ import annotations

import datetime

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from etf_warehouse.cross_section import percent_ranks
from etf_warehouse.scoring.components import (
    Component,
    components_from_registry,
    input_projection,
    score_batch,
    score_batches,
)

# the registry of macros/scoring/score_components.sql as int_score_components gives it
REGISTRY = [
    ("risk", 1, 1, "0.50", "-garch_vol_21d_ann"),
    ("risk", 1, 2, "0.25", "-abs(beta)"),
    ("risk", 1, 3, "0.25", "max_drawdown_12m"),
    ("momentum", 2, 1, "0.50", "momentum_12_1"),
    ("momentum", 2, 2, "0.30", "momentum_6m"),
    ("momentum", 2, 3, "0.20", "momentum_3m"),
    ("forecast", 3, 1, None, "forecast_return"),
    ("volume", 4, 1, "0.50", "traded_value_3m"),
    ("volume", 4, 2, "0.30", "-amihud_illiquidity_3m"),
    ("volume", 4, 3, "0.20", "-zero_volume_share_3m"),
]
INPUTS = [
    "garch_vol_21d_ann",
    "beta",
    "max_drawdown_12m",
    "momentum_12_1",
    "momentum_6m",
    "momentum_3m",
    "forecast_return",
    "traded_value_3m",
    "amihud_illiquidity_3m",
    "zero_volume_share_3m",
]


def reference_sql() -> str:
    """int_component_scores as SQL (compiled at 7390199), over a table ``universe``."""
    blends = {
        c: [(w, sql) for name, _, _, w, sql in REGISTRY if name == c]
        for c in ("risk", "momentum", "forecast", "volume")
    }
    ranks = ",\n".join(
        f"percent_rank() over (partition by as_of_date order by {sql}) as p_{c}_{i}"
        for c, inputs in blends.items()
        if inputs[0][0] is not None
        for i, (_, sql) in enumerate(inputs, 1)
    )
    values = ",\n".join(
        (
            " + ".join(f"{w} * p_{c}_{i}" for i, (w, _) in enumerate(inputs, 1))
            if inputs[0][0] is not None
            else inputs[0][1]
        )
        + f" as {c}_blend"
        for c, inputs in blends.items()
    )
    scores = ",\n".join(
        f"100.0 * percent_rank() over (partition by as_of_date order by {c}_blend) as score_{c}"
        for c in blends
    )
    return f"""
        with eligible as (select * from universe where is_eligible),
        ranked as (select {ranks}, * from eligible),
        blends as (select {values}, as_of_date, ticker from ranked),
        scored as (select {scores}, as_of_date, ticker from blends)
        select as_of_date, ticker, * exclude (as_of_date, ticker) from scored
        order by as_of_date, ticker
    """


def random_universe(seed: int, n_days: int = 40, n_funds: int = 25) -> pa.Table:
    """Eligible and ineligible rows; values drawn from a few levels (ties), with NaN, +-inf,
    -0.0 and 0.0 and nulls sprinkled, and days of one and two funds."""
    rng = np.random.default_rng(seed)
    rows = {"as_of_date": [], "ticker": [], "is_eligible": []}
    data = {name: [] for name in INPUTS}
    specials = [np.nan, np.inf, -np.inf, -0.0, 0.0]
    for d in range(n_days):
        size = [1, 2, n_funds][d % 3] if d < 6 else int(rng.integers(1, n_funds + 1))
        for f in rng.choice(n_funds, size=size, replace=False):
            rows["as_of_date"].append(datetime.date(2020, 1, 1) + datetime.timedelta(days=d))
            rows["ticker"].append(f"F{f:02d}")
            rows["is_eligible"].append(bool(rng.random() < 0.9))
            for name in INPUTS:
                u = rng.random()
                if u < 0.03:
                    data[name].append(None)
                elif u < 0.08:
                    data[name].append(float(rng.choice(specials)))
                else:
                    data[name].append(float(rng.integers(-4, 5)) / 4 if u < 0.5 else rng.normal())
    return pa.table({**rows, **{n: pa.array(v, type=pa.float64()) for n, v in data.items()}})


def scored(universe: pa.Table, *, min_rows: int = 50, threads: int = 1, batch: int = 37):
    components = components_from_registry(REGISTRY)
    con = duckdb.connect()
    con.register("universe", universe)
    reader = con.sql(
        f"select {input_projection(components)} from universe where is_eligible "
        "order by as_of_date, ticker"
    ).to_arrow_reader(batch)
    blocks = list(score_batches(reader, components, min_rows=min_rows, threads=threads))
    return pa.Table.from_batches(blocks)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_the_sql_it_replaced(seed):
    universe = random_universe(seed)
    con = duckdb.connect()
    con.register("universe", universe)
    reference = con.sql(reference_sql()).to_arrow_table()
    ours = scored(universe)
    assert ours.column_names == reference.column_names
    assert ours.num_rows == reference.num_rows
    for name in ours.column_names:
        a, b = ours.column(name).to_pylist(), reference.column(name).to_pylist()
        if name.startswith("score_"):  # bit for bit: the same double, signed zero and all
            a = [np.float64(x).tobytes() for x in a]
            b = [np.float64(x).tobytes() for x in b]
        assert a == b, name


def test_blocks_and_threads_change_nothing():
    universe = random_universe(4, n_days=60)
    one = scored(universe, min_rows=10**9)
    assert scored(universe, min_rows=1, threads=2, batch=5).equals(one)


def test_percent_ranks_are_duckdbs():
    rng = np.random.default_rng(7)
    n = 400
    day = np.sort(rng.integers(0, 9, n))
    values = rng.integers(-3, 4, n).astype(float)
    values[rng.random(n) < 0.1] = np.nan
    values[rng.random(n) < 0.05] = np.inf
    values[rng.random(n) < 0.05] = -0.0
    valid = rng.random(n) > 0.1
    con = duckdb.connect()
    table = pa.table({"day": day, "value": pa.array(values, mask=~valid), "i": np.arange(n)})
    con.register("t", table)
    expected = con.sql(
        "select percent_rank() over (partition by day order by value) as p from t order by i"
    ).fetchnumpy()["p"]
    fund = np.zeros(n, dtype=np.intp)
    for d in np.unique(day):  # one row per fund and day
        fund[day == d] = np.arange(np.count_nonzero(day == d))
    ours = percent_ranks(values, valid, day, fund, int(day.max()) + 1, int(fund.max()) + 1)
    assert ours.tobytes() == np.asarray(expected, dtype=np.float64).tobytes()


def test_hand_computed_percentiles():
    """Three eligible funds ordered the same way on every input score 100 / 50 / 0 on each
    component (lowest risk, strongest momentum, best forecast, most liquid first); a second
    date ranks its two funds 100 / 0 on its own; the ineligible row is not scored (the dbt unit
    test this model had as SQL)."""
    header = ["as_of_date", "ticker", "is_eligible", *INPUTS]
    good = [0.10, 0.5, -0.10, 0.30, 0.20, 0.10, 0.01, 1000000, 0.1, 0.0]
    middle = [0.20, -1.0, -0.20, 0.10, 0.10, 0.05, 0.00, 100000, 1.0, 0.1]
    poor = [0.30, 1.5, -0.30, -0.10, -0.10, -0.05, -0.01, 10000, 10.0, 0.2]
    best = [0.01, 0.0, 0.0, 0.90, 0.90, 0.90, 0.50, 1e9, 0.0, 0.0]
    d1, d2 = datetime.date(2020, 1, 2), datetime.date(2020, 1, 3)
    rows = [
        (d1, "AAA", True, *good),
        (d1, "BBB", True, *middle),
        (d1, "CCC", True, *poor),
        (d1, "DDD", False, *best),
        (d2, "AAA", True, *poor),
        (d2, "BBB", True, *good),
    ]
    universe = pa.table({h: [r[i] for r in rows] for i, h in enumerate(header)})
    out = scored(universe).to_pylist()
    assert [(r["as_of_date"], r["ticker"]) for r in out] == [
        (d1, "AAA"),
        (d1, "BBB"),
        (d1, "CCC"),
        (d2, "AAA"),
        (d2, "BBB"),
    ]
    expected = [100.0, 50.0, 0.0, 0.0, 100.0]
    for name in ("score_risk", "score_momentum", "score_forecast", "score_volume"):
        assert [r[name] for r in out] == expected, name


def test_registry_is_read_in_order_and_checked():
    components = components_from_registry(list(reversed(REGISTRY)))
    assert [c.name for c in components] == ["risk", "momentum", "forecast", "volume"]
    assert components[0] == Component(
        "risk", ("-garch_vol_21d_ann", "-abs(beta)", "max_drawdown_12m"), (0.5, 0.25, 0.25)
    )
    assert components[2].weights is None
    with pytest.raises(ValueError, match="needs a weight on every input"):
        components_from_registry([("x", 1, 1, "0.5", "a"), ("x", 1, 2, None, "b")])
    with pytest.raises(ValueError, match="empty"):
        components_from_registry([])


def test_unsorted_rows_are_refused():
    batch = pa.table(
        {
            "as_of_date": [datetime.date(2020, 1, 3), datetime.date(2020, 1, 2)],
            "ticker": ["A", "B"],
            "in_forecast_1": [1.0, 2.0],
        }
    )
    with pytest.raises(ValueError, match="int_component_scores: rows must come in date order"):
        score_batch(batch, [Component("forecast", ("forecast_return",), None)])

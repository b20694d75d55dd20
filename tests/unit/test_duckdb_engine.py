"""The pinned DuckDB runs the query shapes the warehouse relies on (engine regressions).

DuckDB 2.0.0 raised a fatal internal error in ``int_ml_panel`` (then a SQL model; its ranks are
numpy now: etf_warehouse.forecast.panel) on any real universe of a few hundred funds:
"dict-surviving join: narrowed column 2 received a non-dictionary chunk with
values; build pipeline is not single-source" (the dictionary-surviving hash join new in 2.0;
upstream duckdb/duckdb#24807 reports the same message on another shape). It needed three things
together, all of them true in every build of the warehouse then: a database file (not ``:memory:``),
an explicit ``memory_limit`` (profiles.yml sets 4 GB), and a panel of roughly 400,000 rows or
more joined back to window passes over it. The 40-fund real set and small samples are below
that size, which is why they built. DuckDB 2.0.1 runs the same query; pyproject pins it.

The test rebuilds that shape on a generated panel (288 funds x 1,500 days, as on the 300 real
funds) and fails on 2.0.0. Removing ``memory_limit`` or going below ~400,000 rows makes 2.0.0
pass too, so both are kept here as in the build.
"""

from __future__ import annotations

import duckdb
import pytest

FEATURES = [f"f{i:02d}" for i in range(16)]


def _rank(column: str) -> str:
    # the shape of the former macro cross_sectional_rank
    return (
        f"case when {column} is not null then (rank() over (partition by price_date,"
        f" {column} is null order by {column}) - 1) / nullif(count({column}) over"
        f" (partition by price_date) - 1, 0) - 0.5 end"
    )


def _panel_sql() -> str:
    # the shape of the former SQL int_ml_panel: four narrow ranking passes
    # over the inputs table, joined back to the labels pass on (ticker, price_date)
    groups = [FEATURES[i : i + 4] for i in range(0, len(FEATURES), 4)]
    ctes = [
        f"ranks_{n} as (select ticker, "
        + ", ".join(f"{_rank(f)} as r_{f}" for f in group)
        + ", price_date from inputs)"
        for n, group in enumerate(groups, start=1)
    ]
    ctes.append(
        "labels as (select ticker, price_date, forward_return - avg(forward_return) over"
        " (partition by price_date) as label, max(label_end_date) over (partition by"
        " price_date) as label_available_date from inputs)"
    )
    joins = " ".join(
        f"inner join ranks_{n} on labels.ticker = ranks_{n}.ticker"
        f" and labels.price_date = ranks_{n}.price_date"
        for n in range(1, len(groups) + 1)
    )
    columns = ", ".join(f"ranks_{i // 4 + 1}.r_{f}" for i, f in enumerate(FEATURES))
    return (
        "with " + ", ".join(ctes) + f" select labels.ticker, labels.price_date, {columns},"
        f" labels.label, labels.label_available_date from labels {joins}"
    )


@pytest.mark.parametrize("n_funds, n_days", [(288, 1500)])
def test_panel_join_shape_runs_under_a_memory_limit(tmp_path, n_funds, n_days):
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config={"threads": 2, "memory_limit": "4GB"})
    con.execute("select setseed(0.25)")
    features = ", ".join(f"random() as {f}" for f in FEATURES)
    con.execute(
        f"""
        create table inputs as
        select 'T' || lpad(fund::varchar, 3, '0') as ticker,
               date '2005-01-03' + day::int as price_date,
               {features},
               random() as forward_return,
               date '2005-02-01' + day::int as label_end_date
        from range({n_funds}) funds(fund), range({n_days}) days(day)
        order by ticker, price_date
        """
    )
    con.execute(f"create table panel as ({_panel_sql()})")
    ((rows,),) = con.execute("select count(*) from panel").fetchall()
    assert rows == n_funds * n_days

"""Write notebooks/analyst_tour.ipynb from the cells below (keeps the notebook reviewable as
Python; run ``.venv/bin/python notebooks/make_analyst_tour.py`` after editing a cell).

The notebook is stored without outputs; tests/e2e/test_notebook.py executes it on a sample
build and checks its figures.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        """# A tour of the warehouse for an analyst

Everything here is plain SQL on the published marts (DuckDB), as any BI tool or notebook would
read them: today's rankings, why one fund ranks where it does, the backtest, and whether the
score predicts returns. It opens the published snapshot (`warehouse/published/
etf_warehouse.duckdb`, written by `bash scripts/build.sh`), or the database named by
`ETF_WAREHOUSE_SNAPSHOT_PATH` / `ETF_WAREHOUSE_PATH`. Charts are Altair (installed with
Streamlit); long daily series are sampled at month ends in SQL before they are drawn. Column
meanings and units: `models/marts/**/*.yml` or `dbt docs`.""",
    ),
    (
        "code",
        """import os
from pathlib import Path

import altair as alt
import duckdb

root = Path.cwd() if (Path.cwd() / "dbt_project.yml").exists() else Path.cwd().parent
candidates = [
    os.environ.get("ETF_WAREHOUSE_SNAPSHOT_PATH"),
    os.environ.get("ETF_WAREHOUSE_PATH"),
    root / "warehouse" / "published" / "etf_warehouse.duckdb",
    root / "warehouse" / "etf_warehouse.duckdb",
]
path = next(Path(p) for p in candidates if p and Path(p).exists())
con = duckdb.connect(str(path), read_only=True)
sql = lambda query, *params: con.execute(query, list(params)).df()  # noqa: E731
print(f"reading {path}")""",
    ),
    (
        "markdown",
        "## Today's rankings\n\nThe ten best eligible funds and their component scores (0–100).",
    ),
    (
        "code",
        """top = sql(
    \"\"\"
    select score_rank, ticker, asset_class, risk_category, composite_score,
        score_risk, score_momentum, score_forecast, score_volume, penalty_points,
        macro_multiplier, geo_multiplier
    from mart_latest_rankings
    where score_rank <= 10
    order by score_rank
    \"\"\"
)
as_of = sql("select max(as_of_date) as d from mart_latest_rankings")["d"][0]
print(f"as of {as_of:%Y-%m-%d}: top-ranked {top['ticker'][0]}")
top""",
    ),
    (
        "code",
        """components = top.melt(
    id_vars=["score_rank", "ticker"],
    value_vars=["score_risk", "score_momentum", "score_forecast", "score_volume"],
    var_name="component",
    value_name="score",
)
alt.Chart(components).mark_bar().encode(
    x=alt.X("score:Q", title="component score (0-100)"),
    y=alt.Y("ticker:N", sort=alt.SortField("score_rank")),
    color="component:N",
    yOffset="component:N",
).properties(title="Components of the top ten", height=320)""",
    ),
    (
        "markdown",
        """## Why does the top fund rank first?

`raw_score` is a percentile of the weighted components; penalties subtract points; the market
context multiplies; `composite_score` is the day's percentile of the result (see the README's
"The score" section). The cell checks the arithmetic on the mart's own columns.""",
    ),
    (
        "code",
        """fund = top["ticker"][0]
row = sql("select * from mart_latest_rankings where ticker = ?", fund).iloc[0]
parts = ["risk", "momentum", "forecast", "volume"]
weighted = sum(row[f"weight_{p}"] * row[f"score_{p}"] for p in parts)
multipliers = row["macro_multiplier"] * row["geo_multiplier"]
adjusted = (row["raw_score"] - row["penalty_points"]) * multipliers
assert abs(weighted - row["weighted_score"]) < 1e-9
assert abs(adjusted - row["adjusted_score"]) < 1e-9
for p in parts:
    print(
        f"{p:9s} weight {row[f'weight_{p}']:.3f} x score {row[f'score_{p}']:6.2f}"
        f" = {row[f'weight_{p}'] * row[f'score_{p}']:6.2f}"
    )
print(
    f"weighted score {row['weighted_score']:.2f}"
    f" -> raw score (its percentile that day) {row['raw_score']:.2f}"
)
print(
    f"minus penalties {row['penalty_points']:.2f}, x macro {row['macro_multiplier']:.4f}"
    f" x geo {row['geo_multiplier']:.4f} = adjusted {row['adjusted_score']:.2f}"
)
print(
    f"composite score {row['composite_score']:.2f}, rank {int(row['score_rank'])}"
    f" of {int(row['n_eligible'])}"
)
sql(
    "select penalty_code, points, description from mart_etf_penalties"
    " where ticker = ? and as_of_date = ?",
    fund,
    as_of,
)""",
    ),
    (
        "code",
        """history = sql(
    \"\"\"
    select as_of_date, composite_score, score_rank
    from mart_etf_rankings where ticker = ? and is_eligible
    qualify as_of_date = max(as_of_date) over (partition by date_trunc('week', as_of_date))
    order by as_of_date
    \"\"\",
    fund,
)
alt.Chart(history).mark_line().encode(
    x=alt.X("as_of_date:T", title=None), y=alt.Y("composite_score:Q", title="composite score")
).properties(title=f"{fund}: composite score over time", width=600)""",
    ),
    (
        "markdown",
        """## The backtest

Every strategy's net NAV (after the cost model) on a log scale, and the summary with the
validation figures: the probabilistic and deflated Sharpe ratios (`psr`, `dsr`: the chance the
true Sharpe beats 0, and beats the best of `n_trials` tries by luck) and the SPA test's p-value
against the benchmark.""",
    ),
    (
        "code",
        """summary = sql(
    \"\"\"
    select strategy, cagr, ann_vol, sharpe, max_drawdown, annual_cost_drag, psr, dsr,
        n_trials, spa_pvalue
    from mart_backtest_summary order by sharpe desc
    \"\"\"
)
summary""",
    ),
    (
        "code",
        """nav = sql(
    \"\"\"
    select strategy, date, nav from mart_backtest_daily
    qualify date = max(date) over (partition by strategy, date_trunc('month', date))
    order by strategy, date
    \"\"\"
)
alt.Chart(nav).mark_line().encode(
    x=alt.X("date:T", title=None),
    y=alt.Y("nav:Q", scale=alt.Scale(type="log"), title="net NAV (log scale)"),
    color="strategy:N",
).properties(title="Strategies after costs", width=600)""",
    ),
    (
        "markdown",
        """## Does the score predict returns?

Mean monthly rank IC (Spearman correlation of a signal with the next period's total return)
of the composite, its components and simple peers, over 21 sessions, with Newey-West
t-statistics.""",
    ),
    (
        "code",
        """ic = sql(
    \"\"\"
    select signal, mean_ic, ic_t_stat, hit_rate, top_minus_bottom_ann, n_dates
    from mart_signal_diagnostics
    where segment_type = 'overall' and horizon_sessions = 21
    order by mean_ic desc
    \"\"\"
)
alt.Chart(ic).mark_bar().encode(
    x=alt.X("mean_ic:Q", title="mean rank IC, 21 sessions ahead"),
    y=alt.Y("signal:N", sort="-x"),
).properties(title="Signals ranked by mean rank IC")""",
    ),
    ("code", "ic"),
    (
        "markdown",
        """## Market context

The pressures behind the macro and geopolitical multipliers, by region, and today's note on
any that are neutral for want of data.""",
    ),
    (
        "code",
        """state = sql(
    \"\"\"
    select date, region, rate_pressure, credit_pressure, geo_pressure from mart_macro_state
    qualify date = max(date) over (partition by region, date_trunc('month', date))
    \"\"\"
)
long = state.melt(id_vars=["date", "region"], var_name="pressure", value_name="value")
print(sql("select distinct market_context_note from mart_latest_rankings"))
alt.Chart(long).mark_line().encode(
    x=alt.X("date:T", title=None), y="value:Q", color="pressure:N", strokeDash="region:N"
).properties(title="Macro and geopolitical pressures (0 = neutral)", width=600)""",
    ),
]


def notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for number, (kind, source) in enumerate(CELLS):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(source, id=f"cell-{number:02d}"))  # stable ids: a stable file
    return nb


if __name__ == "__main__":
    out = Path(__file__).with_name("analyst_tour.ipynb")
    nbformat.write(notebook(), out)
    print(f"wrote {out}")

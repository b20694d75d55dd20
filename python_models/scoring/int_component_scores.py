"""The 0-100 component scores of every eligible fund on every date, each a percentile within
that day's eligible funds (etf_warehouse.scoring.components, where the rules are; the
components and their inputs are the registry of macros/scoring/score_components.sql, read from
int_score_components).

The eligible rows of int_scoring_universe, with the inputs evaluated by DuckDB, are read sorted
by (as_of_date, ticker), a batch at a time, on a connection of their own; numpy ranks whole days
at a time and the scores go back as a stream (dbt_glue.batch_stream). A live refresh scores the
days on or after refresh_from: a day's scores depend on that day's rows alone.
"""

from etf_warehouse.dbt_glue import batch_stream, config_value, live_refresh_from, worker_count
from etf_warehouse.progress import reported
from etf_warehouse.scoring.components import (
    REGISTRY_COLUMNS,
    components_from_registry,
    input_projection,
    output_schema,
    score_batches,
)

READ_BATCH_ROWS = 262_144


def build(dbt, session):
    this = dbt.this.identifier
    workers = config_value(dbt.config.get("python_workers"), int, key="python_workers", model=this)
    refresh_from = live_refresh_from(dbt, dbt.ref("int_refresh_window"))
    components = components_from_registry(
        dbt.ref("int_score_components").project(", ".join(REGISTRY_COLUMNS)).fetchall()
    )
    eligible = dbt.ref("int_scoring_universe").filter("is_eligible")
    if refresh_from is not None:
        eligible = eligible.filter(f"as_of_date >= date '{refresh_from:%Y-%m-%d}'")
    query = eligible.project(input_projection(components)).order("as_of_date, ticker").sql_query()
    # read while DuckDB writes the scores on this model's connection: on a connection of its own
    rows = session.cursor().sql(query).to_arrow_reader(READ_BATCH_ROWS)
    scores = score_batches(rows, components, threads=worker_count(workers))
    return batch_stream(scores, output_schema(components), step=this)


def model(dbt, session):
    # progress lines every ETFW_PROGRESS_SECONDS while it runs (etf_warehouse.progress)
    return reported(build, dbt, session)

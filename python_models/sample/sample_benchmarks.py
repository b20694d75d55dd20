"""Benchmark indices of the sample market (Australian equity, global equity in AUD, bonds)."""

from etf_warehouse.dbt_glue import sample_config
from etf_warehouse.sample import generate_sample_market


def model(dbt, session):
    return generate_sample_market(
        sample_config(dbt.config.get("sample_market"), dbt.this.identifier)
    ).benchmarks

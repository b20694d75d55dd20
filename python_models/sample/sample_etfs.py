"""Metadata of the sample universe, as a universe file would carry it (some funds missing)."""

from etf_warehouse.dbt_glue import sample_config
from etf_warehouse.sample import generate_sample_market


def model(dbt, session):
    return generate_sample_market(
        sample_config(dbt.config.get("sample_market"), dbt.this.identifier)
    ).etfs

"""Daily factor returns of the sample market (the drivers of every fund's price)."""

from etf_warehouse.dbt_glue import sample_config
from etf_warehouse.sample import generate_sample_market


def model(dbt, session):
    return generate_sample_market(
        sample_config(dbt.config.get("sample_market"), dbt.this.identifier)
    ).factors

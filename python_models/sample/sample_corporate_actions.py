"""Corporate actions the sample's issuers declared (the undeclared ones must be detected)."""

from etf_warehouse.dbt_glue import sample_config
from etf_warehouse.sample import generate_sample_market


def model(dbt, session):
    return generate_sample_market(
        sample_config(dbt.config.get("sample_market"), dbt.this.identifier)
    ).corporate_actions

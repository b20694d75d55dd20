"""Raw daily prices of the embedded sample market (unadjusted, with injected faults)."""

from etf_warehouse.dbt_glue import sample_config
from etf_warehouse.sample import generate_sample_market


def model(dbt, session):
    prices = generate_sample_market(
        sample_config(dbt.config.get("sample_market"), dbt.this.identifier)
    ).prices.copy()
    prices.insert(0, "source_line", range(1, len(prices) + 1))
    return prices

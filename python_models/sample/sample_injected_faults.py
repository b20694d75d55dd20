"""Every fault the generator injected and every corporate action it made (declared or not).

Ground truth for the data-quality layer's tests: each fault should be caught.
"""

import pandas as pd

from etf_warehouse.dbt_glue import sample_config
from etf_warehouse.sample import generate_sample_market


def model(dbt, session):
    market = generate_sample_market(
        sample_config(dbt.config.get("sample_market"), dbt.this.identifier)
    )
    actions = market.truth_actions.loc[
        market.truth_actions["action_type"] != "distribution"
    ].assign(
        fault_type=lambda df: df["is_declared"].map(
            {True: "declared_corporate_action", False: "undeclared_corporate_action"}
        ),
        detail=lambda df: df["action_type"] + " ratio " + df["ratio"].astype(str),
    )[["ticker", "date", "fault_type", "detail"]]
    return pd.concat([market.truth_faults, actions], ignore_index=True)

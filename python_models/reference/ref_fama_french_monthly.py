"""Real Fama-French monthly factors (1926-2018) bundled with the arch package."""

from etf_warehouse.reference.fama_french import load_fama_french_monthly


def model(dbt, session):
    return load_fama_french_monthly()

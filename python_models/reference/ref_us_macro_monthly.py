"""Real US macro series (Moody's Aaa/Baa yields, WTI oil, core CPI) bundled with arch."""

from etf_warehouse.reference.us_macro import load_us_macro_monthly


def model(dbt, session):
    return load_us_macro_monthly()

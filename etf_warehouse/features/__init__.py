"""Per-fund time-series features of the clean prices (the dbt model int_etf_features_daily)."""

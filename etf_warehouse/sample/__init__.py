"""The embedded synthetic sample market (the warehouse's default source)."""

from etf_warehouse.sample.config import SampleConfig
from etf_warehouse.sample.market import SampleMarket, generate_sample_market, iter_fund_batches

__all__ = ["SampleConfig", "SampleMarket", "generate_sample_market", "iter_fund_batches"]

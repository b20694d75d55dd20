"""Assemble the embedded sample market: prices, metadata, declared actions, factors, macro.

:func:`generate_sample_market` is cached per process and per config, so the several dbt Python
models that read the sample (prices, metadata, factors...) share one generation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from etf_warehouse.sample.config import SampleConfig, trading_days
from etf_warehouse.sample.factors import FactorHistory, simulate_factors
from etf_warehouse.sample.prices import FundBatch, simulate_funds
from etf_warehouse.sample.scripted import MISSING_METADATA_SLOTS
from etf_warehouse.sample.universe import Template, slot_templates, slot_tickers

# Composite benchmarks built from the factor returns (no idiosyncratic noise): name -> loadings.
BENCHMARKS: dict[str, dict[str, float]] = {
    "AU_EQUITY": {"mkt_rf": 1.0},
    "GLOBAL_EQUITY_AUD": {"mkt_rf": 0.55, "glb_x": 0.9, "eu_x": 0.3, "fx_usd": 0.9},
    "AU_BONDS": {"term": 0.6, "credit": 0.3},
}
DEFAULT_BATCH = 250
PHANTOM_TICKER = "ZZZ01.AX"  # in the metadata, never traded: exercises the data-quality check


@dataclass(frozen=True)
class SampleMarket:
    """A generated market. Frames are in the shape the warehouse's sources expect."""

    config: SampleConfig
    dates: pd.DatetimeIndex
    prices: pd.DataFrame  # ticker, date, open, high, low, close, volume: raw, unadjusted, faulty
    etfs: pd.DataFrame  # the metadata a universe file would hold
    corporate_actions: pd.DataFrame  # declared actions: ticker, date, action_type, ratio, amount
    factors: pd.DataFrame  # date, rf, factor returns (decimal, daily)
    macro: pd.DataFrame  # date, macro levels known that day
    benchmarks: pd.DataFrame  # date, benchmark, daily_return, index_level
    truth_funds: pd.DataFrame  # per-fund parameters, listing/delisting (what models should find)
    truth_loadings: pd.DataFrame  # ticker, factor, loading
    truth_actions: pd.DataFrame  # every corporate action incl. undeclared ones
    truth_faults: pd.DataFrame  # every injected fault


@dataclass(frozen=True)
class MarketContext:
    config: SampleConfig
    dates: pd.DatetimeIndex
    history: FactorHistory
    templates: list[Template]
    tickers: list[str]


@cache
def market_context(config: SampleConfig) -> MarketContext:
    dates = trading_days(config.end_date, config.years, config.calendar)
    templates = slot_templates(config.n_etfs)
    return MarketContext(
        config=config,
        dates=dates,
        history=simulate_factors(dates, config),
        templates=templates,
        tickers=slot_tickers(templates),
    )


def iter_fund_batches(config: SampleConfig, batch_size: int = DEFAULT_BATCH) -> Iterator[FundBatch]:
    """Simulate the funds ``batch_size`` at a time (bounded memory for large universes)."""
    ctx = market_context(config)
    for start in range(0, config.n_etfs, batch_size):
        slots = list(range(start, min(start + batch_size, config.n_etfs)))
        yield simulate_funds(
            config,
            ctx.dates,
            ctx.history,
            slots,
            [ctx.templates[s] for s in slots],
            [ctx.tickers[s] for s in slots],
        )


def universe_metadata(config: SampleConfig) -> pd.DataFrame:
    """Metadata rows as a universe file would carry them (a few funds deliberately missing)."""
    ctx = market_context(config)
    counts: dict[str, int] = {}
    rows = []
    for slot, (tpl, ticker) in enumerate(zip(ctx.templates, ctx.tickers, strict=True)):
        counts[tpl.code] = counts.get(tpl.code, 0) + 1
        if config.faults and slot in MISSING_METADATA_SLOTS:
            continue
        rows.append(
            {
                "ticker": ticker,
                "name": f"Synthetic {tpl.name} Fund {counts[tpl.code]:02d}",
                "asset_class": tpl.asset_class,
                "sub_class": tpl.sub_class,
                "region": tpl.region,
                "currency": "AUD",
                "leverage": tpl.leverage,
            }
        )
    if config.faults:
        rows.append(
            {
                "ticker": PHANTOM_TICKER,
                "name": "Synthetic Announced Fund (never listed)",
                "asset_class": "equity",
                "sub_class": "au_broad",
                "region": "AU",
                "currency": "AUD",
                "leverage": 1.0,
            }
        )
    return pd.DataFrame(rows)


def benchmark_returns(history: FactorHistory) -> pd.DataFrame:
    fac = history.factors
    frames = []
    for name, weights in BENCHMARKS.items():
        ret = fac["rf"] + sum(w * fac[f] for f, w in weights.items())
        frames.append(
            pd.DataFrame(
                {
                    "date": fac.index,
                    "benchmark": name,
                    "daily_return": ret.to_numpy(),
                    "index_level": 1000.0 * np.cumprod(1.0 + ret.to_numpy()),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


_LOCK = threading.Lock()


def generate_sample_market(config: SampleConfig | None = None) -> SampleMarket:
    """The whole sample market for ``config`` (default: 150 funds, 20 years, signal 1).

    Deterministic: equal configs give identical frames. Cached per process.
    """
    config = config or SampleConfig()
    with _LOCK:  # dbt may run several sample models in parallel threads: generate once
        return _generate(config)


@cache
def _generate(config: SampleConfig) -> SampleMarket:
    ctx = market_context(config)
    batches = list(iter_fund_batches(config))

    def cat(attr: str) -> pd.DataFrame:
        return pd.concat([getattr(b, attr) for b in batches], ignore_index=True)

    actions = cat("actions")
    declared = actions.loc[
        actions["is_declared"], ["ticker", "date", "action_type", "ratio", "amount"]
    ]
    factors = ctx.history.factors.reset_index()
    macro = ctx.history.macro.reset_index()
    return SampleMarket(
        config=config,
        dates=ctx.dates,
        prices=cat("prices"),
        etfs=universe_metadata(config),
        corporate_actions=declared.reset_index(drop=True),
        factors=factors,
        macro=macro,
        benchmarks=benchmark_returns(ctx.history),
        truth_funds=cat("funds"),
        truth_loadings=cat("loadings"),
        truth_actions=actions,
        truth_faults=cat("faults"),
    )

"""Write the sample market as the user's files would look, to exercise the real-file path.

Formats follow the warehouse contract:

- ``stooq``: one ``<ticker>.<market>.txt`` per fund, ``Date,Open,High,Low,Close,Volume,OpenInt``
  with ``YYYYMMDD`` dates. Raw (unadjusted) prices, so a ``corporate_actions.csv`` is written
  beside them for the declared splits and distributions.
- ``yahoo``: one ``<TICKER>.csv`` per fund, ``Date,Open,High,Low,Close,Adj Close,Volume``. Like
  Yahoo, ``Close`` is adjusted for declared splits and ``Adj Close`` also for distributions
  (backward from the last date); undeclared actions stay in the prices, as in a real feed.
- ``long``: ``date,ticker,open,high,low,close,volume`` in one file per batch of funds, CSV or
  Parquet, raw prices plus ``corporate_actions.csv``.

A ``universe.csv`` with the metadata is written too, and with ``macro=True`` a ``macro.csv``
of the sample's macro series in the macro file's layout (var ``macro_path``; series named as
seed ``macro_series`` knows them, each known on its date). Funds are written in batches, so a
3,000-fund universe never needs the whole market in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etf_warehouse.ingest.formats import FORMATS, format_list
from etf_warehouse.sample.config import SampleConfig
from etf_warehouse.sample.market import iter_fund_batches, market_context, universe_metadata

STOOQ_MARKET = "au"


@dataclass(frozen=True)
class SampleFiles:
    """Where :func:`write_sample_files` put things, and the dbt vars that read them."""

    directory: Path
    prices_glob: str
    prices_format: str
    universe_path: Path
    corporate_actions_path: Path | None
    n_price_files: int
    macro_path: Path | None = None

    def dbt_vars(self) -> dict[str, str]:
        out = {
            "prices_path": self.prices_glob,
            "prices_format": self.prices_format,
            "universe_path": str(self.universe_path),
        }
        if self.corporate_actions_path is not None:
            out["corporate_actions_path"] = str(self.corporate_actions_path)
        if self.macro_path is not None:
            out["macro_path"] = str(self.macro_path)
        return out


# the sample's macro columns -> the series names seed macro_series gives them
SAMPLE_MACRO_SERIES = {
    "yield_10y_pct": "long_yield_pct",
    "credit_spread_pct": "credit_spread_pct",
    "geo_risk_index": "geo_risk_index",
    "policy_rate_pct": "policy_rate_pct",
    "inflation_yoy_pct": "inflation_yoy_pct",
    "audusd": "audusd",
}


def sample_macro_rows(config: SampleConfig) -> pd.DataFrame:
    """The sample's macro series as macro-file rows ``date,series,value,available_date``
    (known on the day they are dated, as the embedded sample uses them)."""
    macro = market_context(config).history.macro.reset_index()
    long = macro.melt(
        id_vars="date",
        value_vars=list(SAMPLE_MACRO_SERIES),
        var_name="series",
        value_name="value",
    ).dropna(subset=["value"])
    day = pd.to_datetime(long["date"]).dt.strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "date": day,
            "series": long["series"].map(SAMPLE_MACRO_SERIES),
            "value": long["value"],
            "available_date": day,
        }
    ).reset_index(drop=True)


def stooq_ticker(ticker: str) -> str:
    """The ticker a Stooq file name yields for a sample ticker (``AEQ01.AX`` -> ``AEQ01``)."""
    return ticker.split(".")[0].upper()


def _adjustment_factors(group: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Backward split and distribution factors per row of one fund (Yahoo's convention).

    A distribution scales every earlier close by one minus the fraction of the price it paid
    out (the action's ``ratio``), which makes the adjusted close's ratio on the ex-day equal the
    holding-period return (close + distribution) / previous close. Using the declared fraction
    rather than the previous raw close keeps an injected fault on that row (a zero price, a bad
    tick) out of every earlier adjusted close.
    """
    dates = group["date"].to_numpy()
    split_factor = np.ones(len(group))
    dist_factor = np.ones(len(group))
    for act in actions.itertuples():
        before = dates < np.datetime64(act.date)
        if act.action_type in ("split", "consolidation"):
            split_factor[before] /= act.ratio
        else:
            dist_factor[before] *= 1.0 - act.ratio
    return pd.DataFrame({"split_factor": split_factor, "dist_factor": dist_factor})


def write_sample_files(
    config: SampleConfig,
    directory: Path | str,
    *,
    file_format: str = "stooq",
    parquet: bool = False,
    batch_size: int = 250,
    macro: bool = False,
) -> SampleFiles:
    """Generate the market for ``config`` and write it under ``directory`` in ``file_format``."""
    if file_format not in FORMATS:
        raise ValueError(f"file_format must be {format_list()}, got {file_format!r}")
    if parquet and file_format != "long":
        raise ValueError("Parquet output is for the long format")
    directory = Path(directory)
    prices_dir = directory / "prices"
    prices_dir.mkdir(parents=True, exist_ok=True)
    rename = stooq_ticker if file_format == "stooq" else (lambda t: t)
    declared_frames = []
    n_files = 0
    for batch_no, batch in enumerate(iter_fund_batches(config, batch_size)):
        prices = batch.prices
        declared = batch.actions.loc[batch.actions["is_declared"]]
        declared_frames.append(declared)
        if file_format == "long":
            out = prices.assign(
                date=prices["date"].dt.strftime("%Y-%m-%d"),
                ticker=prices["ticker"],
            )[["date", "ticker", "open", "high", "low", "close", "volume"]]
            name = prices_dir / f"prices_{batch_no:04d}.{'parquet' if parquet else 'csv'}"
            if parquet:
                out.to_parquet(name, index=False)
            else:
                out.to_csv(name, index=False)
            n_files += 1
            continue
        for ticker, group in prices.groupby("ticker", sort=False):
            group = group.reset_index(drop=True)
            if file_format == "stooq":
                out = pd.DataFrame(
                    {
                        "Date": group["date"].dt.strftime("%Y%m%d"),
                        "Open": group["open"],
                        "High": group["high"],
                        "Low": group["low"],
                        "Close": group["close"],
                        "Volume": group["volume"],
                        "OpenInt": 0,
                    }
                )
                path = prices_dir / f"{stooq_ticker(ticker).lower()}.{STOOQ_MARKET}.txt"
            else:
                factors = _adjustment_factors(group, declared.loc[declared["ticker"] == ticker])
                split = factors["split_factor"].to_numpy()
                out = pd.DataFrame(
                    {
                        "Date": group["date"].dt.strftime("%Y-%m-%d"),
                        "Open": (group["open"] * split).round(6),
                        "High": (group["high"] * split).round(6),
                        "Low": (group["low"] * split).round(6),
                        "Close": (group["close"] * split).round(6),
                        "Adj Close": (group["close"] * split * factors["dist_factor"]).round(6),
                        "Volume": (group["volume"] / split).round(0).astype("int64"),
                    }
                )
                path = prices_dir / f"{ticker}.csv"
            out.to_csv(path, index=False)
            n_files += 1
    actions_path = None
    if file_format != "yahoo":
        actions = pd.concat(declared_frames, ignore_index=True)
        actions = actions.assign(
            ticker=actions["ticker"].map(rename),
            date=actions["date"].dt.strftime("%Y-%m-%d"),
        )[["ticker", "date", "action_type", "ratio", "amount"]]
        actions_path = directory / "corporate_actions.csv"
        actions.to_csv(actions_path, index=False)
    universe = universe_metadata(config)
    universe = universe.assign(ticker=universe["ticker"].map(rename))
    universe_path = directory / "universe.csv"
    universe.to_csv(universe_path, index=False)
    macro_path = None
    if macro:
        macro_path = directory / "macro.csv"
        sample_macro_rows(config).to_csv(macro_path, index=False)
    pattern = {
        "stooq": "*.txt",
        "yahoo": "*.csv",
        "long": "*.parquet" if parquet else "*.csv",
    }[file_format]
    return SampleFiles(
        directory=directory,
        prices_glob=str(prices_dir / pattern),
        prices_format=file_format,
        universe_path=universe_path,
        corporate_actions_path=actions_path,
        n_price_files=n_files,
        macro_path=macro_path,
    )

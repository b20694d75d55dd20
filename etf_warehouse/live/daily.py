"""The daily routine in one command (``etfw daily``): download the new bars of every fund in the
universe file, land them where the live refresh reads, refresh, publish, and say what changed.

For a user with internet (``yfinance``, the optional ``download`` extra); run it from cron
after the close. The first run downloads each fund's history from ``start`` and makes a full
build; later runs download from each fund's last stored day on, land the rows after it as one
long-format file (``landing/yahoo-<first>_<last>.csv``), refresh incrementally and publish the
snapshot. A run that finds nothing new changes nothing.

Yahoo's ``Adj Close`` is adjusted backwards from the day of the download, so a new day's value
is on a different base from the stored history's whenever a distribution went ex in between.
Each landed row's ``adj_close`` is therefore chained onto the stored one: the stored vendor
adjusted close of the fund's last day that has one, times the download's own adjusted-close
ratio since that day, which keeps every day's total return right across files. A fund's last
landed day counts quarantined rows too, so such a day is not landed twice, and a landed file is
never overwritten. The ``close`` is Yahoo's
(split-adjusted as of the download; a split on a new day shows in it, and the cleaning treats
it as in any file).

The trade list, portfolio and backtest are not part of a live refresh (see docs/live_refresh.md):
the report names the funds entering and leaving the top ``position_top_n`` (the ones
``position_size`` sizes), the candidates for trades, and the nightly full build updates
``mart_trade_list``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from etf_warehouse.ingest.download import Fetch, fetch_with_yfinance, to_yahoo_frame
from etf_warehouse.live.pipeline import LivePipeline

LONG_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume", "adj_close"]
OVERLAP_DAYS = 10  # calendar days re-downloaded before each fund's last stored day


@dataclass
class DailyResult:
    """What one daily run did."""

    new_rows: int
    landed: Path | None
    built: str  # "full build", "refresh" or "nothing new"
    latest_date: str | None = None
    changes: list[str] = field(default_factory=list)


def universe_tickers(universe_path: Path) -> list[str]:
    frame = pd.read_csv(universe_path, dtype=str)
    if "ticker" not in frame.columns:
        raise ValueError(f"universe file {universe_path} has no ticker column")
    tickers = frame["ticker"].dropna().str.strip().str.upper()
    return sorted(set(tickers[tickers != ""]))


@dataclass(frozen=True)
class Stored:
    """What the warehouse holds of a fund: its last landed day (quarantined rows included, so
    such a day is not downloaded and landed again), and the last day with a vendor adjusted
    close and that value (the base new adjusted closes are chained onto)."""

    last_day: date
    base_day: date | None
    base_adj: float | None


def stored_last_days(warehouse: Path) -> dict[str, Stored]:
    """Each fund's :class:`Stored` (empty without a warehouse)."""
    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            rows = con.execute(
                """
                select landed.ticker, landed.last_day, based.base_day, based.base_adj
                from (
                    select ticker, max(price_date) as last_day from int_prices_parsed
                    where ticker is not null group by ticker
                ) as landed
                left join (
                    select ticker,
                        max(price_date) filter (where vendor_adj_close is not null) as base_day,
                        arg_max(vendor_adj_close, price_date)
                            filter (where vendor_adj_close is not null) as base_adj
                    from int_prices_adjusted group by ticker
                ) as based on landed.ticker = based.ticker
                """
            ).fetchall()
        except duckdb.CatalogException:
            return {}
    return {t: Stored(last, base, adj) for t, last, base, adj in rows if last is not None}


def new_rows(ticker: str, raw: pd.DataFrame | None, stored: Stored | None) -> pd.DataFrame:
    """The long-format rows of ``ticker`` after its last landed day, ``adj_close`` chained onto
    the stored one (see the module docstring); all rows when nothing is stored."""
    if raw is None or raw.empty:
        return pd.DataFrame(columns=LONG_COLUMNS)
    frame = to_yahoo_frame(raw, ticker)
    frame["Date"] = pd.to_datetime(frame["Date"]).dt.date
    adj = frame["Adj Close"].astype(float)
    if stored is not None:
        keep = frame["Date"] > stored.last_day
        at_base = frame.loc[frame["Date"] == stored.base_day, "Adj Close"]
        if stored.base_adj is not None and len(at_base) == 1 and float(at_base.iloc[0]) > 0:
            adj = adj * (stored.base_adj / float(at_base.iloc[0]))
        else:
            # the download does not show the stored base day: no ratio to chain with, so no
            # vendor adjusted close for these rows (their returns come from the closes)
            adj = pd.Series(float("nan"), index=frame.index)
        frame, adj = frame.loc[keep], adj.loc[keep]
    out = pd.DataFrame(
        {
            "date": [d.isoformat() for d in frame["Date"]],
            "ticker": ticker,
            "open": frame["Open"].to_numpy(),
            "high": frame["High"].to_numpy(),
            "low": frame["Low"].to_numpy(),
            "close": frame["Close"].to_numpy(),
            "volume": frame["Volume"].to_numpy(),
            "adj_close": adj.round(6).to_numpy(),
        }
    )
    return out[LONG_COLUMNS]


def _unused_path(path: Path) -> Path:
    """``path``, or ``<stem>-2<suffix>``, ... : a landed file is never overwritten (the warehouse
    may have ingested it)."""
    candidate, n = path, 1
    while candidate.exists() or candidate.with_suffix(".part").exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def top_positions(warehouse: Path) -> pd.DataFrame:
    if not warehouse.exists():
        return pd.DataFrame(columns=["ticker", "score_rank", "position_size", "as_of_date"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            return con.execute(
                "select ticker, score_rank, position_size, as_of_date::varchar as as_of_date"
                " from mart_latest_rankings where score_rank is not null"
            ).df()
        except duckdb.CatalogException:
            return pd.DataFrame(columns=["ticker", "score_rank", "position_size", "as_of_date"])


def describe_changes(before: pd.DataFrame, after: pd.DataFrame, top: int = 10) -> list[str]:
    """What a reader wants to know after a refresh: the new date, the top fund, funds entering
    and leaving the sized top-N (trade candidates) and moves in the top ten."""
    if after.empty:
        return ["no rankings yet"]
    lines = [f"rankings as of {after['as_of_date'].iloc[0]}"]
    ranked = after.sort_values("score_rank")
    lines.append(f"top-ranked: {ranked['ticker'].iloc[0]}")
    held_after = set(after.loc[after["position_size"].fillna(0) > 0, "ticker"])
    held_before = set(before.loc[before["position_size"].fillna(0) > 0, "ticker"])
    if not before.empty:
        entering, leaving = sorted(held_after - held_before), sorted(held_before - held_after)
        lines.append(
            "sized top-N: "
            + (", ".join(f"+{t}" for t in entering) or "no fund enters")
            + "; "
            + (", ".join(f"-{t}" for t in leaving) or "no fund leaves")
        )
        old_rank = dict(zip(before["ticker"], before["score_rank"], strict=True))
        moves = []
        for ticker, rank in zip(ranked["ticker"][:top], ranked["score_rank"][:top], strict=True):
            was = old_rank.get(ticker)
            if was is None:
                moves.append(f"{ticker} new at {int(rank)}")
            elif int(was) != int(rank):
                moves.append(f"{ticker} {int(was)} -> {int(rank)}")
        lines.append("top ten moves: " + (", ".join(moves) or "none"))
    return lines


def run_daily(
    universe_path: Path,
    landing: Path,
    warehouse: Path,
    *,
    snapshot: Path | None,
    start: date,
    dbt_vars: dict | None = None,
    fetch: Fetch | None = None,
    echo: Callable[[str], None] = print,
) -> DailyResult:
    """One daily run (see the module docstring)."""
    fetch = fetch or fetch_with_yfinance
    landing.mkdir(parents=True, exist_ok=True)
    warehouse = Path(warehouse).resolve()
    tickers = universe_tickers(universe_path)
    stored = stored_last_days(warehouse)
    frames = []
    for ticker in tickers:
        last = stored.get(ticker)
        if last is None:
            since = start
        else:  # from a little before the chaining base day (at or before the last day)
            since = min(last.last_day, last.base_day or last.last_day)
            since -= timedelta(days=OVERLAP_DAYS)
        rows = new_rows(ticker, fetch(ticker, since.isoformat(), None), last)
        if not rows.empty:
            frames.append(rows)
    vars_ = {
        **(dbt_vars or {}),
        "prices_path": str(landing / "*.csv"),
        "prices_format": "long",
        "universe_path": str(universe_path),
    }
    pipeline = LivePipeline(vars_, warehouse=warehouse, snapshot=snapshot, echo=echo)
    added = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    landed = None
    if not added.empty:
        first, last_day = added["date"].min(), added["date"].max()
        landed = _unused_path(landing / f"yahoo-{first}_{last_day}.csv")
        partial = landed.with_suffix(".part")  # not matched by the glob until complete
        added.to_csv(partial, index=False)
        partial.replace(landed)
        echo(f">> landed {len(added):,} new rows of {added['ticker'].nunique()} funds: {landed}")
    if not pipeline.ingested_files():
        if added.empty:
            raise ValueError("nothing downloaded and no warehouse yet: check tickers and --start")
        echo(">> first run: full build of the downloaded history")
        pipeline.full_build()
        if snapshot is not None:
            pipeline.publish()
        after = top_positions(warehouse)
        return DailyResult(
            len(added), landed, "full build", _latest(after), describe_changes(after, after)[:2]
        )
    if not pipeline.pending_files():
        echo(">> nothing new: the warehouse already holds every downloaded day")
        return DailyResult(0, None, "nothing new", _latest(top_positions(warehouse)))
    before = top_positions(warehouse)
    pipeline.report(pipeline.refresh(publish=snapshot is not None))
    after = top_positions(warehouse)
    return DailyResult(
        len(added), landed, "refresh", _latest(after), describe_changes(before, after)
    )


def _latest(frame: pd.DataFrame) -> str | None:
    return None if frame.empty else str(frame["as_of_date"].iloc[0])

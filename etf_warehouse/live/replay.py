"""Replay: a market written as files, its last days held back to be landed one trading day at
a time through the live pipeline (``etfw replay``, demos, tests and the refresh benchmark).

Two sources: the embedded sample market (:func:`prepare_replay`), or any CSV price files a
user holds, e.g. real Stooq downloads or another generator's universe
(:func:`prepare_file_replay`), so that the refresh can be checked against a full build on data
the project did not generate.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etf_warehouse.ingest.formats import PRICE_FORMAT
from etf_warehouse.ingest.price_files import inspect_price_file

# the long format's columns, in the order a replay writes them
LONG_COLUMNS = ("date", "ticker", "open", "high", "low", "close", "volume", "adj_close")


@dataclass(frozen=True)
class ReplayFiles:
    """The sample market written for a replay: history files plus one file per later day."""

    dbt_vars: dict
    landing: Path
    days: list[pd.Timestamp]
    day_frames: dict[pd.Timestamp, pd.DataFrame]
    macro_path: Path | None = None
    macro_rows: pd.DataFrame | None = None

    def land(self, day: pd.Timestamp) -> Path:
        """Write one day's bars as ``day-YYYY-MM-DD.csv`` in the landing folder (and, with a
        macro file, rewrite it with the macro rows up to that day, as a daily download
        would)."""
        path = self.landing / f"day-{day:%Y-%m-%d}.csv"
        tmp = path.with_suffix(".part")  # not matched by the glob until complete
        self.day_frames[day].to_csv(tmp, index=False)
        tmp.replace(path)
        if self.macro_path is not None and self.macro_rows is not None:
            self._write_macro(day)
        return path

    def _write_macro(self, last_day: pd.Timestamp) -> None:
        rows = self.macro_rows
        rows.loc[pd.to_datetime(rows["date"]) <= last_day].to_csv(self.macro_path, index=False)


def prepare_replay(
    config: object, directory: Path, n_days: int, *, macro: bool = False
) -> ReplayFiles:
    """Write the sample market for ``config`` as long CSV files under ``directory``: the
    history before the last ``n_days`` trading days in the landing folder, and those days
    held back to be landed one at a time. With ``macro``, a macro file (var macro_path) that
    each landed day extends."""
    from etf_warehouse.sample.files import write_sample_files

    directory = Path(directory)
    _clear_landing(directory / "prices")
    files = write_sample_files(config, directory, file_format="long", macro=macro)
    landing = Path(files.prices_glob).parent
    written = sorted(landing.glob("prices_*.csv"))
    prices = pd.concat([pd.read_csv(p, dtype=str) for p in written], ignore_index=True)
    for path in written:
        path.unlink()
    days, day_frames = _hold_back(prices, pd.to_datetime(prices["date"]), landing, n_days)
    first = days[0] if days else pd.Timestamp.max
    dbt_vars = {**files.dbt_vars(), "prices_path": str(landing / "*.csv")}
    out = ReplayFiles(dbt_vars, landing, days, day_frames)
    if files.macro_path is not None:
        rows = pd.read_csv(files.macro_path, dtype=str)
        out = ReplayFiles(dbt_vars, landing, days, day_frames, files.macro_path, rows)
        out._write_macro(first - pd.Timedelta(days=1))
    return out


def prepare_file_replay(
    prices_glob: str,
    directory: Path,
    n_days: int,
    *,
    prices_format: str | None = None,
    universe_path: str | None = None,
    corporate_actions_path: str | None = None,
) -> ReplayFiles:
    """Write the CSV price files ``prices_glob`` matches (Stooq, Yahoo or long, one format or
    detected per file as the build does) as long files under ``directory/prices``: every row
    dated before the last ``n_days`` trading days in ``history.csv``, those days held back to be
    landed one at a time. The field texts are copied unchanged (the build parses them), so a
    full build on the replay's files reads the same bars as one on the originals.

    A trading day is a date any fund has a row on; rows whose date does not parse stay in the
    history (the build quarantines them). The files must be well-formed CSV: a line pandas
    cannot split is an error naming the file.
    """
    paths = sorted(glob.glob(prices_glob))
    if not paths:
        raise ValueError(f"no price file matches {prices_glob!r}")
    parquet = [p for p in paths if p.lower().endswith(".parquet")]
    if parquet:
        raise ValueError(f"a replay reads CSV price files; {parquet[0]} is Parquet")
    directory = Path(directory)
    landing = directory / "prices"
    _clear_landing(landing)
    landing.mkdir(parents=True, exist_ok=True)
    prices = pd.concat([_long_rows(p, prices_format) for p in paths], ignore_index=True)
    present = [c for c in LONG_COLUMNS if prices[c].ne("").any() or c in ("date", "ticker")]
    prices = prices[present]
    days, day_frames = _hold_back(prices, _parse_dates(prices["date"]), landing, n_days)
    # absolute: dbt runs from the project folder, not the caller's
    dbt_vars = {"prices_path": str(landing.resolve() / "*.csv"), "prices_format": "long"}
    if universe_path:
        dbt_vars["universe_path"] = str(Path(universe_path).resolve())
    if corporate_actions_path:
        dbt_vars["corporate_actions_path"] = str(Path(corporate_actions_path).resolve())
    return ReplayFiles(dbt_vars, landing, days, day_frames)


def _clear_landing(landing: Path) -> None:
    """The landing folder is the replay's own: clear what an earlier replay left in it, or its
    landed days would be part of this replay's history."""
    for stale in [*landing.glob("*.csv"), *landing.glob("*.part")]:
        stale.unlink()


def _hold_back(
    prices: pd.DataFrame, when: pd.Series, landing: Path, n_days: int
) -> tuple[list[pd.Timestamp], dict[pd.Timestamp, pd.DataFrame]]:
    """Write the rows before the last ``n_days`` trading days as ``history.csv``; return those
    days and each day's rows (rows without a date stay in the history)."""
    dates = sorted(when.dropna().unique())
    days = [pd.Timestamp(d) for d in dates[-n_days:]] if n_days > 0 else []
    first = days[0] if days else pd.Timestamp.max
    prices.loc[~(when >= first)].to_csv(landing / "history.csv", index=False)
    return days, {d: prices.loc[when == d] for d in days}


def _long_rows(path: str, prices_format: str | None) -> pd.DataFrame:
    """One price file's rows as long-format text columns (missing columns empty)."""
    info = inspect_price_file(path, prices_format)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"price file {path}: cannot be replayed ({exc})") from exc
    out = pd.DataFrame(index=raw.index)
    for column in LONG_COLUMNS:
        position = info.positions.get(column)
        out[column] = raw.iloc[:, position - 1].str.strip() if position else ""
    if info.ticker is not None:
        out["ticker"] = info.ticker
    elif PRICE_FORMAT[info.file_format].drop_market_suffix:  # Stooq bulk rows: SPY.US -> SPY
        out["ticker"] = out["ticker"].str.split(".").str[0]
    out["ticker"] = out["ticker"].str.upper()
    return out


def _parse_dates(text: pd.Series) -> pd.Series:
    """The dates the build parses (``parse_price_date``: ``YYYY-MM-DD[ time]``, ``YYYYMMDD``,
    ``YYYY/MM/DD``); anything else is NaT."""
    iso = pd.to_datetime(
        text.where(text.str.match(r"^\d{4}-\d{2}-\d{2}([ T].*)?$")).str[:10],
        format="%Y-%m-%d",
        errors="coerce",
    )
    compact = pd.to_datetime(
        text.where(text.str.fullmatch(r"\d{8}")), format="%Y%m%d", errors="coerce"
    )
    slashed = pd.to_datetime(
        text.where(text.str.fullmatch(r"\d{4}/\d{2}/\d{2}")), format="%Y/%m/%d", errors="coerce"
    )
    return iso.fillna(compact).fillna(slashed)

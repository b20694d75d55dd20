"""Replay: the embedded sample market written as files, its last days held back to be landed
one trading day at a time through the live pipeline (``etfw replay``, demos and tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


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
    # the landing folder is the replay's own: clear what an earlier replay left in it, or its
    # landed days would be part of this replay's history
    for stale in [*(directory / "prices").glob("*.csv"), *(directory / "prices").glob("*.part")]:
        stale.unlink()
    files = write_sample_files(config, directory, file_format="long", macro=macro)
    landing = Path(files.prices_glob).parent
    frames = [pd.read_csv(p, dtype=str) for p in sorted(landing.glob("prices_*.csv"))]
    prices = pd.concat(frames, ignore_index=True)
    dates = sorted(pd.to_datetime(prices["date"]).unique())
    days = [pd.Timestamp(d) for d in dates[-n_days:]] if n_days > 0 else []
    when = pd.to_datetime(prices["date"])
    for path in landing.glob("prices_*.csv"):
        path.unlink()
    first = days[0] if days else pd.Timestamp.max
    prices.loc[when < first].to_csv(landing / "history.csv", index=False)
    day_frames = {d: prices.loc[when == d] for d in days}
    dbt_vars = {**files.dbt_vars(), "prices_path": str(landing / "*.csv")}
    out = ReplayFiles(dbt_vars, landing, days, day_frames)
    if files.macro_path is not None:
        rows = pd.read_csv(files.macro_path, dtype=str)
        out = ReplayFiles(dbt_vars, landing, days, day_frames, files.macro_path, rows)
        out._write_macro(first - pd.Timedelta(days=1))
    return out

"""Download the macro file (var ``macro_path``) from public sources: ``etfw download-macro``.

For users with internet access; the build never needs it. Writes one long CSV
``date,series,value,source`` that the warehouse reads through the ``macro_file`` source, with
every series under its source's own identifier, which seed ``macro_series`` knows (so a file a
user assembles by hand from the same sources works too):

- FRED (St. Louis Fed) CSV downloads: ``DGS10``, ``DGS2``, ``DFF``, ``BAMLC0A0CM``,
  ``BAMLH0A0HYM2``, ``VIXCLS``, ``DEXUSAL``;
- the Reserve Bank of Australia's statistical tables: F2 (``FCMYGBAG10D``, ``FCMYGBAG2D``),
  F1 (``FIRMMCRTD``, the cash rate target), F11.1 (``FXRUSD``, AUD/USD);
- the Caldara-Iacoviello geopolitical risk index: ``GPRD`` (daily) and ``GPR`` (monthly).

No ``available_date`` is written: the sources publish no vintages, so the build dates each
value by the series' publication lag (seed ``macro_series``: daily series the next day, the
monthly index 10 days after its month).

Each parser checks the response's shape and raises :class:`MacroSourceError` naming the source
and what is wrong; the tests pass recorded responses through ``fetch`` and never touch the
network (``tests/fixtures/macro_responses``).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series}&cosd={start}"
FRED_SERIES = ("DGS10", "DGS2", "DFF", "BAMLC0A0CM", "BAMLH0A0HYM2", "VIXCLS", "DEXUSAL")

RBA_URL = "https://www.rba.gov.au/statistics/tables/csv/{table}-data.csv"
# table -> the series ids kept from it (a table holds many more)
RBA_TABLES = {
    "f2": ("FCMYGBAG10D", "FCMYGBAG2D"),
    "f1": ("FIRMMCRTD",),  # the daily money-market table (F1.1 is its monthly twin)
    "f11.1": ("FXRUSD",),
}

# the Stata files (the site also has .xls): pandas reads them without another dependency
GPR_DAILY_URL = "https://www.matteoiacoviello.com/gpr_files/data_gpr_daily_recent.dta"
GPR_MONTHLY_URL = "https://www.matteoiacoviello.com/gpr_files/data_gpr_export.dta"

OUTPUT_COLUMNS = ["date", "series", "value", "source"]

Fetch = Callable[[str], bytes]


class MacroSourceError(ValueError):
    """A source's response is not what its parser expects (the message names the source)."""


@dataclass(frozen=True)
class Source:
    """One download: its name (in errors and the file's ``source`` column), URL and parser."""

    name: str
    url: str
    parse: Callable[[bytes], pd.DataFrame]


def _frame(rows: Iterable[tuple[date, str, float]], source: str) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["date", "series", "value"])
    frame["source"] = source
    return frame


def _number(text: str) -> float | None:
    """A value cell as a float; None for the sources' missing markers (empty, ``.``, ``NA``)."""
    text = text.strip()
    if text in {"", ".", "NA", "N/A", "#N/A", "n.a."}:
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _decode(content: bytes, source: str) -> str:
    """The response as text: UTF-8, else Windows-1252 (the RBA's tables have a UTF-8
    byte-order mark before a Windows-1252 body), without the byte-order mark."""
    if not content.strip():
        raise MacroSourceError(f"{source}: the response is empty")
    content = content.removeprefix(b"\xef\xbb\xbf")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def parse_fred_csv(content: bytes, series: str) -> pd.DataFrame:
    """FRED's ``fredgraph.csv``: a header ``observation_date,<ID>`` (``DATE,<ID>`` before 2024),
    then ISO dates; a day without a value is ``.`` (older files) or empty (newer)."""
    source = f"FRED {series}"
    text = _decode(content, source)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    if len(header) != 2 or header[0].strip().lower() not in {"observation_date", "date"}:
        raise MacroSourceError(
            f"{source}: expected the header 'observation_date,{series}', got {','.join(header)!r}"
            " (an HTML page or an error message instead of the CSV?)"
        )
    if header[1].strip() != series:
        raise MacroSourceError(f"{source}: the CSV holds series {header[1]!r}, not {series}")
    rows = []
    for line_no, fields in enumerate(reader, start=2):
        if not fields or not "".join(fields).strip():
            continue
        if len(fields) != 2:
            raise MacroSourceError(f"{source}: line {line_no} has {len(fields)} fields: {fields}")
        try:
            day = date.fromisoformat(fields[0].strip())
            value = _number(fields[1])
        except ValueError as exc:
            raise MacroSourceError(f"{source}: line {line_no} {fields}: {exc}") from exc
        if value is not None:
            rows.append((day, series, value))
    if not rows:
        raise MacroSourceError(f"{source}: the CSV has no observations")
    return _frame(rows, "FRED")


def parse_rba_csv(content: bytes, table: str, wanted: Iterable[str]) -> pd.DataFrame:
    """An RBA statistical table CSV: metadata rows (Title, Description, Frequency, Type, Units,
    Source, Publication date, ``Series ID``), then one row per date (``02-Jan-2013`` in daily
    tables, ``31/01/2024`` in monthly ones) with a column per series; rows may be padded with
    empty cells or cut short. The ``wanted`` series ids are kept."""
    source = f"RBA table {table.upper()}"
    text = _decode(content, source)
    rows = list(csv.reader(io.StringIO(text)))
    ids_at = next(
        (i for i, row in enumerate(rows) if row and row[0].strip().lower() == "series id"), None
    )
    if ids_at is None:
        raise MacroSourceError(
            f"{source}: no 'Series ID' row (not an RBA statistical table CSV?); first line "
            f"{','.join(rows[0]) if rows else ''!r}"
        )
    ids = [cell.strip() for cell in rows[ids_at]]
    wanted = list(wanted)
    missing = [s for s in wanted if s not in ids]
    if missing:
        raise MacroSourceError(f"{source}: series {', '.join(missing)} not in the table")
    columns = {s: ids.index(s) for s in wanted}
    out = []
    for line_no, row in enumerate(rows[ids_at + 1 :], start=ids_at + 2):
        if not row or not row[0].strip():
            continue
        day = _rba_date(row[0])
        if day is None:
            raise MacroSourceError(f"{source}: line {line_no}: {row[0]!r} is not a date")
        for series, at in columns.items():
            cell = row[at] if at < len(row) else ""
            try:
                value = _number(cell)
            except ValueError as exc:
                raise MacroSourceError(
                    f"{source}: line {line_no}, {series}: {cell!r} is not a number"
                ) from exc
            if value is not None:
                out.append((day, series, value))
    if not out:
        raise MacroSourceError(f"{source}: no observations of {', '.join(wanted)}")
    return _frame(out, "RBA")


def _rba_date(text: str) -> date | None:
    for pattern in ("%d-%b-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _read_stata(content: bytes, source: str, columns: Iterable[str]) -> pd.DataFrame:
    if not content.strip():
        raise MacroSourceError(f"{source}: the response is empty")
    try:
        frame = pd.read_stata(io.BytesIO(content), convert_categoricals=False)
    except Exception as exc:
        raise MacroSourceError(
            f"{source}: not a Stata .dta file ({type(exc).__name__}: {exc}); "
            f"starts with {content[:40]!r}"
        ) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MacroSourceError(
            f"{source}: column(s) {', '.join(missing)} missing; it has "
            f"{', '.join(map(str, frame.columns[:12]))}"
        )
    return frame


def parse_gpr_daily(content: bytes) -> pd.DataFrame:
    """The daily GPR file (``data_gpr_daily_recent.dta``): ``DAY`` as YYYYMMDD and ``GPRD``,
    one row per calendar day. The series is kept as published; the build smooths it (seed
    ``macro_series``: its 30-day trailing mean)."""
    source = "GPR daily"
    frame = _read_stata(content, source, ["DAY", "GPRD"])
    days = pd.to_datetime(
        frame["DAY"].astype("Int64").astype(str), format="%Y%m%d", errors="coerce"
    )
    if days.isna().any():
        bad = frame.loc[days.isna(), "DAY"].iloc[0]
        raise MacroSourceError(f"{source}: DAY {bad!r} is not a YYYYMMDD date")
    values = pd.to_numeric(frame["GPRD"], errors="coerce")
    keep = values.notna() & values.map(lambda v: math.isfinite(v) if pd.notna(v) else False)
    rows = zip(days[keep].dt.date, ["GPRD"] * int(keep.sum()), values[keep], strict=True)
    out = _frame(rows, "Caldara-Iacoviello")
    if out.empty:
        raise MacroSourceError(f"{source}: no GPRD values")
    return out


def parse_gpr_monthly(content: bytes) -> pd.DataFrame:
    """The monthly GPR file (``data_gpr_export.dta``): ``month`` (a Stata monthly date, read as
    the month's first day) and ``GPR``; months before the index starts are empty."""
    source = "GPR monthly"
    frame = _read_stata(content, source, ["month", "GPR"])
    months = pd.to_datetime(frame["month"], errors="coerce")
    if months.isna().any():
        raise MacroSourceError(f"{source}: month {frame['month'][months.isna()].iloc[0]!r}")
    values = pd.to_numeric(frame["GPR"], errors="coerce")
    keep = values.notna()
    rows = zip(
        months[keep].dt.to_period("M").dt.start_time.dt.date,
        ["GPR"] * int(keep.sum()),
        values[keep],
        strict=True,
    )
    out = _frame(rows, "Caldara-Iacoviello")
    if out.empty:
        raise MacroSourceError(f"{source}: no GPR values")
    return out


def sources(start: date) -> list[Source]:
    """Every download of the macro file, in order."""
    out = [
        Source(
            f"FRED {series}",
            FRED_URL.format(series=series, start=start.isoformat()),
            lambda content, s=series: parse_fred_csv(content, s),
        )
        for series in FRED_SERIES
    ]
    out += [
        Source(
            f"RBA table {table.upper()}",
            RBA_URL.format(table=table),
            lambda content, t=table, w=wanted: parse_rba_csv(content, t, w),
        )
        for table, wanted in RBA_TABLES.items()
    ]
    out += [
        Source("GPR daily", GPR_DAILY_URL, parse_gpr_daily),
        Source("GPR monthly", GPR_MONTHLY_URL, parse_gpr_monthly),
    ]
    return out


def _http_get(url: str) -> bytes:  # pragma: no cover - needs the network
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "etf-warehouse download-macro"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def download_macro(
    out_path: Path,
    *,
    start: date,
    fetch: Fetch | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> pd.DataFrame:
    """Write the macro file ``out_path`` (``date,series,value,source``) from ``start`` on.

    Every source must answer: a failed download or a malformed response stops with an error
    naming the source, and nothing is written (the file is replaced in one step, so a previous
    file survives a failed run). Returns what was written.
    """
    fetch = fetch or _http_get
    frames = []
    for source in sources(start):
        try:
            content = fetch(source.url)
        except MacroSourceError:
            raise
        except Exception as exc:
            raise MacroSourceError(
                f"{source.name}: download of {source.url} failed: {exc}"
            ) from exc
        frame = source.parse(content)
        frame = frame.loc[pd.to_datetime(frame["date"]) >= pd.Timestamp(start)]
        log(
            f"{source.name}: {len(frame)} observations"
            + (f", {frame['date'].min()} to {frame['date'].max()}" if len(frame) else "")
        )
        frames.append(frame)
    out = (
        pd.concat(frames, ignore_index=True)
        .sort_values(["series", "date"], kind="stable")
        .reset_index(drop=True)[OUTPUT_COLUMNS]
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    out.to_csv(partial, index=False, date_format="%Y-%m-%d", float_format="%.6g")
    os.replace(partial, out_path)
    return out

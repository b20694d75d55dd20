"""File-level checks of the user's input files, before any row is read.

The warehouse reads price files row by row in SQL (every physical line becomes a row with its line
number, see ``models/staging/price_files``). Before that, :func:`price_file_manifest` looks at each
file's header line only, so a file that is not a price file at all (empty, wrong columns, wrong
format) stops the build with an error naming the file, and every good file gets:

- its format (``stooq``, ``yahoo`` or ``long``), detected from the header when not forced;
- its ticker, from the file name for one-file-per-ticker formats;
- the position of each column in its lines, so the SQL can split lines of any column order.

Row-level problems (a non-numeric price, a truncated last line...) are not errors: those rows go to
the quarantine table with a reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

FORMATS = ("stooq", "yahoo", "long")

# Canonical column -> header spellings accepted (compared after normalising: lower case, no
# spaces/underscores/angle brackets). Stooq's bulk files use <TICKER>,<PER>,<DATE>,...,<VOL>.
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "timestamp"),
    "ticker": ("ticker", "symbol", "code"),
    "open": ("open",),
    "high": ("high",),
    "low": ("low",),
    "close": ("close", "last"),
    "volume": ("volume", "vol"),
    "adj_close": ("adjclose", "adjustedclose"),
}
CANONICAL = tuple(ALIASES)
REQUIRED = {
    "stooq": ("date", "open", "high", "low", "close"),
    "yahoo": ("date", "open", "high", "low", "close"),
    "long": ("date", "ticker", "close"),
}


class InputFileError(ValueError):
    """A file that cannot be read as the input it is supposed to be."""


@dataclass(frozen=True)
class PriceFile:
    path: str
    file_name: str
    file_format: str
    ticker: str | None  # None for long files (ticker in each row)
    header: str
    n_fields: int
    positions: dict[str, int | None]  # canonical column -> 1-based field position
    size_bytes: int


def normalise_header_name(name: str) -> str:
    return re.sub(r"[\s_<>\"'\-.]", "", name.strip().lower())


def column_positions(header_fields: Sequence[str]) -> dict[str, int | None]:
    """1-based position of each canonical column in a header (None when absent)."""
    names = [normalise_header_name(f) for f in header_fields]
    positions: dict[str, int | None] = {}
    for canonical, spellings in ALIASES.items():
        positions[canonical] = next((i + 1 for i, n in enumerate(names) if n in spellings), None)
    return positions


def detect_format(positions: dict[str, int | None], header_fields: Sequence[str]) -> str:
    """Format implied by a header: Stooq's markers (OpenInt, or <PER> in its bulk files) first,
    then a ticker column (long), then an adjusted close (Yahoo); a bare
    Date,Open,High,Low,Close[,Volume] file is a one-file-per-ticker Stooq file."""
    names = {normalise_header_name(f) for f in header_fields}
    if "openint" in names or "per" in names:
        return "stooq"
    if positions["ticker"] is not None:
        return "long"
    if positions["adj_close"] is not None:
        return "yahoo"
    return "stooq"


def ticker_from_file_name(file_name: str, file_format: str) -> str:
    """Ticker implied by a one-file-per-ticker file name.

    Stooq names files ``<ticker>.<market>.txt`` (``spy.us.txt`` -> ``SPY``); Yahoo files are
    named after the Yahoo symbol (``VAS.AX.csv`` -> ``VAS.AX``, ``SPY.csv`` -> ``SPY``).
    """
    stem = file_name
    for ext in (".csv.gz", ".txt.gz", ".parquet", ".csv", ".txt"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    if file_format == "stooq":
        stem = stem.split(".")[0]
    stem = stem.strip().upper()
    if not stem:
        raise InputFileError(f"{file_name}: cannot derive a ticker from this file name")
    return stem


def _first_line(path: str) -> tuple[str, int]:
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        raw = fh.readline()
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"price file {path}: line 1 is not UTF-8 text ({exc.reason}); is this a price file?"
        ) from exc
    return line.rstrip("\r\n"), size


def inspect_price_file(path: str, forced_format: str | None = None) -> PriceFile:
    """Check one CSV price file's header; raise :class:`InputFileError` naming the file if bad."""
    header, size = _first_line(path)
    if size == 0 or not header.strip():
        raise InputFileError(f"price file {path}: the file is empty (no header line)")
    fields = header.split(",")
    positions = column_positions(fields)
    file_format = forced_format or detect_format(positions, fields)
    if file_format not in FORMATS:
        raise InputFileError(f"prices_format must be one of {FORMATS}, got {file_format!r}")
    missing = [c for c in REQUIRED[file_format] if positions[c] is None]
    if missing:
        raise InputFileError(
            f"price file {path}: line 1 {header!r} is not a {file_format} header; "
            f"missing column(s) {', '.join(missing)}"
        )
    name = os.path.basename(path)
    return PriceFile(
        path=path,
        file_name=name,
        file_format=file_format,
        ticker=None if file_format == "long" else ticker_from_file_name(name, file_format),
        header=header,
        n_fields=len(fields),
        positions=positions,
        size_bytes=size,
    )


def inspect_parquet_file(
    path: str, column_names: Sequence[str], forced_format: str | None = None
) -> PriceFile:
    """Same checks as :func:`inspect_price_file` for a Parquet file's column names."""
    positions = column_positions(column_names)
    file_format = forced_format or detect_format(positions, column_names)
    missing = [c for c in REQUIRED[file_format] if positions[c] is None]
    if missing:
        raise InputFileError(
            f"price file {path}: columns {list(column_names)} are not a {file_format} layout; "
            f"missing column(s) {', '.join(missing)}"
        )
    # Parquet columns are read by name, so a column must carry the contract's own name: an
    # "Adj Close" column would otherwise be silently ignored.
    misnamed = [
        f"{column_names[pos - 1]!r} -> {canonical}"
        for canonical, pos in positions.items()
        if pos is not None and column_names[pos - 1].strip().lower() != canonical
    ]
    if misnamed:
        raise InputFileError(
            f"price file {path}: rename Parquet column(s) {', '.join(misnamed)} "
            "(Parquet files must use the long format's column names)"
        )
    name = os.path.basename(path)
    return PriceFile(
        path=path,
        file_name=name,
        file_format=file_format,
        ticker=None if file_format == "long" else ticker_from_file_name(name, file_format),
        header=",".join(column_names),
        n_fields=len(column_names),
        positions=positions,
        size_bytes=os.path.getsize(path),
    )


def price_file_manifest(
    paths: Iterable[str],
    *,
    pattern: str,
    forced_format: str | None = None,
    parquet_columns: dict[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """One row per price file matched by ``pattern``: format, ticker, column positions.

    Raises :class:`InputFileError` naming the file for the first file that is not a price file,
    when nothing matches, when CSV and Parquet are mixed, or when two files claim one ticker.
    """
    paths = list(paths)
    if not paths:
        raise InputFileError(
            f"prices_path {pattern!r} matched no files (working directory {os.getcwd()})"
        )
    kinds = {p.lower().endswith(".parquet") for p in paths}
    if len(kinds) > 1:
        raise InputFileError(f"prices_path {pattern!r} mixes Parquet and CSV files; use one kind")
    if forced_format is not None and forced_format not in FORMATS:
        raise InputFileError(f"prices_format must be one of {FORMATS}, got {forced_format!r}")
    files = []
    for path in paths:
        if path.lower().endswith(".parquet"):
            cols = (parquet_columns or {}).get(path)
            if cols is None:
                raise InputFileError(f"price file {path}: no Parquet schema available")
            files.append(inspect_parquet_file(path, cols, forced_format))
        else:
            files.append(inspect_price_file(path, forced_format))
    seen: dict[str, str] = {}
    for f in files:
        if f.ticker is None:
            continue
        if f.ticker in seen:
            raise InputFileError(
                f"price files {seen[f.ticker]} and {f.path} both hold ticker {f.ticker}; "
                "keep one file per ticker"
            )
        seen[f.ticker] = f.path
    return pd.DataFrame(
        [
            {
                "file_path": f.path,
                "file_name": f.file_name,
                "file_format": f.file_format,
                "file_ticker": f.ticker,
                "header_line": f.header,
                "n_header_fields": f.n_fields,
                **{f"pos_{c}": f.positions[c] for c in CANONICAL},
                "size_bytes": f.size_bytes,
            }
            for f in files
        ],
        columns=price_file_manifest_columns(),
    ).astype({f"pos_{c}": "Int64" for c in CANONICAL})


def check_table_file(path: str, required: Sequence[str], role: str) -> list[str]:
    """Check a small metadata CSV (universe, corporate actions): it exists and has the columns.

    Returns the header's column names; raises :class:`InputFileError` naming the file otherwise.
    """
    if not os.path.exists(path):
        raise InputFileError(f"{role} file {path} does not exist (working directory {os.getcwd()})")
    header, size = _first_line(path)
    if size == 0 or not header.strip():
        raise InputFileError(f"{role} file {path}: the file is empty (no header line)")
    names = [h.strip().lower() for h in header.split(",")]
    missing = [c for c in required if c not in names]
    if missing:
        raise InputFileError(
            f"{role} file {path}: line 1 {header!r} lacks required column(s) {', '.join(missing)}"
        )
    return names


UNIVERSE_REQUIRED = ("ticker",)
ACTIONS_REQUIRED = ("ticker", "date", "action_type", "ratio")
HOLDINGS_REQUIRED = ("ticker", "units")


def input_file_table(
    *,
    prices_path: str | None,
    prices_format: str | None,
    universe_path: str | None,
    corporate_actions_path: str | None,
    holdings_path: str | None = None,
    glob: Callable[[str], list[str]],
    parquet_columns: Callable[[str], list[str]],
) -> pd.DataFrame:
    """Every user input file with its role, checked at file level (see module docstring).

    ``glob`` must expand patterns exactly as DuckDB does (the dbt model passes DuckDB's own
    ``glob()``), so file paths here join to the ``filename`` DuckDB reports for each row.
    """
    frames = []
    if prices_path is not None:
        paths = sorted(glob(prices_path))
        schemas = {p: parquet_columns(p) for p in paths if p.lower().endswith(".parquet")}
        manifest = price_file_manifest(
            paths, pattern=prices_path, forced_format=prices_format, parquet_columns=schemas
        )
        frames.append(manifest.assign(file_role="prices"))
    for role, path, required in (
        ("universe", universe_path, UNIVERSE_REQUIRED),
        ("corporate_actions", corporate_actions_path, ACTIONS_REQUIRED),
        ("holdings", holdings_path, HOLDINGS_REQUIRED),
    ):
        if path is None:
            continue
        names = check_table_file(path, required, role)
        frames.append(
            pd.DataFrame(
                [
                    {
                        "file_path": path,
                        "file_name": os.path.basename(path),
                        "header_line": ",".join(names),
                        "n_header_fields": len(names),
                        "size_bytes": os.path.getsize(path),
                        "file_role": role,
                    }
                ]
            )
        )
    if not frames:
        return _typed_input_files(pd.DataFrame())
    return _typed_input_files(pd.concat(frames, ignore_index=True).assign(ingest_batch=1))


def _typed_input_files(frame: pd.DataFrame) -> pd.DataFrame:
    columns = ["file_role", *price_file_manifest_columns(), "ingest_batch"]
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return frame.reindex(columns=columns).astype(
        {f"pos_{c}": "Int64" for c in CANONICAL}
        | {"n_header_fields": "Int64", "size_bytes": "Int64", "ingest_batch": "Int64"}
    )


def new_input_files(
    ingested: pd.DataFrame,
    current: pd.DataFrame,
    *,
    prices_path: str,
    prices_format: str | None,
    glob: Callable[[str], list[str]],
    parquet_columns: Callable[[str], list[str]],
) -> pd.DataFrame:
    """The price files a live refresh adds: those matched now and not yet ingested.

    ``ingested`` is the manifest so far (the input_files table); ``current`` the non-price
    files as configured now (from :func:`input_file_table` without prices). The live refresh
    only appends: a file already ingested that has changed size or gone, or a changed
    universe, corporate-actions or holdings file, raises :class:`InputFileError` asking for a
    full build. New files are inspected as in a full build and get the next ``ingest_batch``.
    """
    full_build = "run a full `dbt build` (the live refresh only adds new files)"
    known = ingested.set_index("file_path")
    for path, row in known.iterrows():
        if not os.path.exists(path):
            raise InputFileError(
                f"{row['file_role']} file {path} was ingested and is gone; {full_build}"
            )
        size = os.path.getsize(path)
        if size != row["size_bytes"]:
            raise InputFileError(
                f"{row['file_role']} file {path} changed since it was ingested "
                f"({row['size_bytes']} -> {size} bytes); {full_build}"
            )
    configured = set(current["file_path"])
    known_other = set(ingested.loc[ingested["file_role"] != "prices", "file_path"])
    if configured != known_other:
        raise InputFileError(
            f"the universe, corporate-actions or holdings files changed "
            f"({sorted(known_other)} -> {sorted(configured)}); {full_build}"
        )
    paths = [p for p in sorted(glob(prices_path)) if p not in known.index]
    if not paths:
        return _typed_input_files(pd.DataFrame())
    schemas = {p: parquet_columns(p) for p in paths if p.lower().endswith(".parquet")}
    added = price_file_manifest(
        paths, pattern=prices_path, forced_format=prices_format, parquet_columns=schemas
    )
    kinds = {
        p.lower().endswith(".parquet")
        for p in [*paths, *known.index[known["file_role"] == "prices"]]
    }
    if len(kinds) > 1:
        raise InputFileError(
            f"prices_path {prices_path!r} mixes Parquet and CSV files; use one kind"
        )
    held = ingested.loc[ingested["file_ticker"].notna()].set_index("file_ticker")["file_path"]
    for path, ticker in zip(added["file_path"], added["file_ticker"], strict=True):
        if pd.notna(ticker) and ticker in held.index:
            raise InputFileError(
                f"price files {held[ticker]} and {path} both hold ticker {ticker}; "
                "keep one file per ticker (new days for a ticker go in a new long-format file)"
            )
    batch = int(ingested["ingest_batch"].max()) + 1 if len(ingested) else 1
    return _typed_input_files(added.assign(file_role="prices", ingest_batch=batch))


def price_file_manifest_columns() -> list[str]:
    return [
        "file_path",
        "file_name",
        "file_format",
        "file_ticker",
        "header_line",
        "n_header_fields",
        *[f"pos_{c}" for c in CANONICAL],
        "size_bytes",
    ]

"""One price file's header checked: its format, its ticker, where each column sits.

See :mod:`etf_warehouse.ingest.manifest` for how these checks fit the build, and
:mod:`etf_warehouse.ingest.formats` for the formats themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from etf_warehouse.ingest.formats import (
    CANONICAL,
    FORMATS,
    PRICE_FORMAT,
    REQUIRED,
    column_positions,
    detect_format,
)


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
    price_format = PRICE_FORMAT.get(file_format)
    if price_format is not None and price_format.drop_market_suffix:
        stem = stem.split(".")[0]
    stem = stem.strip().upper()
    if not stem:
        raise InputFileError(f"{file_name}: cannot derive a ticker from this file name")
    return stem


def file_ticker(file_name: str, file_format: str) -> str | None:
    """The file's ticker: None for formats with a ticker in every row (long), else from its name."""
    if PRICE_FORMAT[file_format].ticker_in_rows:
        return None
    return ticker_from_file_name(file_name, file_format)


def read_header_line(path: str) -> tuple[str, int]:
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
    header, size = read_header_line(path)
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
    return _price_file(path, file_format, header, len(fields), positions, size)


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
    return _price_file(
        path,
        file_format,
        ",".join(column_names),
        len(column_names),
        positions,
        os.path.getsize(path),
    )


def _price_file(
    path: str,
    file_format: str,
    header: str,
    n_fields: int,
    positions: dict[str, int | None],
    size_bytes: int,
) -> PriceFile:
    """The checked file's record; the ticker from its name unless its format has it in rows."""
    name = os.path.basename(path)
    return PriceFile(
        path=path,
        file_name=name,
        file_format=file_format,
        ticker=None
        if PRICE_FORMAT[file_format].ticker_in_rows
        else ticker_from_file_name(name, file_format),
        header=header,
        n_fields=n_fields,
        positions=positions,
        size_bytes=size_bytes,
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

"""File-level checks of the user's input files, before any row is read.

The warehouse reads price files row by row in SQL (every physical line becomes a row with its line
number, see ``models/staging/price_files``). Before that, :func:`price_file_manifest` looks at each
file's header line only, so a file that is not a price file at all (empty, wrong columns, wrong
format) stops the build with an error naming the file, and every good file gets:

- its format (one of :data:`etf_warehouse.ingest.formats.FORMATS`), detected from the header
  when not forced;
- its ticker, from the file name for one-file-per-ticker formats;
- the position of each column in its lines, so the SQL can split lines of any column order.

Row-level problems (a non-numeric price, a truncated last line...) are not errors: those rows go to
the quarantine table with a reason.

Layout: the formats and header vocabulary are in :mod:`~etf_warehouse.ingest.formats`, one price
file's checks in :mod:`~etf_warehouse.ingest.price_files`; this module checks every input file
of a build or a live refresh (all the names import from here).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import pandas as pd

from etf_warehouse.ingest.formats import (
    ALIASES,
    CANONICAL,
    FORMATS,
    REQUIRED,
    column_positions,
    detect_format,
    normalise_header_name,
)
from etf_warehouse.ingest.price_files import (
    InputFileError,
    PriceFile,
    inspect_parquet_file,
    inspect_price_file,
    price_file_manifest,
    price_file_manifest_columns,
    read_header_line,
    ticker_from_file_name,
)

__all__ = [
    "ACTIONS_REQUIRED",
    "ALIASES",
    "CANONICAL",
    "FORMATS",
    "HOLDINGS_REQUIRED",
    "MACRO_REQUIRED",
    "REQUIRED",
    "UNIVERSE_REQUIRED",
    "InputFileError",
    "PriceFile",
    "check_table_file",
    "column_positions",
    "detect_format",
    "input_file_table",
    "inspect_parquet_file",
    "inspect_price_file",
    "new_input_files",
    "normalise_header_name",
    "price_file_manifest",
    "price_file_manifest_columns",
    "ticker_from_file_name",
]


def check_table_file(
    path: str,
    required: Sequence[str],
    role: str,
    parquet_columns: Callable[[str], list[str]] | None = None,
) -> list[str]:
    """Check a table file (universe, corporate actions, macro): it exists and has the columns.

    A CSV's header line is read; a ``.parquet`` file's schema comes from ``parquet_columns``.
    Returns the column names; raises :class:`InputFileError` naming the file otherwise.
    """
    if not os.path.exists(path):
        raise InputFileError(f"{role} file {path} does not exist (working directory {os.getcwd()})")
    if path.lower().endswith(".parquet") and parquet_columns is not None:
        names = [c.strip().lower() for c in parquet_columns(path)]
        missing = [c for c in required if c not in names]
        if missing:
            raise InputFileError(
                f"{role} file {path}: its columns {', '.join(names)} lack required column(s) "
                f"{', '.join(missing)}"
            )
        return names
    header, size = read_header_line(path)
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
MACRO_REQUIRED = ("date", "series", "value")


def input_file_table(
    *,
    prices_path: str | None,
    prices_format: str | None,
    universe_path: str | None,
    corporate_actions_path: str | None,
    holdings_path: str | None = None,
    macro_path: str | None = None,
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
        ("macro", macro_path, MACRO_REQUIRED),
    ):
        if path is None:
            continue
        names = check_table_file(path, required, role, parquet_columns)
        frames.append(
            pd.DataFrame(
                [
                    {
                        "file_path": path,
                        "file_name": os.path.basename(path),
                        "header_line": ",".join(names),
                        "n_header_fields": len(names),
                        # the macro file is re-read whole by every refresh: no size to hold
                        "size_bytes": None if role == "macro" else os.path.getsize(path),
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
    full build. The macro file may change (it is small and read whole on every refresh, which
    applies it to the days refreshed); a different ``macro_path`` is a changed file. New
    files are inspected as in a full build and get the next ``ingest_batch``.
    """
    full_build = "run a full `dbt build` (the live refresh only adds new files)"
    known = ingested.set_index("file_path")
    for path, row in known.iterrows():
        if row["file_role"] == "macro":
            # the macro file is re-read whole on every refresh (a daily download rewrites it)
            continue
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
            f"the universe, corporate-actions, holdings or macro files changed "
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

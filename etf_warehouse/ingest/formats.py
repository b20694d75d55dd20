"""The price-file formats the warehouse reads, defined once: name, expected header, ticker rule.

Every other place that needs the list (the file checks in :mod:`etf_warehouse.ingest.manifest`,
the ``etfw sample-files`` options, the sample writer, the build benchmark) reads it from here.
A new format is one more :class:`PriceFormat` in :data:`PRICE_FORMATS`: the SQL that splits the
lines (``models/staging/price_files``) picks columns by the positions found in each header, so it
needs no change unless the new format's *row* tickers need a rule other than upper-casing (the
one such rule, Stooq's ``SPY.US`` -> ``SPY``, is keyed on ``file_format = 'stooq'`` there).

Kept free of pandas and numpy: the command line imports it to list its ``--format`` choices.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class PriceFormat:
    """One price-file format.

    ``required``: canonical columns its header must have (any order, any alias spelling).
    Detection (when ``prices_format`` is not set): formats are tried in ``detect_rank`` order and
    the first whose header has one of its ``marker_names`` (normalised header names) or
    ``marker_columns`` (canonical columns) wins; a header matching none is :data:`DEFAULT_FORMAT`.
    Ticker: ``ticker_in_rows`` formats carry it in every row (the file name gives none); the
    others take it from the file name (extension removed, upper-cased), and with
    ``drop_market_suffix`` only the part before the first dot (``spy.us.txt`` -> ``SPY``).
    """

    name: str
    required: tuple[str, ...]
    detect_rank: int
    marker_names: tuple[str, ...] = ()
    marker_columns: tuple[str, ...] = ()
    ticker_in_rows: bool = False
    drop_market_suffix: bool = False


PRICE_FORMATS: tuple[PriceFormat, ...] = (
    # <ticker>.<market>.txt, Date,Open,High,Low,Close,Volume,OpenInt (bulk: <TICKER>,<PER>,...)
    PriceFormat(
        "stooq",
        ("date", "open", "high", "low", "close"),
        detect_rank=1,  # its markers win over a ticker column: bulk files are per ticker too
        marker_names=("openint", "per"),
        drop_market_suffix=True,
    ),
    # <SYMBOL>.csv, Date,Open,High,Low,Close,Adj Close,Volume
    PriceFormat(
        "yahoo",
        ("date", "open", "high", "low", "close"),
        detect_rank=3,
        marker_columns=("adj_close",),
    ),
    # any file name, date,ticker,...,close: many funds per file
    PriceFormat(
        "long",
        ("date", "ticker", "close"),
        detect_rank=2,
        marker_columns=("ticker",),
        ticker_in_rows=True,
    ),
)
FORMATS = tuple(f.name for f in PRICE_FORMATS)
PRICE_FORMAT = {f.name: f for f in PRICE_FORMATS}
REQUIRED = {f.name: f.required for f in PRICE_FORMATS}
DEFAULT_FORMAT = "stooq"  # a bare Date,Open,High,Low,Close[,Volume] file: one file per ticker


def format_list(names: Sequence[str] = FORMATS) -> str:
    """The names as prose: ``stooq, yahoo or long``."""
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else "".join(names)


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
    """Format implied by a header (see :class:`PriceFormat`): Stooq's markers (OpenInt, or <PER>
    in its bulk files) first, then a ticker column (long), then an adjusted close (Yahoo); a bare
    Date,Open,High,Low,Close[,Volume] file is a one-file-per-ticker Stooq file."""
    names = {normalise_header_name(f) for f in header_fields}
    for fmt in sorted(PRICE_FORMATS, key=lambda f: f.detect_rank):
        if any(m in names for m in fmt.marker_names) or any(
            positions[c] is not None for c in fmt.marker_columns
        ):
            return fmt.name
    return DEFAULT_FORMAT

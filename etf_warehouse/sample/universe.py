"""The synthetic ETF universe: fund templates shaped like an ASX listing, and the slot order.

A *template* is a kind of fund (Australian broad equity, long government bonds, gold, a geared
fund...) with its true factor loadings, idiosyncratic volatility, distribution policy, liquidity and
fees. The generator turns the first ``n_etfs`` *slots* into funds. Slot ``k`` is always the same
fund whatever ``n_etfs`` is, so a 12-fund test universe is a prefix of the 150-fund default and of
the 3,000-fund scale run.

The templates are data: ``universe_templates.csv`` next to this module, one row per template, one
column per :class:`Template` field. Loadings are spread over one ``loading_<factor>`` column per
factor the generator emits (see :data:`FACTORS`); they are the truth that the factor-exposure models
should recover. On ``term`` a loading is the bond duration / 10. An empty cell takes the field's
default (no loading, no underlying...). Geared and inverse funds name the template they track in
``underlying`` and take its loadings and idiosyncratic volatility, scaled by ``leverage``; their
own ``loading_*`` and ``idio_vol_ann`` cells stay empty. Row order matters: it is the order of the
weighted round-robin in :func:`slot_templates`. The ``NAS`` row (weight 0) is the SNAS.AX analogue,
placed only through :data:`CORE_SLOTS`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

# Factor returns emitted by the generator (daily, decimal, AUD investor). ``rf`` (cash) is separate.
FACTORS: tuple[str, ...] = (
    "mkt_rf",  # Australian equity market excess return
    "smb",  # size: small minus big
    "hml",  # value: high minus low book-to-market
    "term",  # excess return of a 10-year-duration Australian government bond
    "credit",  # excess return of investment-grade credit over governments, per unit spread duration
    "fx_usd",  # return of holding USD for an AUD investor (AUD falls -> positive)
    "glb_x",  # global developed equity (local currency), the part not explained by mkt_rf
    "eu_x",  # European equity beyond global
    "em_x",  # emerging-market equity beyond global
    "reit_x",  # listed property beyond equity
    "gold",  # gold in USD
    "oil",  # crude oil in USD
    "comm",  # broad commodities ex oil, USD
)


@dataclass(frozen=True)
class Template:
    """A kind of fund. Loadings are for one unit of leverage; ``leverage`` scales them daily."""

    code: str
    asset_class: str
    sub_class: str
    region: str
    name: str
    weight: float
    loadings: dict[str, float] = field(default_factory=dict)
    idio_vol_ann: float = 0.02
    dist_yield: float = 0.03  # annual cash distribution as a fraction of price
    dist_per_year: int = 4
    adv_aud: float = 2e6  # median daily traded value, AUD
    spread_bps: float = 10.0  # median quoted bid-ask spread
    expense_ratio: float = 0.002
    leverage: float = 1.0
    underlying: str | None = None  # geared/inverse funds track another template
    is_cash_like: bool = False


TEMPLATES_FILE = "universe_templates.csv"
SNAS_CODE = "NAS"


def _parse_bool(cell: str) -> bool:
    if cell not in ("true", "false"):
        raise ValueError(f"expected true or false, got {cell!r}")
    return cell == "true"


# Template field -> parser of its CSV cell (``loadings`` comes from the ``loading_*`` columns).
_FIELD_PARSERS: dict[str, Callable[[str], object]] = {
    "code": str,
    "asset_class": str,
    "sub_class": str,
    "region": str,
    "name": str,
    "weight": float,
    "idio_vol_ann": float,
    "dist_yield": float,
    "dist_per_year": int,
    "adv_aud": float,
    "spread_bps": float,
    "expense_ratio": float,
    "leverage": float,
    "underlying": str,
    "is_cash_like": _parse_bool,
}
_REQUIRED = ("code", "asset_class", "sub_class", "region", "name", "weight")
_LOADING_COLUMNS = {f"loading_{f}": f for f in FACTORS}


def _parse_template(row: dict[str, str]) -> Template:
    values: dict[str, Any] = {}
    for name, parse in _FIELD_PARSERS.items():
        cell = row[name].strip()
        if cell:
            values[name] = parse(cell)
        elif name in _REQUIRED:
            raise ValueError(f"template {row['code']!r}: {name} is empty")
    loadings = {f: float(row[col]) for col, f in _LOADING_COLUMNS.items() if row[col].strip()}
    return Template(**values, loadings=loadings)  # empty cells keep the dataclass default


def load_templates(text: str | None = None) -> tuple[Template, ...]:
    """Every template of ``universe_templates.csv`` (or of the CSV ``text``), in file order."""
    if text is None:
        text = resources.files(__package__).joinpath(TEMPLATES_FILE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    expected = [*_FIELD_PARSERS, *_LOADING_COLUMNS]
    if sorted(reader.fieldnames or []) != sorted(expected):
        raise ValueError(f"template columns {reader.fieldnames} differ from {expected}")
    return tuple(_parse_template(row) for row in reader)


_ALL_TEMPLATES = load_templates()
# The SNAS.AX analogue: a technology fund whose 1-for-10 consolidation is not declared anywhere and
# is left unadjusted in the raw prices. It only enters through CORE_SLOTS.
SNAS_TEMPLATE = next(t for t in _ALL_TEMPLATES if t.code == SNAS_CODE)
SNAS_TICKER = "SYNAS.AX"
TEMPLATES: tuple[Template, ...] = tuple(t for t in _ALL_TEMPLATES if t.code != SNAS_CODE)

TEMPLATE_BY_CODE: dict[str, Template] = {t.code: t for t in TEMPLATES}

# The first slots, in order: a small universe still holds every kind of fund the pipeline must
# handle (a benchmark-like fund, bonds, gold, cash, foreign and emerging equity, a geared and an
# inverse fund, property, and the unadjusted-consolidation fund of the SNAS.AX failure).
CORE_SLOTS: tuple[str, ...] = (
    "AEQ",
    "AGS",
    "GLD",
    "USE",
    "EMK",
    "CSH",
    "NAS",
    "GEA",
    "REI",
    "ACB",
    "THM",
    "BEA",
    "AGL",
    "EUR",
    "ASC",
    "HYB",
    "UST",
    "COM",
    "GDE",
    "ADV",
)


def slot_templates(n_etfs: int) -> list[Template]:
    """Template of each of the first ``n_etfs`` slots.

    After :data:`CORE_SLOTS`, slots follow a smooth weighted round-robin over :data:`TEMPLATES`, so
    any prefix holds the templates in proportion to their weights and slot ``k`` never depends on
    ``n_etfs``.
    """
    by_code = {**TEMPLATE_BY_CODE, SNAS_TEMPLATE.code: SNAS_TEMPLATE}
    slots = [by_code[code] for code in CORE_SLOTS[:n_etfs]]
    current = {t.code: 0.0 for t in TEMPLATES}
    total = sum(t.weight for t in TEMPLATES)
    while len(slots) < n_etfs:
        for t in TEMPLATES:
            current[t.code] += t.weight
        best = max(TEMPLATES, key=lambda t: current[t.code])
        current[best.code] -= total
        slots.append(best)
    return slots


def slot_tickers(templates: list[Template]) -> list[str]:
    """Ticker per slot: template code plus a running number (``AEQ01.AX``), SNAS fund aside."""
    counts: dict[str, int] = {}
    tickers = []
    for t in templates:
        if t.code == SNAS_TEMPLATE.code:
            tickers.append(SNAS_TICKER)
            continue
        counts[t.code] = counts.get(t.code, 0) + 1
        tickers.append(f"{t.code}{counts[t.code]:02d}.AX")
    return tickers


def effective_loadings(template: Template) -> dict[str, float]:
    """Loadings of one unit of the fund, following the underlying template for geared funds."""
    if template.underlying is None:
        return dict(template.loadings)
    base = TEMPLATE_BY_CODE[template.underlying]
    return {k: v * template.leverage for k, v in base.loadings.items()}


def effective_idio_vol(template: Template) -> float:
    if template.underlying is None:
        return template.idio_vol_ann
    return TEMPLATE_BY_CODE[template.underlying].idio_vol_ann * abs(template.leverage)

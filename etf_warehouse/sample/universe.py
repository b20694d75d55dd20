"""The synthetic ETF universe: fund templates shaped like an ASX listing, and the slot order.

A *template* is a kind of fund (Australian broad equity, long government bonds, gold, a geared
fund...) with its true factor loadings, idiosyncratic volatility, distribution policy, liquidity and
fees. The generator turns the first ``n_etfs`` *slots* into funds. Slot ``k`` is always the same
fund whatever ``n_etfs`` is, so a 12-fund test universe is a prefix of the 150-fund default and of
the 3,000-fund scale run.

Loadings are on the factor returns the generator emits (see :data:`FACTORS`); they are the truth
that the factor-exposure models should recover.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def _t(*args, **kwargs) -> Template:
    return Template(*args, **kwargs)


TEMPLATES: tuple[Template, ...] = (
    # --- Australian equity
    _t(
        "AEQ",
        "equity",
        "au_broad",
        "AU",
        "Australian Shares Index",
        10,
        {"mkt_rf": 1.0, "hml": 0.1},
        0.015,
        0.042,
        4,
        8e6,
        4,
        0.001,
    ),
    _t(
        "ASC",
        "equity",
        "au_small_cap",
        "AU",
        "Australian Small Companies",
        4,
        {"mkt_rf": 1.05, "smb": 0.9},
        0.05,
        0.03,
        2,
        1e6,
        18,
        0.004,
    ),
    _t(
        "ADV",
        "equity",
        "au_high_dividend",
        "AU",
        "Australian High Dividend",
        4,
        {"mkt_rf": 0.9, "hml": 0.5},
        0.03,
        0.06,
        4,
        2e6,
        10,
        0.003,
    ),
    _t(
        "ASF",
        "equity",
        "au_sector",
        "AU",
        "Australian Sector",
        6,
        {"mkt_rf": 1.1, "hml": 0.3, "comm": 0.2},
        0.09,
        0.04,
        2,
        6e5,
        20,
        0.004,
    ),
    # --- US and developed-market equity (unhedged unless named hedged)
    _t(
        "USE",
        "equity",
        "us_broad",
        "US",
        "US Shares Index",
        8,
        {"mkt_rf": 0.55, "glb_x": 1.0, "fx_usd": 1.0},
        0.015,
        0.015,
        2,
        5e6,
        5,
        0.0009,
    ),
    _t(
        "UST",
        "equity",
        "us_technology",
        "US",
        "US Technology",
        4,
        {"mkt_rf": 0.6, "glb_x": 1.25, "hml": -0.4, "fx_usd": 1.0},
        0.08,
        0.005,
        1,
        3e6,
        8,
        0.0048,
    ),
    _t(
        "USH",
        "equity",
        "us_broad_hedged",
        "US",
        "US Shares Index (AUD Hedged)",
        3,
        {"mkt_rf": 0.55, "glb_x": 1.0},
        0.015,
        0.015,
        2,
        2e6,
        6,
        0.001,
    ),
    _t(
        "GDE",
        "equity",
        "global_developed",
        "GLOBAL",
        "World ex-Australia Shares",
        6,
        {"mkt_rf": 0.55, "glb_x": 0.9, "eu_x": 0.3, "fx_usd": 0.9},
        0.02,
        0.02,
        2,
        4e6,
        6,
        0.0018,
    ),
    _t(
        "EUR",
        "equity",
        "europe",
        "EU",
        "European Shares",
        3,
        {"mkt_rf": 0.5, "glb_x": 0.6, "eu_x": 1.0, "fx_usd": 0.8},
        0.03,
        0.025,
        2,
        8e5,
        12,
        0.0035,
    ),
    _t(
        "JPN",
        "equity",
        "japan",
        "JP",
        "Japanese Shares",
        2,
        {"mkt_rf": 0.45, "glb_x": 0.6, "fx_usd": 0.7},
        0.06,
        0.015,
        1,
        6e5,
        14,
        0.0048,
    ),
    _t(
        "ASA",
        "equity",
        "asia",
        "ASIA",
        "Asian Shares",
        3,
        {"mkt_rf": 0.55, "glb_x": 0.5, "em_x": 0.6, "fx_usd": 0.8},
        0.06,
        0.015,
        1,
        8e5,
        14,
        0.0045,
    ),
    _t(
        "EMK",
        "equity",
        "emerging_markets",
        "EM",
        "Emerging Markets Shares",
        5,
        {"mkt_rf": 0.6, "glb_x": 0.6, "em_x": 1.0, "fx_usd": 0.8},
        0.04,
        0.02,
        1,
        1.5e6,
        12,
        0.0049,
    ),
    _t(
        "GSC",
        "equity",
        "global_sector",
        "GLOBAL",
        "Global Sector",
        5,
        {"mkt_rf": 0.55, "glb_x": 1.0, "fx_usd": 1.0},
        0.10,
        0.01,
        1,
        5e5,
        18,
        0.0057,
    ),
    _t(
        "THM",
        "equity",
        "thematic",
        "GLOBAL",
        "Thematic Innovation",
        8,
        {"mkt_rf": 0.6, "glb_x": 1.2, "smb": 0.3, "hml": -0.5, "fx_usd": 0.9},
        0.16,
        0.0,
        1,
        3e5,
        30,
        0.0069,
    ),
    # --- geared and inverse funds (daily reset)
    _t(
        "GEA",
        "equity",
        "leveraged_long",
        "AU",
        "Geared Australian Shares",
        2,
        leverage=2.0,
        underlying="AEQ",
        adv_aud=1.5e6,
        spread_bps=12,
        expense_ratio=0.008,
        dist_yield=0.03,
        dist_per_year=2,
    ),
    _t(
        "GUS",
        "equity",
        "leveraged_long",
        "US",
        "Geared US Technology",
        1,
        leverage=2.0,
        underlying="UST",
        adv_aud=8e5,
        spread_bps=15,
        expense_ratio=0.0095,
        dist_yield=0.0,
        dist_per_year=1,
    ),
    _t(
        "BEA",
        "equity",
        "inverse",
        "AU",
        "Australian Equities Bear",
        1,
        leverage=-1.0,
        underlying="AEQ",
        adv_aud=5e5,
        spread_bps=15,
        expense_ratio=0.0118,
        dist_yield=0.0,
        dist_per_year=1,
    ),
    _t(
        "BUS",
        "equity",
        "inverse",
        "US",
        "US Equities Bear (AUD Hedged)",
        1,
        leverage=-1.0,
        underlying="USH",
        adv_aud=4e5,
        spread_bps=18,
        expense_ratio=0.0119,
        dist_yield=0.0,
        dist_per_year=1,
    ),
    # --- fixed income (loadings on ``term`` are duration / 10)
    _t(
        "AGS",
        "fixed_income",
        "au_government_short",
        "AU",
        "Australian Government Bonds 1-5Y",
        3,
        {"term": 0.3},
        0.003,
        0.03,
        12,
        2e6,
        4,
        0.0015,
    ),
    _t(
        "AGL",
        "fixed_income",
        "au_government_long",
        "AU",
        "Australian Government Bonds 10Y+",
        2,
        {"term": 1.2},
        0.005,
        0.035,
        12,
        1e6,
        6,
        0.0022,
    ),
    _t(
        "ABA",
        "fixed_income",
        "au_aggregate",
        "AU",
        "Australian Fixed Interest",
        4,
        {"term": 0.6, "credit": 0.3},
        0.004,
        0.032,
        4,
        2e6,
        5,
        0.001,
    ),
    _t(
        "GGB",
        "fixed_income",
        "global_government",
        "GLOBAL",
        "Global Government Bonds (AUD Hedged)",
        2,
        {"term": 0.7},
        0.01,
        0.025,
        4,
        8e5,
        8,
        0.002,
    ),
    _t(
        "ACB",
        "fixed_income",
        "au_corporate",
        "AU",
        "Australian Corporate Bonds",
        3,
        {"term": 0.45, "credit": 1.0},
        0.006,
        0.045,
        12,
        9e5,
        8,
        0.0015,
    ),
    _t(
        "HYB",
        "fixed_income",
        "high_yield",
        "GLOBAL",
        "Global High Yield (AUD Hedged)",
        2,
        {"term": 0.2, "credit": 2.5, "mkt_rf": 0.15},
        0.015,
        0.06,
        12,
        4e5,
        15,
        0.005,
    ),
    _t(
        "ILB",
        "fixed_income",
        "inflation_linked",
        "AU",
        "Inflation-Linked Bonds",
        1,
        {"term": 0.8},
        0.01,
        0.02,
        4,
        3e5,
        12,
        0.0022,
    ),
    # --- property and infrastructure
    _t(
        "REI",
        "real_estate",
        "au_reit",
        "AU",
        "Australian Property",
        4,
        {"mkt_rf": 0.8, "reit_x": 1.0, "term": 0.3},
        0.03,
        0.05,
        4,
        3e6,
        8,
        0.0025,
    ),
    _t(
        "GRE",
        "real_estate",
        "global_reit",
        "GLOBAL",
        "Global Property",
        2,
        {"mkt_rf": 0.4, "glb_x": 0.5, "reit_x": 0.8, "fx_usd": 0.9},
        0.04,
        0.04,
        2,
        6e5,
        14,
        0.0043,
    ),
    _t(
        "INF",
        "real_estate",
        "infrastructure",
        "GLOBAL",
        "Global Infrastructure",
        2,
        {"mkt_rf": 0.5, "glb_x": 0.4, "term": 0.4, "fx_usd": 0.6},
        0.04,
        0.035,
        2,
        6e5,
        14,
        0.0052,
    ),
    # --- commodities
    _t(
        "GLD",
        "commodity",
        "gold",
        "GLOBAL",
        "Physical Gold",
        3,
        {"gold": 1.0, "fx_usd": 1.0},
        0.008,
        0.0,
        1,
        3e6,
        8,
        0.004,
    ),
    _t(
        "GLH",
        "commodity",
        "gold_hedged",
        "GLOBAL",
        "Physical Gold (AUD Hedged)",
        1,
        {"gold": 1.0},
        0.008,
        0.0,
        1,
        5e5,
        12,
        0.0059,
    ),
    _t(
        "COM",
        "commodity",
        "broad_commodities",
        "GLOBAL",
        "Broad Commodities",
        2,
        {"comm": 1.0, "oil": 0.35, "gold": 0.1, "fx_usd": 1.0},
        0.03,
        0.0,
        1,
        3e5,
        20,
        0.0069,
    ),
    _t(
        "OIL",
        "commodity",
        "crude_oil",
        "GLOBAL",
        "Crude Oil",
        1,
        {"oil": 1.0, "fx_usd": 1.0},
        0.06,
        0.0,
        1,
        4e5,
        20,
        0.0069,
    ),
    # --- cash and currency
    _t(
        "CSH",
        "cash",
        "cash",
        "AU",
        "Australian Cash",
        3,
        {},
        0.0005,
        0.0,
        12,
        3e6,
        1,
        0.0018,
        is_cash_like=True,
    ),
    _t(
        "USD",
        "currency",
        "usd",
        "US",
        "US Dollar",
        1,
        {"fx_usd": 1.0},
        0.003,
        0.0,
        1,
        1e6,
        4,
        0.0045,
    ),
    _t(
        "EUC",
        "currency",
        "eur",
        "EU",
        "Euro",
        1,
        {"fx_usd": 0.9, "eu_x": 0.05},
        0.05,
        0.0,
        1,
        2e5,
        12,
        0.0045,
    ),
)

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

# The SNAS.AX analogue: a technology fund whose 1-for-10 consolidation is not declared anywhere and
# is left unadjusted in the raw prices.
SNAS_TEMPLATE = Template(
    "NAS",
    "equity",
    "us_technology",
    "US",
    "Nasdaq Technology",
    0,
    {"mkt_rf": 0.6, "glb_x": 1.3, "hml": -0.5, "fx_usd": 1.0},
    0.06,
    0.005,
    1,
    4e5,
    15,
    0.0048,
)
SNAS_TICKER = "SYNAS.AX"


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

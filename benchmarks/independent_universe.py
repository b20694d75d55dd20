"""A synthetic US ETF universe written as Stooq files, generated independently of the project.

Acceptance checks run the warehouse on "a universe generated independently of the project's own
generator". This script is that generator. It reads and imports nothing from ``etf_warehouse``
(numpy, pandas and the standard library only), so a flaw shared by the sample generator and the
warehouse cannot hide here. Output (``--out DIR``), the formats of the design's contract:

- ``DIR/prices/<ticker>.us.txt``: one Stooq file per fund (``Date,Open,High,Low,Close,Volume,
  OpenInt``, dates ``YYYYMMDD``), prices already adjusted for splits and distributions;
- ``DIR/universe.csv``: ``ticker,name,asset_class,sub_class,region,currency,leverage`` with about
  3 % of the tickers left out (the warehouse infers their class) and some names empty;
- ``DIR/vars.json``: the dbt vars that build on these files (``prices_path``, ``prices_format``,
  ``universe_path``).

The model, in short:

- 46 latent daily factors (US market, size, value, developed and emerging markets, rates,
  credit, inflation, commodities, oil, gas, gold, silver, the dollar, REITs, 14 sectors, 15
  countries, VIX futures), each a GARCH(1,1) (GJR for the equity and credit ones) with Student-t
  innovations (df 4-6) and stress windows that raise the volatility of all of them;
- the US market follows history segment by segment (2006-2025: +25 % to October 2007, -50 %
  peak to trough by March 2009 with -9 % days, 2011, -18 % in 2018, the COVID crash of -34 % in
  a month with a -12 % day, -24 % in 2022, April 2025), random inside each segment; other factors
  have their own episodes (credit, rates, oil and commodities in 2008, 2014 and 2020, gold in
  2013, the 2018 volatility spike, regional banks in 2023, Russia in 2014 and 2022); an episode
  is used when the window holds it whole, outside them the factors are random;
- a fund's daily simple return = fee drag + carry + loadings (by asset class and sub-class,
  perturbed per fund) x factor returns + its own GARCH-t noise (df 3-6);
- leveraged (2x, 3x) and inverse (-1x, -2x, -3x) funds are exact daily multiples of an index
  (they decay and can lose more than 90 %); volatility funds (VIX futures, 1x, 1.5x, 2x, -0.5x,
  -1x) move about -2.5x the market plus their own noise and bleed roll cost; a fund that would
  span more than 1e7 in price lists later, and one that would fall below $0.05 has its whole
  history scaled up, as a reverse split adjusted back in time does in Stooq files;
- start prices log-uniform from $1 to $1,000; volume log-normal around a fund level from 100 to
  50 M shares, rising with the day's absolute return; thin funds (10 %) have many zero-volume
  days with the previous close repeated and a few missing days; Open/High/Low around the close;
- 70 % of the funds listed on the first day, the rest later (at least 300 sessions before the
  end), 4 % delisted before the end (the file stops); US weekdays less nine holidays a year.

Same arguments, same bytes. Existing ``DIR/prices/*.txt`` files are removed first.

    .venv/bin/python benchmarks/independent_universe.py --n-etfs 3000 --out /tmp/indep3000
    .venv/bin/python benchmarks/build_benchmark.py --vars-file /tmp/indep3000/vars.json
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

END_DATE = "2025-12-31"
TRADING_DAYS = 252
CHUNK = 250  # funds simulated and written at a time (fixed: the random streams depend on it)
PRICE_FLOOR = 0.05  # no fund's lowest close below this (the history is scaled up instead)
MAX_LOG_RANGE = math.log(1e7)  # a fund's highest close / lowest close at most this
SHARE_LATE_LISTING = 0.30
SHARE_DELISTED = 0.04
SHARE_THIN = 0.10
SHARE_OUT_OF_UNIVERSE = 0.03
SHARE_EMPTY_NAME = 0.05
MIN_LIFE = 300  # sessions a late listing has at least before the end
RESERVED = {"CON", "PRN", "AUX", "NUL"}  # not usable as file names on Windows

# Group shares of the universe (largest remainder, so small universes get the big groups).
GROUP_SHARES = {
    "us_equity": 0.20,
    "sector": 0.17,
    "international": 0.17,
    "fixed_income": 0.20,
    "commodity": 0.06,
    "real_estate": 0.04,
    "currency": 0.02,
    "leveraged": 0.05,
    "inverse": 0.03,
    "volatility": 0.006,
}


@dataclass(frozen=True)
class Factor:
    name: str
    vol: float  # annualised unconditional volatility
    drift: float  # annual log drift outside the pinned episodes
    df: float  # Student-t degrees of freedom of the innovations
    gjr: bool = False  # asymmetric (falls raise the variance more)


COUNTRIES_DEVELOPED = {"JP": 0.10, "UK": 0.09, "DE": 0.10, "FR": 0.09, "CH": 0.08, "AU": 0.11}
COUNTRIES_DEVELOPED |= {"CA": 0.09}
COUNTRIES_EMERGING = {"CN": 0.18, "BR": 0.22, "IN": 0.16, "KR": 0.14, "TW": 0.13, "MX": 0.15}
COUNTRIES_EMERGING |= {"ZA": 0.18, "RU": 0.22}

FACTORS: tuple[Factor, ...] = (
    Factor("MKT", 0.15, 0.065, 6, gjr=True),
    Factor("SIZE", 0.07, 0.0, 5),
    Factor("VALUE", 0.07, 0.0, 5),
    Factor("DEV", 0.08, -0.015, 5),
    Factor("EM", 0.13, 0.0, 5, gjr=True),
    Factor("RATES", 0.055, 0.012, 5),
    Factor("CREDIT", 0.035, 0.012, 5, gjr=True),
    Factor("INFL", 0.025, 0.0, 5),
    Factor("COMMOD", 0.16, -0.01, 5),
    Factor("OIL", 0.22, -0.03, 4),
    Factor("NATGAS", 0.38, -0.12, 4),
    Factor("AGRI", 0.10, -0.01, 5),
    Factor("GOLD", 0.15, 0.05, 5),
    Factor("SILVER", 0.17, -0.01, 4),
    Factor("USD", 0.07, 0.0, 6),
    Factor("REIT", 0.11, 0.005, 5, gjr=True),
    Factor("TECH", 0.09, 0.03, 5),
    Factor("FIN", 0.10, -0.02, 5, gjr=True),
    Factor("ENERGY", 0.12, -0.02, 5),
    Factor("HEALTH", 0.08, 0.01, 5),
    Factor("UTIL", 0.09, 0.0, 5),
    Factor("STAPLES", 0.08, 0.0, 5),
    Factor("INDUS", 0.05, 0.0, 5),
    Factor("MATER", 0.08, 0.0, 5),
    Factor("DISC", 0.07, 0.0, 5),
    Factor("COMMS", 0.09, -0.01, 5),
    Factor("BIOTECH", 0.17, 0.0, 4),
    Factor("SEMIS", 0.14, 0.04, 4),
    Factor("BANKS", 0.12, -0.02, 5, gjr=True),
    Factor("MINERS", 0.20, -0.04, 4),
    *(Factor(c, v, 0.0, 5) for c, v in COUNTRIES_DEVELOPED.items()),
    *(Factor(c, v, 0.0, 5, gjr=True) for c, v in COUNTRIES_EMERGING.items()),
    Factor("VIX", 0.50, -0.40, 4),
)
FACTOR_INDEX = {f.name: i for i, f in enumerate(FACTORS)}

# Episodes at their real dates (used where the window holds all of a segment).
# Single days pinned: (factor, date, simple return).
DAY_PINS: tuple[tuple[str, str, float], ...] = (
    ("MKT", "2008-09-29", -0.088),
    ("MKT", "2008-10-09", -0.076),
    ("MKT", "2008-10-13", 0.116),
    ("MKT", "2008-10-15", -0.090),
    ("MKT", "2008-10-28", 0.107),
    ("MKT", "2008-12-01", -0.089),
    ("MKT", "2011-08-08", -0.066),
    ("MKT", "2018-02-05", -0.041),
    ("VIX", "2018-02-05", 0.40),
    ("MKT", "2020-03-09", -0.076),
    ("MKT", "2020-03-12", -0.095),
    ("MKT", "2020-03-13", 0.093),
    ("MKT", "2020-03-16", -0.120),
    ("MKT", "2020-03-24", 0.094),
    ("GOLD", "2013-04-15", -0.09),
    ("RU", "2022-02-24", -0.35),
    ("MKT", "2025-04-03", -0.048),
    ("MKT", "2025-04-04", -0.060),
    ("MKT", "2025-04-09", 0.095),
)
# Segments: (factor, first date, last date, simple return over the segment, pinned days included);
# the days not pinned share the difference equally, the factor's noise stays on top.
SEGMENTS: tuple[tuple[str, str, str, float], ...] = (
    ("MKT", "2006-01-03", "2007-10-09", 0.25),
    ("MKT", "2007-10-10", "2008-08-29", -0.15),
    ("MKT", "2008-09-02", "2008-11-20", -0.35),
    ("MKT", "2008-11-21", "2009-01-06", 0.20),
    ("MKT", "2009-01-07", "2009-03-09", -0.22),
    ("MKT", "2009-03-10", "2010-04-23", 0.75),
    ("MKT", "2010-04-26", "2011-07-21", 0.10),
    ("MKT", "2011-07-22", "2011-10-03", -0.18),
    ("MKT", "2011-10-04", "2018-01-26", 1.90),
    ("MKT", "2018-01-29", "2018-12-24", -0.18),
    ("MKT", "2018-12-26", "2020-02-19", 0.45),
    ("MKT", "2020-02-20", "2020-03-23", -0.34),
    ("MKT", "2020-03-24", "2020-08-18", 0.50),
    ("MKT", "2020-08-19", "2022-01-03", 0.42),
    ("MKT", "2022-01-04", "2022-10-12", -0.24),
    ("MKT", "2022-10-13", "2025-04-02", 0.60),
    ("MKT", "2025-04-03", "2025-04-08", -0.12),
    ("MKT", "2025-04-10", "2025-12-31", 0.25),
    ("CREDIT", "2008-09-02", "2008-12-12", -0.22),
    ("CREDIT", "2009-03-10", "2009-12-31", 0.25),
    ("CREDIT", "2020-02-20", "2020-03-23", -0.12),
    ("CREDIT", "2020-03-24", "2020-06-08", 0.10),
    ("RATES", "2008-09-02", "2008-12-31", 0.12),
    ("RATES", "2013-05-02", "2013-09-05", -0.06),
    ("RATES", "2020-02-20", "2020-03-09", 0.05),
    ("RATES", "2022-01-04", "2022-10-24", -0.16),
    ("COMMOD", "2008-07-03", "2009-02-27", -0.50),
    ("COMMOD", "2014-06-20", "2016-01-20", -0.40),
    ("COMMOD", "2020-02-20", "2020-04-21", -0.25),
    ("COMMOD", "2021-12-01", "2022-06-08", 0.35),
    ("OIL", "2008-07-03", "2008-12-31", -0.35),
    ("OIL", "2014-06-20", "2015-01-28", -0.30),
    ("OIL", "2020-02-20", "2020-04-21", -0.45),
    ("NATGAS", "2008-07-03", "2009-09-01", -0.50),
    ("EM", "2008-05-19", "2008-11-20", -0.20),
    ("FIN", "2007-10-10", "2009-03-09", -0.45),
    ("FIN", "2023-03-06", "2023-03-20", -0.05),
    ("BANKS", "2023-03-06", "2023-03-20", -0.25),
    ("REIT", "2008-09-02", "2009-03-06", -0.30),
    ("REIT", "2020-02-20", "2020-03-23", -0.18),
    ("GOLD", "2013-04-11", "2013-06-27", -0.25),
    ("GOLD", "2020-03-09", "2020-03-19", -0.10),
    ("VIX", "2008-09-02", "2008-11-20", 0.30),
    ("VIX", "2020-02-20", "2020-03-18", 0.50),
    ("TECH", "2022-01-04", "2022-12-28", -0.12),
    ("VALUE", "2022-01-04", "2022-12-28", 0.15),
    ("RU", "2014-03-01", "2014-12-31", -0.30),
    ("RU", "2022-02-14", "2022-02-23", -0.15),
    ("RU", "2022-02-25", "2022-03-04", -0.40),
)
# Stress windows: (first date, last date, volatility multiplier); it decays after the window
# with a half-life of STRESS_HALF_LIFE sessions. Funds' own noise gets the square root of it.
STRESS: tuple[tuple[str, str, float], ...] = (
    ("2008-09-15", "2008-12-31", 1.5),
    ("2009-01-01", "2009-04-30", 1.2),
    ("2011-08-04", "2011-10-04", 1.3),
    ("2018-02-02", "2018-02-28", 1.4),
    ("2020-02-24", "2020-04-15", 2.0),
    ("2022-01-20", "2022-10-31", 1.1),
    ("2025-04-02", "2025-04-25", 1.5),
)
STRESS_HALF_LIFE = 20


@dataclass(frozen=True)
class Kind:
    """A kind of fund: its metadata and how its returns load on the factors."""

    asset_class: str
    sub_class: str
    region: str
    label: str  # for the synthetic name
    loadings: dict[str, float]
    idio: tuple[float, float]  # annualised own volatility, log-uniform range
    fee: tuple[float, float]  # annual fee range
    carry: float  # annual income on top (bond coupons)
    weight: float  # how common within its group


# The kinds of fund, by group ([group asset_class]): sub-class, region, label (for the name),
# loadings on the factors, own volatility range (annual %, log-uniform), fee range (annual %),
# carry (annual % income: bond coupons) and weight within the group. Countries are added below.
KIND_TABLE = """
[us_equity equity]
us_large_cap|US|US Large Cap|MKT 1, SIZE -0.15|0.5-2|0.03-0.4|0|4
us_total_market|US|US Total Market|MKT 1|0.5-1.5|0.03-0.2|0|1.5
us_large_cap_growth|US|US Large Cap Growth|MKT 1.05, VALUE -0.6, TECH 0.3|1-3|0.03-0.6|0|2
us_large_cap_value|US|US Large Cap Value|MKT 0.95, VALUE 0.6, FIN 0.2|1-3|0.03-0.6|0|2
us_mid_cap|US|US Mid Cap|MKT 1.05, SIZE 0.5|1-3|0.03-0.6|0|1.5
us_small_cap|US|US Small Cap|MKT 1.1, SIZE 1|1.5-4|0.03-0.6|0|2
us_dividend|US|US Dividend|MKT 0.85, VALUE 0.5, UTIL 0.2|1-3|0.03-0.6|0|1.5
us_thematic|US|US Thematic|MKT 1.2, SIZE 0.5, VALUE -0.8, TECH 0.5|8-20|0.5-0.75|0|2
[sector equity]
sector_technology|US|Technology Sector|MKT 1.1, TECH 1|2-6|0.08-0.6|0|1
sector_financials|US|Financials Sector|MKT 1.15, FIN 1|2-6|0.08-0.6|0|1
sector_energy|US|Energy Sector|MKT 0.9, ENERGY 1, OIL 0.35|2-6|0.08-0.6|0|1
sector_health_care|US|Health Care Sector|MKT 0.8, HEALTH 1|2-6|0.08-0.6|0|1
sector_utilities|US|Utilities Sector|MKT 0.55, UTIL 1, RATES 0.4|2-6|0.08-0.6|0|1
sector_consumer_staples|US|Consumer Staples Sector|MKT 0.6, STAPLES 1|2-6|0.08-0.6|0|1
sector_industrials|US|Industrials Sector|MKT 1.1, INDUS 1|2-6|0.08-0.6|0|1
sector_materials|US|Materials Sector|MKT 1.1, MATER 1, COMMOD 0.15|2-6|0.08-0.6|0|1
sector_consumer_discretionary|US|Consumer Discretionary Sector|MKT 1.1, DISC 1|2-6|0.08-0.6|0|1
sector_communication|US|Communication Sector|MKT 1, COMMS 1|2-6|0.08-0.6|0|1
sector_biotech|US|Biotech|MKT 1, BIOTECH 1, SIZE 0.3|2-6|0.35-0.6|0|1
sector_semiconductors|US|Semiconductors|MKT 1.3, TECH 0.6, SEMIS 1|2-6|0.35-0.6|0|1
sector_regional_banks|US|Regional Banks|MKT 1.1, FIN 1, BANKS 1, SIZE 0.4|2-6|0.35-0.6|0|1
sector_gold_miners|GLOBAL|Gold Miners|MKT 0.5, GOLD 1.7, MINERS 1|3-8|0.5-0.6|0|1
[international equity]
international_developed|DEVELOPED_EX_US|Developed ex-US|MKT 0.9, DEV 1|1-3|0.05-0.6|0|3
emerging_markets|EM|Emerging Markets|MKT 1, DEV 0.4, EM 1|2-5|0.1-0.7|0|3
global|GLOBAL|Global Equity|MKT 0.95, DEV 0.4, EM 0.1|1-3|0.05-0.6|0|1.5
regional|EU|Europe|MKT 0.9, DEV 1.05, DE 0.3, FR 0.3, UK 0.3|1-3|0.05-0.6|0|1
[fixed_income fixed_income]
government_short|US|Treasury 1-3 Year|RATES 0.25|0.3-0.8|0.03-0.4|1.2|2
government_intermediate|US|Treasury 7-10 Year|RATES 1|0.4-1|0.03-0.4|0.8|2
government_long|US|Treasury 20+ Year|RATES 2.4|0.5-1.5|0.03-0.4|0.5|1.5
aggregate|US|Aggregate Bond|RATES 0.85, CREDIT 0.15|0.3-1|0.03-0.4|1|3
corporate_investment_grade|US|Investment Grade Corporate|\
RATES 1.1, CREDIT 0.35, MKT 0.03|0.5-1.5|0.03-0.4|1.3|2
corporate_high_yield|US|High Yield Corporate|RATES 0.35, CREDIT 1, MKT 0.12|1-3|0.1-0.5|3.5|2
inflation_linked|US|Inflation Linked|RATES 0.8, INFL 1|0.4-1|0.03-0.4|0.4|1
emerging_markets_debt|EM|Emerging Markets Debt|\
RATES 1, CREDIT 0.7, EM 0.25, MKT 0.08|1-3|0.2-0.5|3|1
municipal|US|Municipal Bond|RATES 0.9, CREDIT 0.25|0.4-1.2|0.05-0.4|1|1
ultra_short|US|Ultra Short Bond|RATES 0.05|0.1-0.4|0.05-0.3|1.5|1
international_government|DEVELOPED_EX_US|International Government|\
RATES 0.7, USD -0.8|1-3|0.1-0.5|0.5|0.7
[commodity commodity]
gold|GLOBAL|Gold|GOLD 1|0.3-1|0.17-0.4|0|3
silver|GLOBAL|Silver|GOLD 1.1, SILVER 1|0.5-2|0.3-0.5|0|1.5
crude_oil|GLOBAL|Crude Oil|COMMOD 0.9, OIL 1, MKT 0.15|3-8|0.6-0.9|0|1.5
natural_gas|US|Natural Gas|COMMOD 0.3, NATGAS 1|5-10|0.6-1.2|0|1
broad_commodities|GLOBAL|Broad Commodities|COMMOD 1, OIL 0.3, GOLD 0.1, AGRI 0.3|1-3|0.4-0.9|0|2
agriculture|GLOBAL|Agriculture|AGRI 1, COMMOD 0.25|2-5|0.4-0.9|0|1
industrial_metals|GLOBAL|Industrial Metals|COMMOD 0.9, MATER 0.5, MKT 0.2|2-5|0.4-0.9|0|1
[real_estate real_estate]
us_reits|US|US REIT|MKT 0.85, REIT 1, RATES 0.35|1-3|0.1-0.6|0|3
global_reits|GLOBAL|Global REIT|MKT 0.8, REIT 0.8, DEV 0.4, RATES 0.25|1-3|0.1-0.6|0|1
mortgage_reits|US|Mortgage REIT|MKT 0.7, REIT 0.8, CREDIT 1, FIN 0.5|3-8|0.4-0.6|0|0.5
[currency currency]
usd_index|US|US Dollar Index|USD 1|0.5-1.5|0.4-0.8|0|2
eur|EU|Euro|USD -1|2-4|0.4-0.8|0|1
jpy|JP|Japanese Yen|USD -0.8, MKT -0.1|3-6|0.4-0.8|0|1
gbp|UK|British Pound|USD -0.8, UK 0.1|3-6|0.4-0.8|0|1
chf|CH|Swiss Franc|USD -0.9|3-6|0.4-0.8|0|1
aud|AU|Australian Dollar|USD -0.8, MKT 0.15, COMMOD 0.1|3-6|0.4-0.8|0|1
cad|CA|Canadian Dollar|USD -0.6, OIL 0.05|3-5|0.4-0.8|0|1
[volatility volatility]
vix_futures|US|VIX Short-Term Futures|MKT -2.5, VIX 1|2-5|0.85-0.95|0|3
vix_futures_leveraged|US|VIX Short-Term Futures|MKT -2.5, VIX 1|2-5|0.95-1.65|0|2
vix_futures_inverse|US|VIX Short-Term Futures|MKT -2.5, VIX 1|2-5|0.95-1.65|0|2
"""


def _percent_range(text: str) -> tuple[float, float]:
    low, high = text.split("-")
    return float(low) / 100, float(high) / 100


def _kinds() -> dict[str, list[Kind]]:
    """KIND_TABLE parsed, plus one single-country kind per country factor."""
    kinds: dict[str, list[Kind]] = {}
    for line in KIND_TABLE.strip().splitlines():
        if line.startswith("["):
            group, asset_class = line.strip("[]").split()
            continue
        sub_class, region, label, loads, idio, fee, carry, weight = line.split("|")
        loadings = {k: float(v) for k, v in (item.split() for item in loads.split(","))}
        kind = Kind(
            asset_class,
            sub_class,
            region,
            label,
            loadings,
            _percent_range(idio),
            _percent_range(fee),
            float(carry) / 100,
            float(weight),
        )
        kinds.setdefault(group, []).append(kind)
    for country in (*COUNTRIES_DEVELOPED, *COUNTRIES_EMERGING):
        if country in COUNTRIES_DEVELOPED:
            loadings = {"MKT": 0.85, "DEV": 1.0, country: 1.0}
        else:
            loadings = {"MKT": 1.0, "DEV": 0.3, "EM": 1.0, country: 1.0}
        label = f"Country {country}"
        kind = Kind(
            "equity",
            "single_country",
            country,
            label,
            loadings,
            (0.03, 0.08),
            (0.0008, 0.0065),
            0.0,
            0.5,
        )
        kinds["international"].append(kind)
    return kinds


KINDS = _kinds()
# Indices a leveraged or inverse fund multiplies: (sub_class, region, weight).
LEVERAGED_UNDERLYINGS: tuple[tuple[str, str, float], ...] = (
    ("us_large_cap", "US", 4),
    ("us_large_cap_growth", "US", 3),
    ("us_small_cap", "US", 2),
    ("sector_technology", "US", 1),
    ("sector_financials", "US", 1),
    ("sector_energy", "US", 1),
    ("sector_semiconductors", "US", 1.5),
    ("sector_biotech", "US", 1),
    ("sector_regional_banks", "US", 0.5),
    ("sector_gold_miners", "GLOBAL", 1),
    ("emerging_markets", "EM", 1),
    ("single_country", "CN", 0.7),
    ("government_long", "US", 1.5),
    ("gold", "GLOBAL", 1),
    ("silver", "GLOBAL", 0.5),
    ("crude_oil", "GLOBAL", 1),
    ("natural_gas", "US", 0.5),
    ("us_reits", "US", 0.5),
)
LEVERAGE_LONG = ((2.0, 0.45), (3.0, 0.55))
LEVERAGE_INVERSE = ((-1.0, 0.4), (-2.0, 0.3), (-3.0, 0.3))
LEVERAGE_VOLATILITY = {
    "vix_futures": ((1.0, 1.0),),
    "vix_futures_leveraged": ((1.5, 0.6), (2.0, 0.4)),
    "vix_futures_inverse": ((-0.5, 0.6), (-1.0, 0.4)),
}
FINANCING = 0.015  # annual cost of the borrowed part of a leveraged fund


@dataclass
class Summary:
    """What ``generate`` wrote."""

    out: Path
    funds: pd.DataFrame  # one row per fund: metadata, type, listing, thin, in the universe file
    n_rows: int
    n_files: int
    n_days: int
    seconds: float

    @property
    def vars_path(self) -> Path:
        return self.out / "vars.json"


# --------------------------------------------------------------------------------- calendar


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (0 = Monday) of a month; n = -1 for the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(d: date) -> date:
    """A fixed-date holiday on a weekend is observed on the Friday before or Monday after."""
    return d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=(d.weekday() == 6))


def us_holidays(year: int) -> list[date]:
    """The nine usual US exchange holidays of a year (approximate: no one-off closures)."""
    new_year = date(year, 1, 1)
    days = [] if new_year.weekday() == 5 else [_observed(new_year)]  # Saturday: not observed
    return [
        *days,
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Presidents' Day
        _easter(year) - timedelta(days=2),  # Good Friday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _observed(date(year, 7, 4)),
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(date(year, 12, 25)),
    ]


def trading_days(end: str = END_DATE, years: float = 20) -> pd.DatetimeIndex:
    """US weekdays less the holidays, over the ``years`` that end on ``end``."""
    last = pd.Timestamp(end)
    first = last - pd.Timedelta(days=round(years * 365.25)) + pd.Timedelta(days=1)
    days = pd.bdate_range(first, last)
    holidays = {h for y in range(first.year, last.year + 1) for h in us_holidays(y)}
    return days[~days.isin(pd.DatetimeIndex(sorted(holidays)))]


# --------------------------------------------------------------------------------- factors


def _positions(days: pd.DatetimeIndex, when: str) -> int | None:
    """Index of the first trading day on or after a date, None when outside the window."""
    ts = pd.Timestamp(when)
    if ts < days[0] or ts > days[-1]:
        return None
    return int(days.searchsorted(ts))


def stress_multiplier(days: pd.DatetimeIndex) -> np.ndarray:
    """Volatility multiplier per day: the stress windows, decaying after each."""
    t = np.arange(len(days))
    out = np.ones(len(days))
    for first, last, peak in STRESS:
        a, b = days.searchsorted(pd.Timestamp(first)), days.searchsorted(pd.Timestamp(last))
        if a >= len(days) or b == 0:
            continue
        level = np.where(
            t < a, 1.0, np.where(t <= b, peak, 1 + (peak - 1) * 0.5 ** ((t - b) / STRESS_HALF_LIFE))
        )
        out = np.maximum(out, level)
    return out


def factor_returns(
    days: pd.DatetimeIndex, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Daily log returns and conditional variances of the factors, both days x factors."""
    n_days, k = len(days), len(FACTORS)
    vol = np.array([f.vol for f in FACTORS]) / math.sqrt(TRADING_DAYS)
    mu = np.array([f.drift for f in FACTORS]) / TRADING_DAYS
    dfs = np.array([f.df for f in FACTORS])
    gjr = np.array([f.gjr for f in FACTORS])
    alpha = np.where(gjr, 0.03, 0.06)
    gamma = np.where(gjr, 0.08, 0.0)
    beta = np.where(gjr, 0.91, 0.92)
    vix = FACTOR_INDEX["VIX"]
    alpha[vix], beta[vix] = 0.10, 0.86
    omega = vol**2 * (1 - alpha - gamma / 2 - beta)
    z = rng.standard_t(dfs, size=(n_days, k)) * np.sqrt((dfs - 2) / dfs)
    z = np.clip(z, -6, 6)  # beyond six sigma only in the pinned episodes
    stress = stress_multiplier(days)

    pinned = np.zeros((n_days, k), dtype=bool)
    pin_log = np.zeros((n_days, k))
    for name, when, value in DAY_PINS:
        t = _positions(days, when)
        if t is not None and days[t] == pd.Timestamp(when):
            pinned[t, FACTOR_INDEX[name]] = True
            pin_log[t, FACTOR_INDEX[name]] = math.log1p(value)

    log_ret = np.empty((n_days, k))
    variance = np.empty((n_days, k))
    h = vol**2
    for t in range(n_days):
        # the recursion sees neither the stress multiplier (it would explode) nor the pinned
        # days (the stress windows carry the crises' volatility)
        e = np.sqrt(h) * z[t]
        log_ret[t] = np.where(pinned[t], pin_log[t], mu + e * stress[t])
        variance[t] = h * stress[t] ** 2
        h = omega + (alpha + gamma * (e < 0)) * e * e + beta * h

    for name, first, last, total in SEGMENTS:
        a, b = _positions(days, first), _positions(days, last)
        if a is None or b is None or days[0] > pd.Timestamp(first):
            continue
        j = FACTOR_INDEX[name]
        b = b if days[b] == pd.Timestamp(last) else b - 1
        span = np.arange(a, b + 1)
        free = span[~pinned[span, j]]
        if len(free):
            log_ret[free, j] += (math.log1p(total) - log_ret[span, j].sum()) / len(free)
    return log_ret, variance


# --------------------------------------------------------------------------------- funds


def _quota(n: int, shares: dict[str, float]) -> list[str]:
    """n labels in the given shares, by largest remainder."""
    keys = list(shares)
    w = np.array([shares[key] for key in keys])
    raw = w / w.sum() * n
    base = np.floor(raw).astype(int)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: n - base.sum()]] += 1
    return [key for key, count in zip(keys, base, strict=True) for _ in range(count)]


def make_tickers(n: int, rng: np.random.Generator) -> list[str]:
    """n unique tickers of 2-5 upper-case letters."""
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    lengths, probs = [2, 3, 4, 5], [0.04, 0.46, 0.44, 0.06]
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        size = rng.choice(lengths, p=probs)
        ticker = "".join(rng.choice(letters, size=size))
        if ticker not in seen and ticker not in RESERVED:
            seen.add(ticker)
            out.append(ticker)
    return out


def _pick(rng: np.random.Generator, options: tuple[tuple[float, float], ...]) -> float:
    values, weights = zip(*options, strict=True)
    return float(rng.choice(values, p=np.array(weights) / sum(weights)))


def _load_vector(loadings: dict[str, float]) -> np.ndarray:
    out = np.zeros(len(FACTORS))
    for name, value in loadings.items():
        out[FACTOR_INDEX[name]] = value
    return out


def _leverage_text(value: float) -> str:
    return f"{value:g}"


def fund_specs(n: int, n_days: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per fund (metadata and simulation settings) and the funds x factors loadings."""
    tickers = make_tickers(n, rng)
    groups = _quota(n, GROUP_SHARES)
    groups = [groups[i] for i in rng.permutation(n)]
    kinds_by_sub = {k.sub_class + "|" + k.region: k for ks in KINDS.values() for k in ks}
    rows, loads = [], np.zeros((n, len(FACTORS)))
    for i, group in enumerate(groups):
        if group in ("leveraged", "inverse"):
            subs, regions, w = zip(*LEVERAGED_UNDERLYINGS, strict=True)
            j = rng.choice(len(subs), p=np.array(w) / sum(w))
            base = kinds_by_sub[f"{subs[j]}|{regions[j]}"]
            lev = _pick(rng, LEVERAGE_LONG if group == "leveraged" else LEVERAGE_INVERSE)
            loads[i] = lev * _load_vector(base.loadings)
            direction = "Long" if lev > 0 else "Inverse"
            label = f"Daily {abs(lev):g}x {direction} {base.label}"
            sub_class = "leveraged_long" if lev > 0 else "leveraged_inverse"
            idio = math.exp(rng.uniform(math.log(0.005), math.log(0.02)))
            fee = rng.uniform(0.0085, 0.0098)
            drift = -FINANCING * max(abs(lev) - 1, 0) - fee
            asset_class, region = base.asset_class, base.region
        else:
            kinds = KINDS[group]
            w = np.array([k.weight for k in kinds])
            base = kinds[rng.choice(len(kinds), p=w / w.sum())]
            if group == "volatility":
                lev = _pick(rng, LEVERAGE_VOLATILITY[base.sub_class])
                loads[i] = lev * _load_vector(base.loadings)
                label = f"{'Inverse ' if lev < 0 else ''}{abs(lev):g}x {base.label}"
            else:
                lev = 1.0
                loads[i] = _load_vector(base.loadings) * rng.normal(1.0, 0.07, len(FACTORS))
                label = base.label
            sub_class, asset_class, region = base.sub_class, base.asset_class, base.region
            idio = math.exp(rng.uniform(*np.log(base.idio)))
            fee = rng.uniform(*base.fee)
            drift = base.carry - fee + (rng.normal(0, 0.005) if group != "volatility" else 0.0)
        rows.append(
            {
                "ticker": tickers[i],
                "name": f"Synthetic Independent {label} ETF",
                "asset_class": asset_class,
                "sub_class": sub_class,
                "region": region,
                "currency": "USD",
                "leverage": lev,
                "group": group,
                "fee": fee,
                "drift": drift,
                "idio_vol": idio,
            }
        )
    funds = pd.DataFrame(rows)

    # own-noise GARCH: persistence 0.95-0.99, Student-t with 3-6 degrees of freedom
    persistence = rng.uniform(0.95, 0.99, n)
    funds["garch_alpha"] = rng.uniform(0.03, 0.10, n)
    funds["garch_beta"] = persistence - funds["garch_alpha"]
    funds["t_df"] = rng.uniform(3.0, 6.0, n)

    # thin trading: low volume, zero-volume days (close repeated), a few missing days
    eligible = np.flatnonzero(funds["group"].to_numpy() != "volatility")
    thin = np.zeros(n, dtype=bool)
    thin[rng.choice(eligible, size=min(round(SHARE_THIN * n), len(eligible)), replace=False)] = True
    funds["thin"] = thin
    funds["p_zero_volume"] = np.where(thin, rng.uniform(0.15, 0.6, n), 0.0)
    funds["p_missing"] = np.where(thin, rng.uniform(0.002, 0.02, n), 0.0)
    level = np.where(
        thin,
        rng.uniform(math.log(100), math.log(3000), n),
        rng.uniform(math.log(2e3), math.log(5e7), n),
    )
    funds["volume_level"] = np.exp(level)

    # listing: 70 % on the first day, the rest later (volatility funds always later)
    min_life = min(MIN_LIFE, n_days // 2)
    late = np.zeros(n, dtype=bool)
    vol_funds = np.flatnonzero(funds["group"].to_numpy() == "volatility")
    late[vol_funds] = True
    others = np.flatnonzero(~late)
    n_late = max(round(SHARE_LATE_LISTING * n) - len(vol_funds), 0)
    late[rng.choice(others, size=min(n_late, len(others)), replace=False)] = True
    latest = max(n_days - min_life, 1)
    list_day = np.where(late, rng.integers(1, latest + 1, n), 0)
    vol_first = max(1, n_days - 2000)
    list_day[vol_funds] = rng.integers(min(vol_first, latest), latest + 1, len(vol_funds))
    list_day = np.minimum(list_day, n_days - 1)

    # delisting: 4 %, thin funds three times as likely; the file just ends
    end_day = np.full(n, n_days - 1)
    earliest_end = list_day + np.minimum(250, (n_days - list_day) // 2)
    candidates = np.flatnonzero(earliest_end < n_days - 2)
    k = min(round(SHARE_DELISTED * n), len(candidates))
    if k:
        w = np.where(thin[candidates], 3.0, 1.0)
        chosen = rng.choice(candidates, size=k, replace=False, p=w / w.sum())
        end_day[chosen] = rng.integers(earliest_end[chosen], n_days - 2)
    funds["list_day"] = list_day
    funds["end_day"] = end_day
    funds["delisted"] = end_day < n_days - 1
    funds["start_price"] = np.exp(rng.uniform(math.log(1.0), math.log(1000.0), n))

    # the universe file: ~3 % of tickers left out, ~5 % of the names empty
    out = np.zeros(n, dtype=bool)
    out[rng.choice(n, size=round(SHARE_OUT_OF_UNIVERSE * n), replace=False)] = True
    funds["in_universe"] = ~out
    empty = rng.choice(
        np.flatnonzero(~out), size=round(SHARE_EMPTY_NAME * (~out).sum()), replace=False
    )
    funds.loc[empty, "name"] = ""
    return funds, loads


# --------------------------------------------------------------------------------- prices


def _ffill_index(mask: np.ndarray) -> np.ndarray:
    """Per column, the index of the last row at or before each row where mask is true."""
    idx = np.where(mask, np.arange(mask.shape[0])[:, None], 0)
    return np.maximum.accumulate(idx, axis=0)


def simulate_chunk(
    funds: pd.DataFrame,
    loads: np.ndarray,
    fac_simple: np.ndarray,
    fac_var: np.ndarray,
    stress: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Prices and volumes of a few funds: days x funds arrays, plus the rows to write."""
    n_days, m = fac_simple.shape[0], len(funds)
    t_col = np.arange(n_days)[:, None]
    list_day = funds["list_day"].to_numpy().copy()
    end_day = funds["end_day"].to_numpy()
    dfs = funds["t_df"].to_numpy()
    idio_var = (funds["idio_vol"].to_numpy() ** 2) / TRADING_DAYS
    a, b = funds["garch_alpha"].to_numpy(), funds["garch_beta"].to_numpy()
    omega = idio_var * (1 - a - b)

    # own GARCH-t noise and a slow log-volume component (AR(1)), day by day
    z = np.clip(rng.standard_t(dfs, size=(n_days, m)) * np.sqrt((dfs - 2) / dfs), -8, 8)
    slow_shocks = rng.normal(0.0, 0.05, (n_days, m))
    own = np.empty((n_days, m))
    own_var = np.empty((n_days, m))
    slow = np.empty((n_days, m))
    h, s = idio_var.copy(), rng.normal(0.0, 0.5, m)
    idio_stress = np.sqrt(stress)
    for t in range(n_days):
        e = np.sqrt(h) * z[t]
        own[t], own_var[t] = e * idio_stress[t], h * stress[t]
        h = omega + a * e * e + b * h
        s = 0.995 * s + slow_shocks[t]
        slow[t] = s

    ret = funds["drift"].to_numpy() / TRADING_DAYS + fac_simple @ loads.T + own
    log_ret = np.log1p(np.maximum(ret, -0.95))
    sigma = np.sqrt(fac_var @ (loads**2).T + own_var)
    log_price = np.cumsum(log_ret, axis=0)

    # a fund that would span more than MAX_LOG_RANGE lists later (suffix range over its life)
    alive = t_col <= end_day
    masked = np.where(alive, log_price, np.nan)[::-1]
    span = (np.fmax.accumulate(masked, axis=0) - np.fmin.accumulate(masked, axis=0))[::-1]
    ok = (span <= MAX_LOG_RANGE) & (t_col >= list_day)
    list_day = np.maximum(list_day, np.argmax(ok, axis=0))
    listed = alive & (t_col >= list_day)

    # price level: log-uniform start; a history falling below the floor is scaled up
    log_close = (
        log_price - log_price[list_day, np.arange(m)] + np.log(funds["start_price"].to_numpy())
    )
    low = np.where(listed, log_close, np.inf).min(axis=0)
    lift = np.where(
        low < math.log(PRICE_FLOOR),
        math.log(PRICE_FLOOR) - low + rng.uniform(0.0, math.log(20.0), m),
        0.0,
    )
    log_close = log_close + lift

    # thin trading: zero-volume days repeat the last close; missing days have no row
    thin_draw = rng.random((n_days, m))
    miss_draw = rng.random((n_days, m))
    first = t_col == list_day
    stale = (thin_draw < funds["p_zero_volume"].to_numpy()) & listed & ~first
    missing = (miss_draw < funds["p_missing"].to_numpy()) & listed & ~first & (t_col != end_day)
    stale &= ~missing
    traded = listed & ~stale & ~missing
    written = listed & ~missing

    # open, high, low around the close, from the day's conditional volatility
    prev = np.vstack([log_close[:1], log_close[:-1]])
    prev = np.where(first, log_close, prev)
    share = rng.uniform(0.1, 0.6, (n_days, m))
    log_open = prev + share * (log_close - prev) + 0.3 * sigma * rng.standard_normal((n_days, m))
    log_high = np.maximum(log_open, log_close) + 0.45 * sigma * np.abs(
        rng.standard_normal((n_days, m))
    )
    log_low = np.minimum(log_open, log_close) - 0.45 * sigma * np.abs(
        rng.standard_normal((n_days, m))
    )
    single_print = funds["thin"].to_numpy() & (rng.random((n_days, m)) < 0.3)
    log_open = np.where(single_print, log_close, log_open)
    log_high = np.where(single_print, log_close, log_high)
    log_low = np.where(single_print, log_close, log_low)

    def price(x: np.ndarray) -> np.ndarray:
        return np.maximum(np.round(np.exp(np.minimum(x, 40.0)), 4), 0.0001)

    close, open_ = price(log_close), price(log_open)
    high = np.maximum(price(log_high), np.maximum(open_, close))
    low_p = np.minimum(price(log_low), np.minimum(open_, close))
    last_close = np.take_along_axis(close, _ffill_index(traded), axis=0)
    close = np.where(stale, last_close, close)
    open_ = np.where(stale, last_close, open_)
    high = np.where(stale, last_close, high)
    low_p = np.where(stale, last_close, low_p)

    # volume: log-normal around the fund's level, up with |return|, ramping up after listing
    sigma_unc = np.sqrt(np.mean(sigma**2, axis=0))
    log_volume = (
        np.log(funds["volume_level"].to_numpy())
        + slow
        + 0.3 * np.minimum(np.abs(log_ret) / sigma_unc, 6.0)
        + rng.normal(0.0, 0.5, (n_days, m))
        - 1.0 * np.exp(-np.maximum(t_col - list_day, 0) / 100.0)
    )
    med = np.nanmedian(np.where(listed, log_close, np.nan), axis=0)
    log_volume -= 0.4 * (log_close - med)  # fewer shares when the price is high
    volume = np.maximum(np.round(np.exp(np.minimum(log_volume, 25.0))), 1).astype(np.int64)
    volume = np.where(stale, 0, volume)
    return {
        "open": open_,
        "high": high,
        "low": low_p,
        "close": close,
        "volume": volume,
        "written": written,
        "list_day": list_day,
    }


def _write_stooq(path: Path, dates: list[int], cols: dict[str, np.ndarray]) -> None:
    line = "{},{},{},{},{},{},0\n".format
    body = "".join(
        map(
            line,
            dates,
            cols["open"].tolist(),
            cols["high"].tolist(),
            cols["low"].tolist(),
            cols["close"].tolist(),
            cols["volume"].tolist(),
        )
    )
    path.write_text("Date,Open,High,Low,Close,Volume,OpenInt\n" + body, newline="\n")


def generate(
    out: Path | str,
    n_etfs: int = 3000,
    years: float = 20,
    seed: int = 7,
    end: str = END_DATE,
) -> Summary:
    """Write the universe's price files, universe.csv and vars.json under ``out``."""
    t0 = time.perf_counter()
    out = Path(out).resolve()
    prices_dir = out / "prices"
    prices_dir.mkdir(parents=True, exist_ok=True)
    for old in prices_dir.glob("*.txt"):
        old.unlink()

    days = trading_days(end, years)
    n_days = len(days)
    date_ints = (days.year * 10000 + days.month * 100 + days.day).to_numpy()
    fac_log, fac_var = factor_returns(days, np.random.default_rng([seed, 1]))
    fac_simple = np.expm1(fac_log)
    stress = stress_multiplier(days)
    funds, loads = fund_specs(n_etfs, n_days, np.random.default_rng([seed, 2]))

    n_rows, first_dates, last_dates, lists = 0, [], [], []
    for c, start in enumerate(range(0, n_etfs, CHUNK)):
        part = funds.iloc[start : start + CHUNK].reset_index(drop=True)
        sim = simulate_chunk(
            part,
            loads[start : start + CHUNK],
            fac_simple,
            fac_var,
            stress,
            np.random.default_rng([seed, 3, c]),
        )
        for j, ticker in enumerate(part["ticker"]):
            rows = np.flatnonzero(sim["written"][:, j])
            cols = {key: sim[key][rows, j] for key in ("open", "high", "low", "close", "volume")}
            _write_stooq(prices_dir / f"{ticker.lower()}.us.txt", date_ints[rows].tolist(), cols)
            n_rows += len(rows)
            first_dates.append(days[rows[0]])
            last_dates.append(days[rows[-1]])
        lists.extend(sim["list_day"].tolist())
    funds["list_day"] = lists
    funds["first_date"] = first_dates
    funds["last_date"] = last_dates

    universe = funds.loc[
        funds["in_universe"],
        ["ticker", "name", "asset_class", "sub_class", "region", "currency", "leverage"],
    ]
    universe = universe.assign(leverage=universe["leverage"].map(_leverage_text))
    universe_path = out / "universe.csv"
    universe.sort_values("ticker").to_csv(universe_path, index=False, lineterminator="\n")
    dbt_vars = {
        "prices_path": f"{prices_dir}/*.txt",
        "prices_format": "stooq",
        "universe_path": str(universe_path),
    }
    (out / "vars.json").write_text(json.dumps(dbt_vars, indent=2) + "\n")
    return Summary(out, funds, n_rows, n_etfs, n_days, time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-etfs", type=int, default=3000)
    parser.add_argument("--years", type=float, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", default=END_DATE, help="last trading day (YYYY-MM-DD)")
    parser.add_argument("--out", required=True, help="directory to write into")
    args = parser.parse_args()
    summary = generate(args.out, args.n_etfs, args.years, args.seed, args.end)
    funds = summary.funds
    print(
        f"{summary.n_files:,} funds, {summary.n_rows:,} rows, {summary.n_files:,} price files "
        f"+ universe.csv + vars.json in {summary.out}; {summary.n_days:,} sessions; "
        f"{summary.seconds:.1f} s"
    )
    print(
        "leveraged {}, inverse {}, volatility {}, thin {}, listed later {}, delisted {}, "
        "not in universe.csv {}".format(
            (funds["group"] == "leveraged").sum(),
            (funds["group"] == "inverse").sum(),
            (funds["group"] == "volatility").sum(),
            funds["thin"].sum(),
            (funds["list_day"] > 0).sum(),
            funds["delisted"].sum(),
            (~funds["in_universe"]).sum(),
        )
    )
    print(f"dbt vars: {summary.vars_path}")


if __name__ == "__main__":
    main()

"""Scripted history of the synthetic market: crisis episodes and macro anchor paths.

Everything here is hand-written and approximate: the *shape* of the last twenty years (when the
crises happened, which way each asset class moved, roughly how far), not a copy of any data set.
The generator adds random noise around these paths; the signal-strength knob scales the scripted
drifts down to zero for a null market.

Moves are cumulative log returns over the whole episode, in AUD for an Australian investor,
spread evenly over the episode's trading days.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Episode:
    """A scripted market episode.

    Attributes
    ----------
    name:
        Short identifier, also used by the stress-test scenarios.
    start, end:
        First and last calendar date (inclusive, ISO format).
    moves:
        Cumulative log return per factor over the episode (e.g. ``{"mkt_rf": -0.69}`` is a
        50 % fall).
    vol_multiplier:
        Multiplier on every factor's and ETF's volatility during the episode.
    """

    name: str
    start: str
    end: str
    moves: dict[str, float] = field(default_factory=dict)
    vol_multiplier: float = 1.0


# Crisis episodes at their real dates. Rates, credit spreads and AUD/USD are not listed here: their
# anchor paths below carry those sides of each episode (2008 bond rally and AUD collapse, 2022
# sell-off), and the factor returns are derived from the paths.
EPISODES: tuple[Episode, ...] = (
    Episode(
        "gfc",
        "2007-11-01",
        "2009-03-09",
        {
            "mkt_rf": -0.62,
            "glb_x": -0.12,
            "em_x": -0.10,
            "eu_x": -0.08,
            "reit_x": -0.55,
            "smb": -0.15,
            "hml": -0.08,
            "gold": 0.25,
            "oil": -0.55,
            "comm": -0.30,
        },
        2.4,
    ),
    Episode(
        "gfc_recovery",
        "2009-03-10",
        "2009-12-31",
        {"mkt_rf": 0.42, "glb_x": 0.10, "reit_x": 0.20, "oil": 0.45, "comm": 0.20, "em_x": 0.10},
        1.4,
    ),
    Episode(
        "euro_crisis",
        "2011-07-01",
        "2011-10-04",
        {
            "mkt_rf": -0.20,
            "glb_x": -0.06,
            "eu_x": -0.14,
            "em_x": -0.08,
            "gold": 0.12,
            "reit_x": -0.05,
        },
        1.9,
    ),
    Episode(
        "covid_crash",
        "2020-02-20",
        "2020-03-23",
        {
            "mkt_rf": -0.44,
            "glb_x": -0.08,
            "em_x": -0.05,
            "eu_x": -0.05,
            "reit_x": -0.30,
            "smb": -0.10,
            "hml": -0.08,
            "gold": -0.03,
            "oil": -0.90,
            "comm": -0.15,
        },
        4.0,
    ),
    Episode(
        "covid_recovery",
        "2020-03-24",
        "2020-08-31",
        {"mkt_rf": 0.30, "glb_x": 0.15, "reit_x": 0.15, "oil": 0.60, "gold": 0.20},
        1.6,
    ),
    Episode(
        "rate_shock_2022",
        "2022-01-03",
        "2022-10-14",
        {
            "mkt_rf": -0.12,
            "glb_x": -0.14,
            "hml": 0.15,
            "smb": -0.05,
            "reit_x": -0.15,
            "oil": 0.25,
            "comm": 0.10,
        },
        1.5,
    ),
    Episode(
        "ukraine_invasion",
        "2022-02-24",
        "2022-03-15",
        {"mkt_rf": -0.03, "eu_x": -0.10, "em_x": -0.12, "oil": 0.25, "gold": 0.07, "comm": 0.12},
        1.8,
    ),
)


# Macro anchors: (date, value) points, linearly interpolated (policy rate: stepwise). Values are
# in percent (rates, yields, inflation, spreads) or AUD/USD units.
POLICY_RATE_PCT: tuple[tuple[str, float], ...] = (
    ("2000-01-01", 5.00),
    ("2005-01-01", 5.25),
    ("2006-05-03", 5.50),
    ("2006-08-02", 5.75),
    ("2006-11-08", 6.00),
    ("2007-08-08", 6.50),
    ("2008-02-06", 7.00),
    ("2008-03-05", 7.25),
    ("2008-09-03", 7.00),
    ("2008-10-08", 6.00),
    ("2008-11-05", 5.25),
    ("2008-12-03", 4.25),
    ("2009-02-04", 3.25),
    ("2009-04-08", 3.00),
    ("2009-10-07", 3.25),
    ("2010-05-05", 4.50),
    ("2010-11-03", 4.75),
    ("2011-11-02", 4.50),
    ("2012-06-06", 3.50),
    ("2012-12-05", 3.00),
    ("2013-08-07", 2.50),
    ("2015-05-06", 2.00),
    ("2016-08-03", 1.50),
    ("2019-07-03", 1.00),
    ("2019-10-02", 0.75),
    ("2020-03-04", 0.50),
    ("2020-03-20", 0.25),
    ("2020-11-04", 0.10),
    ("2022-05-04", 0.35),
    ("2022-06-08", 0.85),
    ("2022-07-06", 1.35),
    ("2022-09-07", 2.35),
    ("2022-12-07", 3.10),
    ("2023-05-03", 3.85),
    ("2023-11-08", 4.35),
    ("2025-02-19", 4.10),
    ("2025-05-21", 3.85),
    ("2025-08-13", 3.60),
    ("2030-01-01", 3.60),
)

YIELD_10Y_PCT: tuple[tuple[str, float], ...] = (
    ("2000-01-01", 6.0),
    ("2005-06-01", 5.1),
    ("2007-06-01", 6.2),
    ("2008-06-16", 6.7),
    ("2008-12-31", 4.0),
    ("2009-12-31", 5.6),
    ("2011-03-31", 5.5),
    ("2012-07-24", 2.9),
    ("2013-12-31", 4.2),
    ("2016-08-10", 1.85),
    ("2018-01-31", 2.9),
    ("2019-08-30", 0.9),
    ("2020-02-20", 1.0),
    ("2020-03-09", 0.65),
    ("2020-03-18", 1.2),
    ("2020-03-23", 0.85),
    ("2020-12-31", 1.0),
    ("2021-12-31", 1.7),
    ("2022-06-14", 4.2),
    ("2022-10-14", 4.1),
    ("2023-10-31", 4.9),
    ("2024-12-31", 4.4),
    ("2025-12-31", 4.5),
    ("2030-01-01", 4.5),
)

CREDIT_SPREAD_PCT: tuple[tuple[str, float], ...] = (
    ("2000-01-01", 1.0),
    ("2007-06-01", 0.8),
    ("2008-12-15", 3.0),
    ("2009-12-31", 1.6),
    ("2011-06-30", 1.3),
    ("2011-10-04", 2.0),
    ("2013-06-30", 1.3),
    ("2016-02-11", 1.6),
    ("2019-12-31", 1.0),
    ("2020-02-20", 1.0),
    ("2020-03-23", 2.0),
    ("2020-12-31", 1.1),
    ("2022-10-14", 1.6),
    ("2025-12-31", 1.2),
    ("2030-01-01", 1.2),
)

AUDUSD: tuple[tuple[str, float], ...] = (
    ("2000-01-01", 0.65),
    ("2005-06-01", 0.77),
    ("2007-11-01", 0.93),
    ("2008-07-15", 0.98),
    ("2008-10-27", 0.63),
    ("2009-12-31", 0.90),
    ("2011-07-27", 1.10),
    ("2013-04-11", 1.05),
    ("2015-09-07", 0.70),
    ("2018-01-26", 0.81),
    ("2020-03-19", 0.57),
    ("2021-02-25", 0.80),
    ("2022-02-23", 0.72),
    ("2022-10-13", 0.63),
    ("2024-09-30", 0.69),
    ("2025-12-31", 0.66),
    ("2030-01-01", 0.66),
)

# Year-on-year CPI inflation, percent, by quarter of measurement.
INFLATION_YOY_PCT: tuple[tuple[str, float], ...] = (
    ("2000-01-01", 2.5),
    ("2005-06-30", 2.5),
    ("2008-09-30", 5.0),
    ("2009-09-30", 1.3),
    ("2011-06-30", 3.5),
    ("2013-06-30", 2.4),
    ("2016-03-31", 1.3),
    ("2019-12-31", 1.8),
    ("2020-06-30", -0.3),
    ("2021-06-30", 3.8),
    ("2022-12-31", 7.8),
    ("2023-12-31", 4.1),
    ("2024-12-31", 2.4),
    ("2025-12-31", 2.8),
    ("2030-01-01", 2.5),
)

# Geopolitical risk index (100 = long-run average). Spikes at real events, decaying afterwards.
GEO_RISK_SPIKES: tuple[tuple[str, float, int], ...] = (
    # (date, peak level, half-life in trading days)
    ("2006-07-12", 150.0, 20),  # Lebanon war
    ("2011-03-19", 160.0, 25),  # Libya intervention
    ("2014-03-01", 190.0, 40),  # Crimea annexation
    ("2015-11-13", 170.0, 20),  # Paris attacks
    ("2017-08-09", 150.0, 20),  # North Korea threats
    ("2020-01-03", 160.0, 10),  # Soleimani strike
    ("2022-02-24", 420.0, 90),  # Russia's invasion of Ukraine
    ("2023-10-07", 210.0, 40),  # Israel-Hamas war
)

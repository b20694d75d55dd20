"""Knobs of the embedded sample market."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from etf_warehouse.reference.calendar import exchange_sessions


@dataclass(frozen=True)
class SampleConfig:
    """Size, seed and signal of a generated market. Equal configs give identical markets.

    Attributes
    ----------
    n_etfs:
        Number of funds (slot ``k`` is the same fund for every ``n_etfs``).
    years:
        Length of the history in calendar years, ending at ``end_date``.
    end_date:
        Last calendar date of the history (fixed, so the sample never depends on today's date).
    seed:
        Root of every random stream.
    signal_strength:
        0 gives a null market: no persistent fund alphas, no factor premia, no scripted crisis or
        macro drifts (crisis *volatility* stays), so no return is predictable from the past.
        1 (default) plants alphas with an annualised cross-sectional standard deviation of
        ``ALPHA_VOL_ANN`` (monthly AR(1), persistence ``ALPHA_PERSISTENCE``), realistic premia and
        the scripted history. Values above 1 scale the alphas further; premia and history stay at
        their realistic level.
    faults:
        Inject data faults (missing days, duplicates, a bad tick, a zero price, stale zero-volume
        runs, an outage) and the undeclared corporate actions.
    calendar:
        ``exchange_calendars`` code of the trading calendar.
    """

    n_etfs: int = 150
    years: float = 20.0
    end_date: str = "2025-12-31"
    seed: int = 20_240_601
    signal_strength: float = 1.0
    faults: bool = True
    calendar: str = "XASX"

    def __post_init__(self) -> None:
        if self.n_etfs < 1:
            raise ValueError(f"n_etfs must be at least 1, got {self.n_etfs}")
        if not 0.5 <= self.years <= 40:
            raise ValueError(f"years must be between 0.5 and 40, got {self.years}")
        if self.signal_strength < 0:
            raise ValueError(f"signal_strength must be >= 0, got {self.signal_strength}")

    @property
    def history_scale(self) -> float:
        """Weight of scripted crisis/macro drifts and factor premia (0 in a null market)."""
        return min(self.signal_strength, 1.0)

    @property
    def alpha_scale(self) -> float:
        return self.signal_strength


ALPHA_VOL_ANN = 0.05
ALPHA_PERSISTENCE = 0.9  # monthly AR(1) coefficient of each fund's alpha


@cache
def trading_days(end_date: str, years: float, calendar: str = "XASX") -> pd.DatetimeIndex:
    """Sessions of ``calendar`` in the ``years`` calendar years up to ``end_date`` (inclusive)."""
    end = pd.Timestamp(end_date)
    start = end - pd.DateOffset(days=round(years * 365.25)) + pd.Timedelta(days=1)
    return exchange_sessions(calendar, start, end).rename("date")

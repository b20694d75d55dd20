"""Exchange trading sessions from ``exchange_calendars`` (var ``exchange_calendar``)."""

from __future__ import annotations

import exchange_calendars as xcals
import numpy as np
import pandas as pd


class UnknownCalendarError(ValueError):
    """The ``exchange_calendar`` code is not one exchange_calendars knows."""


def exchange_sessions(
    code: str, start: str | pd.Timestamp, end: str | pd.Timestamp
) -> pd.DatetimeIndex:
    """Trading sessions of exchange ``code`` (``XASX``, ``XNYS``, ...) from ``start`` to ``end``.

    Holidays and weekends are not sessions. Exchanges publish their holidays in advance, so the
    calendar up to a date is known on that date (point-in-time).
    """
    code = code.strip().upper()
    if code not in xcals.get_calendar_names(include_aliases=True):
        raise UnknownCalendarError(
            f"exchange_calendar '{code}' is not an exchange_calendars code; e.g. XASX (ASX),"
            " XNYS (NYSE), XNAS (Nasdaq), XLON (London), XTSE (Toronto)"
        )
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    calendar = xcals.get_calendar(
        code, start=start.strftime("%Y-%m-%d"), end=end.strftime("%Y-%m-%d")
    )
    return pd.DatetimeIndex(
        np.asarray(calendar.sessions, dtype="datetime64[ns]"), name="session_date"
    )

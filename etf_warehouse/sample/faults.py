"""Feed faults injected into the sample's clean prices, each logged as ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etf_warehouse.sample.fund_draws import Fund
from etf_warehouse.sample.scripted import (
    BAD_TICKS,
    CONFLICTING_DUPLICATE,
    OUTAGE,
    STALE_RUN,
    ZERO_PRICE,
    position,
)

MISSING_ROW_PROB = 0.0008
DUPLICATE_ROW_PROB = 0.0002


def inject_faults(
    prices: pd.DataFrame,
    funds: list[Fund],
    dates: pd.DatetimeIndex,
    live: np.ndarray,
    delisting: np.ndarray,
    no_trade: np.ndarray,
    log: list[tuple],
) -> pd.DataFrame:
    """Damage the clean price frame the way real feeds are damaged, and log every fault."""
    # ``prices`` holds each fund's live days in order, funds one after another.
    offsets = np.concatenate([[0], np.cumsum(live.sum(axis=0))])
    drop = np.zeros(len(prices), dtype=bool)
    extra = []
    n_days = len(dates)
    for j, f in enumerate(funds):
        life = (f.listing, int(delisting[j]))
        protected_days = {life[0], life[1]}

        def row_at(t: int, _j: int = j, _first: int = f.listing) -> int:
            return int(offsets[_j] + t - _first)

        def first_traded(t: int, _j: int = j, _end: int = life[1]) -> int:
            while t < _end and no_trade[t, _j]:
                t += 1
            return t

        if f.slot in BAD_TICKS:
            frac, mult = BAD_TICKS[f.slot]
            t = first_traded(position(*life, frac))
            i = row_at(t)
            prices.loc[i, "close"] = round(prices.loc[i, "close"] * mult, 3)
            protected_days.add(t)
            log.append((f.ticker, dates[t], "bad_tick", f"close multiplied by {mult}"))
        if f.slot in ZERO_PRICE:
            t = first_traded(position(*life, ZERO_PRICE[f.slot]))
            prices.loc[row_at(t), "close"] = 0.0
            protected_days.add(t)
            log.append((f.ticker, dates[t], "zero_price", "close set to 0"))
        if f.slot in OUTAGE:
            frac, length = OUTAGE[f.slot]
            t0 = position(*life, frac)
            for t in range(t0, min(t0 + length, life[1])):
                drop[row_at(t)] = True
                protected_days.add(t)
            log.append((f.ticker, dates[t0], "outage", f"{length} sessions missing"))
        if f.slot in STALE_RUN:
            frac, length = STALE_RUN[f.slot]
            t0 = position(*life, frac)
            log.append((f.ticker, dates[t0], "stale_run", f"{length} sessions without a trade"))
        if f.slot in CONFLICTING_DUPLICATE:
            t = first_traded(position(*life, CONFLICTING_DUPLICATE[f.slot]))
            row = prices.loc[row_at(t)].copy()
            row["close"] = round(row["close"] * 1.01, 3)
            row["high"] = max(row["high"], row["close"])
            extra.append(row)
            protected_days.add(t)
            log.append((f.ticker, dates[t], "duplicate_conflicting", "second row, close +1 %"))
        for t in np.flatnonzero(live[:, j] & (f.u_missing < MISSING_ROW_PROB)):
            if t not in protected_days and t < n_days:
                drop[row_at(t)] = True
                log.append((f.ticker, dates[t], "missing_day", "row removed"))
        for t in np.flatnonzero(live[:, j] & (f.u_duplicate < DUPLICATE_ROW_PROB)):
            i = row_at(t)
            if not drop[i]:
                extra.append(prices.loc[i].copy())
                log.append((f.ticker, dates[t], "duplicate_exact", "row repeated"))
    out = prices.loc[~drop]
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
    return out.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)

"""The planted events of cleaning_decisions.py: a universe of Stooq files with one event per fund.

Its own generator, not the sample's: Student-t returns with GARCH-like volatility clustering,
daily volatility from 0.4 % to 5 % so geared, inverse and volatility funds are in it, thin funds
with many zero-volume days. Events planted:

- ``split`` / ``consolidation``: an unadjusted ratio 2..20 (a third of them on a volatile day
  with a 2-4 volatility move of its own on top of the ratio, so the move is not round); the
  whole bar moves by the ratio and traded units by its inverse, with the day's noise;
- ``crash`` (-40 % to -95 %) and ``spike`` (+80 % to +300 %): genuine moves that persist, half
  as an overnight gap (open 60-100 % of the way to the new level) and half with an intraday
  path from the old level, the day's range adding 5-25 % of the move's size and two
  volatilities, traded units 2-10 times the usual;
- ``bad_close_x100`` / ``bad_close_div100`` / ``bad_close_x10``: one close wrong, the rest of
  the row right; ``bad_row_x100``: a whole row (open, high, low, close) x100 for one day, volume
  as usual; ``bad_spike``: one close 1.3-3x up or down, outside its bar, back the next day;
  ``bad_close_run``: two consecutive closes x10, x100, /10 or /100, each outside its bar;
- ``clean``: nothing, on 20-year histories, to count false detections.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SPLIT_RATIOS = (2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20)
KINDS = (
    "split",
    "consolidation",
    "crash",
    "spike",
    "bad_close_x100",
    "bad_close_div100",
    "bad_close_x10",
    "bad_row_x100",
    "bad_spike",
    "bad_close_run",
)
BAD_TICK_KINDS = tuple(k for k in KINDS if k.startswith("bad_"))


@dataclass(frozen=True)
class Planted:
    ticker: str
    kind: str
    day: pd.Timestamp
    ratio: float  # split ratio (new units per old) or the bad factor; 1 otherwise
    true_return: float  # the day's true total return (bad ticks: from the last good row)


def _fund_path(rng: np.random.Generator, n_days: int) -> dict[str, np.ndarray]:
    """One fund's true prices and bars: t(4) shocks, GARCH(1,1)-like variance, thin trading."""
    daily_vol = float(np.exp(rng.uniform(np.log(0.004), np.log(0.05))))
    persistence, reaction = 0.94, 0.05
    omega = daily_vol**2 * (1 - persistence - reaction)
    shocks = rng.standard_t(4, n_days) / np.sqrt(2.0)  # unit variance
    var = np.empty(n_days)
    ret = np.empty(n_days)
    v = daily_vol**2
    for t in range(n_days):
        var[t] = v
        ret[t] = np.sqrt(v) * shocks[t] + 0.0002
        v = min(omega + reaction * ret[t] ** 2 + persistence * v, 0.1**2)
    ret = np.clip(ret, -0.35, 0.35)  # ordinary days: large, but not event-sized
    sigma = np.sqrt(var)
    close = 20.0 * rng.uniform(0.2, 5.0) * np.exp(np.cumsum(np.log1p(ret)))
    prev = np.concatenate([[close[0] / (1 + ret[0])], close[:-1]])
    gap_share = rng.uniform(0.0, 0.6, n_days)
    open_ = prev * np.exp(
        gap_share * np.log(close / prev) + 0.2 * sigma * rng.standard_normal(n_days)
    )
    excursion = np.abs(rng.standard_normal((2, n_days))) * sigma * 0.6
    high = np.maximum(open_, close) * np.exp(excursion[0])
    low = np.minimum(open_, close) * np.exp(-excursion[1])
    units = rng.uniform(2e3, 2e6)
    volume = units * np.exp(0.5 * rng.standard_normal(n_days)) * (1 + np.abs(ret) / sigma)
    thin_share = rng.choice([0.0, 0.0, 0.0, 0.3, 0.6])
    no_trade = rng.uniform(size=n_days) < thin_share
    no_trade[0] = False
    return {
        "ret": ret,
        "sigma": sigma,
        "close": close,
        "open": open_,
        "high": high,
        "low": low,
        "volume": np.round(volume),
        "no_trade": no_trade,
    }


def _apply_thin_trading(bars: dict[str, np.ndarray], protect: list[int]) -> None:
    """Zero-volume days print the last close as the whole bar (as data vendors do)."""
    no_trade = bars["no_trade"].copy()
    for t in protect:
        no_trade[max(t - 1, 0) : t + 2] = False
    idx = np.where(~no_trade, np.arange(len(no_trade)), 0)
    last = np.maximum.accumulate(idx)
    for key in ("open", "high", "low", "close"):
        stale = bars["close"][last]
        bars[key] = np.where(no_trade, stale, bars[key])
    bars["volume"] = np.where(no_trade, 0.0, bars["volume"])


def _plant(
    rng: np.random.Generator, kind: str, bars: dict[str, np.ndarray], t: int
) -> tuple[float, float]:
    """Plant ``kind`` on day ``t`` of ``bars`` (in place); return (ratio, true return)."""
    sigma = bars["sigma"][t]
    prev = bars["close"][t - 1]
    if kind in ("split", "consolidation"):
        k = float(rng.choice(SPLIT_RATIOS))
        ratio = k if kind == "split" else 1.0 / k
        if rng.uniform() < 1 / 3:  # a volatile day: the ratio plus a move of its own
            day_ret = float(rng.choice([-1, 1]) * rng.uniform(2, 4) * min(sigma, 0.08))
            _set_day(bars, t, prev, day_ret, genuine=False)
        true_ret = bars["close"][t] / prev - 1
        for key in ("open", "high", "low", "close"):
            bars[key][t:] = bars[key][t:] / ratio
        bars["volume"][t:] = np.round(bars["volume"][t:] * ratio)
        return ratio, float(true_ret)
    if kind in ("crash", "spike"):
        move = rng.uniform(-0.95, -0.40) if kind == "crash" else rng.uniform(0.80, 3.00)
        _set_day(bars, t, prev, move, genuine=True, gap=rng.uniform() < 0.5, rng=rng)
        bars["volume"][t] = np.round(bars["volume"][t] * rng.uniform(2, 10))
        return 1.0, float(move)
    # bad ticks: the true path is untouched, one printed value is wrong (a run: two days)
    if kind == "bad_close_run":
        factor = float(rng.choice([10.0, 100.0, 0.1, 0.01]))
        bars["close"][t : t + 2] *= factor
        return factor, float(bars["close"][t + 2] / prev - 1)
    true_next = bars["close"][t + 1] / prev - 1
    factor = {
        "bad_close_x100": 100.0,
        "bad_close_div100": 0.01,
        "bad_close_x10": 10.0,
        "bad_row_x100": 100.0,
    }.get(kind)
    if kind == "bad_spike":
        factor = float(rng.uniform(1.3, 3.0) ** rng.choice([-1, 1]))
    if kind == "bad_row_x100":
        for key in ("open", "high", "low", "close"):
            bars[key][t] *= factor
    else:
        bars["close"][t] *= factor
    return float(factor), float(true_next)


def _set_day(
    bars: dict[str, np.ndarray],
    t: int,
    prev: float,
    move: float,
    *,
    genuine: bool,
    gap: bool = False,
    rng: np.random.Generator | None = None,
) -> None:
    """Make day ``t`` a move of ``move`` from ``prev``; later days keep their own returns.

    An ordinary (volatile) day opens near the previous close and ranges over its move plus two
    volatilities. A genuine crash or spike either gaps (opens 60-100 % of the way to the new
    level) or opens at the old level and trades its way there; either way the day's range adds
    5-25 % of the move's size on top: a market finding a new price is not a quiet day.
    """
    old_close = bars["close"][t]
    new_close = prev * (1 + move)
    scale = new_close / old_close
    for key in ("open", "high", "low", "close"):
        bars[key][t + 1 :] *= scale
    sigma = min(bars["sigma"][t], 0.08)
    log_move = np.log1p(move)
    if genuine:
        assert rng is not None
        share = rng.uniform(0.6, 1.0) if gap else 0.0
        open_ = prev * np.exp(share * log_move + 0.3 * sigma * rng.standard_normal())
        excursion = rng.uniform(0.05, 0.25) * abs(log_move) + 2 * sigma
    else:
        open_ = prev * np.exp(0.3 * sigma)
        excursion = 2 * sigma
    bars["open"][t] = open_
    bars["close"][t] = new_close
    bars["high"][t] = max(open_, new_close) * np.exp(excursion * 0.5)
    bars["low"][t] = min(open_, new_close) * np.exp(-excursion * 0.5)


def write_universe(
    out: Path, events_per_kind: int, clean_funds: int, event_days: int, seed: int
) -> list[Planted]:
    """Write one Stooq file per fund into ``out``; return what was planted."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    planted: list[Planted] = []
    jobs = [(kind, i) for kind in KINDS for i in range(events_per_kind)]
    jobs += [("clean", i) for i in range(clean_funds)]
    for n, (kind, _i) in enumerate(jobs):
        n_days = 5040 if kind == "clean" else event_days
        dates = pd.bdate_range("2004-01-02", periods=n_days)
        bars = _fund_path(rng, n_days)
        ticker = f"Z{n:05d}"
        t = int(rng.integers(150, n_days - 30)) if kind != "clean" else -1
        if kind != "clean":
            _apply_thin_trading(bars, [t, t + 1, t + 2])
            ratio, true_ret = _plant(rng, kind, bars, t)
            planted.append(Planted(ticker, kind, dates[t], ratio, true_ret))
        else:
            _apply_thin_trading(bars, [])
        frame = pd.DataFrame(
            {
                "Date": dates.strftime("%Y%m%d"),
                "Open": np.round(bars["open"], 4),
                "High": np.round(bars["high"], 4),
                "Low": np.round(bars["low"], 4),
                "Close": np.round(bars["close"], 4),
                "Volume": bars["volume"].astype(np.int64),
                "OpenInt": 0,
            }
        )
        frame.to_csv(out / f"{ticker.lower()}.us.txt", index=False)
    return planted

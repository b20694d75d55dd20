"""Factor returns and macro series of the synthetic market.

The factor returns drive every fund's price (see :mod:`etf_warehouse.sample.prices`), so prices,
factors and macro series are consistent by construction: the 10-year yield path produces the
``term`` factor, the credit-spread path the ``credit`` factor and the AUD/USD path ``fx_usd``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from etf_warehouse.sample import history
from etf_warehouse.sample.config import SampleConfig
from etf_warehouse.sample.universe import FACTORS

TRADING_DAYS = 252

# Annual premium (realistic market, scaled by ``history_scale``) and volatility of the
# equity-like factors. ``mkt_rf`` volatility comes from its GJR-GARCH process instead.
PREMIUM_ANN = {
    "mkt_rf": 0.06,
    "smb": 0.01,
    "hml": 0.015,
    "glb_x": 0.05,
    "eu_x": 0.0,
    "em_x": 0.01,
    "reit_x": 0.02,
    "gold": 0.03,
    "oil": 0.0,
    "comm": 0.0,
}
VOL_ANN = {
    "smb": 0.06,
    "hml": 0.06,
    "glb_x": 0.11,
    "eu_x": 0.08,
    "em_x": 0.10,
    "reit_x": 0.10,
    "gold": 0.15,
    "oil": 0.35,
    "comm": 0.12,
}
# GJR-GARCH(1,1) of the market factor: 13 % long-run annual volatility, persistence 0.98.
MKT_GARCH = {"alpha": 0.02, "gamma": 0.10, "beta": 0.91, "vol_ann": 0.13, "dof": 5.0}
TERM_DURATION = 10.0  # duration of the bond behind ``term``, years
CREDIT_SPREAD_DURATION = 5.0
VOL_DECAY_HALF_LIFE = 21  # sessions for a crisis volatility multiplier to halve after the episode
# Crises hit equity-like factors with the full volatility multiplier, the others with its square
# root (gold, oil and yields do get more volatile in a crash, but less than equities).
EQUITY_LIKE = ("mkt_rf", "smb", "hml", "glb_x", "eu_x", "em_x", "reit_x")
# Mean reversion per session of the macro noise around its anchor path in a realistic market. A
# null market uses 0 (random walks): mean-reverting yields would make bond returns predictable.
MACRO_REVERSION = {"yield": 1 / 120, "spread": 1 / 125, "fx": 1 / 250}


@dataclass(frozen=True)
class FactorHistory:
    """Daily factor returns (decimal) and macro levels, one row per session."""

    factors: pd.DataFrame  # index date; columns rf + FACTORS
    macro: pd.DataFrame  # index date; policy_rate_pct, yield_10y_pct, ...
    vol_multiplier: np.ndarray  # crisis volatility multiplier per session (1 = calm)


def _standard_t(rng: np.random.Generator, dof: float, size) -> np.ndarray:
    """Student-t draws rescaled to unit variance."""
    return rng.standard_t(dof, size) * np.sqrt((dof - 2.0) / dof)


def _anchor_path(dates: pd.DatetimeIndex, anchors, *, step: bool = False) -> np.ndarray:
    x = pd.to_datetime([d for d, _ in anchors]).to_numpy().astype("datetime64[D]").astype(float)
    y = np.array([v for _, v in anchors], dtype=float)
    t = dates.to_numpy().astype("datetime64[D]").astype(float)
    if step:
        idx = np.clip(np.searchsorted(x, t, side="right") - 1, 0, len(y) - 1)
        return y[idx]
    return np.interp(t, x, y)


def _scaled(path: np.ndarray, scale: float) -> np.ndarray:
    """Shrink a scripted path toward its own mean: scale 0 leaves a flat line."""
    return path.mean() + scale * (path - path.mean())


def _ou(shocks: np.ndarray, kappa: float) -> np.ndarray:
    """Ornstein-Uhlenbeck path driven by ``shocks`` with mean reversion ``kappa`` per step."""
    return lfilter([1.0], [1.0, -(1.0 - kappa)], shocks)


def episode_drifts(dates: pd.DatetimeIndex) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Scripted daily log drift per factor and the crisis volatility multiplier per session."""
    n = len(dates)
    drifts = {f: np.zeros(n) for f in FACTORS}
    multiplier = np.ones(n)
    decay = np.log(2.0) / VOL_DECAY_HALF_LIFE
    for ep in history.EPISODES:
        inside = (dates >= pd.Timestamp(ep.start)) & (dates <= pd.Timestamp(ep.end))
        n_in = int(inside.sum())
        if n_in == 0:
            continue
        for factor, move in ep.moves.items():
            drifts[factor][inside] += move / n_in
        last = int(np.flatnonzero(inside)[-1])
        after = np.arange(n) > last
        bump = np.where(inside, ep.vol_multiplier, 1.0)
        bump[after] = 1.0 + (ep.vol_multiplier - 1.0) * np.exp(
            -decay * (np.arange(n)[after] - last)
        )
        multiplier = np.maximum(multiplier, bump)
    return drifts, multiplier


def episode_segments(dates: pd.DatetimeIndex) -> list[np.ndarray]:
    """Session indices of the pieces the episodes cut the timeline into (inside episodes only).

    Overlapping episodes (the 2022 rate shock and the Ukraine invasion) give three pieces.
    """
    cuts: set[int] = set()
    inside_any = np.zeros(len(dates), dtype=bool)
    for ep in history.EPISODES:
        inside = (dates >= pd.Timestamp(ep.start)) & (dates <= pd.Timestamp(ep.end))
        if inside.any():
            idx = np.flatnonzero(inside)
            cuts.update((int(idx[0]), int(idx[-1]) + 1))
            inside_any |= inside
    bounds = sorted(cuts)
    return [np.arange(a, b) for a, b in pairwise(bounds) if inside_any[a]]


def pin_to_script(shocks: np.ndarray, segments: list[np.ndarray], weight: float) -> np.ndarray:
    """Remove ``weight`` times the mean shock within each episode piece.

    With weight 1 the noise still swings inside a crisis but nets to zero over it, so every
    episode moves each factor by exactly its scripted amount (a Brownian bridge). A null market
    uses weight 0: a bridge would make the rest of a crisis predictable from its start.
    """
    out = shocks.copy()
    for seg in segments:
        out[seg] -= weight * out[seg].mean()
    return out


def simulate_factors(dates: pd.DatetimeIndex, config: SampleConfig) -> FactorHistory:
    """Simulate factor returns and macro series over ``dates``.

    Uses its own random stream (``seed``, stream 1), so the factor history never depends on the
    number of funds.
    """
    rng = np.random.default_rng([config.seed, 1])
    n = len(dates)
    hist = config.history_scale
    drifts, mult = episode_drifts(dates)
    sqrt_td = np.sqrt(TRADING_DAYS)

    # --- macro paths (percent) and the cash rate
    policy = _anchor_path(dates, history.POLICY_RATE_PCT, step=True)
    rf = policy / 100.0 / TRADING_DAYS

    z_mkt = _standard_t(rng, MKT_GARCH["dof"], n)
    z_fx = rng.standard_normal(n)
    z_yield = rng.standard_normal(n)
    z_spread = rng.standard_normal(n)

    soft = np.sqrt(mult)
    yield_10y = _scaled(_anchor_path(dates, history.YIELD_10Y_PCT), hist)
    segments = episode_segments(dates)
    z_yield = pin_to_script(z_yield, segments, hist)
    z_spread = pin_to_script(z_spread, segments, hist)
    z_fx = pin_to_script(z_fx, segments, hist)
    yield_10y = yield_10y + _ou(0.055 * soft * z_yield, hist * MACRO_REVERSION["yield"])

    # Spreads move in proportion to their level (log noise), so they never turn negative.
    log_spread = _scaled(np.log(_anchor_path(dates, history.CREDIT_SPREAD_PCT)), hist)
    spread = np.exp(log_spread + _ou(0.015 * soft * z_spread, hist * MACRO_REVERSION["spread"]))

    # AUD rises with Australian equities: its shocks share 35 % of the market's.
    log_aud = _scaled(np.log(_anchor_path(dates, history.AUDUSD)), hist)
    fx_shock = 0.0065 * soft * (0.35 * z_mkt + np.sqrt(1 - 0.35**2) * z_fx)
    audusd = np.exp(log_aud + _ou(fx_shock, hist * MACRO_REVERSION["fx"]))

    # --- market factor: GJR-GARCH-t around the crisis multiplier
    g = MKT_GARCH
    var_lr = (g["vol_ann"] / sqrt_td) ** 2
    omega = var_lr * (1 - g["alpha"] - g["gamma"] / 2 - g["beta"])
    eps = np.empty(n)
    var = var_lr
    for i in range(n):
        e = np.sqrt(var) * z_mkt[i]
        eps[i] = e
        var = omega + (g["alpha"] + g["gamma"] * (e < 0)) * e * e + g["beta"] * var
    noise = pin_to_script(mult * eps, segments, hist)
    mkt = hist * PREMIUM_ANN["mkt_rf"] / TRADING_DAYS + hist * drifts["mkt_rf"] + noise

    out = {"rf": rf, "mkt_rf": mkt}
    for f, vol in VOL_ANN.items():
        shock = rng.standard_normal(n) * vol / sqrt_td * (mult if f in EQUITY_LIKE else soft)
        shock = pin_to_script(shock, segments, hist)
        out[f] = hist * PREMIUM_ANN[f] / TRADING_DAYS + hist * drifts[f] + shock

    dy = np.diff(yield_10y, prepend=yield_10y[0]) / 100.0
    carry = np.concatenate([[0.0], (yield_10y[:-1] / 100.0 - policy[:-1] / 100.0)])
    out["term"] = -TERM_DURATION * dy + hist * carry / TRADING_DAYS
    ds = np.diff(spread, prepend=spread[0]) / 100.0
    out["credit"] = (
        -CREDIT_SPREAD_DURATION * ds
        + hist * 0.5 * np.concatenate([[0.0], spread[:-1] / 100.0]) / TRADING_DAYS
    )
    out["fx_usd"] = -np.diff(np.log(audusd), prepend=np.log(audusd[0]))

    factors = pd.DataFrame({k: out[k] for k in ("rf", *FACTORS)}, index=dates)

    macro = pd.DataFrame(
        {
            "policy_rate_pct": policy,
            "yield_10y_pct": yield_10y,
            "credit_spread_pct": spread,
            "audusd": audusd,
            "inflation_yoy_pct": _published_inflation(dates, rng),
            "geo_risk_index": _geo_risk_index(dates, rng),
        },
        index=dates,
    )
    return FactorHistory(factors=factors, macro=macro, vol_multiplier=mult)


def _published_inflation(dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Quarterly CPI inflation, known from the last Wednesday of the month after the quarter."""
    quarter_ends = pd.date_range(
        dates[0] - pd.DateOffset(months=6), dates[-1], freq="QE", name="quarter_end"
    )
    values = _anchor_path(quarter_ends, history.INFLATION_YOY_PCT) + rng.normal(
        0, 0.15, len(quarter_ends)
    )
    publish = quarter_ends + pd.DateOffset(days=28)
    idx = np.searchsorted(publish.values, dates.to_numpy(), side="right") - 1
    return np.round(values[np.clip(idx, 0, len(values) - 1)], 1)


def _geo_risk_index(dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Geopolitical risk index: noisy baseline of 100 plus decaying spikes at real events."""
    n = len(dates)
    noise = _ou(rng.normal(0, 0.05, n), 0.03)
    level = 100.0 * np.exp(noise)
    pos = np.arange(n)
    for day, peak, half_life in history.GEO_RISK_SPIKES:
        start = int(np.searchsorted(dates.to_numpy(), np.datetime64(day)))
        if start >= n:
            continue
        after = pos >= start
        level[after] += (peak - 100.0) * np.exp(-np.log(2) / half_life * (pos[after] - start))
    return np.round(level, 2)

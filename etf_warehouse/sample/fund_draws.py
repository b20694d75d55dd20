"""Per-fund random draws of the sample market: parameters, listing, alpha path and daily shocks.

Every fund draws from its own random stream (``seed``, stream 2, slot), in a fixed order, so a
fund's history is the same whether it is simulated alone or in a batch of 3,000. The order of the
draws in :func:`draw_fund` is part of the output: moving or adding a draw changes every later one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etf_warehouse.sample.config import ALPHA_PERSISTENCE, ALPHA_VOL_ANN, SampleConfig
from etf_warehouse.sample.universe import (
    FACTORS,
    Template,
    effective_idio_vol,
    effective_loadings,
)

DELIST_PRONE_PROB = 0.32
MERGER_PROB = 0.02
MIN_LIFE_SESSIONS = 300
INTRADAY_STEPS = 16  # steps of the Brownian bridge from open to close that sets high and low
PROTECTED_SLOTS = 20  # the core slots never close on their own, so small universes stay varied


def _standard_t(rng: np.random.Generator, dof: float, size: int) -> np.ndarray:
    return rng.standard_t(dof, size) * np.sqrt((dof - 2.0) / dof)


@dataclass
class Fund:
    slot: int
    ticker: str
    template: Template
    loadings: np.ndarray
    idio_vol_ann: float
    garch_alpha: float
    garch_beta: float
    dof: float
    adv_aud: float
    spread_bps: float
    start_price: float
    listing: int
    delist_prone: bool
    merger_at: int | None
    open_weight: float
    alpha_monthly: np.ndarray
    z_idio: np.ndarray
    u_zero_volume: np.ndarray
    n_volume: np.ndarray
    n_ohlc: np.ndarray
    u_missing: np.ndarray
    u_duplicate: np.ndarray
    n_intraday: np.ndarray  # (INTRADAY_STEPS, T) shocks of the intraday path


def draw_fund(
    slot: int, ticker: str, template: Template, config: SampleConfig, n_days: int, n_months: int
) -> Fund:
    rng = np.random.default_rng([config.seed, 2, slot])
    base = effective_loadings(template)
    loadings = np.array(
        [
            base.get(f, 0.0) * (1.0 if f == "fx_usd" else 1.0 + 0.08 * rng.standard_normal())
            for f in FACTORS
        ]
    )
    idio = effective_idio_vol(template) * float(np.exp(0.25 * rng.standard_normal()))
    g_alpha = float(rng.uniform(0.03, 0.10))
    g_beta = float(min(rng.uniform(0.85, 0.95), 0.985 - g_alpha))
    dof = float(rng.uniform(5.0, 10.0))
    adv = template.adv_aud * float(np.exp(rng.standard_normal()))
    spread = template.spread_bps * float(np.exp(0.3 * rng.standard_normal()))
    spread *= (adv / template.adv_aud) ** -0.25
    start_price = 50.0 if template.is_cash_like else float(rng.uniform(10.0, 60.0))
    u_list = float(rng.uniform())
    if slot < PROTECTED_SLOTS or u_list < 0.4:
        listing = 0
    else:
        # histories shorter than a minimum life list everything at the start
        listing = int(max(n_days - MIN_LIFE_SESSIONS, 0) * rng.uniform() ** 0.8)
    # Small funds (below their template's typical size) are the ones issuers close.
    prone_prob = DELIST_PRONE_PROB if adv < template.adv_aud else DELIST_PRONE_PROB / 4
    delist_prone = slot >= PROTECTED_SLOTS and rng.uniform() < prone_prob
    u_merger, u_merger_at = rng.uniform(), rng.uniform()
    merger_at = None
    if slot >= PROTECTED_SLOTS and u_merger < MERGER_PROB:
        merger_at = (
            listing
            + MIN_LIFE_SESSIONS
            + int(u_merger_at * max(n_days - listing - 2 * MIN_LIFE_SESSIONS, 1))
        )
    open_weight = float(rng.uniform(0.2, 0.6))
    shocks = rng.standard_normal(n_months)
    alpha_sd = ALPHA_VOL_ANN * config.alpha_scale
    alpha = np.empty(n_months)
    level = alpha_sd * shocks[0]
    for m in range(n_months):
        if m:
            level = (
                ALPHA_PERSISTENCE * level + np.sqrt(1 - ALPHA_PERSISTENCE**2) * alpha_sd * shocks[m]
            )
        alpha[m] = level
    if template.leverage != 1.0:
        alpha = alpha * abs(template.leverage)
    return Fund(
        slot=slot,
        ticker=ticker,
        template=template,
        loadings=loadings,
        idio_vol_ann=idio,
        garch_alpha=g_alpha,
        garch_beta=g_beta,
        dof=dof,
        adv_aud=adv,
        spread_bps=spread,
        start_price=start_price,
        listing=listing,
        delist_prone=delist_prone,
        merger_at=merger_at,
        open_weight=open_weight,
        alpha_monthly=alpha,
        z_idio=_standard_t(rng, dof, n_days),
        u_zero_volume=rng.uniform(size=n_days),
        n_volume=rng.standard_normal(n_days),
        n_ohlc=rng.standard_normal((3, n_days)),  # [0] opens; [1:] unused, kept for stable streams
        u_missing=rng.uniform(size=n_days),
        u_duplicate=rng.uniform(size=n_days),
        # drawn last, so adding it left every earlier draw (closes, volumes...) unchanged
        n_intraday=rng.standard_normal((INTRADAY_STEPS, n_days)),
    )

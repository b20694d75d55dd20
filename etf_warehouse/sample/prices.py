"""Fund prices of the synthetic market: returns, distributions, splits, volume, OHLC and faults.

Every fund draws from its own random stream (``seed``, stream 2, slot), in a fixed order, so a
fund's history is the same whether it is simulated alone or in a batch of 3,000, and batches can
be generated one after another with bounded memory. Within a batch the maths is vectorised across
funds; only the GARCH recursion loops over time.

Daily total return of fund ``j`` (AUD, decimal)::

    r = rf + sum_k loading_jk * factor_k + alpha_j(month) / 252 + e_j - fees / 252

with ``e_j`` a GARCH(1,1)-t idiosyncratic shock. Geared and inverse funds have their loadings,
alpha and shock scaled by the leverage (daily reset), plus a financing cost.

The per-fund random draws are in :mod:`etf_warehouse.sample.fund_draws`, the slots that carry the
scripted special cases in :mod:`etf_warehouse.sample.scripted` and the feed faults in
:mod:`etf_warehouse.sample.faults`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etf_warehouse.sample.config import SampleConfig
from etf_warehouse.sample.factors import TRADING_DAYS, FactorHistory
from etf_warehouse.sample.faults import inject_faults
from etf_warehouse.sample.fund_draws import INTRADAY_STEPS, draw_fund
from etf_warehouse.sample.scripted import (
    DECLARED_ACTIONS,
    FORCED_DELISTING,
    MISSING_METADATA_SLOTS,
    STALE_RUN,
    UNDECLARED_ACTIONS,
    position,
)
from etf_warehouse.sample.universe import FACTORS, Template

DELIST_Z = -1.9  # two-year standardised residual return below which a delist-prone fund closes


@dataclass
class FundBatch:
    """Output of :func:`simulate_funds` for a batch of slots."""

    prices: pd.DataFrame  # ticker, date, open, high, low, close, volume (raw, with faults)
    actions: pd.DataFrame  # ticker, date, action_type, ratio, amount, is_declared
    funds: pd.DataFrame  # per-fund truth: listing/delisting, parameters
    loadings: pd.DataFrame  # ticker, factor, loading (true)
    faults: pd.DataFrame  # ticker, date, fault_type, detail
    returns: pd.DataFrame = field(
        repr=False
    )  # date x ticker true total returns (NaN when not live)


def _distribution_days(dates: pd.DatetimeIndex, per_year: int) -> np.ndarray:
    """First session of each distribution month (ASX funds mostly go ex at the start of a month)."""
    months = dates.month.to_numpy()
    first_of_month = np.r_[True, months[1:] != months[:-1]]
    step = 12 // per_year
    month_ok = ((months - 1) % step == 0) if per_year > 1 else (months == 7)
    return first_of_month & month_ok


def simulate_funds(
    config: SampleConfig,
    dates: pd.DatetimeIndex,
    history: FactorHistory,
    slots: list[int],
    templates: list[Template],
    tickers: list[str],
) -> FundBatch:
    """Simulate the funds in ``slots`` (their templates and tickers given in the same order)."""
    n_days, n_funds = len(dates), len(slots)
    month_index = (
        (dates.year.to_numpy() - dates.year.to_numpy()[0]) * 12 + dates.month.to_numpy() - 1
    )
    n_months = int(month_index[-1]) + 1
    funds = [
        draw_fund(s, t, tpl, config, n_days, n_months)
        for s, t, tpl in zip(slots, tickers, templates, strict=True)
    ]
    fac = history.factors
    rf = fac["rf"].to_numpy()
    factor_matrix = fac[list(FACTORS)].to_numpy()
    loadings = np.column_stack([f.loadings for f in funds])  # K x n
    mult = history.vol_multiplier[:, None]

    # --- idiosyncratic GARCH(1,1)-t, vectorised across funds
    idio_var_lr = (np.array([f.idio_vol_ann for f in funds]) / np.sqrt(TRADING_DAYS)) ** 2
    g_a = np.array([f.garch_alpha for f in funds])
    g_b = np.array([f.garch_beta for f in funds])
    omega = idio_var_lr * (1 - g_a - g_b)
    z = np.column_stack([f.z_idio for f in funds])
    idio = np.empty((n_days, n_funds))
    idio_var = np.empty((n_days, n_funds))
    var = idio_var_lr.copy()
    for t in range(n_days):
        idio_var[t] = var
        e = np.sqrt(var) * z[t]
        idio[t] = e
        var = omega + g_a * e * e + g_b * var
    idio *= np.sqrt(mult)

    alpha = np.column_stack([f.alpha_monthly for f in funds])[month_index] / TRADING_DAYS
    systematic = factor_matrix @ loadings
    leverage = np.array([f.template.leverage for f in funds])
    expense = np.array([f.template.expense_ratio for f in funds])
    financing = 0.005 * np.abs(leverage - 1.0)
    returns = rf[:, None] + systematic + alpha + idio - (expense + financing) / TRADING_DAYS
    returns = np.maximum(returns, -0.95)

    # --- listing and delisting
    listing = np.array([f.listing for f in funds])
    delisting = np.full(n_funds, n_days - 1)
    delist_reason: list[str | None] = [None] * n_funds
    resid = np.log1p(alpha + idio)
    window = 2 * TRADING_DAYS
    for j, f in enumerate(funds):
        if f.delist_prone:
            c = np.cumsum(resid[:, j])
            zscore = np.full(n_days, np.inf)
            zscore[window:] = (c[window:] - c[:-window]) / (np.sqrt(idio_var_lr[j] * window))
            ok = (np.arange(n_days) >= f.listing + window) & (
                np.arange(n_days) <= n_days - 1 - 63 - 42
            )
            hits = np.flatnonzero(ok & (zscore < DELIST_Z))
            if hits.size:
                delisting[j] = hits[0] + 42
                delist_reason[j] = "closed after poor performance"
        if f.merger_at is not None and f.merger_at < delisting[j]:
            delisting[j] = f.merger_at
            delist_reason[j] = "merged into another fund"
        if f.slot in FORCED_DELISTING:
            delisting[j] = position(f.listing, n_days - 1, FORCED_DELISTING[f.slot])
            delist_reason[j] = "closed by the issuer"
    pos = np.arange(n_days)[:, None]
    live = (pos >= listing[None, :]) & (pos <= delisting[None, :])

    # --- distributions (fraction of the cum-distribution price paid out on ex-days)
    dist_frac = np.zeros((n_days, n_funds))
    ex_day = np.zeros((n_days, n_funds), dtype=bool)
    for j, f in enumerate(funds):
        tpl = f.template
        if tpl.dist_yield > 0 or tpl.is_cash_like:
            ex = _distribution_days(dates, 12 if tpl.is_cash_like else tpl.dist_per_year)
            ex &= live[:, j] & (np.arange(n_days) > f.listing)
            ex_day[:, j] = ex
            dist_frac[ex, j] = tpl.dist_yield / tpl.dist_per_year

    # --- split-free ex-distribution price path
    growth = np.where(live, 1.0 + returns, 1.0)
    growth[listing, np.arange(n_funds)] = 1.0
    price = np.empty((n_days, n_funds))
    for j, f in enumerate(funds):
        if f.template.is_cash_like:
            # Cash funds pay out their accrued interest monthly and keep a unit price near 50.
            p = f.start_price
            for t in range(n_days):
                p *= growth[t, j]
                if ex_day[t, j] and p > f.start_price:
                    dist_frac[t, j] = 1.0 - f.start_price / p
                    p = f.start_price
                price[t, j] = p
        else:
            price[:, j] = f.start_price * np.cumprod(growth[:, j] * (1.0 - dist_frac[:, j]))
    cum_price = price / (1.0 - dist_frac)
    dist_amount = cum_price * dist_frac

    # --- corporate actions (ratio = new units per old unit)
    split_factor = np.ones((n_days, n_funds))
    action_rows = []
    for j, f in enumerate(funds):
        events = []
        if f.slot in DECLARED_ACTIONS:
            frac, ratio = DECLARED_ACTIONS[f.slot]
            events.append((frac, ratio, True))
        if f.slot in UNDECLARED_ACTIONS:
            frac, ratio = UNDECLARED_ACTIONS[f.slot]
            events.append((frac, ratio, not config.faults))
        for frac, ratio, declared in events:
            t = position(f.listing, int(delisting[j]), frac)
            while t < delisting[j] and ex_day[t, j]:
                t += 1
            split_factor[t:, j] *= ratio
            action_rows.append(
                (
                    f.ticker,
                    dates[t],
                    "split" if ratio > 1 else "consolidation",
                    ratio,
                    None,
                    declared,
                )
            )
    raw_close = price / split_factor
    for j, f in enumerate(funds):
        for t in np.flatnonzero(ex_day[:, j] & (dist_amount[:, j] > 0)):
            action_rows.append(
                (
                    f.ticker,
                    dates[t],
                    "distribution",
                    float(dist_frac[t, j]),
                    round(float(dist_amount[t, j] / split_factor[t, j]), 6),
                    True,
                )
            )

    # --- trading activity: zero-volume (stale) days for small funds
    adv = np.array([f.adv_aud for f in funds])
    p_zero = np.clip(0.35 * (np.log10(3e5) - np.log10(adv)) / 1.2, 0.0, 0.35)
    is_action_day = np.diff(split_factor, axis=0, prepend=split_factor[:1]) != 0
    first_day = pos == listing[None, :]
    no_trade = (np.column_stack([f.u_zero_volume for f in funds]) < p_zero[None, :]) & live
    if config.faults:
        for j, f in enumerate(funds):
            if f.slot in STALE_RUN:
                frac, length = STALE_RUN[f.slot]
                t0 = position(f.listing, int(delisting[j]), frac)
                no_trade[t0 : t0 + length, j] = True
    no_trade &= ~(ex_day | is_action_day | first_day) & live
    traded_idx = np.where(~no_trade, pos, 0)
    last_traded = np.maximum.accumulate(traded_idx, axis=0)
    close = np.take_along_axis(raw_close, last_traded, axis=0)

    # --- OHLC around the close, with the bid-ask spread in the high/low
    sys_var = (loadings**2 * factor_matrix.var(axis=0)[:, None]).sum(axis=0)
    day_vol = np.sqrt(idio_var * mult + sys_var[None, :] * mult**2 / np.mean(mult**2))
    prev_close = np.vstack([close[:1], close[:-1]])
    prev_basis = np.vstack([split_factor[:1], split_factor[:-1]])
    ref = prev_close * prev_basis / split_factor * (1.0 - dist_frac)
    ref = np.where(first_day, close, ref)
    n_ohlc = np.stack([f.n_ohlc for f in funds], axis=2)  # 3 x T x n
    w = np.array([f.open_weight for f in funds])
    open_ = ref * np.exp(w * np.log(close / ref) + 0.25 * day_vol * n_ohlc[0])
    half_spread = np.array([f.spread_bps for f in funds]) / 2e4
    # high and low: extremes of a Brownian bridge from open to close carrying the session's
    # share of the day's variance, plus half the spread (trades hit the bid and the ask). A
    # Brownian range is what high-low spread estimators (Corwin-Schultz) assume.
    high = np.empty_like(close)
    low = np.empty_like(close)
    steps = np.arange(1, INTRADAY_STEPS + 1)[:, None] / INTRADAY_STEPS
    for j, f in enumerate(funds):
        log_o, log_c = np.log(open_[:, j]), np.log(close[:, j])
        step_vol = day_vol[:, j] * np.sqrt((1.0 - w[j]) / INTRADAY_STEPS)
        walk = np.cumsum(f.n_intraday, axis=0) * step_vol
        path = log_o + steps * (log_c - log_o) + walk - steps * walk[-1]
        high[:, j] = np.exp(np.maximum(path.max(axis=0), log_o)) * (1 + half_spread[j])
        low[:, j] = np.exp(np.minimum(path.min(axis=0), log_o)) * (1 - half_spread[j])
    open_ = np.where(no_trade, close, open_)
    high = np.where(no_trade, close, high)
    low = np.where(no_trade, close, low)

    n_vol = np.column_stack([f.n_volume for f in funds])
    activity = (1.0 + 2.0 * np.abs(returns - rf[:, None]) / day_vol) / 2.6
    volume = adv[None, :] / (price / split_factor) * np.exp(0.5 * n_vol - 0.125) * activity
    volume = np.where(no_trade, 0.0, np.maximum(np.round(volume), 1.0))

    # --- long frame of live rows
    tickers_arr = np.array([f.ticker for f in funds], dtype=object)
    fj, ti = np.nonzero(live.T)  # fund-major: rows sorted by ticker slot, then date
    prices = pd.DataFrame(
        {
            "ticker": tickers_arr[fj],
            "date": dates.to_numpy()[ti],
            "open": np.round(open_[ti, fj], 3),
            "high": np.round(high[ti, fj], 3),
            "low": np.round(low[ti, fj], 3),
            "close": np.round(close[ti, fj], 3),
            "volume": volume[ti, fj].astype(np.int64),
        }
    )
    fault_rows: list[tuple] = []
    if config.faults:
        prices = inject_faults(prices, funds, dates, live, delisting, no_trade, fault_rows)
    else:
        prices = prices.sort_values(["ticker", "date"], kind="stable", ignore_index=True)

    true_returns = pd.DataFrame(
        np.where(live, returns, np.nan), index=dates, columns=list(tickers_arr)
    )
    fund_rows = [
        {
            "ticker": f.ticker,
            "slot": f.slot,
            "template": f.template.code,
            "listing_date": dates[f.listing],
            "delisting_date": dates[delisting[j]] if delisting[j] < n_days - 1 else pd.NaT,
            "delisting_reason": delist_reason[j],
            "leverage": f.template.leverage,
            "idio_vol_ann": f.idio_vol_ann,
            "garch_alpha": f.garch_alpha,
            "garch_beta": f.garch_beta,
            "t_dof": f.dof,
            "adv_aud": f.adv_aud,
            "spread_bps": f.spread_bps,
            "expense_ratio": f.template.expense_ratio,
            "has_metadata": f.slot not in MISSING_METADATA_SLOTS or not config.faults,
        }
        for j, f in enumerate(funds)
    ]
    loading_rows = [
        (f.ticker, factor, float(f.loadings[k]))
        for f in funds
        for k, factor in enumerate(FACTORS)
        if f.loadings[k] != 0.0
    ]
    return FundBatch(
        prices=prices,
        actions=pd.DataFrame(
            action_rows,
            columns=["ticker", "date", "action_type", "ratio", "amount", "is_declared"],
        ),
        funds=pd.DataFrame(fund_rows),
        loadings=pd.DataFrame(loading_rows, columns=["ticker", "factor", "loading"]),
        faults=pd.DataFrame(fault_rows, columns=["ticker", "date", "fault_type", "detail"]),
        returns=true_returns,
    )

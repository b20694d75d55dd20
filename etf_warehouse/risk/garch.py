"""GJR-GARCH(1,1) volatility with Student-t errors: scheduled ``arch`` fits, filtered forward.

Refitting a GARCH model on every date is the textbook way to get point-in-time forecasts and the
slow one (~35 ms per arch fit, 5,000 dates x thousands of funds). Here each fund is fitted on a
schedule (by default on the first trading day of every calendar year divisible by three, on an
expanding window capped at ``max_window`` observations, warm-started from the previous fit;
arch's likelihood maximised with exact derivatives, ~10 ms a fit: see
:mod:`~etf_warehouse.risk.garch_model`) and its conditional variance is then *filtered forward*
with the fitted parameters until the next refit:

    sigma2[t+1] = omega + (alpha + gamma * 1[e[t] < 0]) * e[t]^2 + beta * sigma2[t],  e = r - mu

The filter reproduces arch's own variance recursion exactly (same backcast, same start-up
terms), so on a fit's window it equals ``ARCHModelResult.conditional_volatility`` and its
forecasts equal ``ARCHModelResult.forecast``. The recursion is linear in sigma2 with coefficient
beta, so it runs as ``scipy.signal.lfilter`` per fund and refit period, in C.

Point-in-time: parameters fitted at the close of refit date R use returns dated <= R and produce
forecasts from R's close until the next refit; a forecast at the close of t uses returns <= t.

Units: each fit's window is scaled to unit standard deviation before arch sees it (arch's
optimiser wants data of order 1, and a cash fund's percent returns are of order 1e-3); the scale
is stored with the fit. Forecasts come back as annualised decimal volatilities (0.15 = 15 %).

Where a fund has fewer than ``min_obs`` returns at a refit, or its fit fails, does not converge,
is not stationary or implies a long-run volatility five times off the window's own, the period
falls back to a RiskMetrics EWMA (lambda 0.94), flagged with the reason. Every forecast must
also lie within a plausible band from the fund's own history (``band_multiple`` times its
trailing median EWMA volatility, either way): a GARCH forecast outside it falls back to EWMA
(``out_of_band``) and an EWMA one is clipped to the band (``clipped_to_band``), so a corrupt
return that slipped through cleaning cannot publish a volatility of thousands of percent.

Layout: :mod:`~etf_warehouse.risk.garch_model` holds one fit, its variance recursion, the EWMA
and the refit schedule; :mod:`~etf_warehouse.risk.garch_fund` one fund's forecasts and their
band; this module runs every fund and holds the tables' schemas (all names import from here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etf_warehouse import progress
from etf_warehouse.frames import empty_frame
from etf_warehouse.parallel import process_map
from etf_warehouse.risk.garch_fund import (
    BAND_MIN_PERIODS,
    BAND_WINDOW,
    FilterState,
    FundVolatility,
    fund_volatility,
    guard_band,
    plausible_band,
    resume_fund_volatility,
)
from etf_warehouse.risk.garch_model import (
    BACKCAST_TAU,
    EWMA_LAMBDA,
    EWMA_WARMUP,
    PARAM_NAMES,
    TRADING_DAYS,
    FitResult,
    GarchSettings,
    arch_backcast,
    ewma_variance,
    filter_variance,
    fit_gjr_garch_t,
    mean_forecast_factors,
    persistence,
    refit_dates,
    rescale_params,
    window_scale,
)

__all__ = [  # the model's pieces live in garch_model and garch_fund; importable from here too
    "BACKCAST_TAU",
    "BAND_MIN_PERIODS",
    "BAND_WINDOW",
    "EWMA_LAMBDA",
    "EWMA_WARMUP",
    "FIT_COLUMNS",
    "FIT_SCHEMA",
    "PARAM_NAMES",
    "TRADING_DAYS",
    "VOLATILITY_SCHEMA",
    "FilterState",
    "FitResult",
    "FundSeries",
    "FundVolatility",
    "GarchSettings",
    "arch_backcast",
    "ewma_variance",
    "filter_variance",
    "fit_gjr_garch_t",
    "fit_rows_frame",
    "fund_volatility",
    "garch_fits_panel",
    "garch_volatility_frames",
    "garch_volatility_panel",
    "garch_volatility_tail",
    "guard_band",
    "mean_forecast_factors",
    "persistence",
    "plausible_band",
    "refit_dates",
    "refits_from",
    "rescale_params",
    "resume_fund_volatility",
    "window_scale",
]


def fit_rows_frame(ticker: str, fund: FundVolatility) -> pd.DataFrame:
    """One row per refit of a fund: window, parameters, log-likelihood, status, timing."""
    rows = []
    for row in fund.fits:
        fit: FitResult = row["fit"]
        params = fit.params if fit.params is not None else np.full(6, np.nan)
        rows.append(
            {
                "ticker": ticker,
                "refit_date": row["refit_date"],
                "window_start": row["window_start"],
                "window_end": row["window_end"],
                "n_obs": row["n_obs"],
                **{f"param_{name}": float(v) for name, v in zip(PARAM_NAMES, params, strict=True)},
                "persistence": persistence(params) if fit.params is not None else np.nan,
                "data_scale": fit.scale,
                "loglik": fit.loglik,
                "iterations": fit.iterations,
                "fit_seconds": fit.seconds,
                "status": fit.status,
                "message": fit.message,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class FundSeries:
    """Every fund's returns in date order, funds in ticker order: fund ``i``'s dates and
    decimal returns are rows ``bounds[i]:bounds[i + 1]`` of ``dates`` and ``values``."""

    tickers: list[str]
    bounds: np.ndarray
    dates: np.ndarray  # datetime64[ns]
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.tickers)

    def __iter__(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        for i, ticker in enumerate(self.tickers):
            lo, hi = self.bounds[i], self.bounds[i + 1]
            yield ticker, self.dates[lo:hi], self.values[lo:hi]

    @classmethod
    def from_frame(cls, returns: pd.DataFrame) -> FundSeries:
        """From a frame with columns ticker, date, daily_return."""
        returns = returns.sort_values(["ticker", "date"], kind="stable")
        tickers = returns["ticker"].to_numpy()
        starts = np.flatnonzero(np.r_[True, tickers[1:] != tickers[:-1]]) if len(tickers) else []
        return cls(
            [str(tickers[i]) for i in starts],
            np.r_[starts, len(tickers)].astype(np.int64),
            returns["date"].to_numpy(dtype="datetime64[ns]"),
            returns["daily_return"].to_numpy(dtype=float),
        )

    @classmethod
    def from_relation(cls, relation: Any) -> FundSeries:
        """From a DuckDB relation with columns ticker, date, daily_return (no nulls), read as
        numbers and sorted by DuckDB: as a pandas frame with a string per row, sorted and
        grouped in pandas, 12.7 M returns took 4.5 GB (3,000 funds; benchmarks/scale.md)."""
        counts = relation.query(
            "returns", "select ticker, count(*) as n from returns group by ticker order by ticker"
        ).fetchnumpy()
        rows = relation.query(
            "returns", "select date, daily_return from returns order by ticker, date"
        ).fetchnumpy()
        return cls(
            [str(t) for t in counts["ticker"]],
            np.r_[0, np.cumsum(np.asarray(counts["n"], dtype=np.int64))],
            np.asarray(rows["date"]).astype("datetime64[ns]"),
            np.asarray(rows["daily_return"], dtype=float),
        )


def _fit_fund(task: tuple):
    ticker, dates, values, refits, settings, fit_from, warm_start, fit_method = task
    fund = fund_volatility(
        dates,
        values,
        refits,
        settings,
        fit_from=fit_from,
        warm_start=warm_start,
        fit_method=fit_method,
    )
    return fit_rows_frame(ticker, fund)


def garch_fits_panel(
    returns: pd.DataFrame | FundSeries,
    settings: GarchSettings,
    *,
    workers: int = 1,
    fit_from: pd.Timestamp | None = None,
    earlier_fits: pd.DataFrame | None = None,
    fit_method: str = "exact",
) -> pd.DataFrame:
    """Fit every fund on the refit schedule; one row per (ticker, refit date).

    ``returns`` has columns ticker, date, daily_return (decimal), or is a :class:`FundSeries`.
    Funds are independent, so with ``workers`` > 1 they are fitted in a pool of processes
    (results are identical).

    A live refresh passes ``fit_from`` and the fits made so far (``earlier_fits``, this
    function's earlier output): only refits on or after ``fit_from`` are fitted, each fund
    warm-started from its last usable earlier fit, so the rows equal a full pass's.
    ``fit_method``: see :func:`fit_gjr_garch_t` (``"arch"`` is arch's own, slower fit).
    """
    series = returns if isinstance(returns, FundSeries) else FundSeries.from_frame(returns)
    if not len(series):
        return empty_frame(FIT_SCHEMA)
    refits = refit_dates(pd.DatetimeIndex(series.dates), settings.refit_months)
    warm: dict[str, FitResult] = {}
    if fit_from is not None:
        if not (refits >= fit_from).any():  # no refit falls in the refreshed days
            return empty_frame(FIT_SCHEMA)
        before = (earlier_fits if earlier_fits is not None else empty_frame(FIT_SCHEMA)).loc[
            lambda f: pd.to_datetime(f["refit_date"]) < fit_from
        ]
        for ticker, by_refit in _fits_by_refit(before).items():
            usable = [
                r
                for r in sorted(by_refit)
                if by_refit[r].params is not None and by_refit[r].status == "ok"
            ]
            if usable:
                warm[ticker] = by_refit[usable[-1]]
    tasks = [(t, d, v, refits, settings, fit_from, warm.get(t), fit_method) for t, d, v in series]
    progress.expect(len(tasks), "funds")
    if workers > 1 and len(tasks) > 1:
        # chunks of at most 25 funds: results (and progress) arrive as they are fitted
        chunk = max(1, min(25, len(tasks) // (4 * workers)))
        frames = process_map(_fit_fund, tasks, workers, chunksize=chunk)
    else:
        frames = []
        for task in tasks:
            frames.append(_fit_fund(task))
            progress.advance()
    frames = [f for f in frames if not f.empty]
    if not frames:  # no fund has enough history yet: an empty frame, still typed
        return empty_frame(FIT_SCHEMA)
    return pd.concat(frames, ignore_index=True)[FIT_COLUMNS].astype(
        {"loglik": "float64", "iterations": "Int64", "message": "str"}
    )


def refits_from(
    return_dates: pd.Series | pd.DatetimeIndex, settings: GarchSettings, fit_from: pd.Timestamp
) -> bool:
    """Whether a live refresh from ``fit_from`` has refits to make: a refit date of the
    schedule over ``return_dates`` (every date with a return) on or after it
    (:func:`garch_fits_panel` fits nothing otherwise)."""
    refits = refit_dates(pd.DatetimeIndex(return_dates), settings.refit_months)
    return bool((refits >= fit_from).any())


FIT_SCHEMA: dict[str, str] = {
    "ticker": "str",
    "refit_date": "datetime64[ns]",
    "window_start": "datetime64[ns]",
    "window_end": "datetime64[ns]",
    "n_obs": "int64",
    **{f"param_{name}": "float64" for name in PARAM_NAMES},
    "persistence": "float64",
    "data_scale": "float64",
    "loglik": "float64",
    "iterations": "Int64",
    "fit_seconds": "float64",
    "status": "str",
    "message": "str",
}
FIT_COLUMNS = list(FIT_SCHEMA)
VOLATILITY_SCHEMA: dict[str, str] = {
    "ticker": "str",
    "date": "datetime64[ns]",
    "garch_vol_1d_ann": "float64",
    "garch_vol_21d_ann": "float64",
    "vol_model": "str",
    "vol_fallback_reason": "str",
    "params_refit_date": "datetime64[ns]",
    "ewma_state": "float64",
    "garch_state": "float64",
}


def _fits_by_refit(fits: pd.DataFrame) -> dict[str, dict[pd.Timestamp, FitResult]]:
    out: dict[str, dict[pd.Timestamp, FitResult]] = {}
    param_columns = [f"param_{name}" for name in PARAM_NAMES]
    for row in fits.itertuples(index=False):
        params = np.array([getattr(row, c) for c in param_columns], dtype=float)
        out.setdefault(row.ticker, {})[pd.Timestamp(row.refit_date)] = FitResult(
            params if np.all(np.isfinite(params)) else None, row.status, scale=row.data_scale
        )
    return out


def garch_volatility_panel(
    returns: pd.DataFrame, fits: pd.DataFrame, settings: GarchSettings
) -> pd.DataFrame:
    """Forecasts after every return of every fund, from stored fits (see garch_fits_panel).

    Columns: ticker, date, garch_vol_1d_ann, garch_vol_21d_ann (decimal, annualised),
    vol_model, vol_fallback_reason, params_refit_date.
    """
    frames = list(garch_volatility_frames(FundSeries.from_frame(returns), fits, settings))
    if not frames:
        return empty_frame(VOLATILITY_SCHEMA)
    return pd.concat(frames, ignore_index=True)


def garch_volatility_frames(
    series: FundSeries, fits: pd.DataFrame, settings: GarchSettings, funds_per_frame: int = 100
) -> Iterator[pd.DataFrame]:
    """:func:`garch_volatility_panel`'s rows, ``funds_per_frame`` funds at a time and in its
    order, for a stream (``dbt_glue.frame_stream``): the whole panel is never in memory."""
    refits = refit_dates(pd.DatetimeIndex(series.dates), settings.refit_months)
    by_ticker = _fits_by_refit(fits)
    progress.expect(len(series), "funds")
    parts = []
    for ticker, dates, values in series:
        fund = fund_volatility(dates, values, refits, settings, fits=by_ticker.get(ticker, {}))
        parts.append((ticker, dates, fund, None))
        if len(parts) == funds_per_frame:
            yield _volatility_frame(parts)
            progress.advance(len(parts))
            parts = []
    if parts:
        yield _volatility_frame(parts)
        progress.advance(len(parts))


_FUND_COLUMNS = {
    "garch_vol_1d_ann": "vol_1d_ann",
    "garch_vol_21d_ann": "vol_21d_ann",
    "vol_model": "model",
    "vol_fallback_reason": "fallback_reason",
    "params_refit_date": "params_date",
    "ewma_state": "ewma_variance",
    "garch_state": "garch_variance",
}


def _volatility_frame(
    parts: list[tuple[str, np.ndarray, FundVolatility, np.ndarray | None]],
) -> pd.DataFrame:
    """The forecasts of every (ticker, dates, fund, rows kept or None for all) as one frame,
    a column at a time: a frame per fund cost about a millisecond each, seconds at 3,000."""

    def stacked(values: list[np.ndarray]) -> np.ndarray:
        kept = [
            v if keep is None else v[keep] for v, (_, _, _, keep) in zip(values, parts, strict=True)
        ]
        return np.concatenate(kept)

    dates = stacked([dates for _, dates, _, _ in parts])
    lengths = [len(d if keep is None else d[keep]) for _, d, _, keep in parts]
    tickers = np.repeat(np.array([t for t, _, _, _ in parts], dtype=object), lengths)
    columns = {"ticker": tickers, "date": dates}
    for column, field_name in _FUND_COLUMNS.items():
        columns[column] = stacked([getattr(fund, field_name) for _, _, fund, _ in parts])
    # text with missing values stays object (None), as a concatenation of funds' frames gave
    columns["vol_fallback_reason"] = pd.Series(columns["vol_fallback_reason"], dtype=object)
    return pd.DataFrame(columns)


def garch_volatility_tail(
    new_returns: pd.DataFrame,
    earlier: pd.DataFrame,
    fits: pd.DataFrame,
    return_dates: pd.DatetimeIndex,
    settings: GarchSettings,
    history: Callable[[list[str]], pd.DataFrame],
) -> pd.DataFrame:
    """The forecasts after the returns of a live refresh, the filters carried on per fund.

    ``new_returns``: the returns dated on or after the refresh date (ticker, date,
    daily_return); ``earlier``: the rows of this function's table before it, each fund's last
    ``BAND_WINDOW`` (ticker, date, ewma_state, garch_state) with ``n_obs``, its count of
    earlier rows; ``fits``: garch_fits; ``return_dates``: every date with a return, old and new
    (the refit schedule's calendar). A fund is carried on from its state
    (:func:`resume_fund_volatility`) when its new returns fall in the refit period of its last
    earlier one and its EWMA is warmed up; any other fund (new, a refit among or just before
    its new returns, no state) is refiltered from ``history(tickers)``, its whole return
    history, exactly as :func:`garch_volatility_panel` would. Either way the rows equal a full
    pass's, to the bit. A missing fit row counts as too little history (garch_fits writes a
    row for every refit with enough).
    """
    if new_returns.empty:
        return empty_frame(VOLATILITY_SCHEMA)
    refresh_from = pd.Timestamp(new_returns["date"].min())
    refits = refit_dates(pd.DatetimeIndex(return_dates), settings.refit_months)
    refit_values = refits.to_numpy()
    by_ticker = _fits_by_refit(fits)
    # each fund's earlier rows, oldest first: positions start:end of one sorted copy
    earlier = earlier.sort_values(["ticker", "date"], kind="stable")
    old_ticker = earlier["ticker"].to_numpy()
    old_date = pd.to_datetime(earlier["date"]).to_numpy().astype("datetime64[ns]")
    old_ewma = earlier["ewma_state"].to_numpy(dtype=float)
    old_garch = earlier["garch_state"].to_numpy(dtype=float)
    old_n_obs = earlier["n_obs"].to_numpy()
    first = np.flatnonzero(np.r_[True, old_ticker[1:] != old_ticker[:-1]])[: len(earlier)]
    ends = np.r_[first[1:], len(earlier)][: len(first)]
    states = {str(old_ticker[a]): (a, b) for a, b in zip(first, ends, strict=True)}
    parts, refilter = [], []
    for ticker, dates, values in FundSeries.from_frame(new_returns):
        if ticker not in states:
            refilter.append(ticker)
            continue
        a, b = states[ticker]
        if np.isnan(old_ewma[a:b]).any() or int(old_n_obs[a]) < EWMA_WARMUP:
            refilter.append(ticker)
            continue
        last = old_date[b - 1]
        k = int(np.searchsorted(refit_values, last, side="right"))  # refits on or before it
        if k < len(refit_values) and refit_values[k] <= dates[-1]:
            refilter.append(ticker)  # a refit between its last old return and its last new one
            continue
        fit_date = pd.Timestamp(refit_values[k - 1]) if k > 0 else None
        fit = by_ticker.get(ticker, {}).get(fit_date, FitResult(None, "insufficient_history"))
        garch_state = float(old_garch[b - 1])
        if fit.status == "ok" and not np.isfinite(garch_state):
            refilter.append(ticker)
            continue
        state = FilterState(old_ewma[a:b], garch_state, int(old_n_obs[a]))
        fund = resume_fund_volatility(values, state, fit, fit_date, settings)
        parts.append((ticker, dates, fund, None))
    if refilter:
        whole = history(refilter)
        for ticker, dates, values in FundSeries.from_frame(whole):
            fund = fund_volatility(dates, values, refits, settings, fits=by_ticker.get(ticker, {}))
            parts.append((ticker, dates, fund, dates >= np.datetime64(refresh_from, "ns")))
    return _volatility_frame(parts)

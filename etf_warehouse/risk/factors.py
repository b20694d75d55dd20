"""Rolling multi-factor loadings: OLS of fund excess returns on factor returns, Newey-West errors.

Model, per fund and as-of date, over the window's usable periods t::

    r[t] = a + b_1 * f_1[t] + ... + b_k * f_k[t] + e[t]

with r the fund's excess return and f_i the factor returns, all decimal returns per factor
period (0.01 = 1 %). The coefficients are ordinary least squares; their covariance is the
Newey-West (1987) HAC sandwich ``H S H`` with ``H = (X'X)^-1`` and ``S`` the Bartlett-weighted
sum of the score autocovariances up to ``L`` lags (weights ``1 - j / (L + 1)``), *without* a
small-sample (``n / (n - k)``) correction. That is exactly what statsmodels computes for
``sm.OLS(y, sm.add_constant(X)).fit(cov_type="HAC", cov_kwds={"maxlags": L})``: its defaults
there are ``kernel="bartlett"`` and ``use_correction=False`` (note: the lower-level
``statsmodels.stats.sandwich_covariance.cov_hac`` defaults to ``use_correction=True``; the
``fit`` path does not). ``L`` is ``FactorSettings.hac_lags`` or, when that is None, the
Newey-West (1994) rule ``floor(4 * (n / 100) ** (2 / 9))`` on each regression's own number of
observations ``n``, again as statsmodels does with ``maxlags=None``.

Missing returns: a fund's periods without a return are *dropped*, not zero-weighted in place, and
the HAC lags run over the retained observations in order (lag 1 pairs each retained period with
the previous retained one, however far back). This is the regression statsmodels runs on the
fund's series with the missing rows removed. The implementation compacts each fund's retained
rows to the top of its window and pads the rest with zero rows, which contribute nothing to
``X'X``, ``X'y`` or any lagged score product.

Point-in-time contract: the loadings at as-of date d use only factor periods dated <= d (the last
``window`` of them) and the fund returns on those periods. Nothing dated after d enters the
result, which is bit-for-bit the same whether or not the inputs extend past d. Factor periods
with any missing factor return are dropped before windows are formed, so a window holds
``window`` complete factor periods; fund returns on dates that are not factor periods are
ignored.

Computation: a loop over as-of dates, vectors over funds (batched ``matmul`` and
``numpy.linalg`` over a funds x periods x regressors stack). Each fund's numbers depend only on
its own slice of the stack, so a fund's loadings do not change with which other funds are
present.

Layout: the stacked OLS and its HAC errors are in :mod:`~etf_warehouse.risk.newey_west`,
portfolio exposures in :mod:`~etf_warehouse.risk.factor_exposures` (both importable from here).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etf_warehouse.frames import empty_frame
from etf_warehouse.risk.factor_exposures import EXPOSURE_SCHEMA, portfolio_exposures
from etf_warehouse.risk.newey_west import newey_west_lags, ols_newey_west

__all__ = [  # portfolio_exposures and newey_west_lags live in their own modules
    "ALPHA",
    "EXPOSURE_SCHEMA",
    "OUTPUT_SCHEMA",
    "FactorSettings",
    "monthly_as_of_dates",
    "newey_west_lags",
    "portfolio_exposures",
    "rolling_factor_loadings",
    "wide_factor_returns",
]


ALPHA = "alpha"

OUTPUT_SCHEMA: dict[str, str] = {
    "as_of_date": "datetime64[ns]",
    "ticker": "str",
    "factor": "str",
    "loading": "float64",
    "std_error": "float64",
    "t_stat": "float64",
    "r_squared": "float64",
    "n_obs": "int64",
    "window_start": "datetime64[ns]",
    "window_end": "datetime64[ns]",
}


@dataclass(frozen=True)
class FactorSettings:
    """Rolling factor regression settings.

    Attributes
    ----------
    window : int
        Factor periods in a regression window (252 daily sessions, 60 months).
    min_obs : int
        Fewer usable observations (periods with a fund return) in the window than
        ``max(min_obs, n_factors + 2)`` and the fund gets no regression for that date.
    hac_lags : int or None
        Newey-West lags. None: ``floor(4 * (n_obs / 100) ** (2 / 9))`` per regression (Newey and
        West 1994), 4 for 252 observations, 3 for 60.
    periods_per_year : int
        Factor periods per year, to annualise the intercept (252 daily, 12 monthly).
    """

    window: int = 252
    min_obs: int = 126
    hac_lags: int | None = None
    periods_per_year: int = 252

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"window must be >= 1, got {self.window}")
        if self.min_obs < 1:
            raise ValueError(f"min_obs must be >= 1, got {self.min_obs}")
        if self.hac_lags is not None and self.hac_lags < 0:
            raise ValueError(f"hac_lags must be >= 0 or None, got {self.hac_lags}")
        if self.periods_per_year <= 0:
            raise ValueError(f"periods_per_year must be > 0, got {self.periods_per_year}")


@dataclass(frozen=True)
class _Batch:
    """Regressions for one as-of date; arrays over the funds regressed (f) and regressors (k)."""

    as_of: np.datetime64
    funds: np.ndarray  # (f,) column positions in the returns grid
    coef: np.ndarray  # (f, k) unscaled OLS coefficients, intercept first
    std_error: np.ndarray  # (f, k) unscaled HAC standard errors
    r_squared: np.ndarray  # (f,)
    n_obs: np.ndarray  # (f,)
    first: np.ndarray  # (f,) period indices of the first and last observation used
    last: np.ndarray


def rolling_factor_loadings(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    as_of_dates: Iterable[pd.Timestamp | np.datetime64 | str],
    settings: FactorSettings,
) -> pd.DataFrame:
    """Rolling OLS factor loadings of fund excess returns, with Newey-West standard errors.

    Parameters
    ----------
    returns : pandas.DataFrame
        Long frame: ``period_date`` (datetime64), ``ticker`` (str), ``excess_return`` (float,
        decimal per factor period; NaN = missing). One row per (period_date, ticker). Rows on
        dates that are not factor periods are ignored.
    factors : pandas.DataFrame
        Wide frame indexed by ``period_date`` (ascending, unique), one float column per factor,
        decimal returns per period. Rows with any NaN factor are dropped before windows are
        formed. No column may be named ``"alpha"``.
    as_of_dates : iterable of timestamps
        Dates to estimate at (deduplicated and sorted). A date before the first factor period
        gives no rows.
    settings : FactorSettings
        Window, minimum observations, HAC lags and annualisation.

    Returns
    -------
    pandas.DataFrame
        ``OUTPUT_SCHEMA`` columns, one row per (as_of_date, ticker, factor), sorted by as-of
        date, ticker and factor (``alpha`` first, then the factor columns in order):

        - ``loading``: the OLS coefficient (dimensionless); for ``alpha`` the intercept times
          ``periods_per_year`` (annualised decimal excess return, 0.02 = 2 % a year);
        - ``std_error``: its Newey-West standard error, scaled like ``loading``;
        - ``t_stat``: coefficient / standard error (unscaled, so identical to statsmodels'
          ``tvalues``; scaling leaves it unchanged);
        - ``r_squared``: the regression's centred R² (NaN for a constant return), on every row
          of the regression;
        - ``n_obs``: usable observations; ``window_start`` / ``window_end``: the first and last
          period_date used for that fund.

        A fund with fewer than ``max(min_obs, n_factors + 2)`` returns in the window, or whose
        regressors are exactly collinear over its observations, has no rows that date. Empty
        inputs or no regression at all give a typed empty frame.
    """
    factor_names = [str(column) for column in factors.columns]
    if ALPHA in factor_names:
        raise ValueError(f"a factor column may not be named {ALPHA!r}")
    index = pd.DatetimeIndex(factors.index)
    if not index.is_unique or not index.is_monotonic_increasing:
        raise ValueError("factors must be indexed by unique, ascending period dates")
    complete = factors.notna().all(axis=1).to_numpy()
    periods = index[complete].as_unit("ns")
    as_of = pd.DatetimeIndex(pd.to_datetime(list(as_of_dates))).as_unit("ns").unique()
    as_of = as_of.sort_values()
    returns = returns[["period_date", "ticker", "excess_return"]]
    if returns.empty or not factor_names or periods.empty or as_of.empty:
        return empty_frame(OUTPUT_SCHEMA)

    n_factors = len(factor_names)
    x_all = np.ones((len(periods), n_factors + 1))
    x_all[:, 1:] = factors.to_numpy(dtype=np.float64)[complete]
    long = returns.assign(period_date=pd.DatetimeIndex(returns["period_date"]).as_unit("ns"))
    grid = long.pivot(index="period_date", columns="ticker", values="excess_return")
    grid = grid.reindex(index=periods)
    tickers = grid.columns.to_numpy()
    y_all = grid.to_numpy(dtype=np.float64)
    present = ~np.isnan(y_all)

    threshold = max(settings.min_obs, n_factors + 2)
    ends = periods.searchsorted(as_of, side="right")  # periods dated <= as-of date
    batches: list[_Batch] = []
    for as_of_date, end in zip(as_of.to_numpy(), ends, strict=True):
        start = max(0, int(end) - settings.window)
        width = int(end) - start
        if width < threshold:
            continue
        counts = present[start:end].sum(axis=0)
        funds = np.flatnonzero(counts >= threshold)
        if funds.size == 0:
            continue
        n_obs = counts[funds]
        mask = present[start:end, funds].T  # (f, w)
        # each fund's retained periods first, in period order; the rest become zero padding
        order = np.argsort(~mask, axis=1, kind="stable")
        rows = start + order
        valid = np.arange(width)[None, :] < n_obs[:, None]
        x = np.where(valid[:, :, None], x_all[rows], 0.0)
        y = np.where(valid, y_all[rows, funds[:, None]], 0.0)
        coef, std_error, r_squared, ok = ols_newey_west(x, y, n_obs, settings.hac_lags)
        if not ok.all():
            funds, coef, std_error, r_squared = funds[ok], coef[ok], std_error[ok], r_squared[ok]
            n_obs, rows = n_obs[ok], rows[ok]
        if funds.size == 0:
            continue
        batches.append(
            _Batch(
                as_of=as_of_date,
                funds=funds,
                coef=coef,
                std_error=std_error,
                r_squared=r_squared,
                n_obs=n_obs,
                first=rows[:, 0],
                last=rows[np.arange(funds.size), n_obs - 1],
            )
        )
    if not batches:
        return empty_frame(OUTPUT_SCHEMA)
    return _assemble(batches, tickers, periods, factor_names, settings.periods_per_year)


def _assemble(
    batches: list[_Batch],
    tickers: np.ndarray,
    periods: pd.DatetimeIndex,
    factor_names: list[str],
    periods_per_year: int,
) -> pd.DataFrame:
    """The long output frame from the per-date regression batches."""
    n_terms = len(factor_names) + 1
    coef = np.concatenate([b.coef for b in batches])
    std_error = np.concatenate([b.std_error for b in batches])
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = coef / std_error
    scale = np.ones(n_terms)
    scale[0] = periods_per_year  # annualise the intercept and its standard error
    funds = np.concatenate([b.funds for b in batches])
    period_dates = periods.to_numpy()
    out = pd.DataFrame(
        {
            "as_of_date": np.repeat(
                np.concatenate([np.full(b.funds.size, b.as_of) for b in batches]), n_terms
            ),
            "ticker": np.repeat(tickers[funds], n_terms),
            "factor": np.tile(np.array([ALPHA, *factor_names], dtype=object), funds.size),
            "loading": (coef * scale).ravel(),
            "std_error": (std_error * scale).ravel(),
            "t_stat": t_stat.ravel(),
            "r_squared": np.repeat(np.concatenate([b.r_squared for b in batches]), n_terms),
            "n_obs": np.repeat(np.concatenate([b.n_obs for b in batches]), n_terms),
            "window_start": np.repeat(
                period_dates[np.concatenate([b.first for b in batches])], n_terms
            ),
            "window_end": np.repeat(
                period_dates[np.concatenate([b.last for b in batches])], n_terms
            ),
        }
    )
    return out.astype(OUTPUT_SCHEMA)


def monthly_as_of_dates(
    sessions: Iterable[pd.Timestamp], factor_dates: Iterable[pd.Timestamp], max_staleness_days: int
) -> pd.DatetimeIndex:
    """The dates the loadings are estimated on: the first trading session of every month.

    That is the backtest's signal date, so a portfolio's exposures line up with its holdings.
    The first session of a month depends only on sessions up to it (point-in-time). A date
    whose latest factor period on or before it is more than ``max_staleness_days`` calendar
    days old is left out (real-file factors end in 2018: a stale window would repeat itself).
    """
    days = pd.DatetimeIndex(pd.to_datetime(list(sessions))).sort_values().unique()
    periods = pd.DatetimeIndex(pd.to_datetime(list(factor_dates))).sort_values().unique()
    if days.empty or periods.empty:
        return pd.DatetimeIndex([], dtype="datetime64[ns]")
    firsts = pd.Series(days, index=days).groupby(days.to_period("M")).min()
    firsts = pd.DatetimeIndex(firsts.to_numpy())
    latest = periods.searchsorted(firsts, side="right") - 1
    ok = latest >= 0
    age = np.full(len(firsts), np.inf)
    age[ok] = (firsts[ok] - periods[latest[ok]]).days
    return firsts[age <= max_staleness_days].astype("datetime64[ns]")


def wide_factor_returns(factors_long: pd.DataFrame) -> pd.DataFrame:
    """int_factor_returns' long rows (period_date, factor, factor_return) as the wide frame the
    regressions take: one row per period (ascending datetime index), one column per factor."""
    wide = factors_long.pivot(index="period_date", columns="factor", values="factor_return")
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index), name="period_date")
    wide.columns.name = None
    return wide.sort_index()

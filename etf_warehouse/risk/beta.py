"""Dynamic beta by a Kalman filter: beta as a random walk observed through daily returns.

Model, per fund::

    r[t]    = beta[t] * b[t] + e[t],      e[t] ~ N(0, R[t])       (observation)
    beta[t] = beta[t-1] + u[t],           u[t] ~ N(0, Q[t])       (state)

with r the fund's return and b its home benchmark's return over the same span. The noise
variances are estimated on line, point-in-time: R is an EWMA of the squared post-update
residuals and Q = R / (memory^2 * V), V an EWMA of b^2, which makes the filter scale-free with an
effective memory of about ``memory`` observations (a signal-to-noise ratio of 1/memory^2). The
filter starts diffuse (beta 0, variance 1) at each fund's first return.

Two guards keep one bad observation from setting a fund's beta (on the real files a thin fund's
first +49 % day on a 0.9 % benchmark day made its beta 54, and it took months to decay):

- a robust update: the innovation that moves beta is clipped at ``innovation_clip`` of its own
  standard deviations (a Huber-type robust Kalman filter, as in Masreliez & Martin 1977), so one
  day's influence on beta is bounded; the noise estimate still sees the whole residual, so a
  fund whose returns really did get wilder adapts;
- a warm-up: beta is published from a fund's ``min_pairs``-th paired return (the filter runs
  from the first), when the diffuse start has been forgotten.

All funds are filtered together on a date grid (a loop over dates, vectors over funds); a fund
with no return on a date keeps its state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etf_warehouse import progress
from etf_warehouse.frames import empty_frame, relation_grid


@dataclass(frozen=True)
class KalmanBetaSettings:
    memory: int = 126  # observations: beta adapts over about half a year
    noise_lambda: float = 0.97  # EWMA decay of the residual and benchmark variances
    initial_beta: float = 0.0
    initial_variance: float = 1.0
    variance_floor: float = 1e-10  # daily return variance floor (a stale benchmark day)
    innovation_clip: float = 4.0  # standard deviations of the innovation that move beta
    min_pairs: int = 63  # paired returns before a beta is published


@dataclass
class KalmanState:
    """The filter's state per fund (arrays over funds): beta and its variance, the residual and
    benchmark noise variances (NaN before the fund's first pair) and the pairs seen."""

    beta: np.ndarray
    variance: np.ndarray
    residual_var: np.ndarray
    benchmark_var: np.ndarray
    pairs: np.ndarray

    @classmethod
    def diffuse(cls, n_funds: int, settings: KalmanBetaSettings) -> KalmanState:
        return cls(
            np.full(n_funds, settings.initial_beta),
            np.full(n_funds, settings.initial_variance),
            np.full(n_funds, np.nan),
            np.full(n_funds, np.nan),
            np.zeros(n_funds, dtype=np.int64),
        )


@dataclass
class KalmanGrid:
    """kalman_beta_grid's output on the (dates x funds) grid, NaN (pairs: 0) where no beta is
    published: beta, its standard error, and the state after each published pair."""

    beta: np.ndarray
    se: np.ndarray
    variance: np.ndarray
    residual_var: np.ndarray
    benchmark_var: np.ndarray
    pairs: np.ndarray
    state: KalmanState | None = None  # every fund's state after the grid's last date


def kalman_beta_grid(
    fund_returns: np.ndarray, benchmark_returns: np.ndarray, settings: KalmanBetaSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Filtered beta and its standard error on a (dates x funds) grid; NaN where no pair."""
    grid = kalman_filter_grid(fund_returns, benchmark_returns, settings)
    return grid.beta, grid.se


def kalman_filter_grid(
    fund_returns: np.ndarray,
    benchmark_returns: np.ndarray,
    settings: KalmanBetaSettings,
    state: KalmanState | None = None,
) -> KalmanGrid:
    """The filter on a (dates x funds) grid: beta, its standard error and the state after
    each published pair.

    ``state``: the funds' state before the grid's first date (a live refresh carries it on);
    diffuse by default. The same operations per fund either way, so a grid split in two with
    the state carried across gives the same values to the bit.
    """
    n_dates, n_funds = fund_returns.shape
    out = KalmanGrid(
        *(np.full((n_dates, n_funds), np.nan) for _ in range(5)),
        np.zeros((n_dates, n_funds), dtype=np.int64),
    )
    state = state or KalmanState.diffuse(n_funds, settings)
    beta = state.beta.astype(float)  # copies: the caller's state is left as it was
    p = state.variance.astype(float)
    r_var = state.residual_var.astype(float)
    b_var = state.benchmark_var.astype(float)
    pairs_seen = state.pairs.astype(np.int64)
    lam = settings.noise_lambda
    floor = settings.variance_floor
    memory2 = float(settings.memory) ** 2
    clip = settings.innovation_clip
    for t in range(n_dates):
        y = fund_returns[t]
        x = benchmark_returns[t]
        seen = ~(np.isnan(y) | np.isnan(x))
        if not seen.any():
            continue
        idx = np.flatnonzero(seen)
        yy, xx = y[idx], x[idx]
        first = np.isnan(r_var[idx])
        # start each fund's noise estimates from its first pair
        r_now = np.where(first, np.maximum(yy * yy, floor), r_var[idx])
        v_now = np.where(first, np.maximum(xx * xx, floor), b_var[idx])
        p_pred = p[idx] + r_now / (memory2 * v_now)
        s = xx * xx * p_pred + r_now
        bound = clip * np.sqrt(s)
        innovation = np.clip(yy - beta[idx] * xx, -bound, bound)
        gain = p_pred * xx / s
        beta_new = beta[idx] + gain * innovation
        p_new = (1.0 - gain * xx) * p_pred
        residual = yy - beta_new * xx
        beta[idx] = beta_new
        p[idx] = p_new
        r_var[idx] = np.maximum(lam * r_now + (1.0 - lam) * residual * residual, floor)
        b_var[idx] = np.maximum(lam * v_now + (1.0 - lam) * xx * xx, floor)
        pairs_seen[idx] += 1
        published = pairs_seen[idx] >= settings.min_pairs
        at = idx[published]
        out.beta[t, at] = beta_new[published]
        out.se[t, at] = np.sqrt(p_new[published])
        out.variance[t, at] = p_new[published]
        out.residual_var[t, at] = r_var[at]
        out.benchmark_var[t, at] = b_var[at]
        out.pairs[t, at] = pairs_seen[at]
    out.state = KalmanState(beta, p, r_var, b_var, pairs_seen)
    return out


PANEL_SCHEMA = {
    "ticker": "str",
    "price_date": "datetime64[ns]",
    "beta_kalman": "float64",
    "beta_kalman_se": "float64",
    # the filter's state after the pair, which a live refresh carries on (KalmanState)
    "kalman_variance": "float64",
    "kalman_residual_var": "float64",
    "kalman_benchmark_var": "float64",
    "kalman_pairs": "int64",
}


def _grid_frames(pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    y = pairs.pivot(index="price_date", columns="ticker", values="daily_return").sort_index()
    x = pairs.pivot(index="price_date", columns="ticker", values="benchmark_return")
    return y, x.reindex(index=y.index, columns=y.columns)


@dataclass(frozen=True)
class PairsGrid:
    """Paired returns on a (dates x funds) grid, NaN where a fund has no pair that day, with
    the grid's tickers and dates, both ascending (as :func:`_grid_frames` lays them out)."""

    tickers: np.ndarray
    dates: np.ndarray
    fund_returns: np.ndarray
    benchmark_returns: np.ndarray


def pairs_grid(relation: Any) -> PairsGrid:
    """The grid of a DuckDB relation with columns ticker, price_date, daily_return and
    benchmark_return (decimal; at most one row per ticker and date, as int_beta_inputs' test
    asserts), rows where either return is null left out, read as numbers
    (:func:`etf_warehouse.frames.relation_grid`): as a frame with a string per row, pivoted,
    12.7 M pairs took 4.3 GB and most of the model's time (3,000 funds; benchmarks/scale.md)."""
    complete = relation.filter("daily_return is not null and benchmark_return is not null")
    dates, tickers, grids = relation_grid(
        complete, "price_date", "ticker", ["daily_return", "benchmark_return"]
    )
    return PairsGrid(
        tickers.to_numpy(dtype=object),
        dates.to_numpy(dtype="datetime64[ns]"),
        grids["daily_return"],
        grids["benchmark_return"],
    )


def kalman_beta_frames(
    grid: PairsGrid, settings: KalmanBetaSettings, chunk_dates: int = 256
) -> Iterator[pd.DataFrame]:
    """:func:`kalman_beta_panel`'s rows, ``chunk_dates`` dates at a time (the state carried
    from one chunk to the next: the same values to the bit), for a stream
    (``dbt_glue.frame_stream``): the whole panel is never in memory."""
    n_dates = grid.dates.shape[0]
    progress.expect(n_dates, "dates")
    state = KalmanState.diffuse(grid.tickers.shape[0], settings)
    for lo in range(0, n_dates, chunk_dates):
        hi = min(lo + chunk_dates, n_dates)
        out = kalman_filter_grid(
            grid.fund_returns[lo:hi], grid.benchmark_returns[lo:hi], settings, state
        )
        state = out.state
        rows = _published_rows(grid.tickers, grid.dates[lo:hi], out)
        progress.advance(hi - lo)
        if not rows.empty:
            yield rows


def _published_rows(tickers: np.ndarray, dates: np.ndarray, grid: KalmanGrid) -> pd.DataFrame:
    dates_idx, funds_idx = np.nonzero(~np.isnan(grid.beta))
    if dates_idx.size == 0:  # no fund past its warm-up: still typed (an untyped empty column
        return empty_frame(PANEL_SCHEMA)  # would reach DuckDB as type NULL)
    at = (dates_idx, funds_idx)
    return pd.DataFrame(
        {
            "ticker": tickers[funds_idx],
            "price_date": dates[dates_idx],
            "beta_kalman": grid.beta[at],
            "beta_kalman_se": grid.se[at],
            "kalman_variance": grid.variance[at],
            "kalman_residual_var": grid.residual_var[at],
            "kalman_benchmark_var": grid.benchmark_var[at],
            "kalman_pairs": grid.pairs[at],
        }
    )


def kalman_beta_panel(pairs: pd.DataFrame, settings: KalmanBetaSettings) -> pd.DataFrame:
    """Kalman beta after every paired return.

    ``pairs`` has columns ticker, price_date, daily_return, benchmark_return (decimal). Returns
    ticker, price_date, beta_kalman, beta_kalman_se and the filter's state (PANEL_SCHEMA).
    """
    pairs = pairs.dropna(subset=["daily_return", "benchmark_return"])
    if pairs.empty:  # no paired returns yet: an empty frame, still typed
        return empty_frame(PANEL_SCHEMA)
    y, x = _grid_frames(pairs)
    grid = kalman_filter_grid(y.to_numpy(), x.to_numpy(), settings)
    return _published_rows(y.columns.to_numpy(), y.index.to_numpy(), grid)


def kalman_beta_tail(
    new_pairs: pd.DataFrame,
    earlier: pd.DataFrame,
    settings: KalmanBetaSettings,
    history: Callable[[list[str]], pd.DataFrame],
) -> pd.DataFrame:
    """The betas after the paired returns of a live refresh, each fund's filter carried on.

    ``new_pairs``: the pairs dated on or after the refresh date (as for kalman_beta_panel);
    ``earlier``: each fund's last row of this function's table before it (PANEL_SCHEMA). A
    fund past its warm-up has a row for every pair, so its last row holds its state after its
    last earlier pair, and the filter carries on from it over the new pairs. A fund without
    one (new, or still warming up: no published rows) is refiltered from ``history(tickers)``,
    its whole history of pairs. The rows equal kalman_beta_panel's to the bit.
    """
    new_pairs = new_pairs.dropna(subset=["daily_return", "benchmark_return"])
    if new_pairs.empty:
        return empty_frame(PANEL_SCHEMA)
    refresh_from = pd.Timestamp(new_pairs["price_date"].min())
    states = earlier.set_index("ticker")
    carried = new_pairs.loc[new_pairs["ticker"].isin(states.index)]
    frames = []
    if not carried.empty:
        y, x = _grid_frames(carried)
        old = states.loc[y.columns]
        state = KalmanState(
            old["beta_kalman"].to_numpy(dtype=float),
            old["kalman_variance"].to_numpy(dtype=float),
            old["kalman_residual_var"].to_numpy(dtype=float),
            old["kalman_benchmark_var"].to_numpy(dtype=float),
            old["kalman_pairs"].to_numpy(dtype=np.int64),
        )
        grid = kalman_filter_grid(y.to_numpy(), x.to_numpy(), settings, state)
        frames.append(_published_rows(y.columns.to_numpy(), y.index.to_numpy(), grid))
    refilter = sorted(set(new_pairs["ticker"]) - set(states.index))
    if refilter:
        whole = kalman_beta_panel(history(refilter), settings)
        frames.append(whole.loc[pd.to_datetime(whole["price_date"]) >= refresh_from])
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_frame(PANEL_SCHEMA)
    return pd.concat(frames, ignore_index=True)

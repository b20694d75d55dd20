"""OLS with Newey-West (HAC) standard errors on a stack of regressions, one per fund.

The estimator, its lag rule and how missing returns are handled are described in
:mod:`etf_warehouse.risk.factors`, which forms the stacks; this module only solves them.
"""

from __future__ import annotations

import numpy as np


def newey_west_lags(n_obs: np.ndarray) -> np.ndarray:
    """Newey-West (1994) automatic lag count ``floor(4 * (n / 100) ** (2 / 9))``.

    Parameters
    ----------
    n_obs : numpy.ndarray
        Observations per regression.

    Returns
    -------
    numpy.ndarray
        Lags (int64), computed with the same floating-point expression as statsmodels.
    """
    n = np.asarray(n_obs, dtype=np.float64)
    return np.floor(4 * (n / 100.0) ** (2.0 / 9.0)).astype(np.int64)


def ols_newey_west(
    x: np.ndarray, y: np.ndarray, n_obs: np.ndarray, hac_lags: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """OLS with Newey-West errors on a compacted stack of regressions.

    Parameters
    ----------
    x : numpy.ndarray
        (f, w, k) regressors, intercept column first; each fund's retained rows first in period
        order, then zero rows.
    y : numpy.ndarray
        (f, w) excess returns (decimal per period), zero on the padding rows.
    n_obs : numpy.ndarray
        (f,) retained rows per fund.
    hac_lags : int or None
        Newey-West lags; None for the automatic rule per regression.

    Returns
    -------
    tuple of numpy.ndarray
        Coefficients (f, k), HAC standard errors (f, k), centred R² (f,) and an (f,) bool mask
        of regressions that could be solved (a singular ``X'X`` cannot).
    """
    n_funds, w, _ = x.shape
    xt = np.swapaxes(x, 1, 2)
    xtx = xt @ x
    xty = xt @ y[:, :, None]
    ok = np.ones(n_funds, dtype=bool)
    try:
        bread = np.linalg.inv(xtx)
        coef = np.linalg.solve(xtx, xty)[:, :, 0]
    except np.linalg.LinAlgError:  # a singular window (a factor constant over it): fund by fund
        bread = np.full_like(xtx, np.nan)
        coef = np.full(xty.shape[:2], np.nan)
        for i in range(n_funds):
            try:
                bread[i] = np.linalg.inv(xtx[i])
                coef[i] = np.linalg.solve(xtx[i], xty[i])[:, 0]
            except np.linalg.LinAlgError:
                ok[i] = False
        bread[~ok] = 0.0
        coef[~ok] = 0.0
    resid = y - (x @ coef[:, :, None])[:, :, 0]  # zero on the padding rows
    ssr = np.sum(resid * resid, axis=1)
    valid = np.arange(w)[None, :] < n_obs[:, None]
    mean = np.sum(y, axis=1) / n_obs
    dev = np.where(valid, y - mean[:, None], 0.0)
    sst = np.sum(dev * dev, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_squared = 1.0 - ssr / sst  # NaN when the fund's return is constant over the window

    scores = x * resid[:, :, None]
    scores_t = np.swapaxes(scores, 1, 2)
    meat = scores_t @ scores
    lags = newey_west_lags(n_obs) if hac_lags is None else np.full(n_funds, hac_lags)
    for lag in range(1, min(int(lags.max()), w - 1) + 1):
        weight = np.where(lag <= lags, 1.0 - lag / (lags + 1.0), 0.0)
        gamma = scores_t[:, :, lag:] @ scores[:, :-lag, :]
        meat += weight[:, None, None] * (gamma + np.swapaxes(gamma, 1, 2))
    cov = bread @ meat @ bread
    std_error = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    return coef, std_error, r_squared, ok

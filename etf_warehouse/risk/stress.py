"""Hypothetical stress scenarios: from a few specified factor shocks to a shock on every factor.

A scenario names shocks on some factors (equities -20 %, the ``term`` factor -20 % for rates
+200 bp...). By default the factors it does not name stay at zero: the scenario is exactly what
the seed says. With ``conditional=True`` (var ``stress_conditional_shocks``) they move by their
expected value given the named ones under a joint normal model of the factor returns (the
textbook conditional stress test)::

    E[f_other | f_named = s] = Cov(other, named) Cov(named, named)^-1 s

with the sample covariance over the latest ``window`` factor periods on or before ``as_of``
(point-in-time). Not the default, because it extrapolates: a shock many standard deviations
of a quiet factor away (credit spreads +300 bp against daily moves of a few bp) multiplies
sampling noise in small correlations into large moves of other factors (on the sample, +45 %
oil for the credit shock). A fund's hypothetical return is its loadings times the shocks
(SQL, mart_stress_tests).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etf_warehouse.frames import typed_frame

SHOCK_SCHEMA: dict[str, str] = {
    "scenario": "str",
    "factor": "str",
    "shock": "float64",
    "shock_source": "str",  # specified | conditional
    "covariance_start": "datetime64[ns]",
    "covariance_end": "datetime64[ns]",
    "n_obs": "int64",
}


def conditional_factor_shocks(
    factors: pd.DataFrame,
    shocks: pd.DataFrame,
    as_of: pd.Timestamp,
    window: int,
    *,
    conditional: bool = False,
) -> pd.DataFrame:
    """Shock on every factor of every scenario whose named factors the model has.

    Parameters
    ----------
    factors:
        Factor returns per period (decimal), indexed by period date ascending, one column per
        factor. Rows with a missing value are dropped.
    shocks:
        ``scenario``, ``factor``, ``shock`` (decimal return of the factor in the scenario).
        Shocks on factors not in ``factors`` are ignored; a scenario left with none gets no
        rows.
    as_of:
        Only periods dated on or before it are used.
    window:
        Number of latest periods for the covariance.
    conditional:
        True moves unnamed factors by their conditional expectation; False (default) leaves
        them at 0.

    Returns
    -------
    One row per scenario and factor: the shock, ``specified`` or ``conditional``, and the
    covariance window. Empty (typed) when there are fewer than 3 periods.
    """
    history = factors.loc[factors.index <= as_of].dropna().iloc[-window:]
    names = list(history.columns)
    if len(history) < 3 or shocks.empty:
        return typed_frame([], SHOCK_SCHEMA)
    cov = np.cov(history.to_numpy(dtype=float), rowvar=False, ddof=1)
    start, end, n_obs = history.index[0], history.index[-1], len(history)
    rows = []
    for scenario, group in shocks.groupby("scenario", sort=True):
        named = group.loc[group["factor"].isin(names)]
        if named.empty:
            continue
        given = dict(zip(named["factor"], named["shock"].astype(float), strict=True))
        idx = [names.index(f) for f in given]
        values = np.zeros(len(names))
        if conditional:
            s = np.array(list(given.values()))
            # pinv: two named factors that move together exactly would make Cov singular
            values = cov[:, idx] @ np.linalg.pinv(cov[np.ix_(idx, idx)]) @ s
        for k, factor in enumerate(names):
            if factor in given:
                rows.append((scenario, factor, given[factor], "specified", start, end, n_obs))
            else:
                rows.append((scenario, factor, float(values[k]), "conditional", start, end, n_obs))
    return typed_frame(rows, SHOCK_SCHEMA)

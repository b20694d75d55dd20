"""Portfolio factor exposures: the fund loadings of :mod:`etf_warehouse.risk.factors`, weighted by
a strategy's holdings."""

from __future__ import annotations

import pandas as pd

from etf_warehouse.frames import empty_frame

EXPOSURE_SCHEMA: dict[str, str] = {
    "as_of_date": "datetime64[ns]",
    "strategy": "str",
    "factor": "str",
    "loading": "float64",
    "weight_covered": "float64",
}


def portfolio_exposures(loadings: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Portfolio factor exposures: weight-summed fund loadings per strategy and date.

    Parameters
    ----------
    loadings : pandas.DataFrame
        Output of :func:`rolling_factor_loadings` (or a subset): at least ``as_of_date``,
        ``ticker``, ``factor``, ``loading``.
    weights : pandas.DataFrame
        ``as_of_date``, ``strategy``, ``ticker``, ``weight`` (decimal portfolio weight). Rows
        with a NaN weight are ignored. Weights summing to less than 1 leave the rest in cash,
        whose loadings are zero; nothing is renormalised.

    Returns
    -------
    pandas.DataFrame
        ``EXPOSURE_SCHEMA`` columns, one row per (as_of_date, strategy, factor) where at least
        one held fund has that loading, sorted by date, strategy and factor (in the loadings'
        order of first appearance): ``loading`` = sum of weight x fund loading over the funds
        with a loading that date (``alpha`` stays annualised), ``weight_covered`` = the sum of
        those funds' weights. Funds held without a loading add to neither.
    """
    held = weights[["as_of_date", "strategy", "ticker", "weight"]].dropna(subset=["weight"])
    fund = loadings[["as_of_date", "ticker", "factor", "loading"]]
    if held.empty or fund.empty:
        return empty_frame(EXPOSURE_SCHEMA)
    held = held.assign(as_of_date=pd.DatetimeIndex(held["as_of_date"]).as_unit("ns"))
    fund = fund.assign(as_of_date=pd.DatetimeIndex(fund["as_of_date"]).as_unit("ns"))
    merged = held.merge(fund, on=["as_of_date", "ticker"], how="inner")
    if merged.empty:
        return empty_frame(EXPOSURE_SCHEMA)
    merged = merged.assign(contribution=merged["weight"] * merged["loading"])
    out = (
        merged.groupby(["as_of_date", "strategy", "factor"], sort=False)
        .agg(loading=("contribution", "sum"), weight_covered=("weight", "sum"))
        .reset_index()
    )
    factor_rank = {name: rank for rank, name in enumerate(pd.unique(fund["factor"]))}
    out = out.assign(_rank=out["factor"].map(factor_rank))
    out = out.sort_values(["as_of_date", "strategy", "_rank"], kind="stable")
    return out[list(EXPOSURE_SCHEMA)].reset_index(drop=True).astype(EXPOSURE_SCHEMA)

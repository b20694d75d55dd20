"""Summaries of signal quality: how well a cross-sectional signal ranks future returns.

The per-date rank ICs and quintile returns are computed in SQL (``mart_signal_ic``,
``macros/signals/signal_quality.sql``); this module summarises them per signal, horizon and
segment (``mart_signal_diagnostics``):

- ``mean_ic``: the mean rank IC over the signal dates;
- ``ic_t_stat``: ``mean_ic`` over its Newey-West (Bartlett kernel) standard error, with
  ``max(ceil(h / 21), floor(4 (T / 100)^(2/9)))`` lags (at most T - 2): monthly signal dates
  whose forward windows of ``h`` sessions overlap are autocorrelated by construction, and the
  usual bandwidth rule covers the rest (statsmodels' HAC estimator). A regime's dates are not
  consecutive months; they are treated as one series in date order;
- ``ic_ir``: ``mean_ic / std(ic)``, per signal date (not annualised);
- ``hit_rate``: the share of dates with a positive IC;
- ``quintile_k_return_ann`` and ``top_minus_bottom_ann``: mean quintile forward returns over
  ``h`` sessions, times ``sessions_per_year / h`` (var trading_days_per_year, 252; simple
  annualisation of the mean);
- ``top_quintile_turnover``: the mean share of the top quintile replaced each signal date.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm

KEYS = ["signal", "horizon_sessions", "segment_type", "segment"]
QUINTILES = [f"quintile_{k}_return" for k in range(1, 6)]
SUMMARY_COLUMNS = [
    *KEYS,
    "n_dates",
    "first_signal_date",
    "last_signal_date",
    "mean_ic",
    "ic_std",
    "ic_ir",
    "ic_t_stat",
    "newey_west_lags",
    "hit_rate",
    *[f"{q}_ann" for q in QUINTILES],
    "top_minus_bottom_ann",
    "top_quintile_turnover",
]


def newey_west_lags(n_dates: int, horizon_sessions: int, spacing_sessions: int = 21) -> int:
    """Lags of the Newey-West estimator: the overlap of the forward windows, or the usual
    ``floor(4 (T / 100)^(2/9))`` bandwidth rule, whichever is larger."""
    overlap = math.ceil(horizon_sessions / spacing_sessions)
    rule = math.floor(4 * (n_dates / 100) ** (2 / 9)) if n_dates > 0 else 0
    return max(overlap, rule)


def usable_lags(n_dates: int, lags: int) -> int:
    """The lags the estimator can use on ``n_dates`` values (at most n - 2)."""
    return max(0, min(lags, n_dates - 2))


def newey_west_t(values: np.ndarray, lags: int) -> float:
    """t-statistic of the mean of ``values`` with a Newey-West (HAC) standard error."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 3 or np.std(values) == 0:
        return float("nan")
    fit = sm.OLS(values, np.ones(len(values))).fit(
        cov_type="HAC", cov_kwds={"maxlags": usable_lags(len(values), lags)}
    )
    return float(fit.tvalues[0])


def summarise_ic(per_date: pd.DataFrame, sessions_per_year: float = 252.0) -> pd.DataFrame:
    """One row per signal, horizon and segment from per-date rows.

    ``per_date`` columns: signal, horizon_sessions, segment_type, segment, signal_date,
    rank_ic, quintile_1_return .. quintile_5_return, top_minus_bottom, top_quintile_turnover.
    """
    if per_date.empty:
        return empty_summary()
    rows = []
    # one sample for every statistic: the dates with an IC (a constant signal has none)
    usable = per_date[np.isfinite(per_date["rank_ic"].to_numpy(dtype=float))]
    ordered = usable.sort_values([*KEYS, "signal_date"])
    for key, group in ordered.groupby(KEYS, sort=True):
        signal, horizon, segment_type, segment = key
        ic = group["rank_ic"].to_numpy(dtype=float)
        n = len(ic)
        lags = usable_lags(n, newey_west_lags(n, int(horizon)))
        std = float(np.std(ic, ddof=1)) if n > 1 else float("nan")
        scale = sessions_per_year / float(horizon)
        row = {
            "signal": signal,
            "horizon_sessions": int(horizon),
            "segment_type": segment_type,
            "segment": segment,
            "n_dates": n,
            "first_signal_date": group["signal_date"].min(),
            "last_signal_date": group["signal_date"].max(),
            "mean_ic": float(ic.mean()) if n else float("nan"),
            "ic_std": std,
            "ic_ir": float(ic.mean() / std) if n > 1 and std > 0 else float("nan"),
            "ic_t_stat": newey_west_t(ic, lags),
            "newey_west_lags": lags,
            "hit_rate": float((ic > 0).mean()) if n else float("nan"),
            "top_minus_bottom_ann": float(group["top_minus_bottom"].mean() * scale),
            "top_quintile_turnover": float(group["top_quintile_turnover"].mean()),
        }
        for q in QUINTILES:
            row[f"{q}_ann"] = float(group[q].mean() * scale)
        rows.append(row)
    if not rows:
        return empty_summary()
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def empty_summary() -> pd.DataFrame:
    """A typed empty summary (an untyped empty column reaches DuckDB as type NULL)."""
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in SUMMARY_COLUMNS})
    for c in ["signal", "segment_type", "segment"]:
        frame[c] = pd.Series(dtype="object").astype("string")
    for c in ["horizon_sessions", "n_dates", "newey_west_lags"]:
        frame[c] = pd.Series(dtype="int64")
    for c in ["first_signal_date", "last_signal_date"]:
        frame[c] = pd.Series(dtype="datetime64[ns]")
    return frame


def segmented(ic_all: pd.DataFrame, ic_by_asset_class: pd.DataFrame) -> pd.DataFrame:
    """The per-date rows of every segment: overall, by regime on the signal date, by asset class."""
    overall = ic_all.assign(segment_type="overall", segment="overall")
    by_regime = ic_all.dropna(subset=["regime"]).assign(
        segment_type="regime", segment=lambda f: f["regime"]
    )
    by_class = ic_by_asset_class.assign(segment_type="asset_class")
    by_class = by_class.dropna(subset=["segment"])
    return pd.concat([overall, by_regime, by_class], ignore_index=True)

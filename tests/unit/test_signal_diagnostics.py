"""Signal-quality summaries: the Newey-West t-stat against the textbook formula, the lag rule,
annualisation and the segments."""

import math

import numpy as np
import pandas as pd
import pytest

from etf_warehouse.signals.diagnostics import (
    SUMMARY_COLUMNS,
    newey_west_lags,
    newey_west_t,
    segmented,
    summarise_ic,
)


def textbook_newey_west_t(x: np.ndarray, lags: int) -> float:
    """Mean over sqrt(S / T), S the Bartlett-weighted long-run variance (Newey & West 1987)."""
    n = len(x)
    d = x - x.mean()
    gamma = [d[j:] @ d[: n - j] / n for j in range(lags + 1)]
    s = gamma[0] + 2 * sum((1 - j / (lags + 1)) * gamma[j] for j in range(1, lags + 1))
    return float(x.mean() / math.sqrt(s / n))


@pytest.mark.parametrize("lags", [0, 1, 4, 8])
def test_newey_west_t_matches_the_textbook_formula(lags):
    rng = np.random.default_rng(7)
    x = rng.normal(0.02, 0.1, 180)
    for i in range(1, len(x)):  # autocorrelated, as overlapping forward windows are
        x[i] += 0.4 * x[i - 1]
    assert newey_west_t(x, lags) == pytest.approx(textbook_newey_west_t(x, lags), rel=1e-10)


def test_newey_west_widens_the_error_of_autocorrelated_ics():
    rng = np.random.default_rng(3)
    x = rng.normal(0.03, 0.1, 200)
    for i in range(1, len(x)):
        x[i] += 0.6 * x[i - 1]
    naive = x.mean() / (x.std(ddof=0) / math.sqrt(len(x)))
    assert abs(newey_west_t(x, 6)) < 0.75 * abs(naive)


def test_lags_cover_the_overlap_of_forward_windows():
    assert newey_west_lags(200, 1) == 4  # the bandwidth rule: floor(4 x 2^(2/9))
    assert newey_west_lags(200, 21) == 4
    assert newey_west_lags(24, 63) == 3  # three months overlap
    assert newey_west_lags(0, 5) == 1


def per_date_frame(ics: list[float], horizon: int = 21) -> pd.DataFrame:
    n = len(ics)
    return pd.DataFrame(
        {
            "signal": "composite_score",
            "horizon_sessions": horizon,
            "segment_type": "overall",
            "segment": "overall",
            "signal_date": pd.date_range("2020-01-01", periods=n, freq="MS"),
            "rank_ic": ics,
            **{f"quintile_{k}_return": [0.002 * k] * n for k in range(1, 6)},
            "top_minus_bottom": [0.008] * n,
            "top_quintile_turnover": [np.nan] + [0.25] * (n - 1),
        }
    )


def test_summary_by_hand():
    out = summarise_ic(per_date_frame([0.1, -0.05, 0.2, 0.05]))
    assert list(out.columns) == SUMMARY_COLUMNS
    row = out.iloc[0]
    assert row["n_dates"] == 4
    assert row["mean_ic"] == pytest.approx(0.075)
    assert row["ic_std"] == pytest.approx(np.std([0.1, -0.05, 0.2, 0.05], ddof=1))
    assert row["ic_ir"] == pytest.approx(0.075 / row["ic_std"])
    assert row["hit_rate"] == pytest.approx(0.75)
    # a 21-session return, 252 sessions a year: x 12
    assert row["top_minus_bottom_ann"] == pytest.approx(0.096)
    assert row["quintile_5_return_ann"] == pytest.approx(0.12)
    assert row["top_quintile_turnover"] == pytest.approx(0.25)  # the first date has none


def test_segments_overall_regime_and_asset_class():
    overall = per_date_frame([0.1, 0.2, 0.3]).drop(columns=["segment_type", "segment"])
    overall["regime"] = ["calm_uptrend", None, "calm_uptrend"]
    by_class = per_date_frame([0.4, 0.5, 0.6]).drop(columns=["segment_type"])
    by_class["segment"] = "equity"
    out = summarise_ic(segmented(overall, by_class)).set_index(["segment_type", "segment"])
    assert out.loc[("overall", "overall"), "n_dates"] == 3
    assert out.loc[("regime", "calm_uptrend"), "mean_ic"] == pytest.approx(0.2)
    assert out.loc[("asset_class", "equity"), "mean_ic"] == pytest.approx(0.5)


def test_empty_input_gives_a_typed_empty_summary():
    out = summarise_ic(per_date_frame([0.1]).iloc[0:0])
    assert out.empty and list(out.columns) == SUMMARY_COLUMNS
    assert out["horizon_sessions"].dtype == "int64" and out["mean_ic"].dtype == "float64"


def test_dates_without_an_ic_are_left_out_of_every_statistic():
    frame = per_date_frame([0.1, np.nan, 0.3])
    frame.loc[1, "top_minus_bottom"] = 1.0  # a constant signal that day: no IC, no spread
    row = summarise_ic(frame).iloc[0]
    assert row["n_dates"] == 2 and row["mean_ic"] == pytest.approx(0.2)
    assert row["top_minus_bottom_ann"] == pytest.approx(0.096)
    assert row["newey_west_lags"] == 0  # two dates leave the estimator no lag


def test_all_dates_without_an_ic_give_a_typed_empty_summary():
    out = summarise_ic(per_date_frame([np.nan, np.nan]))
    assert out.empty and out["mean_ic"].dtype == "float64"

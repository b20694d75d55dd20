"""Hypothetical stress shocks (etf_warehouse.risk.stress)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etf_warehouse.risk.stress import SHOCK_SCHEMA, conditional_factor_shocks


def _factors(n: int = 500, seed: int = 3) -> pd.DataFrame:
    """Two factors with a known relation: b = 0.5 a + independent noise."""
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 0.01, n)
    b = 0.5 * a + rng.normal(0, 0.002, n)
    c = rng.normal(0, 0.01, n)
    index = pd.bdate_range("2020-01-01", periods=n, name="period_date")
    return pd.DataFrame({"a": a, "b": b, "c": c}, index=index)


SHOCKS = pd.DataFrame(
    {
        "scenario": ["a_down", "b_up", "fx_only", "both"],
        "factor": ["a", "b", "fx_usd", "a"],
        "shock": [-0.2, 0.1, 0.15, -0.1],
    }
)


def test_plain_shocks_leave_other_factors_at_zero():
    out = conditional_factor_shocks(_factors(), SHOCKS, pd.Timestamp("2030-01-01"), 252)
    a_down = out.loc[out["scenario"] == "a_down"].set_index("factor")
    assert a_down.loc["a", "shock"] == -0.2
    assert a_down.loc["a", "shock_source"] == "specified"
    assert (a_down.loc[["b", "c"], "shock"] == 0.0).all()
    assert (a_down.loc[["b", "c"], "shock_source"] == "conditional").all()


def test_scenario_without_a_modelled_factor_has_no_rows():
    out = conditional_factor_shocks(_factors(), SHOCKS, pd.Timestamp("2030-01-01"), 252)
    assert "fx_only" not in set(out["scenario"])
    assert set(out["scenario"]) == {"a_down", "b_up", "both"}


def test_conditional_shock_follows_the_regression_slope():
    factors = _factors()
    out = conditional_factor_shocks(
        factors, SHOCKS, pd.Timestamp("2030-01-01"), 500, conditional=True
    )
    a_down = out.loc[out["scenario"] == "a_down"].set_index("factor")["shock"]
    # E[b | a = -0.2] = cov(a, b) / var(a) x -0.2 (about 0.5 x -0.2); c is independent
    window = factors.to_numpy()
    slope = np.cov(window[:, 0], window[:, 1])[0, 1] / np.var(window[:, 0], ddof=1)
    assert a_down["b"] == pytest.approx(slope * -0.2, rel=1e-12)
    assert a_down["b"] == pytest.approx(-0.1, abs=0.01)
    assert abs(a_down["c"]) < 0.02


def test_uses_only_the_window_up_to_as_of():
    factors = _factors()
    as_of = factors.index[299]
    full = conditional_factor_shocks(factors, SHOCKS, as_of, 100, conditional=True)
    cut = conditional_factor_shocks(factors.iloc[:300], SHOCKS, as_of, 100, conditional=True)
    pd.testing.assert_frame_equal(full, cut)
    assert (full["covariance_end"] == as_of).all()
    assert (full["covariance_start"] == factors.index[200]).all()
    assert (full["n_obs"] == 100).all()


def test_too_little_history_gives_a_typed_empty_frame():
    out = conditional_factor_shocks(_factors().iloc[:2], SHOCKS, pd.Timestamp("2030-01-01"), 252)
    assert out.empty
    assert list(out.columns) == list(SHOCK_SCHEMA)
    assert out["shock"].dtype == "float64" and out["n_obs"].dtype == "int64"
    assert out["covariance_end"].dtype == "datetime64[ns]"

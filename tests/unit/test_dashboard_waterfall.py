"""The fund page's waterfall (etf_warehouse.dashboard.data.waterfall): its steps add up to the
composite score, and each step is the one the score's definition takes."""

from __future__ import annotations

import pandas as pd
import pytest

from etf_warehouse.dashboard.data import waterfall

COMPONENTS = ["score_risk", "score_momentum"]


def fund(**changes) -> pd.Series:
    row = {
        "weight_risk": 0.6,
        "score_risk": 50.0,
        "weight_momentum": 0.4,
        "score_momentum": 80.0,
        "weighted_score": 62.0,
        "raw_score": 90.0,
        "penalty_points": 30.0,  # capped: the itemised penalties below add to 35
        "macro_multiplier": 0.9,
        "geo_multiplier": 1.1,
        "adjusted_score": (90.0 - 30.0) * 0.9 * 1.1,
        "composite_score": 75.0,
    }
    return pd.Series({**row, **changes})


def penalties(*points: float) -> pd.DataFrame:
    return pd.DataFrame({"penalty_code": [f"p{k}" for k in range(len(points))], "points": points})


def test_the_steps_add_up_to_the_composite():
    steps = waterfall(fund(), penalties(20.0, 15.0), COMPONENTS)
    assert steps["step"].tolist() == [
        "risk (0.60 x 50.0)",
        "momentum (0.40 x 80.0)",
        "to percentile (raw score)",
        "penalty p0",
        "penalty p1",
        "penalty cap",
        "x macro 0.900",
        "x geo 1.100",
        "to percentile (composite)",
        "composite score",
    ]
    parts = steps["delta"].iloc[:-1]
    assert parts.sum() == pytest.approx(75.0, abs=1e-12)
    assert steps["delta"].iloc[2] == pytest.approx(90.0 - 62.0)
    assert steps["delta"].iloc[5] == pytest.approx(5.0)  # the cap forgives 35 - 30
    assert steps["end"].iloc[7] == pytest.approx(fund()["adjusted_score"])
    # each bar starts where the previous one ended
    assert (steps["start"].iloc[1:-1].to_numpy() == steps["end"].iloc[:-2].to_numpy()).all()


def test_no_penalty_and_neutral_multipliers():
    row = fund(penalty_points=0.0, macro_multiplier=1.0, geo_multiplier=1.0, adjusted_score=90.0)
    steps = waterfall(row, penalties(), COMPONENTS)
    assert not steps["step"].str.startswith("penalty").any()
    assert steps.loc[steps["step"].str.startswith("x "), "delta"].abs().max() == 0
    assert steps["delta"].iloc[:-1].sum() == pytest.approx(75.0)

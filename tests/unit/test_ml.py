"""Walk-forward ML forecasts with out-of-sample bias correction (etf_warehouse.forecast.ml)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from etf_warehouse.forecast.ml import (
    MEMBERS,
    ForecastSettings,
    calibrate,
    cross_section_at_least,
    forecast_frames,
    live_panel_dates,
    month_starts,
    output_columns,
    training_subset,
    walk_forward_forecasts,
    winsorise,
)
from etf_warehouse.forecast.ml_rows import RelationPanel

FEATURES = ["f_signal", "f_a", "f_b", "f_c", "f_d"]
HORIZON = 21
SETTINGS = ForecastSettings(
    gbm_max_iter=30, min_train_months=12, max_train_months=36, retrain_months=1
)
START, END = "2015-01-01", "2020-12-31"


def make_panel(
    *,
    signal: float = 0.02,
    noise: float = 0.01,
    seed: int = 0,
    n_tickers: int = 40,
    demean: bool = True,
    drift: Callable[[np.ndarray], np.ndarray] | None = None,
) -> pd.DataFrame:
    """A seeded panel shaped like int_ml_panel.

    Five features are per-date ranks scaled to [-0.5, 0.5]; the label is
    ``signal * f_signal + noise`` (demeaned per date unless ``demean`` is False, plus an
    optional ``drift`` by date position) and becomes known ``HORIZON`` business days later
    (NaN/NaT for the last ``HORIZON`` dates).
    """
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(START, END)
    n = len(dates)
    tickers = [f"T{i:02d}" for i in range(n_tickers)]
    features = {}
    for name in FEATURES:
        ranks = rng.normal(size=(n, n_tickers)).argsort(axis=1).argsort(axis=1)
        features[name] = ranks / (n_tickers - 1) - 0.5
    label = signal * features["f_signal"] + rng.normal(0.0, noise, (n, n_tickers))
    if demean:
        label -= label.mean(axis=1, keepdims=True)
    if drift is not None:
        label += drift(np.arange(n))[:, None]
    label[-HORIZON:] = np.nan
    available = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    available[:-HORIZON] = dates[HORIZON:].to_numpy()
    return pd.DataFrame(
        {
            "ticker": np.tile(tickers, n),
            "price_date": np.repeat(dates.to_numpy(), n_tickers),
            **{name: values.ravel() for name, values in features.items()},
            "label_relative_return": label.ravel(),
            "label_available_date": np.repeat(available, n_tickers),
        }
    )


def with_labels(forecasts: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    return forecasts.merge(
        panel[["ticker", "price_date", "label_relative_return"]],
        on=["ticker", "price_date"],
        how="left",
        validate="one_to_one",
    )


def month_start_rows(frame: pd.DataFrame) -> pd.DataFrame:
    starts = month_starts(pd.DatetimeIndex(frame["price_date"].unique()))
    rows = frame.loc[frame["price_date"].isin(starts)]
    return rows.dropna(subset=["label_relative_return"])


def mean_rank_ic(frame: pd.DataFrame, column: str) -> float:
    per_date = [
        spearmanr(group[column], group["label_relative_return"])[0]
        for _, group in frame.groupby("price_date")
    ]
    return float(np.mean(per_date))


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return make_panel()


@pytest.fixture(scope="module")
def forecasts(panel) -> pd.DataFrame:
    return walk_forward_forecasts(panel, FEATURES, SETTINGS)


def test_default_retrains_are_quarterly(panel):
    settings = ForecastSettings(gbm_max_iter=5, min_train_months=12, max_train_months=36)
    assert settings.retrain_months == 3
    out = walk_forward_forecasts(panel, FEATURES, settings)
    assert set(out["model_date"].dt.month) <= {1, 4, 7, 10}
    monthly = month_starts(pd.DatetimeIndex(panel["price_date"].unique()))
    quarterly = month_starts(pd.DatetimeIndex(panel["price_date"].unique()), 3)
    assert set(out["model_date"]) <= set(quarterly) < set(monthly)
    # every row from the first model on is predicted, by the latest retrain on or before it
    first = out["model_date"].min()
    assert len(out) == (panel["price_date"] >= first).sum()
    latest = quarterly[np.searchsorted(quarterly, out["price_date"], side="right") - 1]
    assert (out["model_date"].to_numpy() == latest.to_numpy()).all()


def test_output_shape(panel, forecasts):
    assert list(forecasts.columns) == output_columns()
    assert not forecasts.duplicated(["ticker", "price_date"]).any()
    # every row is predicted by the latest retrain on or before it
    assert (forecasts["model_date"] <= forecasts["price_date"]).all()
    retrains = month_starts(pd.DatetimeIndex(panel["price_date"].unique()))
    assert set(forecasts["model_date"]) <= set(retrains)
    same_month = forecasts["model_date"].dt.to_period("M") == forecasts["price_date"].dt.to_period(
        "M"
    )
    assert same_month.all()
    # the first retrain with min_train_months of usable month-start rows, then every month
    first = forecasts["model_date"].min()
    assert pd.Timestamp("2016-01-01") <= first <= pd.Timestamp("2016-03-01")
    assert forecasts["price_date"].max() == panel["price_date"].max()
    expected_rows = (panel["price_date"] >= first).sum()
    assert len(forecasts) == expected_rows
    assert forecasts[[c for c in output_columns() if c.startswith("forecast")]].notna().all().all()
    assert (forecasts["n_features"] == len(FEATURES)).all()


def test_deterministic(panel, forecasts):
    again = walk_forward_forecasts(panel.sample(frac=1.0, random_state=3), FEATURES, SETTINGS)
    pd.testing.assert_frame_equal(forecasts, again)


def _training_rows(panel: pd.DataFrame, retrain: pd.Timestamp, cfg: ForecastSettings):
    """The documented rule: month-start rows with a label known `embargo` dates before R."""
    dates = pd.DatetimeIndex(panel["price_date"].unique()).sort_values()
    cutoff = dates[dates.get_loc(retrain) - cfg.embargo]
    starts = month_starts(dates)
    oldest = retrain - pd.DateOffset(months=cfg.max_train_months)
    mask = (
        panel["price_date"].isin(starts)
        & panel["label_relative_return"].notna()
        & (panel["label_available_date"] <= cutoff)
        & (panel["price_date"] >= oldest)
    )
    return mask, cutoff


@pytest.mark.parametrize("which", [0, 17, 40])
def test_purge_and_embargo(panel, forecasts, which):
    model_dates = sorted(forecasts["model_date"].unique())
    retrain = pd.Timestamp(model_dates[which])
    mask, cutoff = _training_rows(panel, retrain, SETTINGS)
    at_retrain = forecasts.loc[forecasts["model_date"] == retrain]
    assert (at_retrain["n_train_rows"] == mask.sum()).all()
    # every training label is known before R, with horizon + embargo dates of purge
    dates = pd.DatetimeIndex(panel["price_date"].unique()).sort_values()
    assert panel.loc[mask, "label_available_date"].max() < retrain
    last_start = panel.loc[mask, "price_date"].max()
    assert dates.get_loc(retrain) - dates.get_loc(last_start) >= HORIZON + SETTINGS.embargo
    # labels not yet known at the cutoff cannot influence the forecasts made at R: scramble them
    hidden = ~(panel["label_available_date"] <= cutoff) & panel["label_relative_return"].notna()
    assert hidden.sum() > 0
    perturbed = panel.copy()
    rng = np.random.default_rng(which)
    perturbed.loc[hidden, "label_relative_return"] = rng.normal(0.5, 1.0, hidden.sum())
    again = walk_forward_forecasts(perturbed, FEATURES, SETTINGS)
    pd.testing.assert_frame_equal(
        again.loc[again["model_date"] == retrain].reset_index(drop=True),
        at_retrain.reset_index(drop=True),
    )
    # ...while the scrambled labels do reach later retrains (the test can see a leak)
    later = forecasts["model_date"] > retrain + pd.DateOffset(months=2)
    assert not np.allclose(
        again.loc[later, "forecast_ridge_raw"], forecasts.loc[later, "forecast_ridge_raw"]
    )


@pytest.mark.parametrize("cut", ["2017-06-14", "2019-03-01"])
def test_point_in_time(panel, forecasts, cut):
    cut = pd.Timestamp(cut)
    # what a build on `cut` would have seen: no later rows, no label not yet available
    truncated = panel.loc[panel["price_date"] <= cut].copy()
    unknown = ~(truncated["label_available_date"] <= cut)
    truncated.loc[unknown, "label_relative_return"] = np.nan
    truncated.loc[unknown, "label_available_date"] = pd.NaT
    short = walk_forward_forecasts(truncated, FEATURES, SETTINGS)
    assert short["price_date"].max() == cut
    pd.testing.assert_frame_equal(
        short.reset_index(drop=True),
        forecasts.loc[forecasts["price_date"] <= cut].reset_index(drop=True),
    )


def test_skill_on_informative_panel(panel, forecasts):
    rows = month_start_rows(with_labels(forecasts, panel))
    assert rows["price_date"].nunique() >= 50
    assert mean_rank_ic(rows, "forecast_return") > 0.2
    for member in MEMBERS:
        assert mean_rank_ic(rows, f"forecast_{member}_raw") > 0.2


def test_no_skill_on_noise():
    noise = make_panel(signal=0.0, seed=1)
    out = walk_forward_forecasts(noise, FEATURES, SETTINGS)
    rows = month_start_rows(with_labels(out, noise))
    assert rows["price_date"].nunique() >= 50
    assert abs(mean_rank_ic(rows, "forecast_return")) < 0.1


def test_bias_correction_reduces_out_of_sample_bias():
    # The labels are relative returns (mean 0 each day), but from 2018 on the informative
    # feature's level rises by 0.3 for every fund (as when the ranks come from a wider universe
    # that the panel's funds start to outrank). A model trained on the earlier history maps the
    # higher level to higher returns, so its raw forecasts sit above the realised labels on
    # every later day, a bias that fades only slowly as the training window fills with
    # shifted rows. The corrected member forecasts must be far less biased. (The library
    # removes the level by centring each member on the day's cross-sectional mean; subtracting
    # the measured trailing bias would pass this test too.)
    shifted = make_panel(seed=2)
    late = np.asarray(shifted["price_date"] >= pd.Timestamp("2018-01-01"))
    shifted.loc[late, "f_signal"] += 0.3
    out = with_labels(walk_forward_forecasts(shifted, FEATURES, SETTINGS), shifted)
    out = out.dropna(subset=["label_relative_return"])
    after = np.asarray(out["price_date"] >= pd.Timestamp("2018-01-01"))
    for member in MEMBERS:
        raw_error = out[f"forecast_{member}_raw"] - out["label_relative_return"]
        corrected_error = out[f"forecast_{member}"] - out["label_relative_return"]
        assert raw_error.mean() > 5e-4  # the construction does bias the raw forecasts
        assert raw_error[after].mean() > 1e-3
        assert abs(corrected_error.mean()) < 0.5 * abs(raw_error.mean())
        assert abs(corrected_error[after].mean()) < 0.5 * abs(raw_error[after].mean())
        # the measured bias (reported, from known past forecasts) sees the shift, with a lag
        measured = out.loc[out["model_date"] >= pd.Timestamp("2018-04-01"), f"bias_{member}"]
        assert (measured > 0).all()
        assert (out.loc[~after, f"bias_{member}"].abs() < 5e-4).all()
        # before min_calibration_rows out-of-sample rows exist: nothing measured, full weight
        first = out["model_date"] == out["model_date"].min()
        assert (out.loc[first, f"bias_{member}"] == 0.0).all()
        assert (out.loc[first, f"weight_{member}"] == 1.0).all()
        assert out[f"weight_{member}"].between(SETTINGS.min_member_weight, 1.0).all()


def test_member_forecasts_are_centred_each_day(forecasts):
    for member in MEMBERS:
        raw = forecasts[f"forecast_{member}_raw"]
        daily_mean = raw.groupby(forecasts["price_date"]).transform("mean")
        np.testing.assert_allclose(forecasts[f"forecast_{member}"], raw - daily_mean, atol=1e-15)
        level = forecasts[f"forecast_{member}"].groupby(forecasts["price_date"]).mean()
        assert (level.abs() < 1e-15).all()


def test_bias_is_mean_error_of_known_past_forecasts(forecasts, panel):
    """bias_<member> at R = mean(raw - label) over earlier month-start forecasts known by the
    cutoff, within the calibration window."""
    data = with_labels(forecasts, panel)
    dates = pd.DatetimeIndex(panel["price_date"].unique()).sort_values()
    starts = data.loc[data["price_date"] == data["model_date"]]  # monthly retrains
    available = panel.set_index(["ticker", "price_date"])["label_available_date"]
    starts = starts.join(available, on=["ticker", "price_date"])
    model_dates = sorted(data["model_date"].unique())
    for retrain in map(pd.Timestamp, model_dates[20::13]):
        cutoff = dates[dates.get_loc(retrain) - SETTINGS.embargo]
        past = starts.loc[
            (starts["model_date"] < retrain)
            & (starts["model_date"] >= retrain - pd.DateOffset(months=SETTINGS.calibration_months))
        ]
        known = past.groupby("model_date")["label_available_date"].transform("max") <= cutoff
        past = past.loc[known]
        row = data.loc[data["model_date"] == retrain].iloc[0]
        for member in MEMBERS:
            bias, slope = calibrate(
                past[f"forecast_{member}_raw"].to_numpy(),
                past["label_relative_return"].to_numpy(),
                SETTINGS.min_calibration_rows,
            )
            assert row[f"bias_{member}"] == pytest.approx(bias, rel=1e-9, abs=1e-15)
            expected_weight = min(max(slope, SETTINGS.min_member_weight), 1.0)
            assert row[f"weight_{member}"] == pytest.approx(expected_weight, rel=1e-9)


def test_ensemble_shrinks_members_toward_cross_sectional_mean(forecasts):
    parts = []
    for member in MEMBERS:
        values = forecasts[f"forecast_{member}"]
        cs_mean = values.groupby(forecasts["price_date"]).transform("mean")
        parts.append(cs_mean + forecasts[f"weight_{member}"] * (values - cs_mean))
    np.testing.assert_allclose(
        forecasts["forecast_return"], sum(parts) / len(parts), rtol=1e-12, atol=1e-15
    )


def test_constant_feature_is_skipped(panel, forecasts):
    extended = panel.copy()
    extended["f_const"] = 0.0
    extended["f_empty"] = np.nan
    # varies only from 2018 on: constant within the early training windows
    extended["f_late"] = np.where(extended["price_date"] >= "2018-01-01", extended["f_a"], 0.25)
    features = [*FEATURES, "f_const", "f_empty", "f_late"]
    out = walk_forward_forecasts(extended, features, SETTINGS)
    assert len(out) == len(forecasts)
    early = out["model_date"] < pd.Timestamp("2018-01-01")
    assert (out.loc[early, "n_features"] == len(FEATURES)).all()
    assert (out.loc[out["model_date"] >= "2018-04-01", "n_features"] == len(FEATURES) + 1).all()
    # a skipped feature is left out entirely: the early forecasts are those without it
    pd.testing.assert_frame_equal(
        out.loc[early].reset_index(drop=True),
        forecasts.loc[forecasts["model_date"] < pd.Timestamp("2018-01-01")].reset_index(drop=True),
    )


def test_no_model_without_enough_history(panel):
    cfg = ForecastSettings(gbm_max_iter=5, min_train_months=200, max_train_months=300)
    out = walk_forward_forecasts(panel, FEATURES, cfg)
    assert out.empty
    assert list(out.columns) == output_columns()


# --- calibrate ------------------------------------------------------------------------------


def test_calibrate_needs_min_rows():
    rng = np.random.default_rng(5)
    f = rng.normal(size=50)
    y = 0.5 * f + rng.normal(size=50)
    assert calibrate(f[:9], y[:9], min_rows=10) == (0.0, 1.0)
    assert calibrate(f, y, min_rows=10) != (0.0, 1.0)
    assert calibrate(np.array([]), np.array([]), min_rows=1) == (0.0, 1.0)
    # non-finite pairs do not count
    f_nan = f.copy()
    f_nan[:45] = np.nan
    assert calibrate(f_nan, y, min_rows=10) == (0.0, 1.0)
    y_inf = y.copy()
    y_inf[5:] = np.inf
    assert calibrate(f, y_inf, min_rows=10) == (0.0, 1.0)


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(3, 200),
    true_slope=st.floats(-2.0, 2.0),
    shift=st.floats(-0.05, 0.05),
    seed=st.integers(0, 2**32 - 1),
)
def test_calibrate_bias_and_ols_slope(n, true_slope, shift, seed):
    rng = np.random.default_rng(seed)
    f = rng.normal(0.0, 0.02, n)
    y = true_slope * f - shift + rng.normal(0.0, 0.01, n)
    y[0] = np.nan  # dropped pair
    bias, slope = calibrate(f, y, min_rows=2)
    ok = np.isfinite(y)
    assert bias == pytest.approx(float(np.mean(f[ok] - y[ok])), rel=1e-9, abs=1e-15)
    ols = np.polyfit(f[ok], y[ok], 1)[0]
    assert slope == pytest.approx(ols, rel=1e-6, abs=1e-9)


def test_calibrate_constant_zero_forecast_has_zero_slope():
    bias, slope = calibrate(np.zeros(20), np.linspace(-1.0, 1.0, 20) + 0.5, min_rows=5)
    assert slope == 0.0
    assert bias == pytest.approx(-0.5)


def test_calibrate_constant_nonzero_forecast_has_zero_slope():
    bias, slope = calibrate(np.full(20, 0.01), np.linspace(-1.0, 1.0, 20), min_rows=5)
    assert bias == pytest.approx(0.01)
    assert slope == 0.0


# --- month_starts ---------------------------------------------------------------------------


def test_month_starts():
    dates = pd.bdate_range("2019-12-15", "2021-02-28").drop(
        pd.DatetimeIndex(["2020-01-01", "2020-06-01", "2020-06-02", "2021-01-01"])
    )
    shuffled = pd.DatetimeIndex(np.random.default_rng(0).permutation(dates.to_numpy()))
    starts = month_starts(shuffled)
    assert len(starts) == 15
    assert starts[0] == pd.Timestamp("2019-12-16")
    assert pd.Timestamp("2020-01-02") in starts
    assert pd.Timestamp("2020-02-03") in starts  # Feb 1 2020 is a Saturday
    assert pd.Timestamp("2020-06-03") in starts
    assert pd.Timestamp("2021-01-04") in starts
    for start in starts:  # the first present date of its month
        same_month = dates[(dates.year == start.year) & (dates.month == start.month)]
        assert start == same_month.min()
    quarterly = month_starts(dates, every=3)
    assert list(quarterly) == [
        pd.Timestamp(d)
        for d in ["2020-01-02", "2020-04-01", "2020-07-01", "2020-10-01", "2021-01-04"]
    ]


@pytest.mark.parametrize("refresh_from", ["2019-03-01", "2019-03-14"])
def test_live_refresh_equals_the_full_pass(panel, forecasts, refresh_from):
    """A live refresh (earlier output kept, only the current period refitted) returns exactly
    the full pass's rows from ``refresh_from`` on: same calibration history, same forecasts."""
    refresh_from = pd.Timestamp(refresh_from)
    earlier = forecasts.loc[forecasts["price_date"] < refresh_from]
    tail = walk_forward_forecasts(
        panel, FEATURES, SETTINGS, from_date=refresh_from, earlier=earlier
    )
    assert tail["price_date"].min() == refresh_from
    pd.testing.assert_frame_equal(
        tail.reset_index(drop=True),
        forecasts.loc[forecasts["price_date"] >= refresh_from].reset_index(drop=True),
    )


@pytest.mark.parametrize("refresh_from", ["2019-03-01", "2019-03-14", "2019-04-01"])
def test_live_refresh_reading_only_the_rows_it_needs_equals_the_full_pass(
    panel, forecasts, refresh_from
):
    """ml_forecasts' live read: the month-start rows, the rows from the first refitted retrain
    on (live_panel_dates) and the stored month-start forecasts, with the whole calendar."""
    refresh_from = pd.Timestamp(refresh_from)
    calendar = pd.DatetimeIndex(panel["price_date"].unique())
    starts, first = live_panel_dates(calendar, refresh_from, SETTINGS)
    assert first <= refresh_from and first in month_starts(calendar, SETTINGS.retrain_months)
    keep = panel["price_date"].isin(starts) | (panel["price_date"] >= first)
    assert keep.mean() < 0.5  # it reads a part of the panel
    earlier = forecasts.loc[
        (forecasts["price_date"] < refresh_from) & forecasts["price_date"].isin(starts)
    ]
    tail = walk_forward_forecasts(
        panel.loc[keep],
        FEATURES,
        SETTINGS,
        from_date=refresh_from,
        earlier=earlier,
        calendar=calendar,
    )
    pd.testing.assert_frame_equal(
        tail.reset_index(drop=True),
        forecasts.loc[forecasts["price_date"] >= refresh_from].reset_index(drop=True),
    )
    # a date of the period it refits missing from the rows passed: refused, not predicted short
    gone = calendar[calendar > first][0]
    with pytest.raises(ValueError, match="lacks dates"):
        walk_forward_forecasts(
            panel.loc[keep & (panel["price_date"] != gone)],
            FEATURES,
            SETTINGS,
            from_date=refresh_from,
            earlier=earlier,
            calendar=calendar,
        )


def test_a_panel_read_from_duckdb_a_period_at_a_time_gives_the_same_forecasts(panel, forecasts):
    """ml_forecasts' read: the panel in DuckDB, shuffled, read by RelationPanel a period at a
    time; one frame per period, together equal to the forecasts of the panel as one frame. A
    live refresh reading its rows (live_panel_dates) the same way equals the full pass too."""
    import duckdb

    con = duckdb.connect()
    con.register("frame", panel.sample(frac=1.0, random_state=5))
    con.execute("create table int_ml_panel as select * from frame")
    relation = con.table("int_ml_panel")
    frames = list(forecast_frames(RelationPanel(relation), FEATURES, SETTINGS))
    assert len(frames) > 12  # a frame per monthly retrain with a model
    got = pd.concat(frames, ignore_index=True)
    assert got["model_date"].is_monotonic_increasing
    pd.testing.assert_frame_equal(got, forecasts, check_exact=True, check_dtype=False)

    refresh_from = pd.Timestamp("2019-03-14")
    calendar = pd.DatetimeIndex(panel["price_date"].unique())
    starts, first = live_panel_dates(calendar, refresh_from, SETTINGS)
    listed = ", ".join(f"date '{d:%Y-%m-%d}'" for d in starts)
    tail = walk_forward_forecasts(
        RelationPanel(relation.filter(f"price_date in ({listed}) or price_date >= '{first}'")),
        FEATURES,
        SETTINGS,
        from_date=refresh_from,
        earlier=forecasts.loc[forecasts["price_date"].isin(starts)],
        calendar=calendar,
    )
    pd.testing.assert_frame_equal(
        tail,
        forecasts.loc[forecasts["price_date"] >= refresh_from].reset_index(drop=True),
        check_exact=True,
        check_dtype=False,
    )


def test_live_panel_dates_before_any_retrain_and_on_an_empty_panel():
    calendar = pd.bdate_range("2020-01-01", "2020-02-28")
    starts, first = live_panel_dates(calendar, pd.Timestamp("2019-06-03"), SETTINGS)
    assert first == calendar[0] and list(starts) == [calendar[0], pd.Timestamp("2020-02-03")]
    starts, first = live_panel_dates(pd.DatetimeIndex([]), pd.Timestamp("2020-01-02"), SETTINGS)
    assert first == pd.Timestamp("2020-01-02") and starts.empty


def test_live_refresh_with_forecasts_missing_fails(panel, forecasts):
    earlier = forecasts.loc[forecasts["price_date"] < pd.Timestamp("2019-03-01")]
    # one fund's month-start forecast of an earlier period is gone: the history is incomplete
    gone = (
        earlier["price_date"]
        == earlier.loc[earlier["model_date"] == "2018-06-01", "price_date"].min()
    ) & (earlier["ticker"] == "T00")
    earlier = earlier.loc[~gone]
    with pytest.raises(ValueError, match="run a full build"):
        walk_forward_forecasts(
            panel, FEATURES, SETTINGS, from_date=pd.Timestamp("2019-03-01"), earlier=earlier
        )


def test_forecasts_do_not_depend_on_how_many_rows_are_predicted_at_once():
    from sklearn.linear_model import Ridge

    from etf_warehouse.forecast.ml import _predict

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(3000, 16)), rng.normal(size=3000)
    model = Ridge(alpha=10.0).fit(x, y)
    whole = _predict(model, x)
    in_pieces = np.concatenate([_predict(model, x[i : i + 37]) for i in range(0, 3000, 37)])
    assert np.array_equal(whole, in_pieces)
    np.testing.assert_allclose(whole, model.predict(x), rtol=0, atol=1e-12)


def test_fits_in_worker_processes_equal_fits_here(panel, forecasts):
    # the panel's training sets are small (one OpenMP thread), so with two workers every
    # gradient-boosting fit runs in a worker process; the calibrations stay in order
    in_workers = walk_forward_forecasts(panel, FEATURES, SETTINGS, workers=2)
    pd.testing.assert_frame_equal(in_workers, forecasts, check_exact=True)
    refreshed = walk_forward_forecasts(
        panel,
        FEATURES,
        SETTINGS,
        from_date=pd.Timestamp("2019-03-01"),
        earlier=forecasts,
        workers=2,
    )
    expected = forecasts.loc[forecasts["price_date"] >= "2019-03-01"].reset_index(drop=True)
    pd.testing.assert_frame_equal(refreshed, expected, check_exact=True)


def test_panel_order_is_taken_as_read_or_sorted(panel):
    from etf_warehouse.forecast.ml_rows import by_date_and_ticker

    ordered = panel.sort_values(["price_date", "ticker"]).reset_index(drop=True)
    assert by_date_and_ticker(ordered) is ordered  # already in order: no copy
    shuffled = ordered.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(by_date_and_ticker(shuffled), ordered)
    # in order but with another index: re-indexed, the same rows
    reindexed = ordered.set_axis(ordered.index + 5)
    pd.testing.assert_frame_equal(by_date_and_ticker(reindexed), ordered)
    # same forecasts whichever order the panel arrives in
    small = ForecastSettings(gbm_max_iter=5, min_train_months=12, max_train_months=24)
    pd.testing.assert_frame_equal(
        walk_forward_forecasts(shuffled, FEATURES, small),
        walk_forward_forecasts(ordered, FEATURES, small),
    )


def test_one_corrupt_label_does_not_set_the_fit(panel, forecasts):
    """A +10,000 % label (a return the cleaning got wrong) on one month-start training row."""
    corrupt = panel.copy()
    starts = month_starts(pd.DatetimeIndex(panel["price_date"].unique()))
    row = corrupt.index[(corrupt["price_date"] == starts[3]) & (corrupt["ticker"] == "T05")]
    corrupt.loc[row, "label_relative_return"] = 100.0
    guarded = walk_forward_forecasts(corrupt, FEATURES, SETTINGS)
    unguarded = walk_forward_forecasts(corrupt, FEATURES, replace(SETTINGS, label_winsor=0.0))
    scale = forecasts["forecast_return"].abs().max()
    moved = (guarded["forecast_return"] - forecasts["forecast_return"]).abs().max()
    moved_unguarded = (unguarded["forecast_return"] - forecasts["forecast_return"]).abs().max()
    # unguarded, the one label moves forecasts by 1.55 (100x their whole range); guarded, by
    # 0.0017: what one legitimately extreme label (its month's 99.5 % quantile) can do
    assert moved < 0.2 * scale
    assert moved_unguarded > 10 * scale


def test_winsorise_clips_to_own_quantiles():
    values = np.concatenate([np.linspace(-1.0, 1.0, 999), [1000.0]])
    out = winsorise(values, 0.005)
    low, high = np.quantile(values, [0.005, 0.995])
    assert out.max() == pytest.approx(high) and out.min() == pytest.approx(low)
    np.testing.assert_array_equal(winsorise(values, 0.0), values)


def test_training_months_need_a_cross_section():
    """Months where only a few funds have labels (one fund listed years before the rest) do not
    count toward min_train_months, and are not trained on."""
    panel = make_panel(n_tickers=12)
    early = panel["price_date"] < pd.Timestamp("2017-01-01")
    thin = early & ~panel["ticker"].isin(["T00", "T01", "T02"])
    sparse = panel.loc[~thin].reset_index(drop=True)
    out = walk_forward_forecasts(sparse, FEATURES, SETTINGS)
    # 2017 onwards has 12 funds: 12 such months by 2018-01, the first model (min 12 months)
    assert out["model_date"].min() >= pd.Timestamp("2018-01-01")
    counted_anyway = walk_forward_forecasts(
        sparse, FEATURES, replace(SETTINGS, min_funds_per_month=1)
    )
    assert counted_anyway["model_date"].min() < pd.Timestamp("2016-06-01")
    # rows predicted by the same retrain learn from the same (thick) months only
    first = out.loc[out["model_date"] == out["model_date"].min(), "n_train_rows"].iloc[0]
    assert first % 12 == 0


def test_cross_section_at_least():
    dates = np.array(["a", "a", "a", "b", "b", "c"])
    mask = np.array([True, True, False, True, True, True])
    np.testing.assert_array_equal(
        cross_section_at_least(dates, mask, 2), [True, True, False, True, True, False]
    )


def test_training_subset_is_a_seeded_draw_of_distinct_rows():
    day = pd.Timestamp("2020-04-01")
    assert training_subset(1_000, 0, day, 0) is None  # 0: every row
    assert training_subset(1_000, 1_000, day, 0) is None  # no more rows than the cap
    rows = training_subset(1_000, 300, day, 0)
    assert rows.size == 300 and np.unique(rows).size == 300
    assert np.all(np.diff(rows) > 0) and rows.min() >= 0 and rows.max() < 1_000
    np.testing.assert_array_equal(rows, training_subset(1_000, 300, day, 0))
    assert not np.array_equal(rows, training_subset(1_000, 300, pd.Timestamp("2020-07-01"), 0))
    assert not np.array_equal(rows, training_subset(1_000, 300, day, 1))

    with pytest.raises(ValueError, match="gbm_max_train_rows must be 0"):
        ForecastSettings(gbm_max_train_rows=-1)


@pytest.fixture(scope="module")
def capped_settings() -> ForecastSettings:
    # 40 funds x 12-36 month-starts: 480-1,440 training rows, so the cap binds on most retrains
    return replace(SETTINGS, gbm_max_train_rows=600)


@pytest.fixture(scope="module")
def capped(panel, capped_settings) -> pd.DataFrame:
    return walk_forward_forecasts(panel, FEATURES, capped_settings)


def test_gbm_fits_a_subset_of_a_larger_training_set(panel, forecasts, capped):
    assert (capped["n_train_rows"] == forecasts["n_train_rows"]).all()
    assert (forecasts["n_train_rows_gbm"] == forecasts["n_train_rows"]).all()
    expected = np.minimum(capped["n_train_rows"], 600)
    assert (capped["n_train_rows_gbm"] == expected).all()
    assert (capped["n_train_rows"] > 600).mean() > 0.5
    # the ridge member fits every row: its raw forecasts are the uncapped ones
    np.testing.assert_array_equal(capped["forecast_ridge_raw"], forecasts["forecast_ridge_raw"])
    bound = capped["n_train_rows"] > 600
    assert not np.allclose(
        capped.loc[bound, "forecast_gbm_raw"], forecasts.loc[bound, "forecast_gbm_raw"]
    )
    rows = month_start_rows(with_labels(capped, panel))
    assert mean_rank_ic(rows, "forecast_gbm_raw") > 0.2


def test_a_capped_forecaster_is_point_in_time_and_refreshes_as_a_full_pass(
    panel, capped, capped_settings
):
    cut = pd.Timestamp("2019-03-01")
    truncated = panel.loc[panel["price_date"] <= cut].copy()
    unknown = ~(truncated["label_available_date"] <= cut)
    truncated.loc[unknown, "label_relative_return"] = np.nan
    truncated.loc[unknown, "label_available_date"] = pd.NaT
    short = walk_forward_forecasts(truncated, FEATURES, capped_settings)
    pd.testing.assert_frame_equal(
        short.reset_index(drop=True),
        capped.loc[capped["price_date"] <= cut].reset_index(drop=True),
    )
    refreshed = walk_forward_forecasts(
        panel,
        FEATURES,
        capped_settings,
        from_date=cut,
        earlier=capped.loc[capped["price_date"] < cut],
        workers=2,
    )
    pd.testing.assert_frame_equal(
        refreshed, capped.loc[capped["price_date"] >= cut].reset_index(drop=True)
    )

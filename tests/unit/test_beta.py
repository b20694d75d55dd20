"""Kalman-filter dynamic beta (etf_warehouse.risk.beta)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from etf_warehouse.risk.beta import (
    PANEL_SCHEMA,
    KalmanBetaSettings,
    kalman_beta_frames,
    kalman_beta_grid,
    kalman_beta_panel,
    kalman_beta_tail,
    pairs_grid,
)

SETTINGS = KalmanBetaSettings()
N_DATES = 2000
SWITCH = 1000
BETA_BEFORE = np.array([1.0, -0.5, 0.3])
BETA_AFTER = np.array([2.0, 0.5, -0.7])


@pytest.fixture(scope="module")
def synthetic():
    """Benchmark x ~ N(0, 0.01), fund y = beta_t * x + N(0, 0.005), beta switching at 1,000."""
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 0.01, (N_DATES, 3))
    true_beta = np.where(np.arange(N_DATES)[:, None] < SWITCH, BETA_BEFORE, BETA_AFTER)
    y = true_beta * x + rng.normal(0.0, 0.005, (N_DATES, 3))
    return y, x, true_beta


def test_filtered_beta_tracks_true_beta(synthetic):
    y, x, true_beta = synthetic
    beta, se = kalman_beta_grid(y, x, SETTINGS)
    assert beta.shape == se.shape == y.shape
    error = np.abs(beta - true_beta)
    assert (error[-500:].mean(axis=0) < 0.06).all()
    assert (error[SWITCH - 500 : SWITCH].mean(axis=0) < 0.06).all()
    # the switch is felt, and absorbed within 250 observations
    assert (error[SWITCH + 5] > 0.5).all()
    assert (error[SWITCH + 250 :].max(axis=0) < 0.25).all()
    # the standard error is of the right order (not a diffuse 1, not ~0)
    assert (se[-500:] > 0.005).all() and (se[-500:] < 0.2).all()
    z = (beta - true_beta)[-500:] / se[-500:]
    assert 0.3 < float(np.sqrt(np.mean(z**2))) < 3.0


def test_diffuse_start():
    y = np.array([[0.02], [0.01]])
    x = np.array([[0.01], [0.005]])
    beta, se = kalman_beta_grid(y, x, KalmanBetaSettings(min_pairs=1))
    # first step by hand: R = y^2, V = x^2, P = 1 + R / (memory^2 V)
    p_pred = 1.0 + (0.02**2) / (126.0**2 * 0.01**2)
    gain = p_pred * 0.01 / (0.01**2 * p_pred + 0.02**2)
    assert beta[0, 0] == pytest.approx(gain * 0.02, rel=1e-12)
    assert se[0, 0] == pytest.approx(np.sqrt((1.0 - gain * 0.01) * p_pred), rel=1e-12)
    assert np.isfinite(beta[1, 0])


def reference_filter(y: np.ndarray, x: np.ndarray, cfg: KalmanBetaSettings):
    """The documented model for one fund, step by step in plain Python."""
    beta, p = cfg.initial_beta, cfg.initial_variance
    r_var = v_var = None
    betas, ses = [], []
    for yy, xx in zip(y, x, strict=True):
        if r_var is None:  # noise estimates start from the first pair
            r_var = max(yy * yy, cfg.variance_floor)
            v_var = max(xx * xx, cfg.variance_floor)
        p_pred = p + r_var / (cfg.memory**2 * v_var)  # Q = R / (memory^2 V)
        s = xx * xx * p_pred + r_var
        gain = p_pred * xx / s
        innovation = yy - beta * xx
        bound = cfg.innovation_clip * np.sqrt(s)  # Huber: the update sees at most `clip` sds
        beta = beta + gain * min(max(innovation, -bound), bound)
        p = (1.0 - gain * xx) * p_pred
        residual = yy - beta * xx  # post-update
        lam = cfg.noise_lambda
        r_var = max(lam * r_var + (1.0 - lam) * residual**2, cfg.variance_floor)
        v_var = max(lam * v_var + (1.0 - lam) * xx * xx, cfg.variance_floor)
        betas.append(beta)
        ses.append(np.sqrt(p))
    hidden = min(cfg.min_pairs - 1, len(betas))  # the warm-up is not published
    betas[:hidden] = ses[:hidden] = [np.nan] * hidden
    return np.array(betas), np.array(ses)


@pytest.mark.parametrize(
    "cfg",
    [
        SETTINGS,
        KalmanBetaSettings(memory=20, noise_lambda=0.9, initial_beta=1.0, min_pairs=1),
        KalmanBetaSettings(innovation_clip=1.5, min_pairs=10),
    ],
)
def test_matches_documented_recursion(synthetic, cfg):
    y, x, _ = synthetic
    y, x = y[:300, 2].copy(), x[:300, 2].copy()
    x[[150, 151, 152]] = 0.0  # a stale benchmark: no information about beta
    beta, se = kalman_beta_grid(y[:, None], x[:, None], cfg)
    expected_beta, expected_se = reference_filter(y, x, cfg)
    np.testing.assert_allclose(beta[:, 0], expected_beta, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(se[:, 0], expected_se, rtol=1e-12)
    assert (
        np.isnan(beta[: cfg.min_pairs - 1]).all() and np.isfinite(beta[cfg.min_pairs - 1 :]).all()
    )
    assert beta[150, 0] == beta[149, 0] == beta[152, 0]
    assert se[149, 0] < se[150, 0] < se[151, 0] < se[152, 0]


def test_missing_rows_keep_state(synthetic):
    y, x, _ = synthetic
    rng = np.random.default_rng(8)
    holes = rng.random(y.shape) < 0.15
    holes[:40, 1] = True  # fund 1 lists late
    holes[700:760, 2] = True  # fund 2 has an outage
    y_gappy = np.where(holes, np.nan, y)
    x_gappy = x.copy()
    x_gappy[rng.random(N_DATES) < 0.03, 0] = np.nan  # a missing benchmark return is no pair
    beta, se = kalman_beta_grid(y_gappy, x_gappy, SETTINGS)
    for j in range(3):
        seen = ~(np.isnan(y_gappy[:, j]) | np.isnan(x_gappy[:, j]))
        compact_beta, compact_se = kalman_beta_grid(
            y_gappy[seen, j : j + 1], x_gappy[seen, j : j + 1], SETTINGS
        )
        np.testing.assert_array_equal(beta[seen, j], compact_beta[:, 0], strict=True)
        np.testing.assert_array_equal(se[seen, j], compact_se[:, 0], strict=True)
        assert np.isnan(beta[~seen, j]).all() and np.isnan(se[~seen, j]).all()


def test_funds_are_filtered_independently(synthetic):
    y, x, _ = synthetic
    beta, se = kalman_beta_grid(y, x, SETTINGS)
    alone, alone_se = kalman_beta_grid(y[:, 1:2], x[:, 1:2], SETTINGS)
    np.testing.assert_array_equal(beta[:, 1], alone[:, 0], strict=True)
    np.testing.assert_array_equal(se[:, 1], alone_se[:, 0], strict=True)


@pytest.mark.parametrize("k", [1, 37, 999, 1500])
def test_point_in_time(synthetic, k):
    y, x, _ = synthetic
    y = y.copy()
    y[100:130, 0] = np.nan
    beta, se = kalman_beta_grid(y, x, SETTINGS)
    short_beta, short_se = kalman_beta_grid(y[:k], x[:k], SETTINGS)
    np.testing.assert_array_equal(beta[:k], short_beta, strict=True)
    np.testing.assert_array_equal(se[:k], short_se, strict=True)


def test_panel_returns_observed_pairs_only(synthetic):
    y, x, _ = synthetic
    n = 300
    dates = pd.bdate_range("2020-01-01", periods=n)
    rows = []
    for j, (ticker, listed) in enumerate([("AAA", 0), ("BBB", 50), ("CCC", 0)]):
        for t in range(listed, n):
            if ticker == "CCC" and 100 <= t < 120:
                continue  # no row at all
            daily = np.nan if (ticker == "AAA" and t % 17 == 0) else y[t, j]
            bench = np.nan if (ticker == "CCC" and t % 23 == 0) else x[t, j]
            rows.append((ticker, dates[t], daily, bench))
    pairs = pd.DataFrame(rows, columns=["ticker", "price_date", "daily_return", "benchmark_return"])
    pairs = pairs.sample(frac=1.0, random_state=1)  # order must not matter
    every_pair = KalmanBetaSettings(min_pairs=1)
    out = kalman_beta_panel(pairs, every_pair)

    assert list(out.columns) == list(PANEL_SCHEMA)
    observed = pairs.dropna(subset=["daily_return", "benchmark_return"])
    assert len(out) == len(observed)
    got = set(zip(out["ticker"], out["price_date"], strict=True))
    assert got == set(zip(observed["ticker"], observed["price_date"], strict=True))
    assert not out[["beta_kalman", "beta_kalman_se"]].isna().any().any()
    assert (out["beta_kalman_se"] > 0).all()
    # each fund's betas are its own filter over its own pairs, in date order
    for ticker, group in observed.sort_values("price_date").groupby("ticker"):
        expected, expected_se = kalman_beta_grid(
            group[["daily_return"]].to_numpy(),
            group[["benchmark_return"]].to_numpy(),
            every_pair,
        )
        got_rows = out.loc[out["ticker"] == ticker].sort_values("price_date")
        assert got_rows["price_date"].tolist() == group["price_date"].tolist()
        np.testing.assert_array_equal(got_rows["beta_kalman"].to_numpy(), expected[:, 0])
        np.testing.assert_array_equal(got_rows["beta_kalman_se"].to_numpy(), expected_se[:, 0])


def one_fund_pairs(y: np.ndarray, x: np.ndarray, n: int) -> pd.DataFrame:
    """The first ``n`` paired returns of fund 0 as a kalman_beta_panel input."""
    dates = pd.bdate_range("2020-01-01", periods=n)
    return pd.DataFrame(
        {
            "ticker": "AAA",
            "price_date": dates,
            "daily_return": y[:n, 0],
            "benchmark_return": x[:n, 0],
        }
    )


def test_panel_leaves_out_the_warm_up(synthetic):
    y, x, _ = synthetic
    dates = pd.bdate_range("2020-01-01", periods=100)
    out = kalman_beta_panel(one_fund_pairs(y, x, 100), SETTINGS)
    assert out["price_date"].min() == dates[SETTINGS.min_pairs - 1] and len(out) == 100 - 62


def test_panel_benchmark_differs_by_fund():
    dates = pd.bdate_range("2021-01-01", periods=400)
    rng = np.random.default_rng(9)
    bench_a = rng.normal(0.0, 0.01, len(dates))
    bench_b = rng.normal(0.0, 0.01, len(dates))
    pairs = pd.concat(
        [
            pd.DataFrame(
                {
                    "ticker": "EQ",
                    "price_date": dates,
                    "daily_return": 1.5 * bench_a + rng.normal(0.0, 0.002, len(dates)),
                    "benchmark_return": bench_a,
                }
            ),
            pd.DataFrame(
                {
                    "ticker": "BOND",
                    "price_date": dates,
                    "daily_return": -0.4 * bench_b + rng.normal(0.0, 0.002, len(dates)),
                    "benchmark_return": bench_b,
                }
            ),
        ]
    )
    out = kalman_beta_panel(pairs, SETTINGS)
    last = out.sort_values("price_date").groupby("ticker")["beta_kalman"].last()
    assert last["EQ"] == pytest.approx(1.5, abs=0.1)
    assert last["BOND"] == pytest.approx(-0.4, abs=0.1)


def test_one_wild_day_moves_beta_boundedly(synthetic):
    """A +49 % day on a 0.9 % benchmark day (a thin fund on the real files) cannot set beta."""
    y, x, true_beta = synthetic
    y, x = y[:, :1].copy(), x[:, :1].copy()
    y[300, 0], x[300, 0] = 0.49, 0.009
    beta, _ = kalman_beta_grid(y, x, SETTINGS)
    unclipped, _ = kalman_beta_grid(y, x, KalmanBetaSettings(innovation_clip=np.inf))
    assert abs(beta[300, 0] - beta[299, 0]) < 0.1
    # what the clip prevents: a jump of about half a beta that lasts for months
    assert abs(unclipped[320, 0] - unclipped[299, 0]) > 0.3
    assert abs(beta[400:1000, 0] - true_beta[400:1000, 0]).mean() < 0.1


def test_thin_start_is_not_locked_in():
    """A fund whose first return is 0 (noise estimate at the floor) then trades every few days."""
    rng = np.random.default_rng(11)
    x = rng.normal(0.0, 0.01, (400, 1))
    y = 1.0 * x + rng.normal(0.0, 0.01, (400, 1))
    y[0, 0] = 0.0
    y[1, 0], x[1, 0] = 0.13, -0.0008
    beta, _ = kalman_beta_grid(y, x, SETTINGS)
    assert np.isnan(beta[: SETTINGS.min_pairs - 1]).all()
    assert abs(np.nanmedian(beta[:, 0]) - 1.0) < 0.3


def test_panel_within_the_warm_up_is_empty_and_typed(synthetic):
    y, x, _ = synthetic
    out = kalman_beta_panel(one_fund_pairs(y, x, 10), SETTINGS)
    assert out.empty
    assert out.dtypes.astype(str).tolist()[1:] == list(PANEL_SCHEMA.values())[1:]
    assert pd.api.types.is_string_dtype(out["ticker"])


@pytest.fixture(scope="module")
def refresh_pairs(synthetic) -> pd.DataFrame:
    """Four funds' pairs with gaps: AAA from the start, BBB listed on day 1,930 (warming up
    until day 1,992), CCC missing days 1,900-1,960 and every 23rd benchmark return, DDD
    listed on day 1,990 (warming up to the end)."""
    y, x, _ = synthetic
    dates = pd.bdate_range("2015-01-01", periods=N_DATES)
    frames = []
    for j, (ticker, listed) in enumerate([("AAA", 0), ("BBB", 1930), ("CCC", 0), ("DDD", 1990)]):
        rows = pd.DataFrame(
            {
                "ticker": ticker,
                "price_date": dates[listed:],
                "daily_return": y[listed:, j % 3],
                "benchmark_return": x[listed:, j % 3],
            }
        )
        if ticker == "CCC":
            t = np.arange(listed, N_DATES)
            rows = rows.loc[(t < 1900) | (t >= 1960)]
            rows.loc[t[rows.index] % 23 == 0, "benchmark_return"] = np.nan
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("cut", [1800, 1950, 1995, 1999])
def test_live_refresh_betas_equal_the_full_pass(refresh_pairs, cut):
    """Carrying each fund's filter on from its last published row gives the full pass's rows
    for the new pairs to the bit; funds still warming up or new are refiltered alone."""
    full = kalman_beta_panel(refresh_pairs, SETTINGS)
    cut_date = pd.bdate_range("2015-01-01", periods=N_DATES)[cut]
    earlier = full.loc[full["price_date"] < cut_date].sort_values("price_date")
    earlier = earlier.groupby("ticker").tail(1)
    called: list[list[str]] = []

    def history(tickers: list[str]) -> pd.DataFrame:
        called.append(tickers)
        return refresh_pairs.loc[refresh_pairs["ticker"].isin(tickers)]

    tail = kalman_beta_tail(
        refresh_pairs.loc[refresh_pairs["price_date"] >= cut_date], earlier, SETTINGS, history
    )
    expected = full.loc[full["price_date"] >= cut_date]
    pd.testing.assert_frame_equal(
        tail.sort_values(["ticker", "price_date"]).reset_index(drop=True),
        expected.sort_values(["ticker", "price_date"]).reset_index(drop=True),
        check_exact=True,
    )
    # BBB has no published row before day 1,993 (63 pairs), DDD none at all
    assert called == [{1800: ["BBB", "DDD"], 1950: ["BBB", "DDD"]}.get(cut, ["DDD"])]


@pytest.mark.parametrize("chunk_dates", [1, 7, 256, 5000])
def test_streamed_grid_equals_the_panel(refresh_pairs, chunk_dates):
    """The full build's path (the pairs read from DuckDB as grid positions, the betas made a
    chunk of dates at a time with the state carried on) gives kalman_beta_panel's rows, in its
    order, to the bit; null returns are left out as the panel leaves them out."""
    connection = duckdb.connect()
    relation = connection.from_df(refresh_pairs.sample(frac=1.0, random_state=3))
    grid = pairs_grid(relation)
    assert list(grid.tickers) == ["AAA", "BBB", "CCC", "DDD"]
    complete = refresh_pairs[["daily_return", "benchmark_return"]].notna().all(axis=1)
    assert (~np.isnan(grid.fund_returns)).sum() == complete.sum() < len(refresh_pairs)
    assert np.array_equal(np.isnan(grid.fund_returns), np.isnan(grid.benchmark_returns))
    streamed = pd.concat(list(kalman_beta_frames(grid, SETTINGS, chunk_dates)), ignore_index=True)
    expected = kalman_beta_panel(refresh_pairs, SETTINGS)
    # the dates' resolution differs (the stream's become calendar dates in DuckDB)
    expected["price_date"] = expected["price_date"].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(streamed, expected, check_exact=True)
    assert list(streamed.columns) == list(PANEL_SCHEMA)


def test_streamed_grid_without_pairs_yields_nothing():
    empty = pd.DataFrame(
        {
            "ticker": pd.Series([], dtype=object),
            "price_date": pd.Series([], dtype="datetime64[ns]"),
            "daily_return": pd.Series([], dtype=float),
            "benchmark_return": pd.Series([], dtype=float),
        }
    )
    grid = pairs_grid(duckdb.connect().from_df(empty))
    assert grid.fund_returns.shape == (0, 0)
    assert list(kalman_beta_frames(grid, SETTINGS)) == []

"""What fewer GARCH refits and ML retrains cost in forecast loss, and what they save in CPU.

The scale issue's budget arithmetic: yearly arch fits of 3,000 funds over 20 years are ~31,000
fits, and monthly retrains of the forecaster's gradient-boosting panel model 240 times over a
panel ten times the sample's. This script reads a built warehouse (returns and the ML panel)
and, for each candidate schedule, refits everything in one process and measures:

- GARCH (``--funds`` funds, each variant): fitting CPU seconds and the out-of-sample loss of
  the volatility forecasts over the same (fund, date) rows: QLIKE of the 1-day forecast against
  the next return, ``log s2 + r2 / s2``, and of the 21-day forecast against the mean squared
  return of the next 21 sessions. The difference to the current schedule is reported with a
  standard error across funds (each fund's mean difference is one observation).
- ML forecaster (every fund): CPU seconds and, on the month-start rows (the ones a portfolio
  trades on), the mean cross-sectional rank IC of the ensemble forecast against the realised
  relative return, and its mean squared error, on the dates every variant forecasts. The
  difference's standard error is across dates.

    .venv/bin/python benchmarks/refit_tradeoffs.py \
        --database benchmarks/out/files_300x20y/warehouse.duckdb

``--gbm-max-train-rows 0,100000,50000`` compares caps on the gradient-boosting member's training
rows (a seeded random subset of a larger set) instead of retrain schedules, ``--skip-garch`` for
the forecaster alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from etf_warehouse.forecast.ml import ForecastSettings, walk_forward_forecasts  # noqa: E402
from etf_warehouse.risk.garch import (  # noqa: E402
    GarchSettings,
    garch_fits_panel,
    garch_volatility_panel,
)

GARCH_VARIANTS = {
    "yearly, 2520 obs (before)": GarchSettings(refit_months=12, max_window=2520),
    "yearly, 1260 obs": GarchSettings(refit_months=12, max_window=1260),
    "every 2 years, 2520 obs": GarchSettings(refit_months=24, max_window=2520),
    "every 2 years, 1260 obs": GarchSettings(refit_months=24, max_window=1260),
    "every 3 years, 2520 obs": GarchSettings(refit_months=36, max_window=2520),
}
ML_VARIANTS = {
    "monthly (before)": 1,
    "quarterly": 3,
    "half-yearly": 6,
}


def qlike(variance: np.ndarray, realised: np.ndarray) -> np.ndarray:
    return np.log(variance) + realised / variance


def garch_losses(returns: pd.DataFrame, forecasts: pd.DataFrame) -> pd.DataFrame:
    """Per (ticker, date) QLIKE of the 1-day and 21-day forecasts made at that close."""
    frame = returns.merge(forecasts, on=["ticker", "date"], how="inner")
    frame = frame.sort_values(["ticker", "date"])
    r2 = (frame["daily_return"] ** 2).to_numpy()
    grouped = frame.assign(r2=r2).groupby("ticker")["r2"]
    next_r2 = grouped.shift(-1).to_numpy()
    # mean squared return of the next 21 sessions (t+1..t+21)
    next_21 = grouped.transform(lambda s: s[::-1].rolling(21).mean()[::-1].shift(-1)).to_numpy()
    var_1d = (frame["garch_vol_1d_ann"].to_numpy() ** 2) / 252
    var_21d = (frame["garch_vol_21d_ann"].to_numpy() ** 2) / 252
    return pd.DataFrame(
        {
            "ticker": frame["ticker"].to_numpy(),
            "date": frame["date"].to_numpy(),
            "q1": qlike(var_1d, next_r2),
            "q21": qlike(var_21d, next_21),
        }
    )


def run_garch(returns: pd.DataFrame, n_funds: int, seed: int) -> None:
    tickers = returns["ticker"].drop_duplicates().sample(n=n_funds, random_state=seed)
    returns = returns.loc[returns["ticker"].isin(tickers)].reset_index(drop=True)
    print(f"\nGARCH: {n_funds} funds, {len(returns):,} returns, one process")
    results = {}
    for name, settings in GARCH_VARIANTS.items():
        started = time.process_time()
        fits = garch_fits_panel(returns, settings, workers=1)
        cpu = time.process_time() - started
        forecasts = garch_volatility_panel(returns, fits, settings)
        losses = garch_losses(returns, forecasts)
        results[name] = (losses, cpu, len(fits), float((fits["status"] == "ok").mean()))
    base_name = next(iter(GARCH_VARIANTS))
    base = results[base_name][0]
    print(
        f"  {'schedule':28} {'fits':>6} {'usable':>7} {'fit CPU s':>10} "
        f"{'QLIKE 1d diff (se)':>22} {'QLIKE 21d diff (se)':>22}"
    )
    for name, (losses, cpu, n_fits, usable) in results.items():
        both = base.merge(losses, on=["ticker", "date"], suffixes=("_b", "_v")).dropna()
        cells = []
        for col in ("q1", "q21"):
            per_fund = (both[f"{col}_v"] - both[f"{col}_b"]).groupby(both["ticker"]).mean()
            se = per_fund.std(ddof=1) / np.sqrt(len(per_fund))
            cells.append(f"{per_fund.mean():+.5f} ({se:.5f})")
        print(f"  {name:28} {n_fits:>6} {usable:>7.1%} {cpu:>10.1f} {cells[0]:>22} {cells[1]:>22}")
    print(
        "  (QLIKE differences are variant minus before, averaged per fund then across funds; "
        "negative is better. Base QLIKE 1d "
        f"{base['q1'].mean():.4f}, 21d {base['q21'].mean():.4f}.)"
    )


def rank_ic(frame: pd.DataFrame) -> pd.Series:
    def ic(day: pd.DataFrame) -> float:
        return day["forecast_return"].rank().corr(day["label_relative_return"].rank())

    return frame.groupby("price_date")[["forecast_return", "label_relative_return"]].apply(ic)


def run_ml(panel: pd.DataFrame, variants: dict[str, ForecastSettings]) -> None:
    """Each variant's forecasts against the first variant's (the baseline)."""
    features = [c for c in panel.columns if c.startswith("f_")]
    print(f"\nML forecaster: {panel['ticker'].nunique()} funds, {len(panel):,} panel rows")
    starts = panel.groupby(panel["price_date"].dt.to_period("M"))["price_date"].transform("min")
    month_start = panel.loc[panel["price_date"] == starts, ["ticker", "price_date"]]
    labels = panel[["ticker", "price_date", "label_relative_return"]]
    results = {}
    for name, settings in variants.items():
        started = time.process_time()
        wall = time.perf_counter()
        out = walk_forward_forecasts(panel, features, settings)
        cpu, wall = time.process_time() - started, time.perf_counter() - wall
        scored = (
            out[["ticker", "price_date", "forecast_return"]]
            .merge(month_start, on=["ticker", "price_date"])
            .merge(labels, on=["ticker", "price_date"])
            .dropna()
        )
        results[name] = (scored, cpu, wall, out["model_date"].nunique())
    common = set.intersection(*(set(r[0]["price_date"]) for r in results.values()))
    base_name = next(iter(variants))
    base = results[base_name][0]
    base = base.loc[base["price_date"].isin(common)]
    base_ic = rank_ic(base)
    print(
        f"  {'variant':18} {'retrains':>8} {'CPU s':>7} {'wall s':>7} {'rank IC':>8} "
        f"{'IC diff (se)':>18} {'MSE x1e4':>9} {'MSE diff x1e4 (se)':>20}"
    )
    for name, (scored, cpu, wall, n_models) in results.items():
        scored = scored.loc[scored["price_date"].isin(common)]
        ic = rank_ic(scored)
        ic_diff = (ic - base_ic).dropna()
        err = (scored["forecast_return"] - scored["label_relative_return"]) ** 2
        base_err = (base["forecast_return"] - base["label_relative_return"]) ** 2
        mse_v = err.groupby(scored["price_date"].to_numpy()).mean()
        mse_b = base_err.groupby(base["price_date"].to_numpy()).mean()
        mse_diff = (mse_v - mse_b).dropna()
        print(
            f"  {name:18} {n_models:>8} {cpu:>7.1f} {wall:>7.1f} {ic.mean():>8.4f} "
            f"{ic_diff.mean():>+9.4f} ({ic_diff.std() / np.sqrt(len(ic_diff)):.4f}) "
            f"{err.mean() * 1e4:>9.3f} "
            f"{mse_diff.mean() * 1e4:>+10.4f} ({mse_diff.std() / np.sqrt(len(mse_diff)) * 1e4:.4f})"
        )
    print(f"  (on the {len(common)} month-start dates every variant forecasts)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--funds", type=int, default=100, help="funds in the GARCH comparison")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip-garch", action="store_true")
    parser.add_argument("--skip-ml", action="store_true")
    parser.add_argument(
        "--gbm-max-train-rows",
        help="comma-separated caps on the gradient-boosting member's training rows to compare "
        "at the default retrain schedule, the first the baseline (0: every row), e.g. "
        "0,100000,50000; without it the retrain schedules are compared",
    )
    args = parser.parse_args()
    import duckdb

    with duckdb.connect(args.database, read_only=True) as con:
        returns = con.sql(
            "select ticker, date::timestamp as date, daily_return from fct_daily_prices"
            " where daily_return is not null order by ticker, date"
        ).df()
        panel = con.sql("select * from int_ml_panel").df()
    panel["price_date"] = pd.to_datetime(panel["price_date"]).astype("datetime64[ns]")
    panel["label_available_date"] = pd.to_datetime(panel["label_available_date"]).astype(
        "datetime64[ns]"
    )
    returns["date"] = returns["date"].astype("datetime64[ns]")
    if not args.skip_garch:
        run_garch(returns, args.funds, args.seed)
    if not args.skip_ml:
        if args.gbm_max_train_rows:
            caps = [int(cap) for cap in args.gbm_max_train_rows.split(",")]
            variants = {
                f"GBM rows <= {cap:,}" if cap else "GBM every row": replace(
                    ForecastSettings(), gbm_max_train_rows=cap
                )
                for cap in caps
            }
        else:
            variants = {
                name: replace(ForecastSettings(), retrain_months=months)
                for name, months in ML_VARIANTS.items()
            }
        run_ml(panel, variants)


if __name__ == "__main__":
    main()

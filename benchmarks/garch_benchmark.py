"""GARCH accuracy and speed: scheduled refits filtered forward vs. arch refitted on every date.

The warehouse fits each fund's GJR-GARCH(1,1)-t on its refit schedule (every three years,
warm-started; arch's likelihood maximised with exact derivatives, ``--method exact``) and filters
the variance forward daily (etf_warehouse.risk.garch). The reference is the slow, obvious method:
refit with arch's own ``fit`` (cold start) on the same window (the fund's last ``max_window``
returns up to that date) on the forecast date itself and forecast from there. This script:

1. times the warehouse method on every fund (one process, fits + filter) and counts the
   forecasts it makes;
2. draws a random sample of (fund, date) forecasts the warehouse made with GARCH, refits arch
   on each of those dates (cold start, the same data scaling) and forecasts 1 and 21 days;
3. prints the median and 90th-percentile absolute relative difference of the annualised
   volatility forecasts, and the cost per forecast of both methods.

    .venv/bin/python benchmarks/garch_benchmark.py                  # default sample warehouse
    .venv/bin/python benchmarks/garch_benchmark.py --database warehouse/mine.duckdb --sample 300
    .venv/bin/python benchmarks/garch_benchmark.py --method arch    # scheduled fits by arch's fit
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from etf_warehouse.risk.garch import (  # noqa: E402
    TRADING_DAYS,
    GarchSettings,
    fit_gjr_garch_t,
    garch_fits_panel,
    garch_volatility_panel,
    mean_forecast_factors,
    window_scale,
)


def load_returns(database: Path) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(
            "select ticker, date, daily_return from fct_daily_prices"
            " where daily_return is not null order by ticker, date"
        ).df()


def per_date_refit(
    returns: pd.DataFrame, ticker: str, date: pd.Timestamp, settings: GarchSettings
) -> tuple[float, float, float] | None:
    """arch refitted on ``date`` over the same window: (1-day vol, 21-day vol, fit seconds)."""
    fund = returns.loc[(returns["ticker"] == ticker) & (returns["date"] <= date)]
    pct = fund["daily_return"].to_numpy() * 100.0
    window = pct[-settings.max_window :]
    scale = window_scale(window)
    started = time.perf_counter()
    fit = fit_gjr_garch_t(window, None, scale=scale, method="arch")
    seconds = time.perf_counter() - started
    if fit.status != "ok":
        return None
    from arch import arch_model

    model = arch_model(
        window * scale, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False
    )
    forecast = model.fix(fit.params).forecast(horizon=settings.horizon, reindex=False)
    variances = forecast.variance.to_numpy()[-1] / scale**2
    annualise = np.sqrt(TRADING_DAYS) / 100.0
    # sanity: the closed-form mean forecast the warehouse uses equals arch's own horizon mean
    a, b = mean_forecast_factors(fit.params, settings.horizon)
    assert np.isclose(a * variances[0] + b * fit.params[1] / scale**2, variances.mean())
    return (
        float(np.sqrt(variances[0]) * annualise),
        float(np.sqrt(variances.mean()) * annualise),
        seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=str(PROJECT_ROOT / "warehouse/etf_warehouse.duckdb"))
    parser.add_argument("--sample", type=int, default=400, help="(fund, date) pairs to refit")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--method",
        choices=["exact", "arch"],
        default="exact",
        help="how the scheduled fits are made (exact: the warehouse's; arch: arch's own fit)",
    )
    args = parser.parse_args()
    settings = GarchSettings()

    returns = load_returns(Path(args.database))
    started = time.perf_counter()
    cpu_started = time.process_time()
    fits = garch_fits_panel(returns, settings, workers=1, fit_method=args.method)
    fit_cpu = time.process_time() - cpu_started
    fit_seconds = time.perf_counter() - started
    forecasts = garch_volatility_panel(returns, fits, settings)
    scheduled_seconds = time.perf_counter() - started
    n_forecasts = len(forecasts)

    garch_rows = forecasts.loc[
        (forecasts["vol_model"] == "gjr_garch_t")
        & (forecasts["date"] != forecasts["params_refit_date"])
    ]
    sample = garch_rows.sample(n=min(args.sample, len(garch_rows)), random_state=args.seed)
    rows = []
    for row in sample.itertuples(index=False):
        ref = per_date_refit(returns, row.ticker, pd.Timestamp(row.date), settings)
        if ref is None:
            continue
        rows.append((row.garch_vol_1d_ann, row.garch_vol_21d_ann, *ref))
    table = np.array(rows)
    rel_1d = np.abs(table[:, 0] / table[:, 2] - 1)
    rel_21d = np.abs(table[:, 1] / table[:, 3] - 1)
    per_date_cost = float(np.mean(table[:, 4]))
    scheduled_cost = scheduled_seconds / n_forecasts

    print(
        f"funds: {returns['ticker'].nunique()}, return rows: {len(returns):,}, "
        f"refits: {len(fits):,} ({(fits['status'] == 'ok').mean():.1%} usable)"
    )
    print(
        f"scheduled fits + filter, one process: {scheduled_seconds:.1f} s "
        f"({fit_seconds:.1f} s fitting, {fit_cpu:.1f} s CPU, {fit_cpu / len(fits) * 1e3:.1f} ms "
        f"a fit, method {args.method}) for {n_forecasts:,} forecasts "
        f"= {scheduled_cost * 1e6:.1f} us per forecast"
    )
    print(
        f"per-date arch refit: {per_date_cost * 1e3:.1f} ms per forecast "
        f"(mean of {len(table)} refits; {len(sample) - len(table)} refits unusable and skipped)"
    )
    print(f"speed-up: {per_date_cost / scheduled_cost:,.0f}x")
    print(
        f"1-day vol:  median abs relative difference {np.median(rel_1d):.2%}, "
        f"90th percentile {np.quantile(rel_1d, 0.9):.2%}"
    )
    print(
        f"21-day vol: median abs relative difference {np.median(rel_21d):.2%}, "
        f"90th percentile {np.quantile(rel_21d, 0.9):.2%}"
    )
    print(f"max abs relative difference: 1-day {rel_1d.max():.2%}, 21-day {rel_21d.max():.2%}")


if __name__ == "__main__":
    main()

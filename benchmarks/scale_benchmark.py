"""How the full build scales with the universe: 300, 1,000 and 3,000 ETFs x 20 years.

For each size the sample generator writes the universe as Stooq price files (the real-file
path, so ingestion is measured), a full ``dbt build`` (models, seeds, data tests, unit tests)
runs into a fresh DuckDB file (see build_benchmark.py), and this prints:

- every model's time (dbt's run_results.json) and the build's peak RSS while it ran (summed over
  dbt's process tree, workers included: build_benchmark.py);
- the build's wall time, time per ETF and its growth against the smallest size, peak RSS,
  and whether every test passed;
- the features as int_etf_features_daily computes them (etf_warehouse.features.daily, numpy,
  on the built warehouse's rows) timed against a vectorised pandas implementation of each
  stage (momentum, volatility, liquidity, drawdowns: groupby shifts, rolling windows and
  cumulative maxima across all ETFs at once; inputs already in memory, so only the
  computation is timed), with the largest difference between the two results and the sort
  floor: what DuckDB takes to scan the rows, sort them by ticker and date and write the keys.

    .venv/bin/python benchmarks/scale_benchmark.py                      # 300, 1,000, 3,000
    .venv/bin/python benchmarks/scale_benchmark.py --sizes 300 --features-only

Budgets checked (the scale issue): 3,000 x 20 years in <= 10 minutes and <= 8 GiB, time per
ETF growing by <= 1.5x from the smallest size to the largest, the features >= 2.5x faster
than the four pandas stages together. Results go to benchmarks/out/scale/summary.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

import build_benchmark  # noqa: E402

WALL_BUDGET_S = 600
RSS_BUDGET_MIB = 8 * 1024
GROWTH_BUDGET = 1.5
FEATURE_SPEEDUP_BUDGET = 2.5
TRADING_DAYS = 252
W1, W3, W6, W12 = 21, 63, 126, 252  # the dbt vars window_1m .. window_12m (defaults)

# The least a sorted read of the rows costs: scan them, sort them by ticker and date (every
# window partitioned by ticker does this) and write the keys out, with no feature computed.
SORT_FLOOR_SQL = """
select ticker, price_date, row_number() over (partition by ticker order by price_date) as n
from int_prices_adjusted
"""

INPUT_SQL = """
select ticker, price_date, obs_index, close, adj_close, volume, daily_return, log_return,
       is_zero_volume, is_stale
from int_prices_adjusted
order by ticker, price_date
"""


# --- the pandas implementations, one per feature stage --------------------------------------


def _rolling(frame: pd.DataFrame, column: str, window: int, how: str, min_periods: int):
    rolled = getattr(frame.groupby("ticker", sort=False)[column].rolling(window, min_periods), how)
    return rolled().droplevel(0).sort_index().to_numpy()


def pandas_momentum(prices: pd.DataFrame) -> pd.DataFrame:
    by_ticker = prices.groupby("ticker", sort=False)["adj_close"]
    lagged = {n: by_ticker.shift(n).to_numpy() for n in (W1, W3, W6, W12)}
    adj = prices["adj_close"].to_numpy()
    return pd.DataFrame(
        {
            "momentum_1m": adj / lagged[W1] - 1,
            "momentum_3m": adj / lagged[W3] - 1,
            "momentum_6m": adj / lagged[W6] - 1,
            "momentum_12m": adj / lagged[W12] - 1,
            "momentum_12_1": lagged[W1] / lagged[W12] - 1,
        }
    )


def pandas_volatility(prices: pd.DataFrame) -> pd.DataFrame:
    frame = prices[["ticker", "log_return"]].assign(
        downside_sq=np.minimum(prices["log_return"], 0.0) ** 2
    )
    out = {}
    for label, n in (("1m", W1), ("3m", W3), ("12m", W12)):
        out[f"realized_vol_{label}_ann"] = _rolling(frame, "log_return", n, "std", n) * np.sqrt(
            TRADING_DAYS
        )
    full = _rolling(frame, "log_return", W3, "count", 1) == W3
    downside = _rolling(frame, "downside_sq", W3, "sum", 1) / W3 * TRADING_DAYS
    out["downside_vol_3m_ann"] = np.where(full, np.sqrt(downside), np.nan)
    return pd.DataFrame(out)


def pandas_liquidity(prices: pd.DataFrame) -> pd.DataFrame:
    traded = prices["close"] * prices["volume"]
    ratio = (prices["daily_return"].abs() / traded * 1e6).clip(upper=1e6)
    frame = pd.DataFrame(
        {
            "ticker": prices["ticker"],
            "volume": prices["volume"],
            "traded": traded,
            "amihud": ratio.where((traded > 0) & prices["daily_return"].notna()),
            "zero": prices["is_zero_volume"].astype("float64"),
            "stale": prices["is_stale"].astype("float64"),
        }
    )
    position = frame.groupby("ticker", sort=False).cumcount().to_numpy()

    def full(values: np.ndarray, n: int) -> np.ndarray:
        return np.where(position >= n - 1, values, np.nan)

    out = {}
    for label, n in (("1m", W1), ("3m", W3)):
        out[f"adv_{label}_units"] = full(_rolling(frame, "volume", n, "mean", 1), n)
        out[f"traded_value_{label}"] = full(_rolling(frame, "traded", n, "mean", 1), n)
    out["amihud_illiquidity_3m"] = full(_rolling(frame, "amihud", W3, "mean", 1), W3)
    with np.errstate(divide="ignore", invalid="ignore"):
        trend = np.log(
            _rolling(frame, "traded", W1, "mean", 1) / _rolling(frame, "traded", W6, "mean", 1)
        )
    out["volume_trend"] = full(np.where(np.isfinite(trend), trend, np.nan), W6)
    out["zero_volume_share_3m"] = full(_rolling(frame, "zero", W3, "mean", 1), W3)
    out["stale_share_3m"] = full(_rolling(frame, "stale", W3, "mean", 1), W3)
    return pd.DataFrame(out)


def pandas_drawdowns(prices: pd.DataFrame) -> pd.DataFrame:
    peak = prices.groupby("ticker", sort=False)["adj_close"].cummax()
    frame = pd.DataFrame({"ticker": prices["ticker"], "drawdown": prices["adj_close"] / peak - 1})
    return pd.DataFrame(
        {
            "drawdown": frame["drawdown"].to_numpy(),
            "max_drawdown_12m": _rolling(frame, "drawdown", W12, "min", 1),
        }
    )


FEATURE_STAGES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "momentum": pandas_momentum,
    "volatility": pandas_volatility,
    "liquidity": pandas_liquidity,
    "drawdowns": pandas_drawdowns,
}


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def compare_features(workdir: Path, runs: int = 2) -> list[dict]:
    """The features as the model computes them (etf_warehouse.features.daily, numpy, one
    thread, the rows already read) against each pandas stage on the same rows: each stage's
    time, and the largest difference of its columns from the library's; the library's time
    for all four stages is in every row, beside the sort floor (SORT_FLOOR_SQL's time)."""
    import duckdb
    import pyarrow as pa

    from etf_warehouse.features.daily import (
        INPUT_COLUMNS,
        OUTPUT_SCHEMA,
        FeatureWindows,
        feature_batches,
    )

    rows = []
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        con.execute("set enable_progress_bar = false")
        prices = con.sql(INPUT_SQL).df()
        columns = ", ".join(INPUT_COLUMNS)
        table = con.sql(
            f"select {columns} from int_prices_adjusted order by ticker, price_date"
        ).to_arrow_table()
        floor_seconds, _ = best_of(
            runs, lambda: con.execute(f"create or replace temp table bench as {SORT_FLOOR_SQL}")
        )
    numpy_seconds, batches = best_of(
        runs, lambda: list(feature_batches(table.to_batches(), FeatureWindows()))
    )
    library = pa.Table.from_batches(batches, schema=OUTPUT_SCHEMA).to_pandas()
    with np.errstate(divide="ignore", invalid="ignore"):
        library["volume_trend"] = np.log(library["volume_ratio"])
    for stage, implementation in FEATURE_STAGES.items():
        pandas_seconds, result = best_of(runs, lambda f=implementation: f(prices))
        columns = list(result.columns)
        got = result[columns].to_numpy(dtype=float)
        want = library[columns].to_numpy(dtype=float)
        same_nulls = bool((np.isnan(got) == np.isnan(want)).all())
        both = ~np.isnan(got) & ~np.isnan(want)
        scale = np.maximum(np.abs(want[both]), 1e-12)
        rel = float(np.max(np.abs(got[both] - want[both]) / scale)) if both.any() else 0.0
        rows.append(
            {
                "stage": stage,
                "rows": len(library),
                "library_seconds_all_stages": round(numpy_seconds, 3),
                "pandas_seconds": round(pandas_seconds, 3),
                "sort_floor_seconds": round(floor_seconds, 3),
                "same_nulls": same_nulls,
                "max_relative_difference": rel,
            }
        )
    return rows


# --- the builds -------------------------------------------------------------------------------


def build(n_etfs: int, years: float, root: Path) -> dict:
    args = argparse.Namespace(
        n_etfs=n_etfs,
        years=years,
        seed=20_240_601,
        source="files",
        format="stooq",
        workdir=str(root / f"{n_etfs}x{years:g}y"),
        top=10,
        threads=None,  # the profile's
        vars_file=None,
    )
    args.label = lambda: f"files_{n_etfs}x{years:g}y"
    return build_benchmark.run(args)


def print_models(summary: dict) -> None:
    print(f"\n{summary['n_etfs']} ETFs: every model, seconds and peak RSS (MiB) while it ran")
    for m in summary["models"]:
        print(f"  {m['seconds']:>8.2f} s {m['peak_rss_mib']:>7}  {m['node']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--years", type=float, default=20)
    parser.add_argument("--root", default=str(PROJECT_ROOT / "benchmarks" / "out" / "scale"))
    parser.add_argument(
        "--features-only", action="store_true", help="reuse the warehouses already built"
    )
    args = parser.parse_args()
    root = Path(args.root)
    results = []
    for n in args.sizes:
        workdir = root / f"{n}x{args.years:g}y"
        if args.features_only:
            summary = json.loads((workdir / "summary.json").read_text())
        else:
            summary = build(n, args.years, root)
            build_benchmark.print_summary(summary)
            print_models(summary)
        summary["features"] = compare_features(workdir)
        results.append(summary)

    print("\nscale: full dbt build from files (wall includes dbt start-up and all tests)")
    base = results[0]["dbt_build_wall_seconds"] / results[0]["n_etfs"]
    print(
        f"  {'ETFs':>5} {'price rows':>11} {'wall s':>7} {'ms/ETF':>7} {'growth':>7} "
        f"{'peak RSS MiB':>12} {'nodes':>6} {'not passed':>10}"
    )
    for s in results:
        per = s["dbt_build_wall_seconds"] / s["n_etfs"]
        print(
            f"  {s['n_etfs']:>5} {s['price_rows']:>11,} {s['dbt_build_wall_seconds']:>7.1f} "
            f"{per * 1000:>7.1f} {per / base:>7.2f} {s['peak_rss_mib']:>12} {s['nodes']:>6} "
            f"{s.get('tests_not_passed', '?'):>10}"
        )
    print(
        "\nThe features in numpy (etf_warehouse.features.daily, the model's library, one thread,"
        " all four stages) vs each vectorised pandas stage (best of 2 runs each, same rows);"
        f" budget: the library >= {FEATURE_SPEEDUP_BUDGET}x the four pandas stages together;"
        " sort floor = DuckDB scanning, sorting by ticker and date and writing the keys"
    )
    print(
        f"  {'ETFs':>5} {'stage':12} {'rows':>11} {'pandas s':>8} {'library s (all)':>15} "
        f"{'floor s':>7} {'max rel diff':>12}"
    )
    for s in results:
        for f in s["features"]:
            print(
                f"  {s['n_etfs']:>5} {f['stage']:12} {f['rows']:>11,} {f['pandas_seconds']:>8.2f} "
                f"{f['library_seconds_all_stages']:>15.2f} {f['sort_floor_seconds']:>7.2f} "
                f"{f['max_relative_difference']:>12.1e}"
                + ("" if f["same_nulls"] else "  (nulls differ)")
            )

    largest = results[-1]
    growth = max((s["dbt_build_wall_seconds"] / s["n_etfs"]) / base for s in results)
    checks = {
        f"{largest['n_etfs']} ETFs within {WALL_BUDGET_S} s": largest["dbt_build_wall_seconds"]
        <= WALL_BUDGET_S,
        f"{largest['n_etfs']} ETFs within {RSS_BUDGET_MIB} MiB": largest["peak_rss_mib"]
        <= RSS_BUDGET_MIB,
        f"time per ETF grows <= {GROWTH_BUDGET}x": growth <= GROWTH_BUDGET,
        f"the features >= {FEATURE_SPEEDUP_BUDGET}x pandas": all(
            sum(f["pandas_seconds"] for f in s["features"])
            >= FEATURE_SPEEDUP_BUDGET * s["features"][0]["library_seconds_all_stages"]
            for s in results
            if s["features"]
        ),
        "every node passed": all(s.get("tests_not_passed", 1) == 0 for s in results),
    }
    print("\nbudgets:")
    for name, ok in checks.items():
        print(f"  {'met    ' if ok else 'NOT MET'}  {name}")
    root.mkdir(parents=True, exist_ok=True)
    (root / "summary.json").write_text(json.dumps({"runs": results, "checks": checks}, indent=2))


if __name__ == "__main__":
    main()

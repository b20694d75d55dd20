"""Calibrate the backtest's statistical validation on markets whose truth is known.

The sample generator's ``signal_strength`` knob sets how predictable fund returns are:

- 0 is a null market: no persistent fund alphas, no factor premia, no scripted crisis drifts
  (crisis volatility stays), so nothing in the past predicts the future. A sound validation
  should almost never call the system significant here.
- s > 0 plants persistent fund alphas (monthly AR(1), persistence 0.9) with a cross-sectional
  standard deviation of s x 5 % a year, plus realistic premia and history. A sound validation
  should call the system significant when s is large enough for the forecasts to find it.

For each seed and strength this builds the embedded sample (``dbt build`` into a throw-away
DuckDB file, the whole pipeline: scoring, forecasts, portfolio, backtest with costs) and reads
the `composite` strategy's row of mart_backtest_summary. The system is *flagged* (judged to
have skill) when DSR >= 0.95 and Hansen's SPA p-value against the benchmark
(equal_weight_unlevered) is <= 0.05; both rates are also reported separately, with the
family's SPA p-value (any variant better than the benchmark?) and the DSR's effective trials.

Example (the figures quoted in the README)::

    .venv/bin/python benchmarks/validation_calibration.py --seeds 10 --strengths 0 3

Results are printed and written as JSON to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
DSR_LEVEL = 0.95
SPA_LEVEL = 0.05


def build_and_read(
    seed: int, strength: float, n_etfs: int, years: float, workdir: Path
) -> dict[str, float]:
    """Build one sample market and return the composite strategy's validation figures."""
    database = workdir / f"seed{seed}_s{strength}.duckdb"
    dbt_vars = {
        "sample_seed": seed,
        "sample_signal_strength": strength,
        "sample_n_etfs": n_etfs,
        "sample_years": years,
    }
    command = [
        str(DBT),
        "build",
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
        "--vars",
        json.dumps(dbt_vars),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]
    env = {**os.environ, "ETF_WAREHOUSE_PATH": str(database)}
    started = time.perf_counter()
    proc = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"dbt build failed for seed {seed}, strength {strength}:\n{proc.stdout[-4000:]}"
        )
    with duckdb.connect(str(database), read_only=True) as con:
        (row,) = con.sql(
            """
            select
                system.dsr, system.psr, system.spa_pvalue, system.sharpe, system.cagr,
                system.excess_cagr_vs_benchmark, system.n_windows, system.annual_cost_drag,
                system.spa_family_pvalue, system.n_trials, system.n_trials_effective,
                (select avg(rank_ic) from mart_forecast_diagnostics) as mean_ic
            from mart_backtest_summary as system
            where system.strategy = 'composite'
            """
        ).fetchall()
    database.unlink()
    names = (
        "dsr",
        "psr",
        "spa_pvalue",
        "sharpe",
        "cagr",
        "excess_cagr",
        "n_windows",
        "annual_cost_drag",
        "spa_family_pvalue",
        "n_trials",
        "n_trials_effective",
        "mean_ic",
    )
    out = dict(zip(names, row, strict=True))
    out["build_seconds"] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 1..N (default 10)")
    parser.add_argument("--strengths", type=float, nargs="+", default=[0.0, 3.0])
    parser.add_argument("--n-etfs", type=int, default=80)
    parser.add_argument("--years", type=float, default=12.0)
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="calibration_") as tmp:
        for strength in args.strengths:
            for seed in range(1, args.seeds + 1):
                figures = build_and_read(seed, strength, args.n_etfs, args.years, Path(tmp))
                flagged = figures["dsr"] >= DSR_LEVEL and figures["spa_pvalue"] <= SPA_LEVEL
                results.append({"strength": strength, "seed": seed, **figures, "flagged": flagged})
                print(
                    f"strength {strength:4.1f} seed {seed:2d}: DSR {figures['dsr']:.3f}"
                    f"  SPA p {figures['spa_pvalue']:.3f}"
                    f" (family {figures['spa_family_pvalue']:.3f})"
                    f"  N {figures['n_trials_effective']:.2f} of {figures['n_trials']}"
                    f"  Sharpe {figures['sharpe']:5.2f}"
                    f"  excess CAGR {figures['excess_cagr']:+.2%}  IC {figures['mean_ic']:+.3f}"
                    f"  windows {figures['n_windows']}  -> {'FLAGGED' if flagged else '-'}"
                    f"  ({figures['build_seconds']:.0f} s)",
                    flush=True,
                )
    print()
    summary = {}
    for strength in args.strengths:
        rows = [r for r in results if r["strength"] == strength]
        n = len(rows)
        summary[strength] = {
            "runs": n,
            "flagged": sum(r["flagged"] for r in rows),
            "dsr_at_least_0.95": sum(r["dsr"] >= DSR_LEVEL for r in rows),
            "spa_at_most_0.05": sum(r["spa_pvalue"] <= SPA_LEVEL for r in rows),
            "family_spa_at_most_0.05": sum(r["spa_family_pvalue"] <= SPA_LEVEL for r in rows),
        }
        s = summary[strength]
        print(
            f"strength {strength}: flagged {s['flagged']}/{n}"
            f" (DSR >= {DSR_LEVEL}: {s['dsr_at_least_0.95']}/{n},"
            f" SPA p <= {SPA_LEVEL}: {s['spa_at_most_0.05']}/{n},"
            f" family SPA p <= {SPA_LEVEL}: {s['family_spa_at_most_0.05']}/{n})"
        )
    out_dir = PROJECT_ROOT / "benchmarks" / "out"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"validation_calibration_{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "args": vars(args),
                "runs": results,
                "summary": {str(k): v for k, v in summary.items()},
            },
            indent=2,
        )
    )
    print(f"written {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()

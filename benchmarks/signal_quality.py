"""Signal quality of a built warehouse, checked against scipy, and the composite rules compared.

Reads a built warehouse (``--database``) and prints, for the 21-session horizon:

1. the largest difference between mart_signal_ic's rank IC (SQL) and scipy.stats.spearmanr on
   the same funds and forward returns (int_signal_forward_returns): a reference check;
2. the mean rank IC, its Newey-West t-stat and the annualised top-minus-bottom spread of every
   signal in mart_signal_diagnostics, plus the composite under the previous rule
   (``clamp(adjusted_score, 0, 100)``, the score that piled up at 100) computed from the same
   rows, so a rule change can be judged on the same build;
3. how many eligible funds share composite_score = 100 on the worst day, under both rules.

    .venv/bin/python benchmarks/signal_quality.py --database warehouse/etf_warehouse.duckdb
"""

from __future__ import annotations

import argparse

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from etf_warehouse.signals.diagnostics import newey_west_lags, newey_west_t


def per_date_ic(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    rows = []
    for (signal_date,), day in frame.groupby(["signal_date"]):
        if len(day) >= 10:
            rho = stats.spearmanr(day[column], day["forward_return"])[0]
            rows.append({"signal_date": signal_date, "rank_ic": rho})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--horizon", type=int, default=21)
    args = parser.parse_args()
    con = duckdb.connect(args.database, read_only=True)
    joined = con.execute(
        """
        select rankings.as_of_date as signal_date, rankings.ticker, rankings.composite_score,
            greatest(0, least(100, rankings.adjusted_score)) as composite_clamped,
            forward.forward_return
        from mart_etf_rankings as rankings
        inner join int_signal_forward_returns as forward
            on rankings.ticker = forward.ticker and rankings.as_of_date = forward.signal_date
        where rankings.is_eligible and forward.horizon_sessions = ?
        """,
        [args.horizon],
    ).df()
    scipy_ic = per_date_ic(joined, "composite_score")
    sql_ic = con.execute(
        "select signal_date, rank_ic from mart_signal_ic"
        " where signal = 'composite_score' and horizon_sessions = ?",
        [args.horizon],
    ).df()
    both = scipy_ic.merge(sql_ic, on="signal_date", suffixes=("_scipy", "_sql"))
    gap = float(np.max(np.abs(both["rank_ic_scipy"] - both["rank_ic_sql"])))
    print(f"composite rank IC, SQL vs scipy: {len(both)} dates, largest difference {gap:.2e}")

    summary = con.execute(
        """
        select signal, n_dates, mean_ic, ic_t_stat, top_minus_bottom_ann
        from mart_signal_diagnostics
        where segment_type = 'overall' and horizon_sessions = ?
        """,
        [args.horizon],
    ).df()
    clamped = per_date_ic(joined, "composite_clamped")["rank_ic"].to_numpy()
    lags = newey_west_lags(len(clamped), args.horizon)
    previous = pd.DataFrame(
        [
            {
                "signal": "composite_score (previous rule: clamped)",
                "n_dates": len(clamped),
                "mean_ic": clamped.mean(),
                "ic_t_stat": newey_west_t(clamped, lags),
                "top_minus_bottom_ann": np.nan,
            }
        ]
    )
    table = pd.concat([summary, previous]).sort_values("mean_ic", ascending=False)
    print(table.round(3).to_string(index=False))

    piles = con.execute(
        """
        select
            max(at_100) as most_at_100,
            count(*) filter (where at_100 > 1) as days_with_ties_at_100,
            max(clamped_100) as most_at_100_previous_rule,
            count(*) filter (where clamped_100 > 1) as days_with_ties_previous_rule,
            count(*) as days
        from (
            select as_of_date,
                count(*) filter (where composite_score = 100) as at_100,
                count(*) filter (where adjusted_score >= 100) as clamped_100
            from mart_etf_rankings where is_eligible group by as_of_date
        )
        """
    ).df()
    print(piles.to_string(index=False))


if __name__ == "__main__":
    main()

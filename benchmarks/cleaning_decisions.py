"""How well does cleaning tell splits, genuine moves and bad ticks apart? A confusion table.

Writes a universe of Stooq files from its own generator with one planted event per fund (the
events and the generator: cleaning_events.py), builds only the cleaning models
(``dbt build -s +int_prices_adjusted``, models and seeds) and reads each decision back.

Scoring:

- a split or consolidation is right when a detected action with its ratio sits on its day and
  the day's ``daily_return`` equals the true return (within 1 %);
- a genuine move is right when its row is kept, no action is detected on it, and its
  ``daily_return`` equals the true one (within 1 %);
- a bad tick is right when its row (a run: its two rows) and nothing else near it is
  quarantined, no action is detected within three days of it and the next kept row's return
  equals the true return since the last good row (within 1 %);
- clean funds: every detected action and every quarantined row is a false detection.

Example (the figures in benchmarks/README.md)::

    .venv/bin/python benchmarks/cleaning_decisions.py --events-per-kind 400 --clean-funds 1000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from cleaning_events import BAD_TICK_KINDS, KINDS, Planted, write_universe  # noqa: E402


def build(files: Path, workdir: Path) -> Path:
    database = workdir / "warehouse.duckdb"
    env = {**os.environ, "ETF_WAREHOUSE_PATH": str(database)}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    cmd = [
        str(DBT),
        "build",
        "--select",
        "+int_prices_adjusted",
        "--resource-type",
        "model",
        "seed",
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--vars",
        json.dumps({"prices_path": str(files / "*.txt"), "prices_format": "stooq"}),
    ]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stdout[-4000:] + proc.stderr[-4000:])
    print(f"cleaning models built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return database


def score(database: Path, planted: list[Planted], clean_funds: int) -> dict:
    con = duckdb.connect(str(database), read_only=True)
    events = pd.DataFrame([p.__dict__ for p in planted])
    con.register("events", events)
    rows = con.sql(
        """
        with validated as (
            select ticker, price_date, quarantine_reason from int_prices_validated
        ),
        actions as (
            select ticker, applied_date, ratio from int_corporate_actions_applied
            where source = 'detected'
        ),
        adjusted as (
            select ticker, price_date, daily_return,
                   lead(daily_return) over (partition by ticker order by price_date)
                       as next_return
            from int_prices_adjusted
        )
        select
            events.*,
            (select any_value(quarantine_reason) from validated v
             where v.ticker = events.ticker and v.price_date = events.day::date) as reason,
            (select any_value(ratio) from actions a
             where a.ticker = events.ticker and a.applied_date = events.day::date)
                as detected_ratio,
            (select count(*) from actions a where a.ticker = events.ticker
             and a.applied_date between events.day::date - 3 and events.day::date + 3)
                as actions_near,
            (select count(*) from validated v where v.ticker = events.ticker
             and v.quarantine_reason is not null
             and v.price_date between events.day::date - 3 and events.day::date + 3)
                as quarantined_near,
            (select any_value(daily_return) from adjusted j
             where j.ticker = events.ticker and j.price_date = events.day::date) as ret_on_day,
            (select any_value(daily_return) from adjusted j
             where j.ticker = events.ticker and j.price_date > events.day::date
             and j.price_date = (select min(price_date) from adjusted k
                                  where k.ticker = events.ticker
                                  and k.price_date > events.day::date)) as ret_next
        from events
        """
    ).df()

    def decision(r) -> str:
        if r.reason is not None and not pd.isna(r.reason):
            return "quarantined"
        if not pd.isna(r.detected_ratio):
            return "split" if r.detected_ratio > 1 else "consolidation"
        return "kept as return"

    def correct(r) -> bool:
        close_to = lambda a, b: not pd.isna(a) and abs(a - b) <= 0.01 * max(1.0, abs(b))  # noqa: E731
        if r.kind in ("split", "consolidation"):
            ok_ratio = not pd.isna(r.detected_ratio) and abs(r.detected_ratio / r.ratio - 1) < 1e-9
            return ok_ratio and close_to(r.ret_on_day, r.true_return) and r.actions_near == 1
        if r.kind in ("crash", "spike"):
            return (
                r.decision == "kept as return"
                and r.actions_near == 0
                and close_to(r.ret_on_day, r.true_return)
            )
        return (
            r.decision == "quarantined"
            and r.actions_near == 0
            and r.quarantined_near == (2 if r.kind == "bad_close_run" else 1)
            and close_to(r.ret_next, r.true_return)
        )

    rows["decision"] = rows.apply(decision, axis=1)
    rows["correct"] = rows.apply(correct, axis=1)
    clean = con.sql(
        """
        select
            (select count(*) from int_corporate_actions_applied a
             where source = 'detected' and ticker not in (select ticker from events)) as actions,
            (select count(*) from int_prices_validated v
             where quarantine_reason is not null
             and ticker not in (select ticker from events)) as quarantined,
            (select count(*) from int_prices_validated v
             where ticker not in (select ticker from events)) as rows
        """
    ).fetchall()[0]
    return {
        "rows": rows,
        "clean": dict(zip(["actions", "quarantined", "rows"], clean, strict=True)),
    }


def report(result: dict, clean_funds: int) -> None:
    rows = result["rows"]
    table = pd.crosstab(rows["kind"], rows["decision"]).reindex(KINDS)
    table["right"] = rows.groupby("kind")["correct"].sum().reindex(KINDS)
    table["share right"] = (table["right"] / rows.groupby("kind").size().reindex(KINDS)).round(4)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.fillna(0).to_string())
    splits = rows[rows.kind.isin(["split", "consolidation"])]
    genuine = rows[rows.kind.isin(["crash", "spike"])]
    bad = rows[rows.kind.isin(BAD_TICK_KINDS)]
    print()
    print(f"splits/consolidations detected and removed from returns: {splits.correct.mean():.2%}")
    print(
        f"genuine moves misread (not kept with their true return): {1 - genuine.correct.mean():.2%}"
    )
    print(f"bad ticks quarantined with no cascade: {bad.correct.mean():.2%}")
    clean = result["clean"]
    per_k = 1000 / clean_funds if clean_funds else float("nan")
    print(
        f"clean funds ({clean_funds} x 20 years, {clean['rows']:,} rows): "
        f"{clean['actions']} detected actions ({clean['actions'] * per_k:.2f} per 1,000 funds), "
        f"{clean['quarantined']} quarantined rows ({clean['quarantined'] * per_k:.2f} per 1,000)"
    )
    wrong = rows[~rows.correct]
    if len(wrong):
        cols = [
            "ticker",
            "kind",
            "day",
            "ratio",
            "true_return",
            "decision",
            "ret_on_day",
            "ret_next",
        ]
        print("\nfirst misses:")
        print(wrong[cols].head(25).to_string(index=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events-per-kind", type=int, default=400)
    parser.add_argument("--clean-funds", type=int, default=1000)
    parser.add_argument("--event-days", type=int, default=750, help="rows of an event fund")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--keep", type=Path, help="keep files and warehouse in this folder")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="cleaning_decisions_"))
    try:
        started = time.perf_counter()
        planted = write_universe(
            workdir / "files", args.events_per_kind, args.clean_funds, args.event_days, args.seed
        )
        print(
            f"{len(planted)} events and {args.clean_funds} clean funds written in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        database = build(workdir / "files", workdir)
        report(score(database, planted, args.clean_funds), args.clean_funds)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The live pipeline: new daily price files in, the rankings refreshed incrementally.

A full ``dbt build`` recomputes the whole history. When a new day's bars land as files (one
file per day, or per ticker and day, in the ``prices_path`` glob), the live refresh runs dbt
with the var ``live_refresh``: the ingestion models append only the new files, and the models
on the scoring path recompute only their rows dated on or after the earliest new date (see
``macros/live/live_refresh.sql``), which is exact because every value is point-in-time. GARCH
fits run only when a refit date falls in the new days; the forecaster retrains only the
current retrain period's models (a quarter by default).

Three ways to drive it (``etfw live`` and ``etfw replay``):

- once: ingest whatever files are new and refresh (e.g. from cron after a download);
- watch: poll the glob and refresh whenever new files appear;
- replay: write the embedded sample market as files, build its history up to a date, then feed
  it one trading day at a time, refreshing after each (demos and tests).

dbt runs in this process (``dbtRunner``), so a watching or replaying process parses the
project once. The refreshed marts are published to the read-only snapshot after each refresh.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
LIVE_TARGET = "target/live"
# What a live refresh rebuilds: the scoring path to mart_latest_rankings and the cheap core
# marts beside it. Reference data (arch's bundled series) does not change with new prices.
# Portfolio, backtest, trade list, factor and stress marts are left to the full build
# (`dbt build`, e.g. nightly): they are rebuilt over the whole history, not incrementally.
LIVE_SELECT = [
    "+mart_latest_rankings",
    "dim_etfs",
    "fct_price_quarantine",
    "fct_corporate_actions",
    "mart_etf_penalties",
    "mart_regimes",
    "mart_data_quality",
]
LIVE_EXCLUDE = ["tag:reference"]


class LiveError(RuntimeError):
    """A dbt step of the live pipeline failed (its message says which)."""


@dataclass
class RefreshResult:
    """What one refresh did."""

    seconds: float
    models: list[str]
    new_files: list[str]
    latest_date: str | None
    top_ticker: str | None
    publish_seconds: float | None = None
    model_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class LivePipeline:
    """Drives dbt for one warehouse and one set of input vars (``prices_path`` etc.)."""

    dbt_vars: dict
    warehouse: Path
    snapshot: Path | None = None
    target_path: str = LIVE_TARGET
    echo: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))
    _runner: object | None = field(default=None, init=False, repr=False)
    _manifest: object | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.dbt_vars.get("prices_path"):
            raise ValueError("the live pipeline reads price files: set prices_path")
        self.warehouse = Path(self.warehouse).resolve()

    # -- dbt -------------------------------------------------------------------------------
    def _invoke(self, runner: object, args: list[str], live: bool) -> object:
        # dbt runs Python models in two threads of this process: import their library first,
        # or two threads importing arch at once can deadlock on Python's import locks
        import etf_warehouse.dbt_glue  # noqa: F401

        dbt_vars = {**self.dbt_vars, "live_refresh": True} if live else dict(self.dbt_vars)
        os.environ["ETF_WAREHOUSE_PATH"] = str(self.warehouse)
        argv = [
            *args,
            "--vars",
            json.dumps(dbt_vars),
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(PROJECT_DIR / self.target_path),
            "--quiet",
        ]
        cwd = os.getcwd()
        try:
            os.chdir(PROJECT_DIR)
            result = runner.invoke(argv)
        finally:
            os.chdir(cwd)
            _release_warehouse()
        if not result.success:
            detail = result.exception or _failed_nodes(result.result)
            raise LiveError(f"dbt {args[0]} failed: {detail}")
        return result

    def full_build(self) -> float:
        """``dbt build`` of everything on the current files (tests included)."""
        from dbt.cli.main import dbtRunner

        start = time.perf_counter()
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        self._invoke(dbtRunner(), ["build"], live=False)
        self._runner = None  # the live runner's manifest is parsed with other vars
        return time.perf_counter() - start

    def _live_runner(self) -> object:
        if self._runner is None:
            from dbt.cli.main import dbtRunner

            parsed = self._invoke(dbtRunner(), ["parse"], live=True)
            self._manifest = parsed.result
            self._runner = dbtRunner(manifest=self._manifest)
        _reset_compilation(self._manifest)
        return self._runner

    # -- files -----------------------------------------------------------------------------
    def _ingested(self) -> list[tuple[str, str, int]]:
        """(file_role, file_path, size_bytes) of every file in the warehouse's manifest."""
        if not self.warehouse.exists():
            return []
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            try:
                return con.execute(
                    "select file_role, file_path, size_bytes from input_files"
                ).fetchall()
            except duckdb.CatalogException:
                return []

    def ingested_files(self) -> set[str]:
        return {path for _, path, _ in self._ingested()}

    def changed_files(self) -> list[str]:
        """Ingested files that are gone or changed size: the live refresh only adds files, so
        these need a full build (the input_files model makes the same check when it runs)."""
        changed = []
        for role, path, size in self._ingested():
            if not os.path.exists(path):
                changed.append(f"{role} file {path} was ingested and is gone")
            elif os.path.getsize(path) != size:
                changed.append(
                    f"{role} file {path} changed since it was ingested "
                    f"({size} -> {os.path.getsize(path)} bytes)"
                )
        return changed

    def pending_files(self) -> list[str]:
        """Price files the glob matches that are not ingested yet."""
        with duckdb.connect() as con:
            matched = [
                r[0]
                for r in con.execute(
                    "select file from glob(?)", [self.dbt_vars["prices_path"]]
                ).fetchall()
            ]
        known = self.ingested_files()
        return sorted(p for p in matched if p not in known)

    # -- refresh ---------------------------------------------------------------------------
    def refresh(self, *, publish: bool = True) -> RefreshResult:
        """Ingest the new files and refresh the scoring path; publish the snapshot.

        With no new files it runs nothing (re-running the newest batch would only recompute
        the same rows), after checking that no ingested file changed.
        """
        changed = self.changed_files()
        if changed:
            raise LiveError(
                "; ".join(changed) + "; run a full `dbt build` (the live refresh only adds files)"
            )
        new_files = self.pending_files()
        if not new_files:
            return RefreshResult(0.0, [], [], *self.latest_ranking())
        runner = self._live_runner()
        start = time.perf_counter()
        result = self._invoke(
            runner, ["run", "--select", *LIVE_SELECT, "--exclude", *LIVE_EXCLUDE], live=True
        )
        seconds = time.perf_counter() - start
        latest, top = self.latest_ranking()
        timings = {
            r.node.name: r.execution_time
            for r in result.result.results
            if r.node.resource_type == "model"
        }
        out = RefreshResult(seconds, list(timings), new_files, latest, top, None, timings)
        if publish and self.snapshot is not None:
            out.publish_seconds = self.publish()
        return out

    def publish(self) -> float:
        """Publish the snapshot (in a child process: dbt keeps the warehouse attached here)."""
        import subprocess

        start = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "etf_warehouse.cli",
                "publish",
                "--warehouse",
                str(self.warehouse),
                "--snapshot",
                str(self.snapshot),
                "--run-results",
                str(PROJECT_DIR / self.target_path / "run_results.json"),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise LiveError(f"publish failed: {done.stderr.strip()}")
        return time.perf_counter() - start

    def latest_ranking(self) -> tuple[str | None, str | None]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            row = con.execute(
                "select max(as_of_date)::varchar, arg_min(ticker, score_rank) "
                "from mart_latest_rankings"
            ).fetchone()
        return row[0], row[1]

    def report(self, result: RefreshResult, label: str = "") -> None:
        published = (
            f", published in {result.publish_seconds:.1f} s"
            if result.publish_seconds is not None
            else ""
        )
        self.echo(
            f">> {label}{len(result.new_files)} new file(s): mart_latest_rankings at "
            f"{result.latest_date} (top {result.top_ticker}) refreshed in {result.seconds:.1f} s "
            f"({len(result.models)} models){published}"
        )

    def watch(self, interval: float, *, max_refreshes: int | None = None) -> None:
        """Poll the glob every ``interval`` seconds; refresh when new files appear."""
        done = 0
        self.echo(f">> watching {self.dbt_vars['prices_path']} every {interval:g} s (Ctrl-C stops)")
        while max_refreshes is None or done < max_refreshes:
            if self.pending_files():
                self.report(self.refresh())
                done += 1
            else:
                time.sleep(interval)


def _reset_compilation(manifest: object) -> None:
    """Make a reused manifest compile every node afresh. dbt marks a node whose ephemeral
    CTEs it injected and skips the injection next time, so a second run in one process would
    send a model its inlined feature views' names without their SQL (or last run's SQL)."""
    for node in manifest.nodes.values():
        if node.resource_type != "seed":  # seeds are not compiled
            node.compiled = False
            node.compiled_code = None
            node.extra_ctes_injected = False
            node.extra_ctes = []
            node._pre_injected_sql = None


def _release_warehouse() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open in this process after a run, so that
    readers and the publisher can open the warehouse file between refreshes."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
        DuckDBConnectionManager._ENV = None


def _failed_nodes(results: object) -> str:
    failed = [
        f"{r.node.name}: {r.message}"
        for r in getattr(results, "results", []) or []
        if str(r.status).lower() in {"error", "fail", "runtime error"}
    ]
    return "; ".join(failed) or "see logs/dbt.log"


# -- replay ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReplayFiles:
    """The sample market written for a replay: history files plus one file per later day."""

    dbt_vars: dict
    landing: Path
    days: list[pd.Timestamp]
    day_frames: dict[pd.Timestamp, pd.DataFrame]

    def land(self, day: pd.Timestamp) -> Path:
        """Write one day's bars as ``day-YYYY-MM-DD.csv`` in the landing folder."""
        path = self.landing / f"day-{day:%Y-%m-%d}.csv"
        tmp = path.with_suffix(".part")  # not matched by the glob until complete
        self.day_frames[day].to_csv(tmp, index=False)
        tmp.replace(path)
        return path


def prepare_replay(config: object, directory: Path, n_days: int) -> ReplayFiles:
    """Write the sample market for ``config`` as long CSV files under ``directory``: the
    history before the last ``n_days`` trading days in the landing folder, and those days
    held back to be landed one at a time."""
    from etf_warehouse.sample.files import write_sample_files

    directory = Path(directory)
    # the landing folder is the replay's own: clear what an earlier replay left in it, or its
    # landed days would be part of this replay's history
    for stale in [*(directory / "prices").glob("*.csv"), *(directory / "prices").glob("*.part")]:
        stale.unlink()
    files = write_sample_files(config, directory, file_format="long")
    landing = Path(files.prices_glob).parent
    frames = [pd.read_csv(p, dtype=str) for p in sorted(landing.glob("prices_*.csv"))]
    prices = pd.concat(frames, ignore_index=True)
    dates = sorted(pd.to_datetime(prices["date"]).unique())
    days = [pd.Timestamp(d) for d in dates[-n_days:]] if n_days > 0 else []
    when = pd.to_datetime(prices["date"])
    for path in landing.glob("prices_*.csv"):
        path.unlink()
    first = days[0] if days else pd.Timestamp.max
    prices.loc[when < first].to_csv(landing / "history.csv", index=False)
    day_frames = {d: prices.loc[when == d] for d in days}
    dbt_vars = {**files.dbt_vars(), "prices_path": str(landing / "*.csv")}
    return ReplayFiles(dbt_vars, landing, days, day_frames)


# -- checking -------------------------------------------------------------------------------
# Columns that record how a row was loaded or how long a fit took, not what it says.
LOAD_COLUMNS = {"ingest_batch", "fit_seconds"}


def compare_tables(
    first: Path,
    second: Path,
    tables: list[str] | None = None,
    text_roots: tuple[str, str] | None = None,
) -> dict:
    """Compare the tables of two warehouses row for row, as multisets over all columns but
    :data:`LOAD_COLUMNS`.

    ``tables``: the tables to compare (views and tables ``first`` lacks are skipped); None
    compares every base table the two share and reports those only one side has
    (``only_first``, ``only_second``). ``text_roots``: a folder per warehouse (its input files'),
    replaced in every text value by one placeholder first, so builds of the same files kept in
    different folders compare equal. Returns the tables compared and those differing: with the
    row counts found only on each side, or ``"columns differ"``.
    """
    out: dict = {"compared": [], "differing": {}, "only_first": [], "only_second": []}
    with duckdb.connect() as con:
        con.execute(f"attach '{first}' as first_db (read_only)")
        con.execute(f"attach '{second}' as second_db (read_only)")

        def base_tables(catalog: str) -> set[str]:
            return {
                t
                for (t,) in con.execute(
                    "select table_name from information_schema.tables"
                    " where table_catalog = ? and table_type = 'BASE TABLE'",
                    [catalog],
                ).fetchall()
            }

        def columns(catalog: str, table: str) -> list[tuple[str, str]]:
            return con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_catalog = ? and table_name = ? order by ordinal_position",
                [catalog, table],
            ).fetchall()

        in_first = base_tables("first_db")
        if tables is None:
            in_second = base_tables("second_db")
            out["only_first"] = sorted(in_first - in_second)
            out["only_second"] = sorted(in_second - in_first)
            tables = sorted(in_first & in_second)
        for table in (t for t in tables if t in in_first):
            shape = columns("first_db", table)
            if shape != columns("second_db", table):
                out["differing"][table] = "columns differ"
                continue

            def select(catalog: str, root: str | None, table: str = table, shape=shape) -> str:
                parts = []
                for name, kind in shape:
                    if name in LOAD_COLUMNS:
                        continue
                    quoted = f'"{name}"'
                    if root is not None and kind == "VARCHAR":
                        quoted = f"replace({quoted}, '{root}', '<files>') as {quoted}"
                    parts.append(quoted)
                return f"select {', '.join(parts)} from {catalog}.{table}"

            roots = text_roots or (None, None)
            a, b = select("first_db", roots[0]), select("second_db", roots[1])
            only = [
                con.execute(f"select count(*) from ({x} except all {y})").fetchone()[0]
                for x, y in ((a, b), (b, a))
            ]
            out["compared"].append(table)
            if any(only):
                out["differing"][table] = {"first_only": only[0], "second_only": only[1]}
    return out


def compare_warehouses(live: Path, rebuilt: Path, tables: list[str]) -> dict:
    """Compare a live-refreshed warehouse (first) with one built from scratch on the same files.

    ``tables`` are normally the models a refresh ran (:attr:`RefreshResult.models`);
    int_refresh_window, which describes the batches themselves, is skipped. See
    :func:`compare_tables`.
    """
    return compare_tables(live, rebuilt, [t for t in tables if t != "int_refresh_window"])

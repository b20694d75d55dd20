"""The live pipeline: drives dbt in this process for one warehouse and one set of input vars,
ingests new price files and refreshes the scoring path incrementally (see the package docstring).
The dbt internals it needs are in :mod:`etf_warehouse.dbt_internals`.
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

from etf_warehouse import dbt_internals
from etf_warehouse.live.build_record import PROJECT_DIR, code_changes, code_files

LIVE_TARGET = "target/live"
# What a live refresh rebuilds: the scoring path to mart_latest_rankings and the cheap core
# marts beside it. Reference data (arch's bundled series) does not change with new prices.
# Portfolio, backtest, trade list, factor and stress marts are left to the full build
# (`dbt build`, e.g. nightly): they are rebuilt over the whole history, not incrementally.
LIVE_SELECT = [
    "+mart_latest_rankings",
    # marts that publish intermediate models on that path (never their ancestors now)
    "mart_etf_rankings",
    "fct_daily_prices",
    "dim_etfs",
    "fct_price_quarantine",
    "fct_corporate_actions",
    "mart_etf_penalties",
    "mart_regimes",
    "mart_data_quality",
    "mart_macro_state",
    "fct_macro_quarantine",
]
LIVE_EXCLUDE = ["tag:reference"]
# What a full build records of its code and settings, which a refresh compares with its own
# (etf_warehouse/live/build_record.py) and never rebuilds.
BUILD_RECORD = ["build_code_files", "build_settings"]
# What a refresh runs and every ancestor, and the build record: a fresh warehouse built with
# this selection is all a refresh needs (and all a check of a refresh against a full build
# compares).
LIVE_PATH = [f"+{selector.lstrip('+')}" for selector in LIVE_SELECT] + BUILD_RECORD


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
    _last_target: Path | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.dbt_vars.get("prices_path"):
            raise ValueError("the live pipeline reads price files: set prices_path")
        self.warehouse = Path(self.warehouse).resolve()

    # -- dbt -------------------------------------------------------------------------------
    def _target(self, live: bool) -> Path:
        """dbt's target folder: the refreshes' own, and another for full builds, so each keeps
        the partial-parse state of its own vars (a change of vars makes dbt parse the whole
        project again: about 4.4 s against 0.4 s). A cron job's refresh in a new process then
        starts from the last evening's parse."""
        return PROJECT_DIR / (self.target_path if live else f"{self.target_path}-full")

    def _invoke(self, runner: object, args: list[str], live: bool) -> object:
        dbt_vars = {**self.dbt_vars, "live_refresh": True} if live else dict(self.dbt_vars)
        argv = [
            *args,
            "--vars",
            json.dumps(dbt_vars),
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(self._target(live)),
            "--quiet",
        ]
        result = dbt_internals.invoke(
            runner, argv, project_dir=PROJECT_DIR, warehouse=self.warehouse
        )
        self._last_target = self._target(live)
        if not result.success:
            raise LiveError(f"dbt {args[0]} failed: {dbt_internals.failure_detail(result)}")
        return result

    def full_build(self, select: list[str] | None = None) -> float:
        """``dbt build`` of everything on the current files (tests included), or of the
        ``select`` selectors and their tests only (e.g. :data:`LIVE_PATH`)."""
        runner = dbt_internals.new_runner()
        start = time.perf_counter()
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        # cautious: a test of a selected model that also reads one left out is left out
        selection = ["--select", *select, "--indirect-selection", "cautious"] if select else []
        self._invoke(runner, ["build", *selection], live=False)
        self._runner = None  # the live runner's manifest is parsed with other vars
        return time.perf_counter() - start

    def _live_runner(self) -> object:
        if self._runner is None:
            # the parsed manifest stays in memory for the runs: manifest.json is not written
            # (about 0.9 s at each process's first refresh); partial_parse.msgpack still is
            parsed = self._invoke(
                dbt_internals.new_runner(), ["parse", "--no-write-json"], live=True
            )
            self._manifest = parsed.result
            self._runner = dbt_internals.new_runner(self._manifest)
        dbt_internals.reset_compilation(self._manifest)
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
        these need a full build (the input_files model makes the same check when it runs).
        The macro file is re-read whole on every refresh: it may change."""
        changed = []
        for role, path, size in self._ingested():
            if role == "macro":
                continue
            if not os.path.exists(path):
                changed.append(f"{role} file {path} was ingested and is gone")
            elif os.path.getsize(path) != size:
                changed.append(
                    f"{role} file {path} changed since it was ingested "
                    f"({size} -> {os.path.getsize(path)} bytes)"
                )
        return changed

    def code_changes(self) -> list[str]:
        """The files that shape a table and differ from those the last full build read
        (``build_code_files``), in words; a warehouse without that record (built before it
        existed) gives one line saying so."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            try:
                built = con.execute("select file_path, sha256 from build_code_files").df()
            except duckdb.CatalogException:
                return ["this warehouse records no build code (table build_code_files)"]
        return code_changes(built, code_files())

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
        the same rows), after checking that no ingested file changed. It stops before running
        anything when the project's code (here) or settings (dbt's on-run-start,
        ``check_build_settings``) differ from the last full build's.
        """
        changed = self.changed_files()
        if changed:
            raise LiveError(
                "; ".join(changed) + "; run a full `dbt build` (the live refresh only adds files)"
            )
        new_files = self.pending_files()
        if not new_files:
            return RefreshResult(0.0, [], [], *self.latest_ranking())
        code = self.code_changes()
        if code:
            raise LiveError(
                "the project's code differs from the last full build's ("
                + "; ".join(code)
                + "); run a full build (`dbt build`, or `etfw live --full-build`): a refresh "
                "would compute its new rows with other code than the rest"
            )
        runner = self._live_runner()
        start = time.perf_counter()
        result = self._invoke(
            runner, ["run", "--select", *LIVE_SELECT, "--exclude", *LIVE_EXCLUDE], live=True
        )
        seconds = time.perf_counter() - start
        latest, top = self.latest_ranking()
        timings = dbt_internals.model_seconds(result)
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
                str((self._last_target or self._target(True)) / "run_results.json"),
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

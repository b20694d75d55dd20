"""Time a full ``dbt build`` and its peak memory, per stage and per model.

Generates a universe of the requested size, either as the embedded sample (dbt vars) or written
as files through the real-file path (so ingestion is measured too), builds it into a fresh
DuckDB file, and prints:

- wall time of the whole ``dbt build`` and its peak memory;
- per stage (sample generation, input checks, staging, cleaning, corporate actions, features,
  marts, data tests, unit tests): summed node time, wall span and peak memory while it ran;
- the slowest nodes.

Memory is the RSS of the dbt process **and every process under it** (the fork server and the
``python_workers`` processes of the GARCH fits, forecaster, portfolios, backtests and SPA
tests), summed over the tree every 50 ms from /proc: the build's footprint, not one process's.
A forked worker's pages shared with its parent count in both, so the sum is an upper bound.
``dbt_process_peak_rss_mib`` keeps the dbt process's own high-water mark (``getrusage``).

CPU: ``busy_core_seconds`` is the CPU time the whole machine spent busy during the build and
``cpu_busy_share`` that as a share of all its cores, over the build and over each stage's span
and node's run (/proc/stat, sampled with the memory; on a quiet machine, the build's: it counts
what the kernel does for the build outside its processes, such as writing the file back,
which ``cpu_seconds``, the user + system time from ``getrusage(RUSAGE_CHILDREN)``, leaves out,
as it may leave out workers nobody waited for). A
build near 100 % busy gets faster only with less CPU work; well under it, with more running
side by side. ``warehouse_mib``: the DuckDB file's size after the build (the disk a warehouse
of that size needs, beside the spill file DuckDB writes while it runs). With ``--threads 1``
dbt runs one node at a time (each node still uses every core it can), so the machine's busy
core-seconds while a node ran are that node's own: the summary then lists the models by CPU
and each stage's CPU, where the build's CPU goes.

Examples::

    .venv/bin/python benchmarks/build_benchmark.py                       # default sample
    .venv/bin/python benchmarks/build_benchmark.py --n-etfs 1000 --source files
    .venv/bin/python benchmarks/build_benchmark.py --threads 1   # CPU per model

Results are also written as JSON to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from etf_warehouse.ingest.formats import FORMATS  # noqa: E402
from etf_warehouse.sample import SampleConfig  # noqa: E402
from etf_warehouse.sample.files import write_sample_files  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, also when imported
from machine_probe import probe  # noqa: E402

DBT = Path(sys.executable).with_name("dbt")
STAGES = (
    # (stage, predicate on the node's original file path and resource type)
    ("sample generation (python)", lambda p, t: t == "model" and "python_models/sample/" in p),
    ("input file checks (python)", lambda p, t: t == "model" and "python_models/inputs/" in p),
    ("reference data (python)", lambda p, t: t == "model" and "python_models/reference/" in p),
    ("seeds", lambda p, t: t == "seed"),
    ("staging", lambda p, t: t == "model" and "models/staging/" in p),
    ("prices: parse, validate, adjust", lambda p, t: t == "model" and "intermediate/prices/" in p),
    ("corporate actions", lambda p, t: t == "model" and "intermediate/corporate_actions/" in p),
    ("etf classification", lambda p, t: t == "model" and "intermediate/etfs/" in p),
    ("features", lambda p, t: t == "model" and "features/" in p),
    ("benchmarks, betas, regimes (sql)", lambda p, t: t == "model" and "intermediate/market/" in p),
    ("garch + kalman beta (python)", lambda p, t: t == "model" and "python_models/risk/" in p),
    (
        "forecast panel",
        lambda p, t: t == "model" and ("intermediate/forecast/" in p or "/int_ml_panel.py" in p),
    ),
    ("ml forecasts (python)", lambda p, t: t == "model" and "python_models/forecast/ml_" in p),
    (
        "scoring",
        lambda p, t: (
            t == "model" and any(f"{d}/scoring/" in p for d in ("intermediate", "python_models"))
        ),
    ),
    ("backtest inputs (sql)", lambda p, t: t == "model" and "intermediate/backtest/" in p),
    (
        "portfolio construction (python)",
        lambda p, t: t == "model" and "python_models/portfolio/" in p,
    ),
    (
        "backtest + statistics (python)",
        lambda p, t: t == "model" and "python_models/backtest/" in p,
    ),
    ("marts", lambda p, t: t == "model" and "models/marts/" in p),
    ("unit tests", lambda p, t: t == "unit_test"),
    ("data tests", lambda p, t: t == "test"),
)


PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _descendants(root: int) -> list[int]:
    """``root`` and every process under it (children of any of their threads)."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue  # the process (or one of its threads) ended while being read
    return found


def _rss(pids: list[int]) -> int:
    """Summed resident set size in bytes of ``pids`` (those still running)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class RssSampler(threading.Thread):
    """Samples the resident set size of a process tree every ``interval`` seconds.

    The tree is walked every ``rescan`` seconds (reading every thread's children list costs
    far more than reading an RSS); a worker lives for seconds, so at most its first
    ``rescan`` seconds go unsampled.
    """

    def __init__(self, pid: int, interval: float = 0.05, rescan: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.rescan = pid, interval, rescan
        self.samples: list[tuple[float, int]] = []  # (unix time, summed RSS bytes)
        self.cpu: list[tuple[float, int, int]] = []  # (unix time, busy jiffies, all jiffies)
        self._cpu_arrays: tuple[np.ndarray, ...] | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        pids, scanned = [self.pid], 0.0
        while not self._stop_event.is_set():
            now = time.time()
            self.cpu.append((now, *_machine_jiffies()))
            if now - scanned >= self.rescan:
                pids, scanned = _descendants(self.pid), now
            rss = _rss(pids)
            if rss == 0:
                break
            self.samples.append((now, rss))
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.cpu.append((time.time(), *_machine_jiffies()))
        self._cpu_arrays = None

    def peak_between(self, start: float, end: float) -> int:
        inside = [rss for t, rss in self.samples if start - self.interval <= t <= end]
        return max(inside, default=0)

    def _jiffies_at(self, t: float) -> tuple[float, float] | None:
        """Busy and all jiffies at time ``t``, linear between the samples around it (a time
        up to one rescan interval outside them takes the nearest: the build starts just
        before the sampler's first sample)."""
        if len(self.cpu) < 2:
            return None
        first, last = self.cpu[0][0], self.cpu[-1][0]
        if not first - self.rescan <= t <= last + self.rescan:
            return None
        t = min(max(t, first), last)
        if self._cpu_arrays is None or len(self._cpu_arrays[0]) != len(self.cpu):
            self._cpu_arrays = tuple(np.array(self.cpu, dtype=float).T)
        times, busy, total = self._cpu_arrays
        return float(np.interp(t, times, busy)), float(np.interp(t, times, total))

    def busy_share_between(self, start: float, end: float) -> float | None:
        """The machine's busy share of all cores from ``start`` to ``end`` (None: outside the
        samples, or too short to tell)."""
        a, b = self._jiffies_at(start), self._jiffies_at(end)
        if a is None or b is None or b[1] <= a[1]:
            return None
        return (b[0] - a[0]) / (b[1] - a[1])

    def busy_core_seconds_between(self, start: float, end: float) -> float | None:
        """CPU-seconds the machine spent busy from ``start`` to ``end``, all cores. Linear
        between samples, so the windows of nodes that ran one after the other add up."""
        a, b = self._jiffies_at(start), self._jiffies_at(end)
        if a is None or b is None:
            return None
        return (b[0] - a[0]) / os.sysconf("SC_CLK_TCK")


def _machine_jiffies() -> tuple[int, int]:
    """Busy and total CPU time of the machine so far, all cores (/proc/stat's first line).

    Busy: user, nice, system, irq and softirq; total adds idle and iowait. Steal (time the
    hypervisor gave another guest) is in neither.
    """
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
    return busy, busy + fields[3] + fields[4]


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=UTC).timestamp()


def node_windows(run_results: dict, manifest: dict) -> list[dict]:
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    rows = []
    for result in run_results["results"]:
        uid = result["unique_id"]
        node = nodes.get(uid, {})
        starts = [parse_time(t["started_at"]) for t in result["timing"] if t.get("started_at")]
        ends = [parse_time(t["completed_at"]) for t in result["timing"] if t.get("completed_at")]
        rows.append(
            {
                "unique_id": uid,
                "resource_type": uid.split(".")[0],
                "path": node.get("original_file_path", ""),
                "status": result["status"],
                "seconds": result["execution_time"],
                "start": min(starts, default=0.0),
                "end": max(ends, default=0.0),
            }
        )
    return rows


def dbt_environment(database: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment dbt runs in: the warehouse path, and this checkout's library first on
    PYTHONPATH. The venv installs ``etf_warehouse`` in editable mode from the checkout it was
    made in, so without it a second checkout (a git worktree of an older commit, sharing the
    venv) would build its models with the other checkout's library."""
    environ = dict(os.environ if environ is None else environ)
    paths = [str(PROJECT_ROOT), *filter(None, environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {
        **environ,
        "ETF_WAREHOUSE_PATH": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONPATH": os.pathsep.join(paths),
    }


def run(args: argparse.Namespace) -> dict:
    workdir = Path(args.workdir or PROJECT_ROOT / "benchmarks" / "out" / args.label())
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "warehouse.duckdb"
    for suffix in ("", ".wal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)

    config = SampleConfig(n_etfs=args.n_etfs, years=args.years, seed=args.seed)
    generate_seconds = 0.0
    if args.vars_file:
        dbt_vars = json.loads(Path(args.vars_file).read_text())
    elif args.source == "files":
        t0 = time.perf_counter()
        files = write_sample_files(config, workdir / "files", file_format=args.format)
        generate_seconds = time.perf_counter() - t0
        dbt_vars = files.dbt_vars()
    else:
        dbt_vars = {
            "sample_n_etfs": args.n_etfs,
            "sample_years": args.years,
            "sample_seed": args.seed,
        }

    cmd = [
        str(DBT),
        "build",
        "--vars",
        json.dumps(dbt_vars),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    env = dbt_environment(database)
    # the machine's speed before and after: builds of different hours compare by it
    probe_before = probe()
    print(f">> {' '.join(cmd[:2])} --vars '{json.dumps(dbt_vars)}'", file=sys.stderr)
    t0 = time.time()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sampler = RssSampler(proc.pid)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.time() - t0
    sampler.stop()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    dbt_peak_rss = usage.ru_maxrss * 1024
    cpu_seconds = (usage.ru_utime + usage.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    if proc.returncode != 0:
        print(output[-5000:], file=sys.stderr)
        raise SystemExit(f"dbt build failed (exit {proc.returncode})")

    probe_after = probe()
    run_results = json.loads((workdir / "target" / "run_results.json").read_text())
    manifest = json.loads((workdir / "target" / "manifest.json").read_text())
    nodes = node_windows(run_results, manifest)
    stages = []
    for name, predicate in STAGES:
        members = [n for n in nodes if predicate(n["path"], n["resource_type"])]
        if not members:
            continue
        start = min(n["start"] for n in members)
        end = max(n["end"] for n in members)
        stages.append(
            {
                "stage": name,
                "nodes": len(members),
                "node_seconds": round(sum(n["seconds"] for n in members), 2),
                "span_seconds": round(end - start, 2),
                "peak_rss_mib": round(sampler.peak_between(start, end) / 2**20),
                "cpu_busy_share": _rounded(sampler.busy_share_between(start, end)),
                # each node's own CPU when nodes run one at a time (--threads 1); with more
                # threads, nodes running together count the same core-seconds each
                "node_busy_core_seconds": round(
                    sum(
                        sampler.busy_core_seconds_between(n["start"], n["end"]) or 0.0
                        for n in members
                    ),
                    1,
                ),
            }
        )
    first_node = min(n["start"] for n in nodes)
    n_rows, n_funds = _count_rows(database)
    summary = {
        "label": args.label(),
        "n_etfs": n_funds if args.vars_file else args.n_etfs,
        "years": None if args.vars_file else args.years,
        "source": args.source,
        "format": (
            dbt_vars.get("prices_format", "stooq")
            if args.vars_file
            else args.format
            if args.source == "files"
            else "sample"
        ),
        "vars_file": args.vars_file,
        "file_generation_seconds": round(generate_seconds, 1),
        "dbt_build_wall_seconds": round(wall, 1),
        "dbt_startup_seconds": round(first_node - t0, 1),
        "peak_rss_mib": round(max(sampler.peak_between(t0, time.time()), dbt_peak_rss) / 2**20),
        "dbt_process_peak_rss_mib": round(dbt_peak_rss / 2**20),
        "cpu_seconds": round(cpu_seconds, 1),
        "busy_core_seconds": _rounded(sampler.busy_core_seconds_between(t0, t0 + wall), 1),
        "warehouse_mib": round(database.stat().st_size / 2**20),
        "cpu_busy_share": _rounded(sampler.busy_share_between(t0, t0 + wall)),
        "price_rows": n_rows,
        "nodes": len(nodes),
        "cpu_count": os.cpu_count(),
        "dbt_threads": args.threads,  # None: the profile's
        # benchmarks/machine_probe.py before and after the build (seconds; lower is faster)
        "machine_probe": {"before": probe_before, "after": probe_after},
        "stages": stages,
        "models": [
            {
                "node": n["unique_id"].split(".")[-1],
                "seconds": round(n["seconds"], 2),
                "peak_rss_mib": round(sampler.peak_between(n["start"], n["end"]) / 2**20),
                "busy_core_seconds": _rounded(
                    sampler.busy_core_seconds_between(n["start"], n["end"]), 2
                ),
            }
            for n in sorted(nodes, key=lambda n: -n["seconds"])
            if n["resource_type"] == "model"
        ],
        "tests_passed": sum(n["status"] == "pass" for n in nodes),
        "tests_not_passed": sum(n["status"] not in ("pass", "success", "no-op") for n in nodes),
        "slowest_nodes": sorted(
            (
                {
                    "node": n["unique_id"],
                    "seconds": round(n["seconds"], 2),
                    "peak_rss_mib": round(sampler.peak_between(n["start"], n["end"]) / 2**20),
                    "cpu_busy_share": _rounded(sampler.busy_share_between(n["start"], n["end"])),
                }
                for n in nodes
            ),
            key=lambda n: -n["seconds"],
        )[: args.top],
    }
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _count_rows(database: Path) -> tuple[int, int]:
    """Clean price rows and the funds they belong to."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        query = "select count(*), count(distinct ticker) from fct_daily_prices"
        return con.sql(query).fetchall()[0]


def print_summary(s: dict) -> None:
    print(
        f"\n{s['label']}: {s['n_etfs']} ETFs x {s['years'] or '(as in the files)'} years, "
        f"source {s['source']} "
        f"({s['format']}), {s['price_rows']:,} clean price rows, {s['cpu_count']} cores"
    )
    if s["file_generation_seconds"]:
        print(
            f"  writing the input files (not part of the build): {s['file_generation_seconds']} s"
        )
    print(
        f"  dbt build wall time: {s['dbt_build_wall_seconds']} s "
        f"(of which dbt start-up and parsing {s['dbt_startup_seconds']} s); "
        f"peak RSS {s['peak_rss_mib']} MiB summed over its process tree "
        f"({s['dbt_process_peak_rss_mib']} MiB the dbt process alone); {s['nodes']} nodes"
    )
    print(
        f"  CPU: the machine busy {s['busy_core_seconds']} core-seconds, its {s['cpu_count']} "
        f"cores {_percent(s['cpu_busy_share'])} busy over the build ({s['cpu_seconds']} s user + "
        f"system of dbt and the processes it waited for); the warehouse file "
        f"{s['warehouse_mib']:,} MiB"
    )
    if "machine_probe" in s:
        before, after = s["machine_probe"]["before"], s["machine_probe"]["after"]
        print(
            f"  machine probe (benchmarks/machine_probe.py, before / after): DuckDB "
            f"{before['duckdb_seconds']} / {after['duckdb_seconds']} s, numpy "
            f"{before['numpy_seconds']} / {after['numpy_seconds']} s"
        )
    one_at_a_time = s.get("dbt_threads") == 1
    print(
        f"\n  {'stage':34} {'nodes':>5} {'node s':>8} {'span s':>8} {'peak RSS MiB':>13} "
        f"{'cores busy':>10}" + (f" {'CPU s':>8}" if one_at_a_time else "")
    )
    for st in s["stages"]:
        print(
            f"  {st['stage']:34} {st['nodes']:>5} {st['node_seconds']:>8} "
            f"{st['span_seconds']:>8} {st['peak_rss_mib']:>13} {_percent(st['cpu_busy_share']):>10}"
            + (f" {st['node_busy_core_seconds']:>8}" if one_at_a_time else "")
        )
    if one_at_a_time:
        # one node at a time: the machine's busy core-seconds while a node ran are its own
        models = sorted(s["models"], key=lambda m: -(m["busy_core_seconds"] or 0))
        print("\n  models by CPU (busy core-seconds while each ran alone):")
        for m in models[:25]:
            print(f"    {m['busy_core_seconds']:>8} CPU s  {m['seconds']:>7} s  {m['node']}")
    print("\n  slowest nodes:")
    for n in s["slowest_nodes"]:
        busy = _percent(n.get("cpu_busy_share"))
        print(f"    {n['seconds']:>7} s  {n['peak_rss_mib']:>6} MiB  {busy:>5} busy  {n['node']}")


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.0f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-etfs", type=int, default=150)
    parser.add_argument("--years", type=float, default=20)
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--source", choices=["sample", "files"], default="sample")
    parser.add_argument("--format", choices=list(FORMATS), default="stooq")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--threads", type=int, default=None, help="dbt threads (profile: 2)")
    parser.add_argument("--top", type=int, default=8, help="slowest nodes to list")
    parser.add_argument(
        "--vars-file",
        default=None,
        help="build on files written elsewhere: a JSON of the dbt vars (e.g. the vars.json of "
        "independent_universe.py); --n-etfs/--years/--seed/--source/--format are then not used",
    )
    args = parser.parse_args()
    if args.vars_file:
        args.source = "vars-file"
        args.label = lambda: f"vars_{Path(args.vars_file).resolve().parent.name}"
    else:
        args.label = lambda: f"{args.source}_{args.n_etfs}x{args.years:g}y"
    print_summary(run(args))


if __name__ == "__main__":
    main()

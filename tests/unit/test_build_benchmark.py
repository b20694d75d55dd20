"""The CPU figures of benchmarks/build_benchmark.py: busy shares from /proc/stat samples."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "build_benchmark.py"


def _load_module():
    spec = importlib.util.spec_from_file_location("build_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bb = _load_module()


def _sampler_with(cpu: list[tuple[float, int, int]]):
    sampler = bb.RssSampler(pid=os.getpid())
    sampler.cpu = cpu
    return sampler


def test_busy_share_is_the_busy_jiffies_over_all_jiffies_between_the_bracketing_samples():
    # (time, busy jiffies, all jiffies): 100 s, 2 cores at 100 jiffies/s = 20,000 jiffies
    sampler = _sampler_with([(0.0, 0, 0), (50.0, 4_000, 10_000), (100.0, 14_000, 20_000)])
    assert sampler.busy_share_between(0.0, 100.0) == pytest.approx(0.7)
    assert sampler.busy_share_between(50.0, 100.0) == pytest.approx(1.0)
    assert sampler.busy_share_between(0.0, 50.0) == pytest.approx(0.4)
    ticks = os.sysconf("SC_CLK_TCK")
    assert sampler.busy_core_seconds_between(0.0, 100.0) == pytest.approx(14_000 / ticks)


def test_between_samples_the_jiffies_are_interpolated_and_consecutive_windows_add_up():
    sampler = _sampler_with([(0.0, 0, 0), (50.0, 4_000, 10_000), (100.0, 14_000, 20_000)])
    assert sampler.busy_share_between(10.0, 20.0) == pytest.approx(0.4)
    assert sampler.busy_share_between(40.0, 60.0) == pytest.approx(0.7)  # 0.4 then 1.0
    parts = [sampler.busy_core_seconds_between(a, b) for a, b in [(0, 30), (30, 75), (75, 100)]]
    assert sum(parts) == pytest.approx(sampler.busy_core_seconds_between(0.0, 100.0))


def test_a_window_outside_the_samples_has_no_figure():
    sampler = _sampler_with([(10.0, 0, 0), (50.0, 4_000, 10_000)])
    assert sampler.busy_share_between(0.0, 20.0) is None
    assert sampler.busy_core_seconds_between(40.0, 60.0) is None
    # the build starts just before the first sample: within one rescan, the nearest sample
    assert sampler.busy_share_between(10.0 - 0.4, 50.0 + 0.4) == pytest.approx(0.4)
    assert _sampler_with([(0.0, 0, 0)]).busy_share_between(0.0, 0.0) is None


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="no /proc/stat (not Linux)")
def test_machine_jiffies_reads_busy_and_total_from_proc_stat():
    busy, total = bb._machine_jiffies()
    assert 0 <= busy <= total
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # steal (field 8) is neither busy nor idle
    assert total <= sum(fields[:8]) - fields[7] + 1_000


def test_the_summary_prints_the_cpu_line():
    summary = {
        "label": "x",
        "n_etfs": 5,
        "years": 1,
        "source": "sample",
        "format": "sample",
        "price_rows": 100,
        "cpu_count": 2,
        "file_generation_seconds": 0,
        "dbt_build_wall_seconds": 10.0,
        "dbt_startup_seconds": 1.0,
        "peak_rss_mib": 10,
        "dbt_process_peak_rss_mib": 9,
        "nodes": 3,
        "busy_core_seconds": 15.0,
        "cpu_busy_share": 0.75,
        "cpu_seconds": 14.0,
        "warehouse_mib": 1234,
        "stages": [],
        "slowest_nodes": [{"node": "m", "seconds": 1.0, "peak_rss_mib": 5, "cpu_busy_share": None}],
    }
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bb.print_summary(summary)
    text = out.getvalue()
    assert "busy 15.0 core-seconds" in text and "75 % busy over the build" in text
    assert "1,234 MiB" in text
    assert re.search(r"5 MiB +- busy  m\n", text)  # a node too short for a share: "-"


def test_dbt_runs_with_this_checkouts_library_first():
    env = bb.dbt_environment(Path("/w/x.duckdb"), {"PYTHONPATH": "/a" + os.pathsep + "/b"})
    paths = env["PYTHONPATH"].split(os.pathsep)
    assert paths == [str(bb.PROJECT_ROOT), "/a", "/b"]
    assert env["ETF_WAREHOUSE_PATH"] == "/w/x.duckdb"
    assert bb.dbt_environment(Path("/w/x.duckdb"), {})["PYTHONPATH"] == str(bb.PROJECT_ROOT)

"""Shared steps of the live-refresh tests (test_live.py, test_live_real_files.py): land a
replay's held-back days one at a time, and compare the refreshed warehouse with a build of the
same files from scratch."""

from __future__ import annotations

from pathlib import Path

from etf_warehouse.compare import compare_warehouses
from etf_warehouse.live import LIVE_PATH, LivePipeline, RefreshResult, ReplayFiles


def land_and_refresh(files: ReplayFiles, pipeline: LivePipeline) -> list[RefreshResult]:
    """Land each held-back day and refresh after it, as ``etfw replay`` does."""
    results = []
    for day in files.days:
        files.land(day)
        results.append(pipeline.refresh(publish=False))
    return results


def compare_with_rebuild(work: Path, files: ReplayFiles, results: list[RefreshResult]) -> dict:
    """Build the same files from scratch (what a refresh runs and its ancestors) and compare
    every table the last refresh ran (``compare_warehouses``' report)."""
    rebuilt = LivePipeline(files.dbt_vars, warehouse=work / "rebuilt.duckdb", echo=print)
    rebuilt.full_build(select=LIVE_PATH)
    return compare_warehouses(work / "live.duckdb", work / "rebuilt.duckdb", results[-1].models)

"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
STOOQ_DIR = SHARED_DATA / "stooq_us_etfs"
STOOQ_MORE_DIR = SHARED_DATA / "stooq_us_etfs_more"  # 300 more real funds, no metadata
STOOQ_UNIVERSE = SHARED_DATA / "stooq_us_etfs_universe.csv"


@pytest.fixture(scope="session")
def stooq_dir() -> Path:
    """The real Stooq ETF files beside the project (skip where they are absent)."""
    if not STOOQ_DIR.is_dir() or not any(STOOQ_DIR.glob("*.txt")):
        pytest.skip(f"shared real data not found at {STOOQ_DIR}; real-file tests skipped")
    return STOOQ_DIR


@pytest.fixture(scope="session")
def stooq_more_dir() -> Path:
    """The 300 further real Stooq ETF files beside the project (skip where they are absent)."""
    if not STOOQ_MORE_DIR.is_dir() or not any(STOOQ_MORE_DIR.glob("*.txt")):
        pytest.skip(f"shared real data not found at {STOOQ_MORE_DIR}; real-file tests skipped")
    return STOOQ_MORE_DIR

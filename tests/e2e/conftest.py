"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import pytest

from tests.e2e.dbt_runner import DbtResult, dbt_build

# Six years: the scoring history (a year of prices, then two of forecast training) covers the
# last three, including the undeclared consolidation of the SNAS.AX analogue.
SAMPLE_VARS = {"sample_n_etfs": 30, "sample_years": 6}


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> DbtResult:
    """One `dbt build` of the 30-fund, 6-year sample, shared by every test that only reads it
    (the sample checks, the dashboard, the notebook): tests open it read-only and write nothing
    into its warehouse."""
    return dbt_build(tmp_path_factory.mktemp("sample"), SAMPLE_VARS)

"""End to end: a model built in batches (macros/helpers/build_batches.sql) writes the same table
as one statement. The shared sample is too small to be batched (var build_batch_rows); here its
batched models are rebuilt on a copy of it with batches of a few thousand rows."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from etf_warehouse.compare import compare_tables
from tests.e2e.conftest import SAMPLE_VARS
from tests.e2e.dbt_runner import dbt_build

pytestmark = pytest.mark.e2e

BATCHED = {
    "int_prices_decisions": "ticker",
    "int_prices_validated": "ticker",
    "mart_etf_rankings": "as_of_date",
}


def test_batched_models_equal_one_statement(sample_build, tmp_path):
    shutil.copy(sample_build.database, tmp_path / "warehouse.duckdb")
    dbt_build(
        tmp_path,
        {**SAMPLE_VARS, "build_batch_rows": 10_000},
        select=" ".join(BATCHED),
        command="run",
    )
    for model, column in BATCHED.items():
        compiled = next(p for p in (tmp_path / "target").rglob(f"{model}.sql") if "run" in p.parts)
        found = re.search(r"/\* build_batches (\[.*?\]) \*/", compiled.read_text())
        assert found, f"{model} was not batched"
        predicates = json.loads(found.group(1))
        # the sample's about 45,000 rows in batches of 10,000: five ranges of the column
        assert len(predicates) >= 4, predicates
        assert all(column in p for p in predicates)
    report = compare_tables(sample_build.database, tmp_path / "warehouse.duckdb", list(BATCHED))
    assert report["compared"] == sorted(BATCHED)
    assert report["differing"] == {}

"""Naming the first failure of a dbt build (etf_warehouse.build_failure)."""

from __future__ import annotations

from pathlib import Path

from etf_warehouse.build_failure import last_failure

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_duckdb_fatal_error_is_named_with_its_model():
    # lines of the console log of the 300-fund real build on DuckDB 2.0.0
    failure = last_failure(FIXTURES / "dbt_fatal_error.log")
    assert failure is not None
    assert failure.node == "int_ml_panel"
    assert failure.fatal is not None and failure.fatal.startswith("dict-surviving join")
    text = failure.explain()
    assert "int_ml_panel" in text and "scripts/setup.sh" in text and "snapshot" in text


def test_only_the_last_run_counts_and_an_ordinary_failure_is_plain(tmp_path):
    log = tmp_path / "dbt.log"
    log.write_text(
        "10:00:00  Running with dbt=1.11.16\n"
        "10:00:05  1 of 9 ERROR creating sql table model main.int_old ..... [ERROR in 0.1s]\n"
        "10:05:00  Running with dbt=1.11.16\n"
        "10:05:02  1 of 9 OK created sql table model main.int_prices_parsed ..... [OK in 1s]\n"
        "10:05:03    Failure in model int_corporate_actions_declared (models/x.sql)\n"
        "10:05:03    corporate actions actions.csv line 3: invalid declaration\n"
    )
    failure = last_failure(log)
    assert failure is not None
    assert (failure.node, failure.fatal) == ("int_corporate_actions_declared", None)
    assert "DuckDB" not in failure.explain()


def test_a_successful_run_has_no_failure(tmp_path):
    log = tmp_path / "dbt.log"
    log.write_text("10:05:00  Running with dbt=1.11.16\n10:06:00  Completed successfully\n")
    assert last_failure(log) is None
    assert last_failure(tmp_path / "absent.log") is None

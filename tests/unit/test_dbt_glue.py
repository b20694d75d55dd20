"""Typing of dbt config values for the Python models (etf_warehouse.dbt_glue)."""

from __future__ import annotations

import pytest

from etf_warehouse.dbt_glue import as_bool, optional_str, sample_config
from etf_warehouse.sample import SampleConfig


@pytest.mark.parametrize(
    "value", [True, "true", "True", " TRUE ", "1", 1, "yes", "Yes", "on", "ON"]
)
def test_as_bool_true(value):
    assert as_bool(value) is True


@pytest.mark.parametrize(
    "value", [False, "false", "False", "0", 0, "no", "off", "", "None", None, "2", "t"]
)
def test_as_bool_false(value):
    assert as_bool(value) is False


@pytest.mark.parametrize("value", [None, "", "   ", "None", "none", "null", " null "])
def test_optional_str_absent(value):
    assert optional_str(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("stooq", "stooq"),
        ("  data/*.txt ", "data/*.txt"),
        ("NULL", "NULL"),  # only the spellings dbt renders are treated as absent
        (0, "0"),
        (1.5, "1.5"),
    ],
)
def test_optional_str_present(value, expected):
    assert optional_str(value) == expected


SETTINGS = {
    "n_etfs": "12",
    "years": "2.5",
    "end_date": "2024-06-28",
    "seed": "7",
    "signal_strength": "0",
    "faults": "false",
}


def test_sample_config_types_its_fields():
    cfg = sample_config(SETTINGS)
    assert cfg == SampleConfig(
        n_etfs=12, years=2.5, end_date="2024-06-28", seed=7, signal_strength=0.0, faults=False
    )
    assert type(cfg.n_etfs) is int
    assert type(cfg.seed) is int
    assert type(cfg.years) is float
    assert type(cfg.signal_strength) is float
    assert cfg.faults is False
    assert cfg.calendar == "XASX"


def test_sample_config_accepts_native_values():
    settings = {**SETTINGS, "n_etfs": 30, "years": 5, "seed": 1, "faults": True}
    cfg = sample_config(settings)
    assert (cfg.n_etfs, cfg.years, cfg.seed, cfg.faults) == (30, 5.0, 1, True)
    assert type(cfg.years) is float


def test_sample_config_configs_compare_equal_for_equal_settings():
    # Equal configs are what the sample market cache keys on.
    assert sample_config(dict(SETTINGS)) == sample_config(dict(SETTINGS))
    assert hash(sample_config(dict(SETTINGS))) == hash(sample_config(dict(SETTINGS)))


@pytest.mark.parametrize("settings", [None, {}])
def test_sample_config_missing_settings(settings):
    with pytest.raises(ValueError, match="sample_market config is missing"):
        sample_config(settings)


def test_sample_config_invalid_values_are_rejected_by_the_config():
    with pytest.raises(ValueError, match="n_etfs"):
        sample_config({**SETTINGS, "n_etfs": "0"})


def test_frame_by_year_equals_one_ordered_read():
    """Read a year at a time, the frame (values, order, dtypes) equals one ordered read; a year
    without rows and an empty relation are fine."""
    import duckdb

    from etf_warehouse.dbt_glue import frame_by_year

    con = duckdb.connect()
    con.execute(
        "create table panel as select"
        " (date '2018-12-30' + to_days(((i * 7919) % 900)::integer))::date as price_date,"
        " 'T' || (i % 7) as ticker, i * 0.5 as f_x"
        " from range(2000) t(i)"
        " where year(date '2018-12-30' + to_days(((i * 7919) % 900)::integer)) <> 2020"
    )
    relation = con.table("panel")
    expected = relation.order("price_date, ticker, f_x").df()
    got = frame_by_year(relation, "price_date, ticker, f_x")
    assert sorted(got["price_date"].dt.year.unique()) == [2018, 2019, 2021]
    assert got.dtypes.equals(expected.dtypes)
    assert got.equals(expected)
    nothing = relation.filter("false")
    empty = frame_by_year(nothing, "price_date, ticker, f_x")
    assert empty.empty and empty.dtypes.equals(nothing.order("price_date").df().dtypes)

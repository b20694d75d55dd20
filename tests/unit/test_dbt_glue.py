"""Typing of dbt config values for the Python models (etf_warehouse.dbt_glue)."""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from etf_warehouse.dbt_glue import (
    as_bool,
    earlier_rows,
    live_rows_before,
    optional_str,
    sample_config,
)
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


def test_frame_stream_writes_each_frame_with_the_schemas_types():
    """A model's result as a stream: DuckDB creates the table (as dbt-duckdb does) from the
    frames as they come, dates as DATE, text, integers and floats as before; a generator's
    error fails the statement with its message; no frames give the typed empty table."""
    import numpy as np
    import pandas as pd

    from etf_warehouse.dbt_glue import frame_stream

    schema = {"ticker": "str", "price_date": "datetime64[ns]", "n": "int64", "x": "float64"}
    made = []

    def frames(k):
        for i in range(k):
            made.append(i)
            yield pd.DataFrame(
                {
                    "ticker": ["A", "B"],
                    "price_date": pd.to_datetime(["2020-01-02", "2020-01-03"]) + pd.Timedelta(i),
                    "n": [i, i],
                    "x": [0.5 * i, np.nan],
                }
            )

    con = duckdb.connect()
    stream = frame_stream(frames(3), schema, ["price_date"], step="t")
    assert made == []  # nothing made until DuckDB reads
    con.register("stream", stream)
    con.execute("create table t as select * from stream")
    assert made == [0, 1, 2]
    types = dict(
        con.sql(
            "select column_name, data_type from duckdb_columns() where table_name = 't'"
        ).fetchall()
    )
    assert types == {"ticker": "VARCHAR", "price_date": "DATE", "n": "BIGINT", "x": "DOUBLE"}
    assert con.sql("select count(*), sum(n), count(x) from t").fetchall() == [(6, 6, 3)]

    def failing():
        yield from frames(1)
        raise ValueError("the forecasting panel passed lacks dates")

    con.register("broken", frame_stream(failing(), schema, ["price_date"], step="t"))
    with pytest.raises(duckdb.Error, match="lacks dates"):
        con.execute("create table u as select * from broken")
    # a reader closed early (DuckDB stopped reading): the frames stop, nothing hangs
    endless = frame_stream(frames(10**6), schema, ["price_date"], step="t")
    assert endless.read_next_batch().num_rows == 2
    endless.close()
    stopped_at = len(made)
    assert stopped_at < 3 + 10  # the first three, the one read, and at most a queue's worth
    con.register("none", frame_stream(iter([]), schema, ["price_date"], step="t"))
    con.execute("create table v as select * from none")
    assert con.sql("select count(*) from v").fetchall() == [(0,)]
    assert [c[0] for c in con.sql("describe v").fetchall()] == list(schema)


# --- settings_from_config: one typed reader for every settings dataclass --------------------


def test_settings_from_config_types_each_field_by_its_annotation():
    from etf_warehouse.dbt_glue import settings_from_config
    from etf_warehouse.risk.garch import GarchSettings

    config = {
        "refit_months": "12",
        "max_window": 2520.0,
        "min_obs": 500,
        "horizon": 21,
        "band_multiple": 25,
    }
    settings = settings_from_config(GarchSettings, config, model="garch_fits")
    assert settings == GarchSettings(refit_months=12, band_multiple=25.0)
    assert type(settings.refit_months) is int and type(settings.max_window) is int
    assert type(settings.band_multiple) is float


def test_settings_from_config_prefix_fixed_optional_and_library_only_fields():
    from etf_warehouse.dbt_glue import factor_settings
    from etf_warehouse.risk.factors import FactorSettings

    config = {
        "daily_window": 252,
        "daily_min_obs": 126,
        "monthly_window": "60",
        "monthly_min_obs": "36",
        "max_staleness_days": 45,  # not a FactorSettings field: read by the model itself
        "stress_conditional_shocks": False,
    }
    assert factor_settings(config, "monthly", "factor_loadings") == FactorSettings(
        window=60, min_obs=36, hac_lags=None, periods_per_year=12
    )
    assert factor_settings(config, "daily", "factor_loadings") == FactorSettings()
    with pytest.raises(ValueError, match="weekly"):
        factor_settings(config, "weekly", "factor_loadings")


GARCH = {"refit_months": 36, "max_window": 2520, "min_obs": 500, "horizon": 21, "band_multiple": 25}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (None, "garch_fits: the garch config is missing"),
        ({}, "garch_fits: the garch config is missing"),
        ({"refit_months": 12}, "garch_fits: garch config lacks keys band_multiple, horizon, "),
        ({**GARCH, "refit_month": 12}, "garch_fits: garch config has unknown keys refit_month "),
        ({**GARCH, "refit_months": "x"}, "'garch.refit_months' = 'x' is not a valid int"),
        ({**GARCH, "refit_months": 1.5}, "'garch.refit_months' = 1.5 is not a valid int"),
        ({**GARCH, "refit_months": True}, "'garch.refit_months' = True is not a valid int"),
        ({**GARCH, "refit_months": None}, r"'garch.refit_months' is missing \(None\)"),
        ({**GARCH, "band_multiple": "wide"}, "'garch.band_multiple' = 'wide' is not a valid float"),
    ],
)
def test_settings_from_config_names_the_bad_key_and_the_model(config, message):
    from etf_warehouse.dbt_glue import settings_from_config
    from etf_warehouse.risk.garch import GarchSettings

    with pytest.raises(ValueError, match=message) as raised:
        settings_from_config(GarchSettings, config, model="garch_fits", name="garch")
    assert str(raised.value).startswith("garch_fits: ")


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("true", bool, True),
        ("False", bool, False),
        (1, bool, True),
        ("0", bool, False),
        (None, str | None, None),
        ("None", str | None, None),
        ("", str | None, None),
        ("XNYS", str | None, "XNYS"),
        ("7", int | None, 7),
        ("null", int | None, None),
        ("regime", str, "regime"),
        (252, float, 252.0),
    ],
)
def test_config_value(value, kind, expected):
    from etf_warehouse.dbt_glue import config_value

    got = config_value(value, kind, key="k", model="m")
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(("value", "kind"), [("maybe", bool), (2, bool), (None, str)])
def test_config_value_rejects(value, kind):
    from etf_warehouse.dbt_glue import config_value

    with pytest.raises(ValueError, match=r"^m: config 'k'"):
        config_value(value, kind, key="k", model="m")


# --- one default per setting: the dataclass defaults equal the dbt_project.yml vars ---------


def _project_vars_and_python_configs():
    """The vars block of dbt_project.yml, and every Python model's config from its property YAML
    (anchors and merge keys resolved)."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    project_vars = yaml.safe_load((root / "dbt_project.yml").read_text())["vars"]
    configs = {}
    for path in sorted((root / "python_models").glob("*/_*__models.yml")):
        for node in yaml.safe_load(path.read_text()).get("models", []):
            configs[node["name"]] = node.get("config") or {}
    return project_vars, configs


def _var_name(rendered: str) -> str:
    match = re.fullmatch(r"\{\{ var\('(\w+)'\) \}\}", rendered)
    assert match, f"{rendered!r}: a Python knob is written {{{{ var('x') }}}}, with no default"
    return match.group(1)


def _settings_classes():
    from etf_warehouse.backtest.engine import BacktestSettings
    from etf_warehouse.backtest.statistics import ValidationSettings
    from etf_warehouse.features.daily import FeatureWindows
    from etf_warehouse.forecast.ml import ForecastSettings
    from etf_warehouse.portfolio.construction import PortfolioSettings
    from etf_warehouse.risk.factors import FactorSettings
    from etf_warehouse.risk.garch import GarchSettings
    from etf_warehouse.sample import SampleConfig

    # config name -> settings class, key prefix; FactorSettings' defaults are the daily ones
    return {
        "sample_market": (SampleConfig, ""),
        "windows": (FeatureWindows, ""),
        "garch": (GarchSettings, ""),
        "forecast": (ForecastSettings, ""),
        "portfolio": (PortfolioSettings, ""),
        "backtest": (BacktestSettings, ""),
        "validation": (ValidationSettings, ""),
        "factor_model": (FactorSettings, "daily_"),
    }


def test_python_knobs_have_their_one_default_in_the_vars_block():
    """Every knob a Python model's config reads is a var declared in dbt_project.yml."""
    project_vars, configs = _project_vars_and_python_configs()
    knobs = set(_settings_classes()) | {
        "python_workers",
        "beta_kalman_memory",
        "scoring_weights_mode",
        "sessions_per_year",
        "exchange_calendar",
    }
    seen = set()
    for model_name, config in configs.items():
        for key, value in config.items():
            if key not in knobs and not key.endswith("_path") and key != "prices_format":
                continue
            seen.add(key)
            for rendered in value.values() if isinstance(value, dict) else [value]:
                name = _var_name(rendered)
                assert name in project_vars, f"{model_name}.{key}: var {name} not declared"
    assert seen >= knobs


def test_settings_dataclass_defaults_equal_the_dbt_vars_defaults():
    """The library's dataclass defaults (used by unit tests and direct callers) cannot drift from
    the dbt defaults, and each config dict gives every field the library does not keep."""
    from etf_warehouse.dbt_glue import LIBRARY_ONLY, config_value
    from etf_warehouse.portfolio.construction import backtest_strategies
    from etf_warehouse.risk.beta import KalmanBetaSettings

    project_vars, configs = _project_vars_and_python_configs()
    checked = set()
    for model_name, config in configs.items():
        for key, value in config.items():
            if key not in _settings_classes():
                continue
            cls, prefix = _settings_classes()[key]
            hints = typing.get_type_hints(cls)
            defaults = {f.name: f.default for f in dataclasses.fields(cls)}
            fields = {k[len(prefix) :]: v for k, v in value.items() if k.startswith(prefix)}
            wanted = set(defaults) - LIBRARY_ONLY.get(cls, set()) - {"periods_per_year"}
            assert set(fields) == wanted, f"{model_name}.{key}: keys differ from {cls.__name__}"
            for field, rendered in fields.items():
                var = _var_name(rendered)
                dbt_default = config_value(project_vars[var], hints[field], key=var, model="test")
                assert dbt_default == defaults[field], (
                    f"var {var} defaults to {project_vars[var]!r} in dbt_project.yml but "
                    f"{cls.__name__}.{field} to {defaults[field]!r}"
                )
            checked.add(key)
    assert checked == set(_settings_classes())
    assert project_vars["beta_kalman_memory"] == KalmanBetaSettings().memory
    default_mode = inspect.signature(backtest_strategies).parameters["weights_mode"].default
    assert project_vars["scoring_weights_mode"] == default_mode


def test_earlier_rows_reads_the_state_or_names_what_is_missing():
    con = duckdb.connect()
    con.execute("create table vol as select 'AAA' as ticker, 1.5 as ewma_state")
    got = earlier_rows(con, "vol", ["ewma_state"], "select ewma_state from vol")
    assert got["ewma_state"].tolist() == [1.5]
    with pytest.raises(RuntimeError, match=r"no column garch_state.*full `dbt build`"):
        earlier_rows(con, "vol", ["ewma_state", "garch_state"], "select * from vol")


def test_wide_returns_equals_the_frames_pivot():
    """wide_returns reads the grid as positions (frames.relation_grid): the same frame as
    pandas' pivot of the long rows, nulls and missing rows NaN, dates and tickers ascending."""
    from etf_warehouse.dbt_glue import wide_returns

    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2020-01-01", periods=40)
    rows = pd.DataFrame(
        [
            (t, d, r)
            for t in ["ZZ", "AA.AX", "MM"]
            for d, r in zip(dates, rng.normal(0, 0.01, 40), strict=True)
        ]
        + [("BB", dates[3], None)],  # a fund whose only row has no return
        columns=["ticker", "date", "daily_return"],
    )
    rows = rows.drop(index=[5, 6, 50]).sample(frac=1.0, random_state=1)  # gaps, any order
    rows.loc[rows.index[:7], "daily_return"] = None
    expected = rows.pivot(index="date", columns="ticker", values="daily_return").sort_index()
    expected.index = pd.DatetimeIndex(expected.index)
    relation = duckdb.connect().from_df(rows.assign(date=rows["date"].dt.date))
    got = wide_returns(relation)
    pd.testing.assert_frame_equal(got, expected.astype(float), check_exact=True)
    assert list(got.columns) == ["AA.AX", "BB", "MM", "ZZ"]
    assert got["BB"].isna().all() and got.isna().sum().sum() == expected.isna().sum().sum()


def test_live_rows_before_goes_back_rows_per_fund():
    """The date a refresh from 2024-01-10 reads from so that each fund has two rows before its
    first new one: AAA's rows are daily (its first new row is its 10th: the 8th, 2024-01-08),
    BBB's every other day (first new 2024-01-10, its 5th: the 3rd, 2024-01-06); a fund with no
    new rows (CCC) does not count, and one whose first new row is its first (DDD) goes back to
    that row."""
    con = duckdb.connect()
    con.execute(
        """
        create table adjusted as
        select 'AAA' as ticker, date '2024-01-01' + (i - 1)::int as price_date, i as obs_index
        from range(1, 13) as t(i)
        union all
        select 'BBB', date '2023-12-31' + (2 * i)::int, i from range(1, 7) as t(i)
        union all
        select 'CCC', date '2023-12-01' + i::int, i from range(1, 5) as t(i)
        union all
        select 'DDD', date '2024-01-12', 1
        """
    )
    relation = con.table("adjusted")
    refresh = pd.Timestamp("2024-01-10")
    assert live_rows_before(con, relation, refresh, 2) == pd.Timestamp("2024-01-06")
    assert live_rows_before(con, relation, refresh, 0) == refresh
    assert live_rows_before(con, relation, None, 2) is None
    assert live_rows_before(con, relation, pd.Timestamp.max, 2) == pd.Timestamp.max

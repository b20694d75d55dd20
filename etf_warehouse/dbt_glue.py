"""Helpers shared by the thin dbt Python models in ``python_models/``.

dbt vars are not visible inside Python models: each model's property YAML
(``python_models/*/_*__models.yml``) copies the vars it needs into its config, and
:func:`settings_from_config` turns such a config dict into the library's settings dataclass.
Every default lives in the ``vars:`` block of ``dbt_project.yml``; the dataclass defaults are
tested equal to them (tests/unit/test_dbt_glue.py). Python models must call
``dbt.config.get("<name>")`` literally: dbt only ships the config keys it finds spelled out in
the model file.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from etf_warehouse.forecast.ml import ForecastSettings
from etf_warehouse.portfolio.construction import PortfolioSettings
from etf_warehouse.risk.beta import KalmanBetaSettings
from etf_warehouse.risk.factors import FactorSettings
from etf_warehouse.sample import SampleConfig

SettingsT = TypeVar("SettingsT")

# Settings fields no dbt config sets: constants tuned in the library. Every other field of a
# settings class read by settings_from_config must be in the model's config (or `fixed`).
LIBRARY_ONLY: dict[type, frozenset[str]] = {
    SampleConfig: frozenset({"calendar"}),
    ForecastSettings: frozenset(
        {
            "calibration_months",
            "min_calibration_rows",
            "min_member_weight",
            "ridge_alpha",
            "gbm_max_iter",
            "gbm_learning_rate",
            "gbm_max_leaf_nodes",
            "gbm_min_samples_leaf",
            "label_winsor",
        }
    ),
    PortfolioSettings: frozenset({"forecast_periods_per_year"}),
    KalmanBetaSettings: frozenset(
        {
            "noise_lambda",
            "initial_beta",
            "initial_variance",
            "variance_floor",
            "innovation_clip",
            "min_pairs",
        }
    ),
    FactorSettings: frozenset({"hac_lags"}),
}

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_ABSENT = {"", "None", "none", "null"}  # how dbt renders a var that is null


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def optional_str(value: Any) -> str | None:
    """Config values rendered from absent vars arrive as '' or 'None'."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in _ABSENT else text


def config_value(value: Any, kind: Any, *, key: str, model: str) -> Any:
    """``value`` (a rendered dbt config value) as ``kind``: int, float, bool, str, or one of them
    ``| None``. Raises ValueError naming ``model`` and ``key`` when it is missing or invalid.

    Integers accept integral floats and numeric text; booleans accept true/false, 1/0, yes/no,
    on/off in any case; for an optional kind, None, '' and 'None'/'none'/'null' give None.
    """
    optional = typing.get_origin(kind) in (typing.Union, types.UnionType)
    if optional:
        kinds = [k for k in typing.get_args(kind) if k is not type(None)]
        if len(kinds) != 1:
            raise TypeError(f"{model}: config {key!r}: unsupported type {kind!r}")
        if optional_str(value) is None:
            return None
        kind = kinds[0]
    if value is None:
        raise ValueError(f"{model}: config {key!r} is missing (None)")
    try:
        return _convert(value, kind)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{model}: config {key!r} = {value!r} is not a valid {kind.__name__} ({err})"
        ) from None


def _convert(value: Any, kind: type) -> Any:
    if kind is str:
        return str(value)
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError("expected true or false")
    if isinstance(value, bool):  # True is an int in Python, but never a number in a config
        raise ValueError("a boolean is not a number")
    if kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError("not a whole number")
            return int(value)
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    if kind is float:
        return float(value)
    raise TypeError(f"unsupported type {kind!r}")


def settings_from_config(
    cls: type[SettingsT],
    config: Mapping[str, Any] | None,
    *,
    model: str,
    name: str | None = None,
    prefix: str = "",
    fixed: Mapping[str, Any] | None = None,
) -> SettingsT:
    """The settings dataclass ``cls`` from a dbt config dict, each value typed by its field.

    ``config`` is what ``dbt.config.get(name)`` returned in ``model``. Every field of ``cls``
    comes from the key ``prefix + field`` (keys without ``prefix`` are left to other readers),
    except the fields in ``fixed`` (values the caller sets) and in :data:`LIBRARY_ONLY` (which
    keep their dataclass default). A missing config, a missing or unknown key and a value its
    field's type cannot hold each raise ValueError naming the key and the model.
    """
    label = name or cls.__name__
    if not isinstance(config, Mapping) or not config:
        raise ValueError(
            f"{model}: the {label} config is missing (set it in the model's property YAML, "
            "python_models/*/_*__models.yml)"
        )
    fixed = dict(fixed or {})
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    given = {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}
    unknown = sorted(set(given) - fields)
    if unknown:
        keys = ", ".join(prefix + k for k in unknown)
        raise ValueError(f"{model}: {label} config has unknown keys {keys} ({cls.__name__})")
    wanted = fields - set(fixed) - LIBRARY_ONLY.get(cls, frozenset())
    missing = sorted(wanted - set(given))
    if missing:
        keys = ", ".join(prefix + k for k in missing)
        raise ValueError(f"{model}: {label} config lacks keys {keys} ({cls.__name__})")
    values = {
        field: config_value(given[field], hints[field], key=f"{label}.{prefix}{field}", model=model)
        for field in sorted(wanted)
    }
    return cls(**values, **fixed)


def sample_config(settings: Mapping[str, Any] | None, model: str = "sample") -> SampleConfig:
    """The :class:`SampleConfig` a dbt run asked for through the ``sample_*`` vars, from the
    ``sample_market`` config dict (python_models/sample/_sample__models.yml)."""
    return settings_from_config(SampleConfig, settings, model=model, name="sample_market")


def worker_count(wanted: int) -> int:
    """Processes for embarrassingly parallel fits: ``wanted``, capped by the CPUs."""
    import os

    return max(1, min(wanted, os.cpu_count() or 1))


def factor_settings(config: Mapping[str, Any] | None, frequency: str, model: str) -> FactorSettings:
    """:class:`FactorSettings` for ``frequency`` (daily | monthly) from the ``factor_model``
    config dict: its ``daily_*`` or ``monthly_*`` keys."""
    periods = {"daily": 252, "monthly": 12}
    if frequency not in periods:
        raise ValueError(f"unknown factor frequency {frequency!r} (expected daily or monthly)")
    return settings_from_config(
        FactorSettings,
        config,
        model=model,
        name="factor_model",
        prefix=f"{frequency}_",
        fixed={"periods_per_year": periods[frequency]},
    )


def with_date_columns(frame: Any, columns: list[str]) -> Any:
    """Turn timestamp columns into calendar dates (Arrow date32), so DuckDB stores DATE columns
    that join with the SQL models' dates without casts."""
    import pandas as pd

    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is left as it was
    for column in columns:
        out[column] = pd.to_datetime(out[column]).astype("date32[pyarrow]")
    return out


def sql_string_list(values: list[str]) -> str:
    """A SQL list of string literals, ``('a', 'b')``, quotes doubled: for ``x in ...`` filters
    of a relation (which take an expression, not parameters). Never empty: ``(NULL)``."""
    quoted = ["'" + str(v).replace("'", "''") + "'" for v in values]
    return "(" + (", ".join(quoted) or "NULL") + ")"


def wide_returns(relation: Any) -> Any:
    """(date x ticker) daily returns from a DuckDB relation with columns ticker, date,
    daily_return (one row per ticker and date), NaN where a fund has none: the frame's pivot,
    read without a string per row (etf_warehouse.frames.relation_grid)."""
    import pandas as pd

    from etf_warehouse.frames import relation_grid

    dates, tickers, grids = relation_grid(relation, "date", "ticker", ["daily_return"])
    return pd.DataFrame(grids["daily_return"], index=pd.DatetimeIndex(dates), columns=tickers)


def live_refresh_from(dbt: Any, refresh_window: Any) -> Any:
    """The first date a live refresh recomputes (a pandas Timestamp), or None in a full build.

    ``refresh_window`` is ``dbt.ref("int_refresh_window")``, which each model references
    itself (dbt finds a Python model's refs in its own source). Python models that opt into the
    live refresh (incremental_strategy ``tail``) return only their rows dated on or after it;
    see macros/live/live_refresh.sql.
    """
    import pandas as pd

    window = refresh_window.df()
    if not dbt.is_incremental or window.empty or pd.isna(window["refresh_from"].iloc[0]):
        return None if not dbt.is_incremental else pd.Timestamp.max
    return pd.Timestamp(window["refresh_from"].iloc[0])


def earlier_rows(session: Any, this: Any, state_columns: list[str], query: str) -> Any:
    """``query`` (over ``this``, the model's existing table) as a frame, for a live refresh
    that carries filter states on; a clear error if the table predates those state columns.
    """
    have = set(session.sql(f"select * from {this} limit 0").columns)
    missing = [c for c in state_columns if c not in have]
    if missing:
        raise RuntimeError(
            f"{this} has no column {', '.join(missing)}: it was built by an earlier version, "
            "which kept no filter state. Run a full `dbt build` once, then refresh."
        )
    return session.sql(query).df()


def tail_rows(frame: Any, column: str, refresh_from: Any) -> Any:
    """The rows of ``frame`` dated on or after ``refresh_from`` (all of them when it is None)."""
    import pandas as pd

    if refresh_from is None:
        return frame
    return frame.loc[pd.to_datetime(frame[column]) >= refresh_from].reset_index(drop=True)


def frame_stream(
    frames: Any, schema: Mapping[str, str], date_columns: list[str], *, step: str
) -> Any:
    """A model's result as a stream (:func:`batch_stream`) of ``frames``: pandas frames with
    ``schema``'s columns and dtypes, as etf_warehouse's ``output_schema``, the
    ``date_columns`` as calendar dates."""
    import numpy as np
    import pyarrow as pa

    kinds = {"str": pa.string(), "int64": pa.int64(), "float64": pa.float64()}
    arrow_schema = pa.schema(
        [
            (
                name,
                pa.date32()
                if name in date_columns
                else kinds.get(dtype) or pa.from_numpy_dtype(np.dtype(dtype)),
            )
            for name, dtype in schema.items()
        ]
    )
    batches = (
        pa.RecordBatch.from_pandas(
            with_date_columns(frame, date_columns), schema=arrow_schema, preserve_index=False
        )
        for frame in frames
    )
    return batch_stream(batches, arrow_schema, step=step)


def batch_stream(batches: Any, arrow_schema: Any, *, step: str) -> Any:
    """A model's result as a stream: an Arrow record-batch reader over ``batches`` (Arrow
    record batches with ``arrow_schema``). dbt-duckdb registers what a Python model returns and
    creates the table from it, so DuckDB writes each batch as it is made and the model's result
    is never all in memory.

    ``batches`` is consumed in a thread of its own, a batch or two ahead of DuckDB, and reported
    under ``step`` while it runs; DuckDB's threads only wait for the next batch. (Run inside
    DuckDB's scan, ml_forecasts' frames took 87 s instead of 47 s at 3,000 funds: DuckDB's
    second thread and the generator's Python contended.) Where they read the warehouse while
    DuckDB's query runs, they do so on a connection of their own (``session.cursor()``). An
    error they raise fails the model with its message."""
    import queue
    import threading

    import pyarrow as pa

    from etf_warehouse.progress import model_progress

    made: queue.Queue = queue.Queue(maxsize=2)
    done = object()
    stop = threading.Event()  # the reader went away: stop making batches

    def hand_over(item: Any) -> bool:
        """Put ``item`` on the queue unless the reader went away (then False)."""
        while not stop.is_set():
            try:
                made.put(item, timeout=1.0)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            with model_progress(step):
                for batch in batches:
                    if not hand_over(batch):
                        return
            hand_over(done)
        except BaseException as error:  # handed to the reader, which raises it in DuckDB
            hand_over(error)

    def stream() -> Any:
        maker = threading.Thread(target=make, name=f"stream-{step}", daemon=True)
        maker.start()
        try:
            while (item := made.get()) is not done:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            maker.join()

    return pa.RecordBatchReader.from_batches(arrow_schema, stream())


def live_rows_before(session: Any, relation: Any, refresh_from: Any, rows: int) -> Any:
    """The first date a live refresh reads so that ``rows`` rows before each fund's new prices
    are in it: the earlier of ``refresh_from`` and the date of the row ``rows`` before each
    fund's first row on or after it (``relation`` has ticker, price_date and obs_index, as
    int_prices_adjusted). The Python models' twin of the macro ``live_rows_before``
    (macros/live/live_refresh.sql), the same query."""
    import pandas as pd

    if refresh_from is None or refresh_from == pd.Timestamp.max:
        return refresh_from
    since = f"date '{refresh_from:%Y-%m-%d}'"
    source = f"({relation.sql_query()})"
    first = session.sql(
        f"""
        with first_new as (
            select ticker, min(obs_index) as n
            from {source} as adjusted
            where price_date >= {since}
            group by ticker
        )
        select least({since}, min(rows_before.price_date))
        from {source} as rows_before
        inner join first_new
            on rows_before.ticker = first_new.ticker
            and rows_before.obs_index = greatest(first_new.n - {int(rows)}, 1)
        """
    ).fetchall()[0][0]
    return pd.Timestamp(first) if first is not None else refresh_from

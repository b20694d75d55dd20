"""Helpers shared by the thin dbt Python models in ``python_models/``.

dbt vars are not visible inside Python models; ``dbt_project.yml`` and the models' YAML copy the
vars a model needs into its config, and these helpers read and type them.
"""

from __future__ import annotations

from typing import Any

from etf_warehouse.backtest.engine import BacktestSettings
from etf_warehouse.backtest.statistics import ValidationSettings
from etf_warehouse.forecast.ml import ForecastSettings
from etf_warehouse.portfolio.construction import PortfolioSettings
from etf_warehouse.risk.beta import KalmanBetaSettings
from etf_warehouse.risk.factors import FactorSettings
from etf_warehouse.risk.garch import GarchSettings
from etf_warehouse.sample import SampleConfig


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes", "on"}


def optional_str(value: Any) -> str | None:
    """Config values rendered from absent vars arrive as '' or 'None'."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in {"", "None", "none", "null"} else text


def sample_config(settings: dict[str, Any] | None) -> SampleConfig:
    """The :class:`SampleConfig` a dbt run asked for through the ``sample_*`` vars.

    ``settings`` is the ``sample_market`` config dict that ``dbt_project.yml`` fills from the
    vars. Python models must call ``dbt.config.get("sample_market")`` literally: dbt only ships
    the config keys it finds spelled out in the model file.
    """
    if not settings:
        raise ValueError("the sample_market config is missing (see dbt_project.yml)")
    return SampleConfig(
        n_etfs=int(settings["n_etfs"]),
        years=float(settings["years"]),
        end_date=str(settings["end_date"]),
        seed=int(settings["seed"]),
        signal_strength=float(settings["signal_strength"]),
        faults=as_bool(settings["faults"]),
    )


def garch_settings(settings: dict[str, Any] | None) -> GarchSettings:
    """:class:`GarchSettings` from the ``garch`` config dict (see dbt_project.yml)."""
    settings = settings or {}
    defaults = GarchSettings()
    return GarchSettings(
        refit_months=int(settings.get("refit_months", defaults.refit_months)),
        max_window=int(settings.get("max_window", defaults.max_window)),
        min_obs=int(settings.get("min_obs", defaults.min_obs)),
        horizon=int(settings.get("horizon", defaults.horizon)),
        band_multiple=float(settings.get("band_multiple", defaults.band_multiple)),
    )


def worker_count(value: Any) -> int:
    """Processes for embarrassingly parallel fits: the config value, capped by the CPUs."""
    import os

    wanted = int(value) if value not in (None, "", "None") else 2
    return max(1, min(wanted, os.cpu_count() or 1))


def kalman_beta_settings(memory: Any) -> KalmanBetaSettings:
    """:class:`KalmanBetaSettings` with the ``beta_kalman_memory`` var (observations)."""
    if memory in (None, "", "None"):
        return KalmanBetaSettings()
    return KalmanBetaSettings(memory=int(memory))


def forecast_settings(settings: dict[str, Any] | None) -> ForecastSettings:
    """:class:`ForecastSettings` from the ``forecast`` config dict (see dbt_project.yml)."""
    settings = settings or {}
    defaults = ForecastSettings()
    return ForecastSettings(
        horizon=int(settings.get("horizon", defaults.horizon)),
        embargo=int(settings.get("embargo", defaults.embargo)),
        retrain_months=int(settings.get("retrain_months", defaults.retrain_months)),
        min_train_months=int(settings.get("min_train_months", defaults.min_train_months)),
        min_funds_per_month=int(settings.get("min_funds_per_month", defaults.min_funds_per_month)),
        max_train_months=int(settings.get("max_train_months", defaults.max_train_months)),
        seed=int(settings.get("seed", defaults.seed)),
    )


def with_date_columns(frame: Any, columns: list[str]) -> Any:
    """Turn timestamp columns into calendar dates (Arrow date32), so DuckDB stores DATE columns
    that join with the SQL models' dates without casts."""
    import pandas as pd

    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is left as it was
    for column in columns:
        out[column] = pd.to_datetime(out[column]).astype("date32[pyarrow]")
    return out


def portfolio_settings(settings: dict[str, Any] | None) -> PortfolioSettings:
    """:class:`PortfolioSettings` from the ``portfolio`` config dict (see dbt_project.yml)."""
    settings = settings or {}
    defaults = PortfolioSettings()
    return PortfolioSettings(
        top_n=int(settings.get("top_n", defaults.top_n)),
        selection_buffer=float(settings.get("selection_buffer", defaults.selection_buffer)),
        max_weight=float(settings.get("max_weight", defaults.max_weight)),
        risk_aversion=float(settings.get("risk_aversion", defaults.risk_aversion)),
        turnover_penalty=float(settings.get("turnover_penalty", defaults.turnover_penalty)),
        cov_window=int(settings.get("cov_window", defaults.cov_window)),
    )


def backtest_settings(settings: dict[str, Any] | None) -> BacktestSettings:
    """:class:`BacktestSettings` from the ``backtest`` config dict (see dbt_project.yml)."""
    settings = settings or {}
    defaults = BacktestSettings()
    return BacktestSettings(
        portfolio_value=float(settings.get("portfolio_value", defaults.portfolio_value)),
        impact_coefficient=float(settings.get("impact_coefficient", defaults.impact_coefficient)),
        delisting_grace=int(settings.get("delisting_grace", defaults.delisting_grace)),
    )


def validation_settings(settings: dict[str, Any] | None) -> ValidationSettings:
    settings = settings or {}
    defaults = ValidationSettings()
    return ValidationSettings(
        spa_reps=int(settings.get("spa_reps", defaults.spa_reps)),
        seed=int(settings.get("seed", defaults.seed)),
        extra_trials=int(settings.get("extra_trials", defaults.extra_trials)),
    )


def wide_returns(frame: Any) -> Any:
    """(date x ticker) daily returns from a long ticker/date/daily_return frame."""
    import pandas as pd

    wide = frame.pivot(index="date", columns="ticker", values="daily_return").sort_index()
    wide.index = pd.DatetimeIndex(wide.index)
    return wide


def factor_settings(settings: dict[str, Any] | None, frequency: str) -> FactorSettings:
    """:class:`FactorSettings` for ``frequency`` (daily | monthly) from the ``factor_model``
    config dict (see dbt_project.yml)."""
    settings = settings or {}
    if frequency == "daily":
        return FactorSettings(
            window=int(settings.get("daily_window", 252)),
            min_obs=int(settings.get("daily_min_obs", 126)),
            periods_per_year=252,
        )
    if frequency == "monthly":
        return FactorSettings(
            window=int(settings.get("monthly_window", 60)),
            min_obs=int(settings.get("monthly_min_obs", 36)),
            periods_per_year=12,
        )
    raise ValueError(f"unknown factor frequency {frequency!r} (expected daily or monthly)")


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


def tail_rows(frame: Any, column: str, refresh_from: Any) -> Any:
    """The rows of ``frame`` dated on or after ``refresh_from`` (all of them when it is None)."""
    import pandas as pd

    if refresh_from is None:
        return frame
    return frame.loc[pd.to_datetime(frame[column]) >= refresh_from].reset_index(drop=True)


def frame_by_year(relation: Any, order: str, date_column: str = "price_date") -> Any:
    """``relation`` as one pandas frame sorted by ``order`` (which must start with
    ``date_column``), read from DuckDB one calendar year of ``date_column`` at a time.

    The same frame, dtypes included, as ``relation.order(order).df()``, at a fraction of the
    memory: DuckDB sorts and converts the whole result at once, and at 3,000 funds that read of
    the forecasting panel (1.4 GB as a frame) peaked at 7.3 GiB, the build's peak; a year at a
    time it peaks at 4.1 GiB (benchmarks/README.md).
    """
    import pandas as pd

    years = sorted(y for (y,) in relation.aggregate(f"year({date_column})").distinct().fetchall())
    if not years:  # no rows: still the relation's columns and types
        return relation.order(order).df()
    parts = [
        relation.filter(
            f"{date_column} >= make_date({year}, 1, 1)"
            f" and {date_column} < make_date({year + 1}, 1, 1)"
        )
        .order(order)
        .df()
        for year in years  # only years with rows: an empty part would turn text columns to object
    ]
    return pd.concat(parts, ignore_index=True)

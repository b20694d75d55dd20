"""Helpers shared by the thin dbt Python models in ``python_models/``.

dbt vars are not visible inside Python models; ``dbt_project.yml`` and the models' YAML copy the
vars a model needs into its config, and these helpers read and type them.
"""

from __future__ import annotations

from typing import Any

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

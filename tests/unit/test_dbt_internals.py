"""The dbt internals module refuses dbt versions it was not checked with."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from etf_warehouse import dbt_internals

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_pinned_versions_are_pyprojects_pins():
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    pins = dict(d.split("==", 1) for d in dependencies if "==" in d)
    for distribution, version in dbt_internals.PINNED_VERSIONS.items():
        assert pins[distribution] == version


def test_the_installed_versions_pass():
    dbt_internals.check_versions()


@pytest.mark.parametrize("distribution", ["dbt-core", "dbt-duckdb"])
def test_another_version_is_refused_naming_both_versions(monkeypatch, distribution):
    pinned = dbt_internals.PINNED_VERSIONS[distribution]
    other = "1.12.0"
    monkeypatch.setattr(
        dbt_internals,
        "_installed_version",
        lambda d: other if d == distribution else dbt_internals.PINNED_VERSIONS[d],
    )
    with pytest.raises(dbt_internals.DbtVersionError) as raised:
        dbt_internals.check_versions()
    message = str(raised.value)
    assert f"{distribution} {other} is installed" in message
    assert f"{distribution} {pinned} is pinned" in message


def test_a_missing_distribution_is_refused(monkeypatch):
    monkeypatch.setattr(dbt_internals, "_installed_version", lambda d: None)
    with pytest.raises(dbt_internals.DbtVersionError, match="dbt-duckdb \\(not installed\\)"):
        dbt_internals.check_versions()


def test_the_first_use_checks(monkeypatch):
    monkeypatch.setattr(dbt_internals, "_checked", False)
    monkeypatch.setattr(dbt_internals, "_installed_version", lambda d: "0.0.1")
    with pytest.raises(dbt_internals.DbtVersionError):
        dbt_internals.new_runner()
    with pytest.raises(dbt_internals.DbtVersionError):
        dbt_internals.release_warehouse()

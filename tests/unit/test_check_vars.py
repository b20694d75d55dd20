"""The var check that runs before every dbt run (macros/helpers/check_vars.sql) knows every var.

Its kinds are listed in the macro; these tests keep that list and dbt_project.yml in step (a var
added to one and not the other fails here) and check each default is of its declared kind.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _kinds() -> dict:
    text = (PROJECT_ROOT / "macros" / "helpers" / "check_vars.sql").read_text()
    block = re.search(r"# BEGIN VAR KINDS\n(.*)# END VAR KINDS", text, re.S)
    assert block, "check_vars.sql lost its BEGIN/END VAR KINDS markers"
    return yaml.safe_load(block.group(1))


def _defaults() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]


def _fits(value, kind) -> bool:
    if isinstance(kind, list):
        return value in kind
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "text_or_null":
        return value is None or isinstance(value, str)
    if kind == "date":
        return isinstance(value, dt.date) or bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)))
    raise AssertionError(f"unknown kind {kind!r}")


def test_every_var_has_a_kind_and_every_kind_a_var():
    kinds, defaults = _kinds(), _defaults()
    assert sorted(set(defaults) - set(kinds)) == [], "vars with no kind in check_vars.sql"
    assert sorted(set(kinds) - set(defaults)) == [], "kinds of vars dbt_project.yml no longer has"


@pytest.mark.parametrize("name", sorted(_defaults()))
def test_each_default_is_of_its_kind(name):
    assert _fits(_defaults()[name], _kinds()[name])

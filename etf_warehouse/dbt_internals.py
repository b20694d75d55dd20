"""Every use of dbt's and dbt-duckdb's internals in the package, behind a version check.

The live pipeline (:mod:`etf_warehouse.live`) runs dbt in its own process, repeatedly, with one
parsed manifest. That needs a few things dbt does not promise across versions: resetting the
compilation state of a reused manifest's nodes (``_pre_injected_sql`` and friends), closing
the DuckDB instance dbt-duckdb keeps in a class attribute (``DuckDBConnectionManager._ENV``),
and running each invocation from the project folder with the warehouse path in the
environment (``profiles.yml`` reads it). They are known to work with the versions pinned in
``pyproject.toml``, and only those: the first use checks the installed versions and refuses
others (:class:`DbtVersionError`). A dbt upgrade changes the pins here and in pyproject.toml
(``tests/unit/test_dbt_internals.py`` checks they agree) after re-checking each function below.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path
from typing import Any

# The versions this module was checked against: pyproject.toml pins the same (a unit test
# asserts it).
PINNED_VERSIONS = {"dbt-core": "1.11.16", "dbt-duckdb": "1.11.1"}

_checked = False


class DbtVersionError(RuntimeError):
    """The installed dbt-core or dbt-duckdb is not the version this module was checked with."""


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_versions() -> None:
    """Raise :class:`DbtVersionError` unless the installed dbt-core and dbt-duckdb are the
    pinned versions (:data:`PINNED_VERSIONS`)."""
    mismatches = []
    for distribution, pinned in PINNED_VERSIONS.items():
        installed = _installed_version(distribution)
        if installed != pinned:
            mismatches.append(
                f"{distribution} {installed or '(not installed)'} is installed, "
                f"{distribution} {pinned} is pinned"
            )
    if mismatches:
        raise DbtVersionError(
            "; ".join(mismatches) + ". The live pipeline uses dbt internals checked only with the"
            " pinned versions (etf_warehouse/dbt_internals.py): install the pins"
            " (`pip install -e .`), or re-check that module and update its PINNED_VERSIONS and"
            " pyproject.toml together"
        )


def _ensure_checked() -> None:
    global _checked
    if not _checked:
        check_versions()
        _checked = True


def new_runner(manifest: Any = None) -> Any:
    """A ``dbtRunner``, reusing ``manifest`` (parsed earlier in this process) when given."""
    _ensure_checked()
    from dbt.cli.main import dbtRunner

    return dbtRunner(manifest=manifest)


def invoke(runner: Any, argv: list[str], *, project_dir: Path, warehouse: Path) -> Any:
    """Run ``argv`` with ``runner`` from ``project_dir`` on ``warehouse``; the warehouse file is
    released afterwards (see :func:`release_warehouse`), whatever happened."""
    _ensure_checked()
    # dbt runs Python models in two threads of this process: import their library first,
    # or two threads importing arch at once can deadlock on Python's import locks
    import etf_warehouse.dbt_glue  # noqa: F401

    os.environ["ETF_WAREHOUSE_PATH"] = str(warehouse)
    cwd = os.getcwd()
    try:
        os.chdir(project_dir)
        return runner.invoke(argv)
    finally:
        os.chdir(cwd)
        release_warehouse()


def reset_compilation(manifest: Any) -> None:
    """Make a reused manifest compile every node afresh. dbt marks a node whose ephemeral
    CTEs it injected and skips the injection next time, so a second run in one process would
    send a model its inlined feature views' names without their SQL (or last run's SQL)."""
    _ensure_checked()
    for node in manifest.nodes.values():
        if node.resource_type != "seed":  # seeds are not compiled
            node.compiled = False
            node.compiled_code = None
            node.extra_ctes_injected = False
            node.extra_ctes = []
            node._pre_injected_sql = None


def release_warehouse() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open in this process after a run, so that
    readers and the publisher can open the warehouse file between refreshes."""
    _ensure_checked()
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
        DuckDBConnectionManager._ENV = None


def failure_detail(result: Any) -> str:
    """Why a ``dbtRunner`` invocation failed: its exception, or its failed nodes."""
    if result.exception:
        return str(result.exception)
    failed = [
        f"{r.node.name}: {r.message}"
        for r in getattr(result.result, "results", []) or []
        if str(r.status).lower() in {"error", "fail", "runtime error"}
    ]
    return "; ".join(failed) or "see logs/dbt.log"


def model_seconds(result: Any) -> dict[str, float]:
    """Execution time of each model a ``dbtRunner`` run ran, in the order it ran them."""
    return {
        r.node.name: r.execution_time
        for r in result.result.results
        if r.node.resource_type == "model"
    }

"""What a warehouse was built with, so a live refresh can refuse to mix two builds.

A live refresh recomputes only the newest rows and keeps the rest as the last full build wrote
them. If the project's code or settings changed in between, the new rows would come from other
rules than the old ones, and the warehouse would equal no full build: silently wrong. So a full
build records

- ``build_code_files`` (this module, through the Python model of that name): the SHA-256 of
  every file that shapes a table (the dbt project's models, Python models, macros, seeds and
  ``dbt_project.yml``; the library's Python source, the dashboard's aside);
- ``build_settings`` (SQL, every var's value; ``macros/live/check_build_settings.sql`` compares
  them at the start of a refresh),

and :meth:`etf_warehouse.live.LivePipeline.refresh` compares the files here before it runs dbt,
naming each file that changed and asking for a full ``dbt build``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

LIBRARY_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = LIBRARY_DIR.parent
# the dbt project's folders whose files shape a table (docs and tests do not)
PROJECT_FOLDERS = ("models", "python_models", "macros", "seeds")
PROJECT_FILES = ("dbt_project.yml",)
PROJECT_SUFFIXES = (".sql", ".py", ".yml", ".yaml", ".csv")
# the library's packages that write no table
LIBRARY_ASIDE = ("dashboard",)
CODE_FILES_SCHEMA = {"file_path": "string", "sha256": "string"}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_files(project_dir: Path = PROJECT_DIR, library_dir: Path = LIBRARY_DIR) -> pd.DataFrame:
    """One row per file that shapes a table: ``file_path`` (``project/...`` relative to the dbt
    project, ``library/...`` relative to the ``etf_warehouse`` package) and its ``sha256``,
    sorted by path. Without a dbt project beside the library (a non-editable install) only
    the library's files."""
    rows = []
    for folder in PROJECT_FOLDERS:
        for path in (project_dir / folder).rglob("*"):
            if path.is_file() and path.suffix in PROJECT_SUFFIXES:
                rows.append((f"project/{path.relative_to(project_dir).as_posix()}", _digest(path)))
    for name in PROJECT_FILES:
        if (project_dir / name).is_file():
            rows.append((f"project/{name}", _digest(project_dir / name)))
    for path in library_dir.rglob("*.py"):
        relative = path.relative_to(library_dir)
        if relative.parts[0] not in LIBRARY_ASIDE:
            rows.append((f"library/{relative.as_posix()}", _digest(path)))
    frame = pd.DataFrame(rows, columns=list(CODE_FILES_SCHEMA))
    return frame.sort_values("file_path", ignore_index=True).astype(CODE_FILES_SCHEMA)


def code_changes(built: pd.DataFrame, current: pd.DataFrame) -> list[str]:
    """Each file that differs between the build's record and the files now, in words
    (changed, added since the build, gone since the build), sorted by path."""
    before = dict(zip(built["file_path"], built["sha256"], strict=True))
    now = dict(zip(current["file_path"], current["sha256"], strict=True))
    changes = []
    for path in sorted(before.keys() | now.keys()):
        if path not in now:
            changes.append(f"{path} is gone")
        elif path not in before:
            changes.append(f"{path} was added")
        elif before[path] != now[path]:
            changes.append(f"{path} changed")
    return changes

"""Say which model a failed ``dbt build`` failed in first, and what to try.

A model that fails on its own SQL or data is listed by dbt at the end of the run. A DuckDB
*fatal* error is different: DuckDB invalidates the whole database, every model after the first
then fails with "database has been invalidated", and dbt dies before writing
``run_results.json``. The first failure is then buried among hundreds of follow-on errors.
This reads dbt's log of the last run and names the first one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_RUN_START = re.compile(r"Running with dbt=")
_FAILED = re.compile(r"ERROR creating \S+ (?:table |view |incremental )?model \S*?\.?(\w+) ")
_FAILURE_IN = re.compile(r"(?:Failure|Error) in (?:model|test|unit_test|seed) (\w+)")
_INVALIDATED = "database has been invalidated"
_FATAL = re.compile(r"(FATAL Error|INTERNAL Error|Original error): ?(.*)")


@dataclass(frozen=True)
class BuildFailure:
    node: str | None  # the first model (or test) that failed
    fatal: str | None  # DuckDB's original fatal or internal error, if there was one

    def explain(self) -> str:
        lines = []
        where = f"in {self.node}" if self.node else "(no failing model found in the log)"
        lines.append(f"dbt build failed first {where}.")
        if self.fatal:
            lines += [
                f"DuckDB stopped on an internal error: {self.fatal}",
                "DuckDB then invalidated the database, so every model after it failed for that"
                " reason and not their own. What to try:",
                "  - bash scripts/setup.sh (reinstalls the pinned DuckDB; an older or newer one"
                " may have the fault: DuckDB 2.0.0 died in int_ml_panel on real universes);",
                "  - build again with fewer threads (dbt build --threads 1) or more memory"
                " (ETF_WAREHOUSE_MEMORY_LIMIT=8GB);",
                f"  - if it persists, report it with the model ({self.node}) and the message.",
            ]
        else:
            lines.append(
                "The error above names the file and line or the rows that failed; fix them and"
                " build again."
            )
        lines.append("The published snapshot was left as it was.")
        return "\n".join(lines)


def last_failure(log: Path) -> BuildFailure | None:
    """The first failure of the last dbt invocation recorded in ``log``, if it failed."""
    if not log.is_file():
        return None
    text = log.read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(text) if _RUN_START.search(line)]
    run = text[starts[-1] :] if starts else text
    node = fatal = None
    for line in run:
        if node is None and (match := _FAILED.search(line) or _FAILURE_IN.search(line)):
            node = match.group(1)
        if fatal is None and (match := _FATAL.search(line)) and _INVALIDATED not in line:
            fatal = match.group(2).strip().strip('"') or None
    if node is None and fatal is None:
        return None
    return BuildFailure(node, fatal)

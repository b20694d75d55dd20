"""Importing the package imports arch whole, so dbt's threads never race on arch's imports."""

from __future__ import annotations

import subprocess
import sys


def test_the_package_imports_arch_before_any_model_can():
    # two dbt Python models importing arch at once deadlocked inside it (_DeadlockError on
    # arch.compat.numba / arch.univariate.recursions); the package's __init__ runs in one thread
    # under its import lock, so once it has imported arch no model thread imports arch again
    code = (
        "import sys, etf_warehouse; "
        "print(all(m in sys.modules for m in "
        "('arch.compat.numba', 'arch.univariate.recursions', 'arch.bootstrap', 'arch.data')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

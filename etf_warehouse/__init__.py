"""etf-warehouse: the typed maths library behind the dbt project.

dbt Python models in ``python_models/`` stay thin and call into this package; everything here is
unit-tested with pytest.
"""

__version__ = "0.1.0"

# dbt runs Python models in threads of one process. Two models importing arch for the first
# time at once deadlock inside it ("_DeadlockError: deadlock detected by
# _ModuleLock('arch.compat.numba')", seen with input_files and ref_us_macro_monthly starting
# together). Every model imports this package first, and a package's __init__ runs under its
# import lock in one thread, so arch is imported here, once, before any model can race on it.
import arch
import arch.bootstrap
import arch.data  # noqa: F401

"""etf-warehouse: the typed maths library behind the dbt project.

dbt Python models in ``python_models/`` stay thin and call into this package; everything here is
unit-tested with pytest.
"""

__version__ = "0.1.0"

"""File-level check of every user input file (prices, universe, corporate actions,
holdings, macro).

Runs before any row is read: a file that is not what it claims to be stops the build here with an
error naming it. Good price files get their format, ticker and column positions, which the staging
SQL uses to split each line. Empty in a sample-market build.

In a live refresh (incremental) only the price files not ingested yet are inspected; they are
appended as the next ``ingest_batch``, and a change to an ingested file stops the refresh.
"""

from etf_warehouse.dbt_glue import optional_str
from etf_warehouse.ingest.manifest import input_file_table, new_input_files


def model(dbt, session):
    def duckdb_glob(pattern: str) -> list[str]:
        return [row[0] for row in session.execute("select file from glob(?)", [pattern]).fetchall()]

    def parquet_columns(path: str) -> list[str]:
        rows = session.execute("describe select * from read_parquet(?)", [path]).fetchall()
        return [row[0] for row in rows]

    prices_path = optional_str(dbt.config.get("prices_path"))
    prices_format = optional_str(dbt.config.get("prices_format"))
    others = {
        "universe_path": optional_str(dbt.config.get("universe_path")),
        "corporate_actions_path": optional_str(dbt.config.get("corporate_actions_path")),
        "holdings_path": optional_str(dbt.config.get("holdings_path")),
        "macro_path": optional_str(dbt.config.get("macro_path")),
    }
    if dbt.is_incremental and prices_path is not None:
        return new_input_files(
            session.sql(f"select * from {dbt.this}").df(),
            input_file_table(
                prices_path=None,
                prices_format=None,
                glob=duckdb_glob,
                parquet_columns=parquet_columns,
                **others,
            ),
            prices_path=prices_path,
            prices_format=prices_format,
            glob=duckdb_glob,
            parquet_columns=parquet_columns,
        )
    return input_file_table(
        prices_path=prices_path,
        prices_format=prices_format,
        glob=duckdb_glob,
        parquet_columns=parquet_columns,
        **others,
    )

"""The SHA-256 of every file that shapes a table, as this full build read them: a live refresh
compares them with the files then and refuses to mix two builds (etf_warehouse.live.build_record).
"""

from etf_warehouse.live.build_record import code_files


def model(dbt, session):
    dbt.config(materialized="table")
    return code_files()

"""The live pipeline: new daily price files in, the rankings refreshed incrementally.

A full ``dbt build`` recomputes the whole history. When a new day's bars land as files (one
file per day, or per ticker and day, in the ``prices_path`` glob), the live refresh runs dbt
with the var ``live_refresh``: the ingestion models append only the new files, and the models
on the scoring path recompute only their rows dated on or after the earliest new date (see
``macros/live/live_refresh.sql``), which is exact because every value is point-in-time. GARCH
fits run only when a refit date falls in the new days; the forecaster retrains only the
current retrain period's models (a quarter by default).

Three ways to drive it (``etfw live`` and ``etfw replay``):

- once: ingest whatever files are new and refresh (e.g. from cron after a download);
- watch: poll the glob and refresh whenever new files appear;
- replay: write the embedded sample market as files, build its history up to a date, then feed
  it one trading day at a time, refreshing after each (demos and tests).

dbt runs in this process (``dbtRunner``), so a watching or replaying process parses the
project once. The refreshed marts are published to the read-only snapshot after each refresh.

Modules: :mod:`.pipeline` (:class:`LivePipeline`: files, refresh, publish, watch) and
:mod:`.replay` (:func:`prepare_replay`). The dbt internals the pipeline relies on are in
:mod:`etf_warehouse.dbt_internals`; the check that a refreshed warehouse equals a full build is
:func:`etf_warehouse.compare.compare_warehouses`.
"""

from etf_warehouse.live.pipeline import (
    LIVE_EXCLUDE,
    LIVE_PATH,
    LIVE_SELECT,
    LIVE_TARGET,
    PROJECT_DIR,
    LiveError,
    LivePipeline,
    RefreshResult,
)
from etf_warehouse.live.replay import ReplayFiles, prepare_file_replay, prepare_replay

__all__ = [
    "LIVE_EXCLUDE",
    "LIVE_PATH",
    "LIVE_SELECT",
    "LIVE_TARGET",
    "PROJECT_DIR",
    "LiveError",
    "LivePipeline",
    "RefreshResult",
    "ReplayFiles",
    "prepare_file_replay",
    "prepare_replay",
]

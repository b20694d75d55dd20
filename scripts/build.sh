#!/usr/bin/env bash
# Set everything up and build the warehouse. With no arguments it builds the embedded sample
# market into warehouse/etf_warehouse.duckdb; extra arguments go to `dbt build`, e.g.
#   bash scripts/build.sh --vars '{prices_path: "data/*.txt", prices_format: stooq}'
# After a successful build the marts are published to the read-only snapshot BI tools read,
# warehouse/published/etf_warehouse.duckdb (ETF_WAREHOUSE_SNAPSHOT_PATH); a failed build stops
# here and leaves the last snapshot as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo ">> dbt build $*"
if ! .venv/bin/dbt build "$@"; then
    .venv/bin/etfw explain-failure --log "${DBT_LOG_PATH:-logs}/dbt.log" || true
    exit 1
fi
echo ">> warehouse: ${ETF_WAREHOUSE_PATH:-warehouse/etf_warehouse.duckdb}"
.venv/bin/etfw publish --run-results "${DBT_TARGET_PATH:-target}/run_results.json"

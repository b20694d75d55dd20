#!/usr/bin/env bash
# Set everything up and build the warehouse. With no arguments it builds the embedded sample
# market into warehouse/etf_warehouse.duckdb; extra arguments go to `dbt build`, e.g.
#   bash scripts/build.sh --vars '{prices_path: "data/*.txt", prices_format: stooq}'
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo ">> dbt build $*"
.venv/bin/dbt build "$@"
echo ">> warehouse: ${ETF_WAREHOUSE_PATH:-warehouse/etf_warehouse.duckdb}"

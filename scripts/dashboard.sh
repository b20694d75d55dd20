#!/usr/bin/env bash
# Set everything up and start the dashboard on http://127.0.0.1:${PORT:-8501} (localhost only).
# It reads the published snapshot (warehouse/published/etf_warehouse.duckdb, or
# ETF_WAREHOUSE_SNAPSHOT_PATH) read-only; build and publish it first with scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run dashboard/app.py \
    --server.address 127.0.0.1 \
    --server.port "${PORT:-8501}" \
    --server.headless true \
    --browser.gatherUsageStats false

#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install the project with its pinned dependencies.
# Idempotent: safe to run again; reinstalls only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    echo "etf-warehouse needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1)." >&2
    echo "Set PYTHON=/path/to/python3.11 and run again." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo ">> creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
echo ">> installing etf-warehouse and its pinned dependencies into .venv"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
mkdir -p warehouse

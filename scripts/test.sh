#!/usr/bin/env bash
# Set everything up and run the whole test suite: library unit tests and end-to-end tests that
# run `dbt build` (with its data tests and unit tests) on generated and real files. Extra
# arguments go to pytest, e.g. `bash scripts/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo ">> pytest $*"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure, not a pass." >&2
    exit 1
fi
exit "$status"

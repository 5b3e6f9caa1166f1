#!/usr/bin/env bash
# Set up a local virtual environment (./.venv) with hubgate and its test tools, then run the test suite.
# Extra arguments go to pytest, e.g. ./test.sh -k verdict
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
fi
stamp=.venv/.hubgate-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet -e '.[test]'
    touch "$stamp"
fi
# -n 2: the machine has two cores; tests that start a loopback Hub each get their own port.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"

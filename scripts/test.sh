#!/usr/bin/env bash
# Set up, then run the test suite (and the linters on loadscim/). Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
.venv/bin/ruff check loadscim
.venv/bin/mypy loadscim
exec .venv/bin/python -m pytest "$@"

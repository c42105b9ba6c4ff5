#!/usr/bin/env bash
# Create (or reuse) .venv and install loadscim into it; with "test", the test extra too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extra=""
[ "${1:-}" = "test" ] && extra="[test]"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}" 2>&1 \
  | { grep -v -e "^WARNING: Location" -e "BuildBackendWarning" || true; }

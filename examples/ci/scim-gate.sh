#!/usr/bin/env bash
# examples/ci/scim-gate.sh [loadscim run options, e.g. --check]
# exit code 0 PASS, 1 FAIL, 2 UNKNOWN, 3 ERROR (see Exit codes)
set -uo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
scripts/setup.sh
target=()
if [ -n "${SCIM_STAGING_URL:-}" ]; then
  : "${LOADSCIM_TOKEN:?set LOADSCIM_TOKEN from the CI secret store}"
  target=(--target "$SCIM_STAGING_URL")
fi
.venv/bin/loadscim run lifecycle "${target[@]}" --gate gates/ci.toml \
  --duration "${DURATION:-1m}" --users 20 \
  --junit reports/junit.xml --json reports/summary.json \
  --html reports/report.html --hdr-log reports/latency.hlog "$@"
code=$?
echo "loadscim: exit code $code; reports in reports/"
exit "$code"

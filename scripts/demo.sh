#!/usr/bin/env bash
# Set up, then run the default scenario against the embedded target and print a verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/loadscim run "$@"

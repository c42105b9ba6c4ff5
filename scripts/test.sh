#!/usr/bin/env bash
# Set up, then run the linters (ruff on loadscim/ and tests/, mypy) and the test suite. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# Headless Chromium (Debian's package) for the HTML report test: installed quietly when it is
# missing and this runs as root with apt-get. There, the test must run: a Chromium that is
# still missing fails it instead of skipping it (LOADSCIM_REQUIRE_CHROMIUM=1).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export LOADSCIM_REQUIRE_CHROMIUM="${LOADSCIM_REQUIRE_CHROMIUM:-1}"
  if ! command -v chromium >/dev/null 2>&1; then
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
      echo "scripts/test.sh: apt-get could not install chromium; the HTML report test will fail:" >&2
      tail -n 5 "$log" >&2
    fi
    rm -f "$log"
  fi
  # Docker (Debian's engine, compose and debootstrap) for the docker/ test, likewise: there,
  # tests/integration/test_docker.py starts dockerd itself (and stops it) and must run.
  export LOADSCIM_REQUIRE_DOCKER="${LOADSCIM_REQUIRE_DOCKER:-1}"
  if [ ! -x /usr/sbin/dockerd ] || ! command -v docker-compose >/dev/null 2>&1 \
     || ! command -v debootstrap >/dev/null 2>&1; then
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
           --no-install-recommends docker.io docker-compose debootstrap; } >"$log" 2>&1; then
      echo "scripts/test.sh: apt-get could not install docker.io; the docker test will fail:" >&2
      tail -n 5 "$log" >&2
    fi
    rm -f "$log"
  fi
fi
.venv/bin/ruff check loadscim tests
.venv/bin/mypy loadscim
# The suite on several pytest-xdist workers (tests/conftest.py starts the longest first; the
# docker tests stay on one worker: --dist loadgroup). LOADSCIM_TEST_WORKERS=0: one process.
exec .venv/bin/python -m pytest -n "${LOADSCIM_TEST_WORKERS:-3}" --dist loadgroup "$@"

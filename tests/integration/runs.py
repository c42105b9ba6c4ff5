"""Helpers for integration tests that run `loadscim` and `locust` as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from loadscim.target.process import EmbeddedTarget

ROOT = Path(__file__).resolve().parents[2]


def loadscim(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run `loadscim ARGS` to completion; stdout and stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "loadscim.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def locust(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run `locust ARGS` (plain Locust, loadscim as a plugin of the locustfile)."""
    return subprocess.run(
        [sys.executable, "-m", "locust", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def get_json(url: str, token: str | None = None) -> dict:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def count(base_url: str, resource: str, token: str | None = None) -> int:
    """totalResults of GET /Users or /Groups on the target."""
    return int(get_json(f"{base_url}/{resource}?count=0", token)["totalResults"])


def wait_for_load(base_url: str, timeout: float = 90, token: str | None = None) -> None:
    """Return once the run's users are at work (the target holds a User): on a busy machine
    Locust's start takes seconds, and a signal or a killed worker before it tests nothing."""
    deadline = time.monotonic() + timeout
    while count(base_url, "Users", token) == 0:
        assert time.monotonic() < deadline, f"no User appeared on {base_url} in {timeout:g} s"
        time.sleep(0.2)


def verdict_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("verdict: ")]
    assert len(lines) == 1, output
    return lines[0]


class Targets:
    """Embedded targets by fault set, seed and token, started on first use, stopped at the
    end (the ``targets`` fixture of tests/integration/conftest.py)."""

    def __init__(self) -> None:
        self._started: dict[
            tuple[tuple[str, ...], int, str | None, tuple[str, ...]], EmbeddedTarget
        ] = {}

    def url(
        self, *faults: str, seed: int = 7, token: str | None = None, extra: tuple[str, ...] = ()
    ) -> str:
        """The base URL of a target with these faults (none: the clean target); with
        ``token``, one that requires it; ``extra``: more options of the target
        (``("--canaries", "100,10")``)."""
        key = (tuple(faults), seed, token, tuple(extra))
        target = self._started.get(key)
        if target is None or target.returncode is not None:
            target = EmbeddedTarget(faults=faults, seed=seed, token=token, extra_args=extra)
            target.start()
            self._started[key] = target
        assert target.url is not None
        return target.url

    def stop(self) -> None:
        for target in self._started.values():
            target.stop()
        self._started.clear()

"""The open model: paced iterations, coordinated omission corrected, abort_on_fail."""

from __future__ import annotations

import re
import time

import pytest
from runs import ROOT, loadscim, verdict_line

pytestmark = pytest.mark.integration

PROBE = str(ROOT / "tests" / "integration" / "scenarios" / "probe.py")
ROW = re.compile(r"^GET /Users" + r"\s+([\d.]+)" * 7)


def p99_ms(output: str, corrected: bool) -> float:
    """p99 of GET /Users from the text report: the p99 column, or p99c (corrected)."""
    for line in output.splitlines():
        match = ROW.match(line)
        if match:
            return float(match.group(7 if corrected else 5))
    raise AssertionError(output)


def test_stall_shows_in_corrected_latency_not_in_service_time(tmp_path):
    # The whole target freezes 500 ms every 4 s. Two users send 100 requests/s each on a
    # fixed schedule: the few requests caught in a stall are under 1% of all, so the
    # service-time p99 stays low, while every request the stall held back is late by up
    # to 500 ms, which the corrected p99 must show.
    result = loadscim(
        "run",
        PROBE,
        "--target-fault",
        "stall=500/4",
        "--users",
        "2",
        "--arrival-rate",
        "200",
        "--duration",
        "12s",
    )
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1), output
    raw, corrected = p99_ms(output, False), p99_ms(output, True)
    print(f"service-time p99 {raw} ms, corrected p99 {corrected} ms")
    assert corrected >= 100, output  # the stall's order of magnitude
    assert raw * 5 < corrected, output
    assert "iterations started late" in output


def test_abort_on_fail_ends_the_run_early(tmp_path):
    gate = tmp_path / "gate.toml"
    gate.write_text(
        'abort_on_fail = true\nabort_grace = "2s"\nmin_samples = 5\n[latency]\n"*" = "p50 < 50ms"\n'
    )
    started = time.monotonic()
    result = loadscim(
        "run",
        PROBE,
        "--target-fault",
        "latency=200",
        "--gate",
        str(gate),
        "--users",
        "2",
        "--duration",
        "60s",
    )
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "aborted after" in output and "abort_on_fail" in output
    assert verdict_line(result.stdout).startswith("verdict: FAIL")
    assert elapsed < 40, f"the 60 s run took {elapsed:.0f} s"

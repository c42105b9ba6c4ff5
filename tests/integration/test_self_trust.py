"""UNKNOWN (exit 2) when the run cannot vouch for itself; never PASS."""

from __future__ import annotations

import pytest
from runs import ROOT, Targets, loadscim, verdict_line

pytestmark = pytest.mark.integration

SCENARIOS = ROOT / "tests" / "integration" / "scenarios"


def test_too_few_samples_is_unknown(clean_target: str, tmp_path):
    gate = tmp_path / "gate.toml"
    gate.write_text('min_samples = 100000\n[latency]\n"*" = "p99 < 10s"\n')
    result = loadscim(
        "run", "--gate", str(gate), "--duration", "4s", "--users", "2", "--target", clean_target
    )
    assert result.returncode == 2, result.stdout + result.stderr
    line = verdict_line(result.stdout)
    assert line.startswith("verdict: UNKNOWN") and "samples" in line


def test_a_listener_exception_is_unknown(clean_target: str):
    result = loadscim(
        "run", str(SCENARIOS / "broken_listener.py"), "--duration", "4s", "--users", "1",
        "--target", clean_target,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert verdict_line(result.stdout).startswith("verdict: UNKNOWN")
    assert "listener" in result.stdout


def test_a_task_exception_is_unknown(clean_target: str):
    scenario = str(SCENARIOS / "broken_task.py")
    result = loadscim(
        "run", scenario, "--duration", "4s", "--users", "1", "--target", clean_target
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert verdict_line(result.stdout).startswith("verdict: UNKNOWN")
    assert "user tasks" in result.stdout


def test_a_declared_checker_that_finished_no_trial_is_unknown_and_says_what_to_change(
    targets: Targets,
):
    """Creates that take 3 s each, one at a time (a server hashing passwords): okta_group_push
    cannot push a single group in 10 s, so lost_update and conflict_status vouch for nothing."""
    result = loadscim(
        "run", "okta_group_push", "--target", targets.url("slow-create=3000"), "--duration", "10s",
        "--users", "2", "--stop-timeout", "2",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    assert verdict_line(result.stdout).startswith("verdict: UNKNOWN")
    report = result.stdout.replace("\n          ", " ")
    for checker in ("lost_update", "conflict_status"):
        assert f"UNKNOWN {checker}" in report.replace("UNKNOWN  ", "UNKNOWN "), report
        assert (
            f"okta_group_push: 0 trials of {checker} finished in " in report
            and "the target's POST /Users p50 is " in report
            and "run longer (--duration)" in report
        ), report
    # the progress lines show the trials finished per checker
    assert "trials lost_update=0 conflict_status=0" in result.stderr, result.stderr

"""UNKNOWN (exit 2) when the run cannot vouch for itself; never PASS."""

from __future__ import annotations

import pytest
from runs import ROOT, loadscim, verdict_line

pytestmark = pytest.mark.integration

SCENARIOS = ROOT / "tests" / "integration" / "scenarios"


def test_too_few_samples_is_unknown(tmp_path):
    gate = tmp_path / "gate.toml"
    gate.write_text('min_samples = 100000\n[latency]\n"*" = "p99 < 10s"\n')
    result = loadscim("run", "--gate", str(gate), "--duration", "4s", "--users", "2")
    assert result.returncode == 2, result.stdout + result.stderr
    line = verdict_line(result.stdout)
    assert line.startswith("verdict: UNKNOWN") and "samples" in line


def test_a_listener_exception_is_unknown():
    result = loadscim(
        "run", str(SCENARIOS / "broken_listener.py"), "--duration", "4s", "--users", "1"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert verdict_line(result.stdout).startswith("verdict: UNKNOWN")
    assert "listener" in result.stdout


def test_a_task_exception_is_unknown():
    result = loadscim("run", str(SCENARIOS / "broken_task.py"), "--duration", "4s", "--users", "1")
    assert result.returncode == 2, result.stdout + result.stderr
    assert verdict_line(result.stdout).startswith("verdict: UNKNOWN")
    assert "user tasks" in result.stdout

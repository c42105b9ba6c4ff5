"""--reconcile-every on real HTTP: passes during the run against the embedded target.

A seeded fault that leaves drift behind settled resources (``delete-deactivates``: a DELETE
answered 204 keeps the user) is reported by a pass before the run ends. The clean target's
side (passes with no violation) runs with the probe's, in test_downstream_probe.py.
"""

from __future__ import annotations

import json

import pytest
from runs import loadscim, verdict_line

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def test_a_pass_reports_drift_before_the_run_ends(tmp_path):
    report = tmp_path / "run.json"
    result = loadscim(
        "run", "soak", "--users", "3", "--duration", "6s", "--reconcile-every", "2s",
        "--target-fault", "delete-deactivates", "--json", str(report), "--",
        "--population", "3",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    summary = json.loads(report.read_text())
    passes = summary["extra"]["reconcile_passes"]
    first = next(p for p in passes if p["violations"])
    assert first["at_s"] < summary["duration_s"]
    assert first["kinds"].get("zombie-present")
    assert f"{first['at_s']:.0f}s reconcile pass:" in result.stderr  # the progress line
    reconcile = summary["checkers"]["reconcile"]
    groups = {g["kind"]: g["count"] for g in reconcile["groups"]}
    # Each zombie is counted once, however many passes see it again.
    assert groups["zombie-present"] >= sum(p["new"] for p in passes)
    if len([p for p in passes if p["violations"]]) > 1:
        assert sum(p["violations"] for p in passes) > sum(p["new"] for p in passes)
    assert "reconcile passes" in result.stdout and "reconcile:" in verdict_line(result.stdout)

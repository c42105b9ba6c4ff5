"""Pre-existing accounts are never touched and a run leaves nothing behind: after every
scenario in scenarios/ (new ones are picked up by name) and after runs interrupted with
SIGINT or SIGTERM, each of 100 canary users and 10 canary groups (with members) that
loadscim did not create is unchanged (meta.version, lastModified, attributes, members), and
no resource of the run's namespace remains.

The faulty-target runs are in test_safety_faults.py, with the same two checks.
"""

from __future__ import annotations

import json
import signal

import pytest
from runs import Targets, loadscim, verdict_line
from safety import (
    CANARIES,
    SCENARIOS,
    assert_only_canaries_unchanged,
    in_namespace,
    loadscim_popen,
    snapshot,
    wait_for,
)

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_leaves_canaries_unchanged_and_nothing_behind(targets: Targets, scenario):
    """On a target with canaries shared by the scenarios (tests/integration/conftest.py), each
    in a namespace of its own: compared with the snapshot taken just before its run."""
    url = targets.url(extra=tuple(CANARIES))
    before = snapshot(url)
    result = loadscim(
        "run", scenario, "--target", url, "--duration", "5s", "--users", "3",
        "--run-id", "canary" + scenario.replace("_", ""),
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1, 2), output[-3000:]  # ran to a verdict
    assert "Traceback" not in output
    assert verdict_line(result.stdout)
    assert "could not remove" not in result.stdout
    assert_only_canaries_unchanged(before, snapshot(url))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_writes_its_report_cleans_up_and_judges(signum, tmp_path):
    history = tmp_path / "history.jsonl"
    with EmbeddedTarget(extra_args=CANARIES) as target:
        before = snapshot(target.url)
        run = loadscim_popen(
            "run", "--target", target.url, "--duration", "60s", "--users", "4",
            "--run-id", "interrupt1", "--history", str(history),
        )
        try:
            wait_for(
                lambda: len(in_namespace(snapshot(target.url), "interrupt1")) >= 20,
                30,
                "the run's users on the target",
            )
            run.send_signal(signum)
            stdout, stderr = run.communicate(timeout=60)
        finally:
            run.kill()
        assert "Traceback" not in stdout + stderr
        assert "stopping: cleaning up and judging what was seen" in stderr
        # Several seconds of clean traffic were seen: the partial run is judged, and passes.
        assert run.returncode == 0, stdout[-3000:] + stderr[-3000:]
        assert verdict_line(stdout).startswith("verdict: PASS")
        assert "cleanup: removed" in stdout and "could not remove" not in stdout
        assert_only_canaries_unchanged(before, snapshot(target.url))
    trials = [json.loads(line) for line in history.read_text().splitlines()]
    assert len(trials) > 10 and all(t["ops"] for t in trials)


def test_interrupted_before_enough_was_measured_is_unknown(tmp_path):
    gate = tmp_path / "gate.toml"
    gate.write_text('errors = "rate < 1%"\nmin_samples = 100000\n')
    with EmbeddedTarget(extra_args=CANARIES) as target:
        before = snapshot(target.url)
        run = loadscim_popen(
            "run", "--target", target.url, "--duration", "60s", "--users", "2",
            "--run-id", "unknown1", "--gate", str(gate),
        )
        try:
            wait_for(lambda: in_namespace(snapshot(target.url), "unknown1"), 30, "the first user")
            run.send_signal(signal.SIGTERM)
            stdout, stderr = run.communicate(timeout=60)
        finally:
            run.kill()
        assert run.returncode == 2, stdout[-3000:] + stderr[-3000:]
        line = verdict_line(stdout)
        assert line.startswith("verdict: UNKNOWN") and "100000" in line, line
        assert "cleanup: removed" in stdout
        assert_only_canaries_unchanged(before, snapshot(target.url))

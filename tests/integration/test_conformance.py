"""conformance on real HTTP: a SHOULD broken is a warning under the default gate (PASS, named
with its count), and the history of a run keeps what re-checking it offline needs."""

from __future__ import annotations

import json

import pytest
from runs import loadscim, verdict_line

pytestmark = pytest.mark.integration


def test_a_should_finding_warns_and_the_history_rechecks_it(tmp_path) -> None:
    """RFC 7644 3.14: ETags "SHOULD be specified within the 'version' attribute": with
    version-mismatch the run passes the default gate, names the finding per endpoint, and
    `loadscim check` of its history finds the same kind again."""
    history = tmp_path / "history.jsonl"
    result = loadscim("run", "lifecycle", "--duration", "3s", "--users", "2", "--seed", "7",
                      "--target-fault", "version-mismatch", "--history", str(history))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    verdict = verdict_line(result.stdout)
    assert verdict.startswith("verdict: PASS") and "SHOULD warning" in verdict, verdict
    assert "version-mismatch GET /Users/{id} (SHOULD):" in output, output
    row = next(line for line in output.splitlines() if "conformance" in line and "trials" in line)
    assert " 0 violations, " in row and row.endswith(" SHOULD"), row
    lines = [json.loads(line) for line in history.read_text().splitlines()]
    assert any(line["kind"] == "unknown-id" for line in lines)  # the probe, once per process
    assert all("conformance" in line["checks"] for line in lines if line["kind"] != "reconcile")
    again = loadscim("check", str(history))
    assert "version-mismatch" in again.stdout + again.stderr, again.stdout + again.stderr

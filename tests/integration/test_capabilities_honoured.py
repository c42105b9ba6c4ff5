"""What the target lacks is honoured, and each finding is named for what the server did.

Real runs (`loadscim run` against the embedded target with seeded faults, 127.0.0.1):

- ``no-patch`` (ServiceProviderConfig patch false, PATCH answered 501) and ``no-filter``
  (filter false, ``filter`` ignored): every scenario runs without a false FAIL: updates go by
  GET then PUT, lookups by paging, and what still needs the feature is N/A with the reason;
- ``group-create-drops-members`` under racing_patch: ``create-dropped`` (RFC 7644 3.3: the
  create's answer is the resource as stored), never ``lost-member`` for the race after it;
- ``drop-attribute=title`` under lifecycle: ``not-stored`` for title, never ``stale-read``.
"""

from __future__ import annotations

import pytest
from runs import ROOT, Targets, loadscim, verdict_line
from test_mutation_matrix import checker_rows

pytestmark = pytest.mark.integration

SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.py") if not p.stem.startswith("_"))
NEEDS_PATCH = {"okta_group_push", "entra_group_churn", "entra_initial_cycle"}
"""Scenarios of IdPs that change memberships by PATCH only: their races are N/A without it."""


def run(targets: Targets, scenario: str, *faults: str, seconds: int = 3) -> tuple[int, str]:
    """A run of 2 users on the shared target with ``faults`` (tests/integration/conftest.py)."""
    args = ["run", scenario, "--duration", f"{seconds}s", "--users", "2", "--seed", "7"]
    args += ["--target", targets.url(*faults)]
    result = loadscim(*args)
    return result.returncode, result.stdout + result.stderr


def assert_no_false_fail(scenario: str, fault: str, code: int, output: str) -> None:
    assert code == 0, output
    assert verdict_line(output).startswith("verdict: PASS"), output
    rows = checker_rows(output)
    assert rows and not any(label == "FAIL" for label, _, _, _ in rows.values()), output
    if fault == "no-patch" and scenario in NEEDS_PATCH:
        assert rows["lost_update"][0] == "N/A", output
        assert "patch is not supported (RFC 7644" in " ".join(output.split())


def test_a_target_without_patch_or_filters_passes_racing_patch(targets: Targets) -> None:
    code, output = run(targets, "racing_patch", "no-patch", "no-filter")
    assert_no_false_fail("racing_patch", "", code, output)
    assert "PUT /Groups/{id}" in output and "PATCH /Groups/{id}" not in output
    assert checker_rows(output)["lost_update"][1] > 0


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["no-patch", "no-filter"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_honours_what_the_target_lacks(
    targets: Targets, scenario: str, fault: str
) -> None:
    code, output = run(targets, scenario, fault)
    assert_no_false_fail(scenario, fault, code, output)


def test_a_create_that_drops_members_is_create_dropped_not_a_race(targets: Targets) -> None:
    code, output = run(targets, "racing_patch", "group-create-drops-members", seconds=4)
    assert code == 1 and verdict_line(output).startswith("verdict: FAIL"), output
    label, _trials, _violations, kinds = checker_rows(output)["lost_update"]
    assert label == "FAIL" and "create-dropped" in kinds, output
    assert "lost-member" not in output and "lost-remove" not in output, output
    assert "create-dropped POST /Groups: members:" in output


def test_an_attribute_never_stored_is_not_stored_not_stale_reads(targets: Targets) -> None:
    code, output = run(targets, "lifecycle", "drop-attribute=title", seconds=4)
    assert code == 1, output
    label, _trials, violations, kinds = checker_rows(output)["read_your_writes"]
    assert label == "FAIL" and kinds == f"not-stored {violations}", output
    assert f"not-stored title: {violations}" in output
    assert "stale-read" not in output and "stale " not in kinds, output
    assert checker_rows(output)["reconcile"][0] == "PASS", output

"""The mutation matrix: every seeded fault is caught by its checker; the clean target is not.

For each fault of the embedded target, the matching scenario runs briefly against a target
with that fault: the matching checker must report violations and the verdict must be FAIL
(exit 1). Against the clean target every scenario of the library gives zero violations and
PASS, with its own gate (gates/<scenario>.toml) when it has one, run several times
(``LOADSCIM_CLEAN_RUNS``, default 2 for the trial scenarios and 1 for the others; the slow
test runs each 5 times).
"""

from __future__ import annotations

import os
import re

import pytest
from runs import ROOT, loadscim, verdict_line

pytestmark = pytest.mark.integration

# fault, scenario, checker that must catch it, violation kind expected among its kinds
MATRIX = [
    ("lost-update", "racing_patch", "lost_update", "lost-member"),
    ("ignore-if-match", "racing_patch", "lost_update", "if-match-ignored"),
    ("duplicate-create", "duplicate_race", "duplicate_create", "duplicate-201"),
    ("500-on-conflict", "duplicate_race", "conflict_status", "5xx-on-conflict"),
    ("ignore-deactivate", "deprovision_storm", "zombie", "zombie-active"),
    ("stale-read", "lifecycle", "read_your_writes", ""),
    ("drop-after-commit", "retries", "answered", "applied-without-answer"),
    ("bulk-partial", "bulk_burst", "bulk", "bulk-unapplied"),
    ("ignore-deactivate", "okta_crud", "read_your_writes", "stale-read"),
    ("500-on-pathless-patch", "okta_crud", "compatibility", "server-error"),
    ("lost-update", "okta_group_push", "lost_update", "lost-member"),
    ("lost-update", "entra_initial_cycle", "lost_update", "lost-member"),
    ("lost-update", "entra_group_churn", "lost_update", "lost-member"),
    ("stale-read", "onboarding_burst", "read_your_writes", "not-found-after-write"),
    ("lost-update", "soak", "lost_update", "lost-member"),
    ("group-create-drops-members", "racing_patch", "lost_update", "create-dropped"),
    ("drop-attribute=title", "lifecycle", "read_your_writes", "not-stored"),
]
TRIAL_SCENARIOS = ["bulk_burst", "deprovision_storm", "duplicate_race", "lifecycle",
                   "racing_patch", "retries"]
LIBRARY = ["entra_group_churn", "entra_initial_cycle", "okta_crud", "okta_group_push",
           "onboarding_burst", "soak"]
SCENARIOS = sorted({scenario for _, scenario, _, _ in MATRIX})
assert sorted(TRIAL_SCENARIOS + LIBRARY) == SCENARIOS
ROW = re.compile(r"^\s+(PASS|FAIL|UNKNOWN|N/A)\s+(\w+)\s+(\d+) trials\s+(\d+) violations")
KINDS = re.compile(r"^\s+kinds: (.*)$")


def checker_rows(output: str) -> dict[str, tuple[str, int, int, str]]:
    """checker -> (label, trials, violations, kinds) from the text report."""
    rows: dict[str, tuple[str, int, int, str]] = {}
    last = None
    for line in output.splitlines():
        match = ROW.match(line)
        if match:
            label, name, trials, violations = match.groups()
            rows[name] = (label, int(trials), int(violations), "")
            last = name
            continue
        kinds = KINDS.match(line)
        if kinds and last:
            label, trials, violations, _ = rows[last]
            rows[last] = (label, trials, violations, kinds.group(1))
    return rows


def run(scenario: str, *faults: str, gate: bool = False) -> tuple[int, str]:
    args = ["run", scenario, "--duration", "5s", "--users", "3", "--seed", "7"]
    for fault in faults:
        args += ["--target-fault", fault]
    if gate and (ROOT / "gates" / f"{scenario}.toml").is_file():
        args += ["--gate", f"gates/{scenario}.toml"]
    result = loadscim(*args)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("fault", "scenario", "checker", "kind"), MATRIX, ids=[f"{f}-{s}" for f, s, _, _ in MATRIX]
)
def test_fault_is_caught(fault, scenario, checker, kind):
    code, output = run(scenario, fault)
    rows = checker_rows(output)
    assert code == 1, output
    assert verdict_line(output).startswith("verdict: FAIL")
    assert checker in rows, output
    label, trials, violations, kinds = rows[checker]
    assert label == "FAIL" and trials > 0 and violations > 0, output
    assert kind in kinds, output
    assert "expected:" in output and "observed:" in output  # the example is printed


def test_random_server_errors_are_no_compatibility_finding():
    """5% of all requests answered 500 at random: the errors gate line fails, but no Okta
    request shape is blamed (a 5xx is a compatibility finding only when it repeats)."""
    code, output = run("okta_crud", "error-rate=0.05")
    rows = checker_rows(output)
    assert code == 1 and "errors rate < 1%" in verdict_line(output), output
    label, trials, violations, _ = rows["compatibility"]
    assert (label, violations) == ("PASS", 0) and trials > 0, output
    assert "compatibility: " not in output, output


def _clean(scenario: str, runs: int) -> None:
    for _ in range(runs):
        code, output = run(scenario, gate=True)
        rows = checker_rows(output)
        assert code == 0, output
        assert verdict_line(output).startswith("verdict: PASS")
        assert rows and all(v == 0 and t > 0 for _, t, v, _ in rows.values()), output


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_clean_target_passes(scenario):
    default = "2" if scenario in TRIAL_SCENARIOS else "1"
    _clean(scenario, int(os.environ.get("LOADSCIM_CLEAN_RUNS", default)))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_clean_target_passes_five_times_in_a_row(scenario):
    _clean(scenario, 5)

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
from matrix import MATRIX, WITHOUT_FAULT, Row, readme_table
from runs import ROOT, loadscim, verdict_line

from loadscim.checks.kinds import KINDS

pytestmark = pytest.mark.integration

TRIAL_SCENARIOS = [
    "bulk_burst",
    "deprovision_storm",
    "duplicate_race",
    "lifecycle",
    "racing_patch",
    "retries",
]
LIBRARY = [
    "entra_group_churn",
    "entra_initial_cycle",
    "okta_crud",
    "okta_group_push",
    "onboarding_burst",
    "soak",
]
SCENARIOS = sorted({row.scenario for row in MATRIX})
assert sorted(TRIAL_SCENARIOS + LIBRARY) == SCENARIOS
ROW = re.compile(r"^\s+(PASS|FAIL|UNKNOWN|N/A)\s+(\w+)\s+(\d+) trials\s+(\d+) violations")
KINDS_LINE = re.compile(r"^\s+kinds: (.*)$")


def checker_rows(output: str) -> dict[str, tuple[str, int, int, str]]:
    """checker -> (label, trials, violations, kinds) from the text report."""
    rows: dict[str, tuple[str, int, int, str]] = {}
    last = None
    wrapped = False  # the kinds line goes on, indented by 12
    for line in output.splitlines():
        match = ROW.match(line)
        if match:
            label, name, trials, violations = match.groups()
            rows[name] = (label, int(trials), int(violations), "")
            last, wrapped = name, False
            continue
        kinds = KINDS_LINE.match(line)
        if kinds and last:
            label, trials, violations, _ = rows[last]
            rows[last] = (label, trials, violations, kinds.group(1))
            wrapped = True
        elif wrapped and last and line.startswith(" " * 12) and line.strip():
            label, trials, violations, text = rows[last]
            rows[last] = (label, trials, violations, f"{text} {line.strip()}")
        else:
            wrapped = False
    return rows


def kind_names(kinds: str) -> set[str]:
    """The kinds of a ``kinds: a 3, b 1`` line."""
    return set(re.findall(r"([\w-]+) \d+", kinds))


def run(
    scenario: str,
    *faults: str,
    gate: bool = False,
    extra: tuple[str, ...] = (),
    token: bool = False,
) -> tuple[int, str]:
    args = ["run", scenario, "--duration", "5s", "--users", "3", "--seed", "7", *extra]
    for spec in faults:
        for fault in spec.split():  # "replica-lag=300 flap": two faults
            args += ["--target-fault", fault]
    if gate and (ROOT / "gates" / f"{scenario}.toml").is_file():
        args += ["--gate", f"gates/{scenario}.toml"]
    result = loadscim(*args, env={"LOADSCIM_TOKEN": "matrix-t0ken"} if token else None)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.fault}-{row.scenario}" for row in MATRIX])
def test_fault_is_caught(row: Row) -> None:
    code, output = run(row.scenario, row.fault, extra=row.args, token=row.token)
    rows = checker_rows(output)
    assert code == 1, output
    assert verdict_line(output).startswith("verdict: FAIL")
    assert row.checker in rows, output
    label, trials, violations, _ = rows[row.checker]
    assert label == "FAIL" and trials > 0 and violations > 0, output
    shown = set().union(*(kind_names(rows[c][3]) for c in (row.checker, *row.also) if c in rows))
    for kind in row.kinds:
        assert kind in shown, (kind, output)
    if row.exclusive:
        unrelated = {
            name: kinds
            for name, (_, _, violations, kinds) in rows.items()
            if violations and name not in (row.checker, *row.also)
        }
        assert not unrelated, output
    assert "expected:" in output and "observed:" in output  # the example is printed


def test_every_kind_has_a_row() -> None:
    """Every violation kind is seen failing against a seeded fault (its ``shown_by`` is a
    row of the matrix that asserts it), except the documented kinds still without one."""
    assert set(KINDS) >= WITHOUT_FAULT, WITHOUT_FAULT - set(KINDS)
    rows = {(row.fault, row.scenario): row for row in MATRIX}
    without = {name for name, kind in KINDS.items() if kind.shown_by is None}
    assert without == WITHOUT_FAULT, "shrink or fix WITHOUT_FAULT in tests/integration/matrix.py"
    for name, kind in KINDS.items():
        if kind.shown_by is not None:
            row = rows.get(kind.shown_by)
            assert row is not None and name in row.kinds, (name, kind.shown_by)
    for row in MATRIX:
        assert set(row.kinds) <= set(KINDS), row
        assert not set(row.kinds) & WITHOUT_FAULT, row


def test_readme_matrix_is_generated_from_the_table() -> None:
    readme = (ROOT / "docs" / "embedded-target.md").read_text()
    section = readme[readme.index("### The mutation matrix") :]
    start = section.index("| fault | scenario |")
    table = section[start : section.index("\n\n", start) + 1]
    assert table == readme_table(), "run python tests/integration/matrix.py and paste it"


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


def test_a_target_requiring_a_token_passes_the_auth_probes():
    """With a token, okta_crud's first user probes without it and with a wrong one: the
    clean target refuses both (401) and creates nothing, so ``authentication`` PASSes."""
    code, output = run("okta_crud", gate=True, token=True)
    rows = checker_rows(output)
    assert code == 0 and verdict_line(output).startswith("verdict: PASS"), output
    assert rows["authentication"][:3] == ("PASS", 1, 0), output

"""The mutation matrix: every seeded fault is caught by its checker; the clean target is not.

For each fault of the embedded target, the matching scenario runs briefly against a target
with that fault: the matching checker must report violations and the verdict must be FAIL
(exit 1). Against the clean target every scenario of the library gives zero violations and
PASS, with its own gate (gates/<scenario>.toml, latency limits looser) when it has one, twice
each (``LOADSCIM_CLEAN_RUNS``). The clean runs share one target (tests/
integration/conftest.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from matrix import MATRIX, WITHOUT_FAULT, Row, readme_table
from runs import ROOT, Targets, loadscim, verdict_line

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


TOKEN = "matrix-t0ken"


def run(
    targets: Targets,
    scenario: str,
    *faults: str,
    gate: Path | None = None,
    extra: tuple[str, ...] = (),
    token: bool = False,
    seconds: int = 5,
) -> tuple[int, str]:
    """A run (``seconds``) of 3 users of ``scenario``: on a target of its own with ``faults``,
    else on the shared clean target (tests/integration/conftest.py); with ``token``, one that
    requires a bearer token."""
    split = [fault for spec in faults for fault in spec.split()]  # "replica-lag=300 flap"
    args = ["run", scenario, "--duration", f"{seconds}s", "--users", "3", "--seed", "7", *extra]
    if split:  # a target of its own: what a fault leaves behind must not reach another row
        args += [arg for fault in split for arg in ("--target-fault", fault)]
    else:
        args += ["--target", targets.url(token=TOKEN if token else None)]
    if gate is not None:
        args += ["--gate", str(gate)]
    result = loadscim(*args, env={"LOADSCIM_TOKEN": TOKEN} if token else None)
    return result.returncode, result.stdout + result.stderr


LATENCY_SLACK = 5
"""Clean runs are judged by their scenario's gate with every latency limit this many times
looser: the test is about correctness (no violation, no error, every gate line evaluated),
and a test machine with another process on one core is slower than the gates assume."""


def clean_gate(scenario: str, directory: Path) -> Path | None:
    """``gates/<scenario>.toml`` with its latency limits LATENCY_SLACK times looser."""
    source = ROOT / "gates" / f"{scenario}.toml"
    if not source.is_file():
        return None

    def looser(match: re.Match[str]) -> str:
        return f"{match.group(1)}{float(match.group(2)) * LATENCY_SLACK:g}{match.group(3)}"

    text = re.sub(r"((?:p\d+|max|mean) < )(\d+(?:\.\d+)?)(ms|s)\b", looser, source.read_text())
    gate = directory / f"{scenario}.toml"
    gate.write_text(text)
    return gate


@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.fault}-{row.scenario}" for row in MATRIX])
def test_fault_is_caught(targets: Targets, row: Row) -> None:
    code, output = run(
        targets, row.scenario, row.fault, extra=row.args, token=row.token, seconds=row.seconds
    )
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


def test_random_server_errors_are_no_compatibility_finding(targets: Targets):
    """5% of all requests answered 500 at random: the errors gate line fails, but no Okta
    request shape is blamed (a 5xx is a compatibility finding only when it repeats)."""
    code, output = run(targets, "okta_crud", "error-rate=0.05")
    rows = checker_rows(output)
    assert code == 1 and "errors rate < 1%" in verdict_line(output), output
    label, trials, violations, _ = rows["compatibility"]
    assert (label, violations) == ("PASS", 0) and trials > 0, output
    assert "compatibility: " not in output, output


CLEAN_RUNS = int(os.environ.get("LOADSCIM_CLEAN_RUNS", "2"))
"""How many times each scenario runs against the clean target (``LOADSCIM_CLEAN_RUNS``; more
for a soak against the checkers' false verdicts). Twice by default: a repeat shows that the
PASS does not hang on one run's timing or on other runs sharing the target, and every scenario
also PASSes, in runs of its own, a target lacking PATCH and one lacking filters
(test_capabilities_honoured.py), an eventually consistent one (test_visibility.py) and a
strict one (test_real_server_data.py)."""


@pytest.mark.parametrize("attempt", range(1, CLEAN_RUNS + 1))
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_clean_target_passes(targets: Targets, tmp_path: Path, scenario: str, attempt: int):
    """Every scenario PASSes the clean target with its gate (latency limits looser:
    :data:`LATENCY_SLACK`), no checker reporting a violation, every one judging trials,
    :data:`CLEAN_RUNS` times (each its own test, so that they spread over pytest-xdist's
    workers). (3 s runs are too short: bulk_burst's gate wants 20 POST /Bulk.)"""
    code, output = run(targets, scenario, gate=clean_gate(scenario, tmp_path))
    rows = checker_rows(output)
    assert code == 0, output
    assert verdict_line(output).startswith("verdict: PASS")
    assert rows and all(v == 0 and t > 0 for _, t, v, _ in rows.values()), output


def test_a_target_requiring_a_token_passes_the_auth_probes(targets: Targets, tmp_path: Path):
    """With a token, okta_crud's first user probes without it and with a wrong one: the
    clean target refuses both (401) and creates nothing, so ``authentication`` PASSes."""
    code, output = run(targets, "okta_crud", gate=clean_gate("okta_crud", tmp_path), token=True)
    rows = checker_rows(output)
    assert code == 0 and verdict_line(output).startswith("verdict: PASS"), output
    assert rows["authentication"][:3] == ("PASS", 1, 0), output

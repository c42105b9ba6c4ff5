"""A misbehaving target: every robustness fault runs a short lifecycle without a crash,
classified as the op model says (DESIGN.md), counted in the report, with no false violation,
every canary unchanged and nothing of the run left behind.

Each run: the embedded target with 100 canary users and 10 canary groups (with members) and
one fault, `loadscim run --target` for 5 s with 3 users and --history; then the history's
ops are judged one by one, their counts compared with the report's outcome line, and the
target read back (through its faults) and compared with the snapshot taken before.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from runs import loadscim, verdict_line
from safety import (
    CANARIES,
    assert_only_canaries_unchanged,
    note,
    outcome_counts,
    read_history,
    snapshot,
)

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def expected_type(op: dict) -> str:
    """The completion type the op model gives an answer (DESIGN.md, "The op model")."""
    status = op["status"]
    if status is None:
        return "info"  # no answer after sending (timeout, reset, closed)
    if 200 <= status < 300:
        return "info" if op["error"] else "ok"  # an unreadable 2xx: nobody knows
    if status >= 500 and status != 501:
        return "info"
    return "fail"  # 3xx, 4xx (a 429 that was never resent included: never applied), 501


# fault -> (what must be seen in the history, a fragment of the outcomes note, verdict)
FAULTS = {
    "error-rate=0.1": (
        lambda op: op["status"] == 500 and op["type"] == "info",
        "info (HTTP 500",
        "FAIL",
    ),
    "timeout=0.04": (
        lambda op: (
            op["status"] is None and op["type"] == "info" and "timed out" in op["error"].lower()
        ),
        "info (timeout",
        "FAIL",
    ),
    "reset=0.1": (
        lambda op: op["status"] is None and op["type"] == "info",
        "info (connection closed",
        "FAIL",
    ),
    "non-json=0.1": (
        lambda op: op["status"] == 200 and op["type"] == "info" and "text/html" in op["error"],
        "info (unreadable 2xx",
        "FAIL",
    ),
    "truncated-json=0.1": (
        lambda op: (
            op["status"] in (200, 201) and op["type"] == "info" and "not JSON" in op["error"]
        ),
        "info (unreadable 2xx",
        "FAIL",
    ),
    "redirect=0.1": (
        lambda op: op["status"] == 302 and op["type"] == "fail",
        "fail (HTTP 302",
        "FAIL",
    ),
    "wrong-content-type=0.2": (
        lambda op: op["type"] == "ok" and op["status"] == 200,  # JSON labelled text/plain: read
        "; 0 info",
        "FAIL",  # read, and named: conformance's wrong-content-type (RFC 7644 3.8)
    ),
    "huge-body=0.05": (lambda op: op["type"] == "ok" and op["kind"] == "get", "; 0 info", "PASS"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_is_classified_counted_and_leaves_the_tenant_clean(fault, tmp_path):
    seen, fragment, verdict = FAULTS[fault]
    history = tmp_path / "history.jsonl"
    with EmbeddedTarget(faults=[fault], extra_args=CANARIES, seed=7) as target:
        before = snapshot(target.url)
        result = loadscim(
            "run",
            "--target",
            target.url,
            "--duration",
            "5s",
            "--users",
            "3",
            "--request-timeout",
            "2",
            "--run-id",
            "faults1",
            "--history",
            str(history),
        )
        output = result.stdout + result.stderr
        assert "Traceback" not in output
        assert result.returncode == (0 if verdict == "PASS" else 1), output[-3000:]
        assert verdict_line(result.stdout).startswith(f"verdict: {verdict}")
        assert_only_canaries_unchanged(before, snapshot(target.url))

    report = result.stdout
    # No false alarm: a misclassified answer would show as a read_your_writes or reconcile
    # violation (an unapplied write taken as applied).
    assert "0 violations" in report and " violations\n" in report
    named = "conformance" if fault.startswith("wrong-content-type") else "-"  # the finding
    assert not [
        line
        for line in report.splitlines()
        if "FAIL" in line and "violations" in line and named not in line
    ]
    assert "cleanup: removed" in report and "could not remove" not in report

    ops = [
        op for op in read_history(history) if op["process"] != "finish" and op["type"] != "invoke"
    ]
    wrong = [op for op in ops if op["type"] != expected_type(op)]
    assert not wrong, wrong[:3]
    assert any(seen(op) for op in ops), f"the fault {fault} was never seen"
    counts = Counter(op["type"] for op in ops)
    assert outcome_counts(report) == (counts["ok"], counts["fail"], counts["info"]), report
    assert fragment in note(report, "outcomes"), report


def test_throttled_requests_are_resent_after_retry_after_and_pass(tmp_path):
    """A target that throttles correctly (20% of requests answered 429 with Retry-After: 1)
    passes the default gate: each throttled request is resent after Retry-After and only its
    last answer is an op; the report counts the 429s. The same run judged again with a
    `throttled` gate line below the observed rate fails on that line."""
    history = tmp_path / "history.jsonl"
    summary = tmp_path / "summary.json"
    with EmbeddedTarget(faults=["throttle=0.2"], extra_args=CANARIES, seed=3) as target:
        before = snapshot(target.url)
        result = loadscim(
            "run", "--target", target.url, "--duration", "5s", "--users", "3",
            "--run-id", "throttle1", "--history", str(history), "--json", str(summary),
        )
        output = result.stdout[-3000:] + result.stderr[-3000:]
        assert result.returncode == 0, output
        assert verdict_line(result.stdout).startswith("verdict: PASS"), output
        assert_only_canaries_unchanged(before, snapshot(target.url))

    line = note(result.stdout, "throttled")
    match = re.match(
        r"throttled: (\d+) answers 429 \(Too Many Requests\) to (\d+) requests \(([\d.]+)%\); "
        r"(\d+) resent after Retry-After, (\d+) requests? never got through; waited ([\d.]+) s",
        line,
    )
    assert match, line
    answers, requests, retried, gave_up = (int(match.group(i)) for i in (1, 2, 4, 5))
    waited = float(match.group(6))
    assert answers >= 5 and answers == retried + gave_up
    assert 0.1 < answers / requests < 0.3  # about the fault's 20%
    assert waited >= 0.95 * retried - 3  # Retry-After: 1 s each (a user stopped mid-wait aside)

    ops = [
        op for op in read_history(history) if op["process"] != "finish" and op["type"] != "invoke"
    ]
    # Only a request that never got through is a 429 op; the others completed after a resend
    # (each such request took at least the second of Retry-After).
    assert sum(op["status"] == 429 for op in ops) <= gave_up
    assert any(op["end_us"] - op["start_us"] >= 950_000 for op in ops)
    counts = Counter(op["type"] for op in ops)
    assert outcome_counts(result.stdout) == (counts["ok"], counts["fail"], counts["info"])

    strict = tmp_path / "strict.toml"
    strict.write_text('errors = "rate < 1%"\nthrottled = "rate < 5%"\n')
    again = loadscim("report", str(summary), "--gate", str(strict), "--text")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "FAIL    throttled rate < 5%: observed " in again.stdout
    assert verdict_line(again.stdout).startswith("verdict: FAIL (1 gate line breached: throttled")


def test_the_entra_provisioning_app_resends_throttled_requests():
    """entra_group_churn's app (the pool of accounts and the group made outside Locust's
    statistics) resends a 429 after Retry-After like the load does: against a target that
    throttles correctly no request of it fails with 429 (it used to: the group create lost,
    that user churned nothing)."""
    result = loadscim(
        "run", "entra_group_churn", "--duration", "3s", "--users", "2", "--seed", "7",
        "--target-fault", "throttle=0.2", "--population", "5", "--fan-out", "3",
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    outcomes = note(result.stdout, "outcomes of the load's requests")
    assert "HTTP 429" not in outcomes, output
    throttled = note(result.stdout, "throttled: ")  # its wrapped lines joined
    assert ", 0 requests never got through" in throttled, output


def test_reconciliation_resends_throttled_reads_and_judges_them(tmp_path):
    """The end-of-run reconciliation reads back every resource like the load sends: a 429
    is resent after Retry-After (it used to be left unjudged: 3 of 8 resources, yet PASS), so a
    target that throttles correctly PASSes with every resource judged."""
    report = tmp_path / "run.json"
    result = loadscim(
        "run", "lifecycle", "--duration", "4s", "--users", "4", "--seed", "7",
        "--target-fault", "throttle=0.2", "--json", str(report),
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = json.loads(report.read_text())
    assert summary["checkers"]["reconcile"]["trials"] >= 1
    assert summary["checkers"]["reconcile"]["unknown"] is None
    assert not [n for n in summary["notes"] if "resources not judged" in n], summary["notes"]

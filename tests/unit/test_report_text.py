"""The text report: endpoint table, gate lines with observed vs limit, checkers, verdict line."""

from __future__ import annotations

from loadscim.config import parse_gate
from loadscim.ops import Violation
from loadscim.report import render_text
from loadscim.summary import ALL, RunSummary, new_histogram, record_us
from loadscim.verdict import evaluate

MS = 1000


def summary_with(latencies: dict[str, list[int]], corrected: bool = False) -> RunSummary:
    summary = RunSummary(
        run_id="r1", scenario="lifecycle", target="http://127.0.0.1:8080/", duration_s=20.0
    )
    for name, values in latencies.items():
        stats = summary.endpoint(name)
        stats.requests = len(values)
        stats.failures = 1
        if corrected:
            stats.hist_corrected = new_histogram()
        for value in values:
            record_us(stats.hist, value)
            if stats.hist_corrected is not None:
                record_us(stats.hist_corrected, value * 2)
    total = summary.endpoint(ALL)
    for name, stats in list(summary.endpoints.items()):
        if name != ALL:
            total.merge(stats)
    return summary


def test_breach_shows_observed_vs_limit_and_ends_with_the_verdict() -> None:
    summary = summary_with({"POST /Users": [312 * MS] * 50, "GET /Users/{id}": [2 * MS] * 50})
    gate = parse_gate('[latency]\n"*" = "p99 < 2s"\n"POST /Users" = "p95 < 100ms"\n', "g.toml")
    text = render_text(summary, evaluate(gate, summary))
    lines = text.rstrip("\n").split("\n")
    assert lines[-1] == (
        'verdict: FAIL (1 gate line breached: "POST /Users" p95 < 100ms observed 312ms)'
    )
    assert sum(1 for line in lines if line.startswith("verdict:")) == 1
    breached = next(line for line in lines if line.startswith("  FAIL"))
    assert '"POST /Users" p95 < 100ms: observed 312ms, limit 100ms (50 samples)' in breached
    assert any(line.startswith("  PASS") and '"*" p99 < 2s' in line for line in lines)
    assert all(len(line) <= 100 for line in lines)
    assert text.endswith("\n")


def test_endpoint_table_in_ms_with_star_last() -> None:
    summary = summary_with({"POST /Users": [312 * MS] * 50, "GET /Users/{id}": [1234] * 50})
    text = render_text(summary, evaluate(None, summary))
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("endpoint"))
    assert "p50 ms" in lines[header] and "max ms" in lines[header]
    assert "requests" in lines[header] and "failures" in lines[header]
    rows = lines[header + 1 : header + 4]
    assert [row.split()[0] for row in rows] == ["GET", "POST", "*"]
    assert rows[0].split()[2:] == ["50", "1", "1.23", "1.23", "1.23", "1.23"]
    assert rows[1].split()[2:] == ["50", "1", "312", "312", "312", "312"]
    assert rows[2].split()[1:3] == ["100", "2"]
    assert "p99c" not in text
    assert text.rstrip("\n").split("\n")[-1] == "verdict: PASS (0 gate lines, 0 checkers held)"


def test_corrected_column_when_open_model() -> None:
    summary = summary_with({"POST /Users": [10 * MS] * 50}, corrected=True)
    text = render_text(summary, evaluate(None, summary))
    assert "p99c ms" in text and "coordinated omission" in text
    row = next(line for line in text.split("\n") if line.startswith("POST /Users"))
    assert row.split()[-1] == "20.0"


def test_checkers_with_first_example_and_not_applicable() -> None:
    summary = summary_with({"PATCH /Groups/{id}": [5 * MS] * 40})
    lost = summary.checker("lost_update")
    lost.trials, lost.violations = 12, 2
    lost.examples.append(
        Violation(
            checker="lost_update",
            kind="lost-member",
            trial="t7",
            resource="Group/3f2a",
            expected="members [a, b]",
            observed="members [a]",
            ops=(
                '#12 p3 PATCH /Groups/{id} [{"op":"add"}] -> 204 ok @10.2-14.5ms',
                "#13 p4 GET /Groups/{id} -> 200 ok @15.0-16.1ms",
            ),
        )
    )
    bulk = summary.checker("bulk")
    bulk.not_applicable = "ServiceProviderConfig says bulk.supported = false"
    text = render_text(summary, evaluate(None, summary))
    assert "checkers" in text
    assert "N/A" in text and "bulk.supported = false" in text
    row = next(line for line in text.split("\n") if "lost_update" in line and "trials" in line)
    assert row.split()[:2] == ["FAIL", "lost_update"] and "2 violations" in row
    assert "first: Group/3f2a lost-member" in text
    assert "expected: members [a, b]" in text and "observed: members [a]" in text
    assert "trial t7" in text
    assert '#12 p3 PATCH /Groups/{id} [{"op":"add"}] -> 204 ok @10.2-14.5ms' in text
    assert text.rstrip().split("\n")[-1].startswith(
        "verdict: FAIL (1 checker violated: lost_update: 2 violations (allowed 0)"
    )


def test_unknown_lines_self_trust_and_notes() -> None:
    summary = summary_with({"POST /Users": [10 * MS] * 5})
    summary.max_cpu_percent = 97.0
    summary.dropped_iterations = 3
    summary.notes.append("cleanup: deleted 5 users, 0 groups")
    gate = parse_gate('[latency]\n"POST /Users" = "p95 < 1s"\n', "g.toml")
    text = render_text(summary, evaluate(gate, summary))
    assert "UNKNOWN" in text and "only 5 samples, fewer than min_samples 20" in text
    assert "load generator CPU saturated (97%): timings unreliable" in text
    assert "3 iterations started late or were skipped" in text
    assert "cleanup: deleted 5 users, 0 groups" in text
    last = text.rstrip().split("\n")[-1]
    assert last.startswith("verdict: UNKNOWN (2 lines unknown: ")
    assert all(len(line) <= 100 for line in text.rstrip().split("\n")[:-1])


def test_empty_run() -> None:
    summary = RunSummary()
    text = render_text(summary, evaluate(None, summary))
    assert "no requests recorded" in text
    assert text.rstrip().split("\n")[-1] == (
        "verdict: UNKNOWN (1 line unknown: the run recorded no requests and judged no trials: "
        "nothing to vouch for)"
    )


def test_a_not_applicable_row_counts_no_trials_and_says_why() -> None:
    # pagination's trials finish against a target without filter, yet judge nothing: the
    # row read "N/A pagination 6 trials".
    summary = summary_with({"GET /Users": [5 * MS] * 40})
    pagination = summary.checker("pagination")
    pagination.trials = 6
    pagination.not_applicable = "the target does not support filter"
    verdict = evaluate(None, summary)
    [line] = [ln for ln in verdict.lines if ln.kind == "checker"]
    assert line.label == "N/A" and line.samples == 0
    text = render_text(summary, verdict)
    row = next(ln for ln in text.split("\n") if "pagination" in ln and "trials" in ln)
    assert row.split()[:4] == ["N/A", "pagination", "0", "trials"], row
    assert "not applicable: the target does not support filter" in text

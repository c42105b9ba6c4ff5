"""The verdict on hand-built run summaries: every line type, self-trust and the combination."""

from __future__ import annotations

import pytest

from loadscim.config import Gate, parse_gate
from loadscim.ops import Violation
from loadscim.summary import ALL, TARGET_LACKS, RunSummary, new_histogram, record_us
from loadscim.verdict import (
    LineResult,
    Status,
    Verdict,
    breached_now,
    evaluate,
    format_sig3,
)

MS = 1000
ONE_TO_100_MS = [i * MS for i in range(1, 101)]  # p50 50ms, p95 95ms, p99 99ms, max 100ms
BUSY = {"GET /Users": [MS] * 30}


def run(
    endpoints: dict[str, list[int]] | None = None,
    failures: dict[str, int] | None = None,
    corrected: dict[str, list[int]] | None = None,
    duration_s: float = 10.0,
) -> RunSummary:
    """A summary whose endpoints saw these latencies (us), with "*" merged from them."""
    summary = RunSummary(run_id="t", duration_s=duration_s)
    for name, values in (endpoints or {}).items():
        stats = summary.endpoint(name)
        stats.requests = len(values)
        stats.failures = (failures or {}).get(name, 0)
        for value in values:
            record_us(stats.hist, value)
        if corrected and name in corrected:
            stats.hist_corrected = new_histogram()
            for value in corrected[name]:
                record_us(stats.hist_corrected, value)
    total = summary.endpoint(ALL)
    for name, stats in list(summary.endpoints.items()):
        if name != ALL:
            total.merge(stats)
    return summary


def gate(text: str) -> Gate:
    return parse_gate(text, "test.toml")


def latency_gate(endpoint: str, *rules: str, extra: str = "") -> Gate:
    listed = ", ".join(f'"{r}"' for r in rules)
    return gate(f'{extra}\n[latency]\n"{endpoint}" = [{listed}]\n')


def only_line(verdict: Verdict) -> LineResult:
    assert len(verdict.lines) == 1, verdict.lines
    return verdict.lines[0]


# ---------------------------------------------------------------------------------- latency


@pytest.mark.parametrize(
    ("rule", "status", "observed"),
    [
        ("p50 < 60ms", Status.PASS, "50.0ms"),
        ("p50 < 40ms", Status.FAIL, "50.0ms"),
        ("p75 <= 80ms", Status.PASS, "75.0ms"),
        ("p90 < 85ms", Status.FAIL, "90.0ms"),
        ("p95 < 100ms", Status.PASS, "95.0ms"),
        ("p95 < 90ms", Status.FAIL, "95.0ms"),
        ("p99 < 0.1s", Status.PASS, "0.0990s"),
        ("p99 < 98ms", Status.FAIL, "99.0ms"),
        ("p99.9 < 101ms", Status.PASS, "100ms"),
        ("p99.9 < 99ms", Status.FAIL, "100ms"),
        ("max < 101ms", Status.PASS, "100ms"),
        ("max < 100ms", Status.FAIL, "100ms"),
        ("avg < 60ms", Status.PASS, "50.5ms"),
        ("avg < 50ms", Status.FAIL, "50.5ms"),
        ("p50 < 51000us", Status.PASS, "50000us"),
    ],
)
def test_latency_statistics(rule: str, status: Status, observed: str) -> None:
    verdict = evaluate(latency_gate("POST /Users", rule), run({"POST /Users": ONE_TO_100_MS}))
    line = only_line(verdict)
    assert (line.status, line.observed, line.samples) == (status, observed, 100)
    assert verdict.status is status
    assert line.kind == "latency" and line.endpoint == "POST /Users" and line.text == rule
    if status is Status.FAIL:
        assert line.reason == f'"POST /Users" {rule} observed {observed}'
        assert verdict.reasons == [line.reason]
    else:
        assert line.reason == "" and verdict.reasons == []


def test_operator_at_the_limit() -> None:
    summary = run({"GET /Users": [1000] * 30})  # values below 2048 us are exact
    assert evaluate(latency_gate("GET /Users", "max <= 1ms"), summary).status is Status.PASS
    assert evaluate(latency_gate("GET /Users", "max < 1ms"), summary).status is Status.FAIL


def test_star_line_reads_all_endpoints() -> None:
    summary = run({"GET /Users/{id}": [10 * MS] * 50, "POST /Users": [3_000 * MS] * 50})
    line = only_line(evaluate(latency_gate("*", "max < 2s"), summary))
    assert line.status is Status.FAIL and line.samples == 100 and line.observed == "3.00s"


def test_star_is_merged_when_the_recorder_gave_none() -> None:
    summary = run({"GET /Users/{id}": [10 * MS] * 50})
    del summary.endpoints[ALL]
    line = only_line(evaluate(latency_gate("*", "p99 < 20ms"), summary))
    assert line.status is Status.PASS and line.samples == 50


def test_corrected_pass_and_fail() -> None:
    summary = run(
        {"POST /Users": [10 * MS] * 100},
        corrected={"POST /Users": [10 * MS] * 90 + [2_000 * MS] * 10},
    )
    verdict = evaluate(
        latency_gate("POST /Users", "p99 < 50ms", "p99_corrected < 1s", "p50_corrected < 1s"),
        summary,
    )
    assert [ln.status for ln in verdict.lines] == [Status.PASS, Status.FAIL, Status.PASS]
    assert verdict.lines[1].observed == "2.00s"
    assert verdict.status is Status.FAIL


def test_corrected_without_open_model_is_unknown() -> None:
    verdict = evaluate(
        latency_gate("POST /Users", "p99_corrected < 1s"), run({"POST /Users": ONE_TO_100_MS})
    )
    line = only_line(verdict)
    assert line.status is Status.UNKNOWN and verdict.status is Status.UNKNOWN
    assert "the scenario did not run an open model" in line.reason


@pytest.mark.parametrize(("rule", "observed"), [("p95 < 1s", "0.0100s"), ("p95 < 1ms", "10.0ms")])
def test_too_few_samples_is_unknown_never_pass_nor_fail(rule: str, observed: str) -> None:
    summary = run({"POST /Users": [10 * MS] * 19})
    verdict = evaluate(latency_gate("POST /Users", rule), summary)
    line = only_line(verdict)
    assert line.status is Status.UNKNOWN and verdict.status is Status.UNKNOWN
    assert "only 19 samples, fewer than min_samples 20" in line.reason
    assert line.observed == observed and line.samples == 19  # in the line's unit
    assert verdict.exit_code == 2


def test_min_samples_global_and_per_line() -> None:
    summary = run({"POST /Users": [10 * MS] * 50})
    low = latency_gate("POST /Users", "p95 < 1s", extra="min_samples = 5")
    assert evaluate(low, summary).status is Status.PASS
    high = gate('[latency]\n"POST /Users" = { rules = ["p95 < 1s"], min_samples = 100 }')
    line = only_line(evaluate(high, summary))
    assert line.status is Status.UNKNOWN and "fewer than min_samples 100" in line.reason


def test_endpoint_never_seen_lists_the_seen_ones() -> None:
    summary = run({"POST /Users": ONE_TO_100_MS, "GET /Users/{id}": ONE_TO_100_MS})
    line = only_line(evaluate(latency_gate("POST /User", "p95 < 1s"), summary))
    assert line.status is Status.UNKNOWN
    assert "never seen" in line.reason and "typo" in line.reason
    assert "did you mean 'POST /Users'?" in line.reason
    assert "seen: GET /Users/{id}, POST /Users" in line.reason


def test_no_requests_at_all() -> None:
    verdict = evaluate(latency_gate("*", "p95 < 1s"), RunSummary())
    assert [ln.status for ln in verdict.lines] == [Status.UNKNOWN, Status.UNKNOWN]
    assert "no requests were recorded" in verdict.lines[0].reason


def test_a_run_that_did_nothing_is_unknown_even_without_a_gate() -> None:
    verdict = evaluate(None, RunSummary())
    assert verdict.status is Status.UNKNOWN
    assert verdict.reasons == [
        "the run recorded no requests and judged no trials: nothing to vouch for"
    ]
    checked_offline = with_checker(RunSummary())  # `loadscim check`: trials, no requests
    assert evaluate(None, checked_offline).status is Status.PASS


# ---------------------------------------------------------------------------------- rates


@pytest.mark.parametrize(
    ("rule", "failures", "status"),
    [
        ("rate < 1%", 0, Status.PASS),
        ("rate < 1%", 1, Status.FAIL),  # exactly 1%: not below it
        ("rate <= 1%", 1, Status.PASS),
        ("rate <= 1%", 2, Status.FAIL),
        ("rate <= 0%", 0, Status.PASS),
        ("rate <= 0%", 1, Status.FAIL),
        ("rate < 50%", 49, Status.PASS),
    ],
)
def test_error_rate(rule: str, failures: int, status: Status) -> None:
    summary = run({"POST /Users": ONE_TO_100_MS}, failures={"POST /Users": failures})
    line = only_line(evaluate(gate(f'errors = "{rule}"'), summary))
    assert line.status is status and line.kind == "errors" and line.endpoint == ALL
    assert line.name == f"errors {rule}"
    if status is Status.FAIL:
        assert line.reason.startswith(f"errors {rule} observed ")
        assert f"({failures} of 100 requests failed)" in line.reason


def test_error_rate_by_endpoint() -> None:
    summary = run(
        {"POST /Users": ONE_TO_100_MS, "GET /Users/{id}": ONE_TO_100_MS},
        failures={"POST /Users": 5},
    )
    verdict = evaluate(
        gate(
            'errors = "rate < 5%"\n[errors_by_endpoint]\n'
            '"POST /Users" = "rate < 2%"\n"GET /Users/{id}" = "rate < 2%"\n'
        ),
        summary,
    )
    assert [(ln.endpoint, ln.status) for ln in verdict.lines] == [
        (ALL, Status.PASS),
        ("POST /Users", Status.FAIL),
        ("GET /Users/{id}", Status.PASS),
    ]
    failed = verdict.lines[1]
    assert failed.observed == "5.00%" and failed.limit == "2%"
    assert failed.reason == (
        '"POST /Users" errors rate < 2% observed 5.00% (5 of 100 requests failed)'
    )


def test_error_rate_with_too_few_requests_is_unknown() -> None:
    summary = run({"POST /Users": [MS] * 10}, failures={"POST /Users": 10})
    line = only_line(evaluate(gate('errors = "rate < 1%"'), summary))
    assert line.status is Status.UNKNOWN and "only 10 requests" in line.reason


def test_error_rate_of_unseen_endpoint_is_unknown() -> None:
    summary = run({"POST /Users": ONE_TO_100_MS})
    verdict = evaluate(gate('[errors_by_endpoint]\n"DELETE /Users/{id}" = "rate < 1%"'), summary)
    line = only_line(verdict)
    assert line.status is Status.UNKNOWN and "never seen" in line.reason


# ---------------------------------------------------------------------------------- throughput


@pytest.mark.parametrize(("min_rps", "status"), [(10, Status.PASS), (9.5, Status.PASS),
                                                 (11, Status.FAIL)])
def test_min_rps(min_rps: float, status: Status) -> None:
    summary = run({"POST /Users": ONE_TO_100_MS}, duration_s=10.0)  # 100 requests in 10 s
    line = only_line(evaluate(gate(f"min_rps = {min_rps}"), summary))
    assert line.status is status and line.observed == "10.0/s" and line.kind == "rps"
    if status is Status.FAIL:
        assert line.reason == "min_rps = 11 observed 10.0/s (100 requests in 10.0 s)"


def test_min_rps_without_a_window_is_unknown() -> None:
    summary = run({"POST /Users": ONE_TO_100_MS}, duration_s=0.0)
    assert only_line(evaluate(gate("min_rps = 1"), summary)).status is Status.UNKNOWN


# ---------------------------------------------------------------------------------- checkers


def example() -> Violation:
    return Violation(
        checker="lost_update",
        kind="lost-member",
        trial="t1",
        resource="Group/3f2a",
        expected="members [a, b]",
        observed="members [a]",
        ops=("#1 p1 PATCH /Groups/{id} -> 204 ok @0.0-1.0ms",),
    )


def with_checker(summary: RunSummary, name: str = "lost_update", **fields: object) -> RunSummary:
    stats = summary.checker(name)
    stats.trials = 10
    for key, value in fields.items():
        setattr(stats, key, value)
    return summary


def test_checker_violation_fails_without_a_gate() -> None:
    summary = with_checker(run(BUSY), violations=3, examples=[example()])
    verdict = evaluate(None, summary)
    line = only_line(verdict)
    assert line.status is Status.FAIL and verdict.status is Status.FAIL
    assert line.kind == "checker" and line.name == "checker lost_update"
    assert line.observed == "3" and line.limit == "0"
    assert line.reason == "lost_update: 3 violations (allowed 0), first: Group/3f2a lost-member"
    assert verdict.exit_code == 1


def test_allowed_violations_from_the_gate() -> None:
    summary = with_checker(run(BUSY), violations=2)
    assert evaluate(gate("[violations]\nlost_update = 2"), summary).status is Status.PASS
    assert evaluate(gate("[violations]\nlost_update = 1"), summary).status is Status.FAIL
    assert evaluate(gate("[violations]\nother = 5"), summary).status is Status.FAIL


def test_clean_checker_passes() -> None:
    verdict = evaluate(None, with_checker(run(BUSY)))
    assert verdict.status is Status.PASS and only_line(verdict).status is Status.PASS


def test_crashed_checker_is_unknown() -> None:
    line = only_line(evaluate(None, with_checker(run(BUSY), errors=2)))
    assert line.status is Status.UNKNOWN and "raised 2 times" in line.reason


def test_checker_that_judged_nothing_is_unknown() -> None:
    line = only_line(evaluate(None, with_checker(run(BUSY), trials=0)))
    assert line.status is Status.UNKNOWN
    assert line.reason == (
        "0 trials of lost_update finished in 10 s, so it vouches for nothing; run longer "
        "(--duration), and see the log above for errors of the users"
    )


def test_a_declared_checker_without_trials_names_the_slow_endpoint_and_the_fix() -> None:
    summary = run({"POST /Users": [11_000 * MS] * 30, "GET /Users": [MS] * 30}, duration_s=15.0)
    summary.scenario = "okta_group_push"
    summary.checker("lost_update")  # declared by the scenario, never finished a trial
    with_checker(summary, "conflict_status", trials=0, not_applicable=None)
    verdict = evaluate(parse_gate('errors = "rate < 1%"', "g.toml"), summary)
    assert verdict.status is Status.UNKNOWN
    assert verdict.reasons[0] == (
        "okta_group_push: 0 trials of conflict_status finished in 15 s, so it vouches for "
        "nothing; the target's POST /Users p50 is 11.0s: run longer (--duration)"
    )
    assert "0 trials of lost_update" in verdict.headline()


def test_a_checker_without_trials_and_no_answer_at_all_says_so() -> None:
    summary = with_checker(run({}), trials=0)
    reasons = evaluate(None, summary).reasons
    assert any("0 trials of lost_update" in r and "no request was answered" in r for r in reasons)


def test_not_applicable_checker_is_neither_fail_nor_unknown() -> None:
    summary = with_checker(run(BUSY), "bulk", trials=0, not_applicable="bulk.supported is false")
    verdict = evaluate(None, summary)
    line = only_line(verdict)
    assert line.not_applicable and line.label == "N/A"
    assert line.status is Status.PASS and verdict.status is Status.PASS
    assert "bulk.supported is false" in line.reason
    assert verdict.reasons == []


def test_a_scenario_with_nothing_to_do_passes_though_the_unknown_id_probe_was_judged() -> None:
    """bulk_burst against a target without Bulk: its one request is the unknown-id GET that
    conformance judges (every load process sends it), too few for the errors line. The
    scenario had nothing to do: PASS with N/A lines, not UNKNOWN."""
    probe = run({"GET /Users/{id}": [9 * MS]})
    summary = with_checker(probe, "bulk", trials=0, not_applicable="bulk.supported is false")
    with_checker(summary, "conformance", trials=1)
    verdict = evaluate(parse_gate('errors = "rate < 1%"', "g.toml"), summary)
    assert verdict.status is Status.PASS, verdict.reasons
    errors = next(line for line in verdict.lines if line.kind == "errors")
    assert errors.not_applicable and "nothing to measure (bulk: " in errors.reason
    conformance = with_checker(summary, "conformance", trials=1, violations=1)
    assert evaluate(None, conformance).status is Status.FAIL  # what it found still counts


def test_a_gate_line_of_patch_or_bulk_the_target_lacks_is_not_applicable() -> None:
    """A shipped gate names "PATCH /Users/{id}"; a target without PATCH (RFC 7644 3.5.2:
    optional) got PUTs instead. Its lines are N/A, not UNKNOWN "a typo?"; an endpoint the
    target has but the run never used stays UNKNOWN."""
    summary = run({"PUT /Users/{id}": [MS] * 30, "GET /Users": [MS] * 30})
    why = "the target's ServiceProviderConfig says patch is not supported (RFC 7644 3.5.2)"
    summary.extra[TARGET_LACKS] = {"patch": why}
    verdict = evaluate(latency_gate("PATCH /Users/{id}", "p95 < 1s"), summary)
    assert verdict.status is Status.PASS, verdict.reasons
    line = only_line(verdict)
    assert line.not_applicable and line.label == "N/A" and why in line.reason
    errors = evaluate(gate('[errors_by_endpoint]\n"PATCH /Users/{id}" = "rate < 1%"\n'), summary)
    assert errors.status is Status.PASS and only_line(errors).not_applicable, errors.reasons
    bulk = evaluate(latency_gate("POST /Bulk", "p95 < 2s"), summary)
    assert bulk.status is Status.UNKNOWN and "a typo?" in bulk.reasons[0]


# ---------------------------------------------------------------------------------- self-trust


def test_listener_errors_make_it_unknown() -> None:
    summary = run(BUSY)
    summary.listener_errors = 2
    verdict = evaluate(None, summary)
    assert verdict.status is Status.UNKNOWN and verdict.exit_code == 2
    assert "2 exceptions in loadscim's event listeners" in verdict.reasons[0]


def test_saturated_cpu_makes_it_unknown() -> None:
    summary = run(BUSY)
    summary.max_cpu_percent = 97.0
    verdict = evaluate(None, summary)
    assert verdict.status is Status.UNKNOWN
    assert verdict.reasons == [
        "load generator CPU saturated (97%): timings unreliable; add workers or lower --users"
    ]


def test_cpu_at_90_percent_is_trusted() -> None:
    summary = run(BUSY)
    summary.max_cpu_percent = 90.0
    assert evaluate(None, summary).status is Status.PASS


def test_lost_worker_makes_it_unknown() -> None:
    summary = run(BUSY)
    summary.workers_lost = 1
    verdict = evaluate(None, summary)
    assert verdict.status is Status.UNKNOWN and "1 worker lost" in verdict.reasons[0]


# ---------------------------------------------------------------------------------- combining


def test_fail_beats_unknown() -> None:
    summary = run({"POST /Users": ONE_TO_100_MS})
    summary.max_cpu_percent = 99.0
    verdict = evaluate(latency_gate("POST /Users", "p95 < 10ms", "p99_corrected < 1s"), summary)
    assert [ln.status for ln in verdict.lines] == [Status.FAIL, Status.UNKNOWN, Status.UNKNOWN]
    assert verdict.status is Status.FAIL and verdict.exit_code == 1
    assert len(verdict.reasons) == 3 and verdict.reasons[0].startswith('"POST /Users" p95')


def test_unknown_beats_pass() -> None:
    summary = run({"POST /Users": ONE_TO_100_MS})
    verdict = evaluate(latency_gate("POST /Users", "p95 < 1s", "p99_corrected < 1s"), summary)
    assert verdict.status is Status.UNKNOWN and len(verdict.reasons) == 1


def test_everything_holds() -> None:
    summary = with_checker(run({"POST /Users": ONE_TO_100_MS}))
    verdict = evaluate(
        gate(
            'errors = "rate < 1%"\nmin_rps = 5\n[latency]\n"*" = "p99 < 2s"\n'
            '"POST /Users" = ["p95 < 300ms", "max < 1s", "avg < 100ms"]'
        ),
        summary,
    )
    assert verdict.status is Status.PASS and verdict.exit_code == 0 and verdict.reasons == []
    assert len(verdict.lines) == 7
    assert verdict.headline() == "verdict: PASS (6 gate lines, 1 checker held)"


def test_without_a_gate_only_checkers_and_self_trust_decide() -> None:
    summary = run({"POST /Users": [10_000 * MS] * 100}, failures={"POST /Users": 100})
    verdict = evaluate(None, summary)
    assert verdict.status is Status.PASS and verdict.lines == []


def test_status_exit_codes() -> None:
    assert [s.exit_code for s in Status] == [0, 1, 2, 3]
    error = Verdict.error("target unreachable at http://127.0.0.1:1/")
    assert error.status is Status.ERROR and error.exit_code == 3
    assert error.headline() == "verdict: ERROR (target unreachable at http://127.0.0.1:1/)"


def test_headline_of_a_breach() -> None:
    summary = run({"POST /Users": [312 * MS] * 50})
    verdict = evaluate(latency_gate("POST /Users", "p95 < 100ms"), summary)
    assert verdict.headline() == (
        'verdict: FAIL (1 gate line breached: "POST /Users" p95 < 100ms observed 312ms)'
    )


def test_headline_groups_and_caps_reasons() -> None:
    summary = with_checker(run({"POST /Users": ONE_TO_100_MS}), violations=1)
    rules = ["p50 < 1ms", "p75 < 1ms", "p90 < 1ms", "p95 < 1ms", "p99_corrected < 1s"]
    headline = evaluate(latency_gate("POST /Users", *rules), summary).headline()
    assert headline.startswith('verdict: FAIL (4 gate lines breached: "POST /Users" p50 < 1ms')
    assert "; and 1 more; 1 checker violated: lost_update: 1 violation (allowed 0)" in headline
    assert headline.endswith("; also 1 line unknown)")
    unknown = evaluate(latency_gate("POST /Users", "p99_corrected < 1s"), run(
        {"POST /Users": ONE_TO_100_MS}
    )).headline()
    assert unknown.startswith('verdict: UNKNOWN (1 line unknown: "POST /Users" p99_corrected')


# ---------------------------------------------------------------------------------- abort


ABORT = 'abort_on_fail = true\nabort_grace = "10s"\nerrors = "rate < 1%"\nmin_rps = 1000\n'


def test_breached_now_after_the_grace_period() -> None:
    summary = run({"POST /Users": ONE_TO_100_MS})
    abort = latency_gate("POST /Users", "p95 < 10ms", extra=ABORT)
    assert breached_now(abort, summary, elapsed_s=5.0) is None
    assert breached_now(abort, summary, elapsed_s=10.0) == (
        '"POST /Users" p95 < 10ms observed 95.0ms'
    )


def test_breached_now_needs_abort_on_fail_and_a_gate() -> None:
    summary = run({"POST /Users": ONE_TO_100_MS})
    assert breached_now(latency_gate("POST /Users", "p95 < 10ms"), summary, 60.0) is None
    assert breached_now(None, summary, 60.0) is None


def test_breached_now_ignores_lines_without_enough_samples_and_throughput() -> None:
    summary = run({"POST /Users": [500 * MS] * 5}, failures={"POST /Users": 5})
    abort = latency_gate("POST /Users", "p95 < 10ms", extra=ABORT)
    assert breached_now(abort, summary, 60.0) is None  # 5 samples; min_rps not judged early


def test_breached_now_on_error_rate_and_checker() -> None:
    summary = run({"POST /Users": ONE_TO_100_MS}, failures={"POST /Users": 10})
    reason = breached_now(gate(ABORT), summary, 60.0)
    assert reason is not None and reason.startswith("errors rate < 1% observed 10.0%")
    clean = with_checker(run({"POST /Users": ONE_TO_100_MS}), violations=1)
    assert breached_now(gate(ABORT), clean, 60.0) == "lost_update: 1 violation (allowed 0)"


# ---------------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (0.0123, "0.0123"), (1.234, "1.23"), (9.996, "10.0"), (99.96, "100"),
     (312, "312"), (999.6, "1000"), (1234.5, "1230"), (0.5, "0.500")],
)
def test_format_sig3(value: float, text: str) -> None:
    assert format_sig3(value) == text


# -- throttled --------------------------------------------------------------------------


def throttled_run(answers: int, requests: int = 100) -> RunSummary:
    summary = run({"GET /Users": [MS] * requests})
    if answers:
        summary.extra["throttle"] = {"answers": answers, "retried": answers, "gave_up": 0}
    return summary


def test_throttled_line_fails_above_its_limit_and_names_the_counts() -> None:
    verdict = evaluate(gate('throttled = "rate < 5%"'), throttled_run(20))
    line = only_line(verdict)
    assert (line.kind, line.name, line.status) == ("throttled", "throttled rate < 5%", Status.FAIL)
    assert (line.observed, line.limit, line.samples) == ("20.0%", "5%", 100)
    assert line.reason == (
        "throttled rate < 5% observed 20.0% (20 answers 429 (Too Many Requests) to 100 requests)"
    )
    assert verdict.headline().startswith("verdict: FAIL (1 gate line breached: throttled")


@pytest.mark.parametrize(
    ("answers", "text"), [(0, "rate < 5%"), (4, "rate < 5%"), (20, "rate < 25%")]
)
def test_throttled_line_passes_within_its_limit(answers: int, text: str) -> None:
    line = only_line(evaluate(gate(f'throttled = "{text}"'), throttled_run(answers)))
    assert line.status is Status.PASS


def test_throttling_alone_is_not_an_error() -> None:
    """Retried 429s are no failures: the errors line holds, the throttled line judges them."""
    verdict = evaluate(gate('errors = "rate < 1%"'), throttled_run(20))
    assert verdict.status is Status.PASS


def test_throttled_line_needs_samples() -> None:
    line = only_line(evaluate(gate('throttled = "rate < 5%"'), throttled_run(1, requests=5)))
    assert line.status is Status.UNKNOWN and "fewer than min_samples 20" in line.reason
    line = evaluate(gate('throttled = "rate < 5%"'), run({})).lines[0]
    assert line.status is Status.UNKNOWN and "no requests recorded" in line.reason


def test_throttled_line_aborts_a_run_on_fail() -> None:
    text = 'throttled = "rate < 5%"\nabort_on_fail = true\nabort_grace = "1s"'
    assert breached_now(gate(text), throttled_run(20), 5.0) is not None


def test_a_checker_that_read_too_little_is_unknown_with_its_reason() -> None:
    why = "reconcile: 7 of 12 resources were not read back, so it vouches for too little"
    summary = with_checker(run(BUSY), "reconcile", trials=1, unknown=why)
    line = only_line(evaluate(None, summary))
    assert line.status is Status.UNKNOWN and line.reason == why
    failing = with_checker(run(BUSY), "reconcile", trials=1, violations=1, unknown=why)
    assert only_line(evaluate(None, failing)).status is Status.FAIL  # a finding still counts

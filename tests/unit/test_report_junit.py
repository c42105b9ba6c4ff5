"""JUnit XML: one test case per gate line, checker and self-trust line, parsed back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from summaries import judged, summary

from loadscim.report import render_text
from loadscim.report.junit import to_junit, xml_safe
from loadscim.summary import RunSummary
from loadscim.verdict import Verdict, evaluate


def parse(data: bytes) -> ET.Element:
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(data)


def test_one_testcase_per_line_named_as_the_line() -> None:
    run, verdict = judged()
    root = parse(to_junit(run, verdict))
    suites = root.findall("testsuite")
    assert root.tag == "testsuites" and len(suites) == 1
    suite = suites[0]
    assert suite.get("name") == "loadscim"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [ln.name for ln in verdict.lines]
    kinds = {ln.kind for ln in verdict.lines}
    assert {"latency", "errors", "checker", "self"} <= kinds
    by_name = {c.get("name"): c for c in cases}
    assert by_name["checker lost_update"].get("classname") == "loadscim.checkers"
    assert by_name["load generator CPU <= 90%"].get("classname") == "loadscim.self-trust"
    assert by_name['"*" p99 < 2s'].get("classname") == "loadscim.gate"
    assert suite.get("tests") == str(len(cases)) == root.get("tests")


def test_failures_state_observed_vs_limit() -> None:
    run, verdict = judged()
    suite = parse(to_junit(run, verdict)).find("testsuite")
    assert suite is not None
    failed = {c.get("name"): c.find("failure") for c in suite if c.find("failure") is not None}
    assert set(failed) == {'"POST /Users" p95 < 100ms', "checker lost_update"}
    post = failed['"POST /Users" p95 < 100ms']
    assert post is not None
    observed = next(ln.observed for ln in verdict.lines if ln.text == "p95 < 100ms")
    assert post.get("message") == f'"POST /Users" p95 < 100ms: observed {observed}, limit 100ms'
    lost = failed["checker lost_update"]
    assert lost is not None
    assert lost.get("message") == "checker lost_update: observed 2 violations, limit 0"
    assert "Group/3f2a lost-member" in (lost.text or "") and "#5 p2 GET" in (lost.text or "")
    assert '"u1"] ?[31m</td>' in (lost.text or "") and "kinds: lost-member 2" in (lost.text or "")
    assert suite.get("failures") == "2"


def test_unknown_and_not_applicable_are_skipped_saying_which() -> None:
    run, verdict = judged()
    suite = parse(to_junit(run, verdict)).find("testsuite")
    assert suite is not None
    skipped = {c.get("name"): c.find("skipped") for c in suite if c.find("skipped") is not None}
    unknown = skipped['"GET /Groups" p50 < 1ms']
    assert unknown is not None
    assert unknown.get("message", "").startswith("UNKNOWN: endpoint never seen in this run")
    cpu = skipped["load generator CPU <= 90%"]
    assert cpu is not None and cpu.get("message", "").startswith("UNKNOWN: load generator CPU")
    zombie = skipped["checker zombie"]
    assert zombie is not None
    assert zombie.get("message") == "not applicable: the target has no active attribute"
    passed = [c for c in suite.findall("testcase") if len(c) == 0]
    assert {c.get("name") for c in passed} >= {'"*" p99 < 2s', "checker read_your_writes"}
    assert suite.get("skipped") == str(len(skipped))


def test_properties_and_system_out_with_the_text_report() -> None:
    run, verdict = judged()
    suite = parse(to_junit(run, verdict)).find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["run_id"] == "r3port" and props["verdict"] == "FAIL"
    assert props["exit_code"] == "1" and props["headline"] == verdict.headline()
    assert suite.get("timestamp") == "2023-11-14T22:13:20" and suite.get("time") == "6.000"
    out = suite.find("system-out")
    assert out is not None and out.text == xml_safe(render_text(run, verdict))
    assert "\x1b" not in (out.text or "")


def test_a_passing_run_has_no_failures() -> None:
    run = summary({"GET /Users": [1000] * 30})
    verdict = evaluate(None, run)
    suite = parse(to_junit(run, verdict)).find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "0" and suite.get("skipped") == "0"


def test_an_error_run_is_one_error_case() -> None:
    verdict = Verdict.error("target unreachable: connection refused")
    suite = parse(to_junit(RunSummary(), verdict)).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 1 and cases[0].get("name") == "loadscim run"
    error = cases[0].find("error")
    assert error is not None and error.get("message") == "target unreachable: connection refused"
    assert suite.get("errors") == "1"


def test_xml_safe_replaces_what_xml_cannot_hold() -> None:
    assert xml_safe("a\x00b\x1bc\td\ne\ufffe") == "a?b?c\td\ne?"

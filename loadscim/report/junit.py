"""The verdict as JUnit XML (``--junit FILE``), for the test reports of CI systems.

Jenkins (JUnit plugin), GitLab (``artifacts:reports:junit``) and GitHub test-report actions
read the common subset written here::

    <testsuites name="loadscim" tests=".." failures=".." errors=".." skipped=".." time="..">
      <testsuite name="loadscim" ...>
        <properties> run_id, scenario, target, verdict, exit_code </properties>
        <testcase classname="loadscim.gate" name='"POST /Users" p95 &lt; 100ms' time="0">
          <failure message='"POST /Users" p95 &lt; 100ms: observed 312ms, limit 100ms'
                   type="FAIL">...</failure>
        </testcase>
        <testcase classname="loadscim.checkers" name="checker lost_update">...</testcase>
        <testcase classname="loadscim.self-trust" name="load generator CPU &lt;= 90%">
          <skipped message="UNKNOWN: load generator CPU saturated (97%) ..."/>
        </testcase>
        <system-out> the text report </system-out>
      </testsuite>
    </testsuites>

One test case per gate line, per checker and per self-trust line, named as
:attr:`loadscim.verdict.LineResult.name`. A FAIL line has a ``<failure>`` whose message
states observed vs limit; an UNKNOWN line and a checker that does not apply to the target
are ``<skipped>``, the message saying which (``UNKNOWN: ...`` or ``not applicable: ...``):
an UNKNOWN run still exits 2, so the CI job fails either way. A run that ended in ERROR
has one test case ``loadscim run`` with an ``<error>``.

Characters XML 1.0 cannot hold (control characters in a server's answer quoted by a
violation example) are replaced by ``?``, so the file always parses.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

from loadscim.ops import Violation
from loadscim.report.text import render_text
from loadscim.summary import RunSummary
from loadscim.verdict import LineResult, Status, Verdict, describe_violation

SUITE = "loadscim"
CLASSNAMES = {"checker": "loadscim.checkers", "self": "loadscim.self-trust"}
"""The test case class name per line kind; every gate line kind is ``loadscim.gate``."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold replaced by ``?``."""
    return _NOT_XML.sub("?", text)


def to_junit(summary: RunSummary, verdict: Verdict) -> bytes:
    """The JUnit XML document (UTF-8, with an XML declaration)."""
    cases = [_case(summary, line) for line in verdict.lines]
    if verdict.status is Status.ERROR:
        error = ET.Element("testcase", classname=SUITE, name="loadscim run", time="0")
        message = "; ".join(verdict.reasons) or "the run could not run"
        ET.SubElement(error, "error", message=xml_safe(message), type="ERROR").text = xml_safe(
            verdict.headline()
        )
        cases.append(error)
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.find("failure") is not None)),
        "errors": str(sum(1 for c in cases if c.find("error") is not None)),
        "skipped": str(sum(1 for c in cases if c.find("skipped") is not None)),
        "time": f"{summary.duration_s:.3f}",
    }
    root = ET.Element("testsuites", {"name": SUITE, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, **counts})
    if summary.started_unix > 0:
        started = time.gmtime(summary.started_unix)
        suite.set("timestamp", time.strftime("%Y-%m-%dT%H:%M:%S", started))
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", summary.run_id),
        ("scenario", summary.scenario),
        ("target", summary.target),
        ("verdict", verdict.status.value),
        ("exit_code", str(verdict.exit_code)),
        ("headline", verdict.headline()),
    ):
        ET.SubElement(properties, "property", name=name, value=xml_safe(value))
    suite.extend(cases)
    ET.SubElement(suite, "system-out").text = xml_safe(render_text(summary, verdict))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _case(summary: RunSummary, line: LineResult) -> ET.Element:
    classname = CLASSNAMES.get(line.kind, "loadscim.gate")
    case = ET.Element("testcase", classname=classname, name=xml_safe(line.name), time="0")
    if line.status is Status.FAIL:
        failure = ET.SubElement(case, "failure", message=xml_safe(_message(line)), type="FAIL")
        failure.text = xml_safe(_details(summary, line))
    elif line.status is Status.UNKNOWN:
        ET.SubElement(case, "skipped", message=xml_safe(f"UNKNOWN: {_unlabelled(line)}"))
    elif line.not_applicable:
        ET.SubElement(case, "skipped", message=xml_safe(f"not applicable: {_why_na(line)}"))
    return case


def _unlabelled(line: LineResult) -> str:
    """The reason without the line's own name in front (the test case already names it)."""
    for prefix in (f"{line.name}: ", f"{line.endpoint}: "):
        if line.reason.startswith(prefix):
            return line.reason[len(prefix) :]
    return line.reason


def _message(line: LineResult) -> str:
    """``<name>: observed X, limit Y``, for a FAIL line."""
    if line.kind == "checker":
        return f"{line.name}: observed {line.observed} violations, limit {line.limit}"
    if line.observed:
        return f"{line.name}: observed {line.observed}, limit {line.limit}"
    return line.reason


def _details(summary: RunSummary, line: LineResult) -> str:
    out = [line.reason]
    if line.samples is not None:
        noun = "trials" if line.kind == "checker" else "samples"
        out.append(f"{line.samples} {noun}")
    if line.kind == "checker" and line.endpoint in summary.checkers:
        stats = summary.checkers[line.endpoint]
        if stats.kinds:
            out.append("kinds: " + ", ".join(f"{k} {n}" for k, n in _by_count(stats.kinds)))
        for violation in stats.examples:
            out += _example(violation)
    return "\n".join(out)


def _by_count(kinds: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(kinds.items(), key=lambda item: (-item[1], item[0]))


def _example(violation: Violation) -> list[str]:
    out = ["", describe_violation(violation, 400)]
    if violation.trial:
        out.append(f"  trial {violation.trial}")
    out += [f"  {op}" for op in violation.ops]
    return out


def _why_na(line: LineResult) -> str:
    prefix = f"{line.endpoint}: not applicable: "
    return line.reason[len(prefix) :] if line.reason.startswith(prefix) else line.reason

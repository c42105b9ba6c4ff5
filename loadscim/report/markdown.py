"""A Markdown summary of a judged run (``--summary-md FILE``), for CI.

Fit for ``$GITHUB_STEP_SUMMARY`` (``--summary-md "$GITHUB_STEP_SUMMARY"``) or a pull-request
comment: a title with the verdict, the verdict line, the run in one line, the gate table
(status, line, observed, limit, samples), the checkers, the top findings (each finding
once, with its count and an example), self-trust problems and, folded, the latency of each
endpoint. GitHub-flavoured Markdown (tables, ``<details>``); every cell is escaped, so text
from the server cannot break the table or inject markup.
"""

from __future__ import annotations

import html
import re

from loadscim.summary import ALL, EndpointStats, RunSummary
from loadscim.verdict import LineResult, Status, Verdict, describe_violation, format_sig3

TOP_FINDINGS = 5
"""Findings listed (most violations first); the other reports have them all."""
_ICON = {"PASS": "✅", "FAIL": "❌", "UNKNOWN": "❔", "ERROR": "⛔", "N/A": "⚪"}


def to_markdown(summary: RunSummary, verdict: Verdict) -> str:
    """The Markdown summary, ending with a newline."""
    status = verdict.status.value
    out = [f"## {_ICON[status]} loadscim: {status}", "", f"`{_code(verdict.headline())}`", ""]
    out += [_run_line(summary), ""]
    gate = [ln for ln in verdict.lines if ln.kind not in ("checker", "self")]
    if gate:
        out += ["### Gate", "", "| | Line | Observed | Limit | Samples |", "|---|---|---|---|---:|"]
        out += [
            f"| {_label(ln)} | {_cell(ln.name)} | {_cell(ln.observed)} | {_cell(ln.limit)} "
            f"| {'' if ln.samples is None else ln.samples} |"
            for ln in gate
        ]
        out += _reasons(gate)
    checks = [ln for ln in verdict.lines if ln.kind == "checker"]
    if checks:
        out += ["### Checkers", "", "| | Checker | Trials | Violations | Allowed |",
                "|---|---|---:|---:|---:|"]  # fmt: skip
        out += [
            f"| {_label(ln)} | {_cell(ln.endpoint or '')} | {ln.samples or 0} "
            f"| {_cell(ln.observed)} | {_cell(ln.limit)} |"
            for ln in checks
        ]
        out += _reasons(checks)
    out += _findings(summary)
    trust = [ln for ln in verdict.lines if ln.kind == "self"]
    if trust:
        out += ["### Self-trust", ""]
        out += [f"- {_label(ln)} {_cell(ln.reason)}" for ln in trust] + [""]
    out += _latency(summary)
    out += _visibility(summary)
    return "\n".join(out).rstrip("\n") + "\n"


def _run_line(summary: RunSummary) -> str:
    parts = []
    if summary.scenario:
        parts.append(f"scenario `{_code(summary.scenario)}`")
    if summary.target:
        parts.append(f"target `{_code(summary.target)}`")
    if summary.duration_s:
        parts.append(f"{summary.duration_s:.1f} s")
    total = summary.endpoints.get(ALL)
    if total is not None:
        parts.append(f"{total.requests} requests, {total.failures} failed")
    if summary.run_id:
        parts.append(f"run `{_code(summary.run_id)}`")
    return " · ".join(parts) or "no run details"


def _reasons(lines: list[LineResult]) -> list[str]:
    """The reason of each line that did not plainly pass, under its table."""
    shown = [
        ln for ln in lines if ln.reason and (ln.not_applicable or ln.status is not Status.PASS)
    ]
    out = [""]
    out += [f"- {_label(ln)} {_cell(ln.reason)}" for ln in shown]
    return out + ([""] if shown else [])


def _findings(summary: RunSummary) -> list[str]:
    found = []
    for name, stats in summary.checkers.items():
        if stats.groups:
            found += [(g.count, name, g.key, g.examples[:1]) for g in stats.groups.values()]
        elif stats.violations:
            found.append((stats.violations, name, ", ".join(sorted(stats.kinds)),
                          stats.examples[:1]))  # fmt: skip
    if not found:
        return []
    found.sort(key=lambda f: (-f[0], f[1], f[2]))
    out = ["### Top findings", ""]
    for count, checker, key, examples in found[:TOP_FINDINGS]:
        line = f"1. **{_cell(checker)}** `{_code(key)}`: {count}"
        if examples:
            line += f"; e.g. {_cell(describe_violation(examples[0], 160))}"
        out.append(line)
    if len(found) > TOP_FINDINGS:
        rest = sum(f[0] for f in found[TOP_FINDINGS:])
        out.append(f"\n... and {len(found) - TOP_FINDINGS} more findings ({rest} violations)")
    return [*out, ""]


def _latency(summary: RunSummary) -> list[str]:
    names = sorted(n for n in summary.endpoints if n != ALL)
    if ALL in summary.endpoints:
        names.append(ALL)
    if not names:
        return []
    out = ["<details><summary>Latency per endpoint (ms)</summary>", "",
           "| Endpoint | Requests | Failures | p50 | p95 | p99 | max |",
           "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name in names:
        out.append(_row(name, summary.endpoints[name], (50, 95, 99)))
    return [*out, "", "</details>"]


def _visibility(summary: RunSummary) -> list[str]:
    if not summary.visibility:
        return []
    out = ["", "<details><summary>Time to visibility (ms)</summary>", "",
           "| Kind | Writes | Never seen | p50 | p99 | max |",
           "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for kind, stats in summary.visibility.items():
        out.append(_row(kind, stats, (50, 99)))
    return [*out, "", "</details>"]


def _row(name: str, stats: EndpointStats, percentiles: tuple[int, ...]) -> str:
    """``| name | requests | failures | pNN ... | max |`` in ms."""
    hist = stats.hist
    if hist.get_total_count():
        cells = [format_sig3(hist.get_value_at_percentile(p) / 1000) for p in percentiles]
        cells.append(format_sig3(hist.get_max_value() / 1000))
    else:
        cells = ["-"] * (len(percentiles) + 1)
    return f"| {_cell(name)} | {stats.requests} | {stats.failures} | " + " | ".join(cells) + " |"


def _label(line: LineResult) -> str:
    return f"{_ICON[line.label]} {line.label}"


def _cell(text: str) -> str:
    """Text safe in a table cell or a list item: one line, HTML escaped, Markdown inert."""
    text = html.escape(" ".join(str(text).split()), quote=False)
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", text)


def _code(text: str) -> str:
    """Text inside a code span: one line, without backticks."""
    return " ".join(str(text).split()).replace("`", "'")

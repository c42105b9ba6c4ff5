"""The plain-text report printed at the end of a run, readable in 100 columns.

Sections: a header, one row per endpoint (``*`` last) with p50 / p95 / p99 / max in ms
(3 significant digits, from the HdrHistograms), the gate lines with observed vs limit, the
checkers with their first example, self-trust findings and notes, and last exactly one
verdict line (:meth:`loadscim.verdict.Verdict.headline`).
"""

from __future__ import annotations

import textwrap

from hdrh.histogram import HdrHistogram

from loadscim.cadence import PASSES_KEY, passes_of
from loadscim.checks.kinds import SHOULD_KINDS
from loadscim.ops import Violation
from loadscim.summary import ALL, CheckerStats, RunSummary
from loadscim.verdict import LineResult, Status, Verdict, format_sig3

WIDTH = 100
_NAME_MAX = 34
_PERCENTILES = (50.0, 95.0, 99.0)


def render_text(summary: RunSummary, verdict: Verdict) -> str:
    """The whole report as text, ending with the verdict line and a newline."""
    out: list[str] = []
    out += _header(summary)
    out += _endpoints(summary)
    out += _visibility(summary)
    gate_lines = [ln for ln in verdict.lines if ln.kind not in ("checker", "self")]
    if gate_lines:
        out += ["", "gate"]
        for line in gate_lines:
            out += _gate_row(line)
    out += _checkers(summary, verdict)
    out += _passes(summary)
    trust = [ln for ln in verdict.lines if ln.kind == "self"]
    if trust:
        out += ["", "self-trust"]
        for line in trust:
            out += _wrap(f"  {line.label:<7} {line.reason}", "", " " * 10)
    notes = list(summary.notes)
    if summary.dropped_iterations and not any("open model" in n for n in notes):
        notes.append(
            f"{summary.dropped_iterations} iterations started late or were skipped (open model)"
        )
    if notes:
        out += ["", "notes"]
        for note in notes:
            out += _wrap(note, "  - ", "    ")
    out += ["", verdict.headline()]
    return "\n".join(out) + "\n"


def _header(summary: RunSummary) -> list[str]:
    parts = []
    if summary.run_id:
        parts.append(f"run {summary.run_id}")
    if summary.scenario:
        parts.append(f"scenario {summary.scenario}")
    if summary.target:
        parts.append(f"target {summary.target}")
    if summary.duration_s:
        parts.append(f"{summary.duration_s:.1f} s")
    return [_clip("loadscim " + ", ".join(parts))] if parts else ["loadscim"]


def _endpoints(summary: RunSummary) -> list[str]:
    names = sorted(n for n in summary.endpoints if n != ALL)
    if ALL in summary.endpoints:
        names.append(ALL)
    if not names:
        return ["", "no requests recorded"]
    corrected = any(s.hist_corrected is not None for s in summary.endpoints.values())
    width = min(_NAME_MAX, max(len("endpoint"), *(len(n) for n in names)))
    columns = ["p50 ms", "p95 ms", "p99 ms", "max ms"] + (["p99c ms"] if corrected else [])
    head = f"{'endpoint':<{width}} {'requests':>9} {'failures':>9}"
    head += "".join(f" {c:>8}" for c in columns)
    rows = ["", head]
    for name in names:
        stats = summary.endpoints[name]
        cells = _latency_cells(stats.hist)
        if corrected:
            cells.append(_ms(stats.hist_corrected, 99.0))
        rows.append(
            f"{_fit(name, width):<{width}} {stats.requests:>9} {stats.failures:>9}"
            + "".join(f" {c:>8}" for c in cells)
        )
    if corrected:
        rows.append("(p99c: p99 from the intended start times, corrected for coordinated omission)")
    return rows


def _visibility(summary: RunSummary) -> list[str]:
    """Time to visibility per kind: sampled writes, never seen, p50 / p99 / max in ms."""
    if not summary.visibility:
        return []
    width = max(len("visibility"), *(len(k) for k in summary.visibility))
    head = f"{'visibility':<{width}} {'writes':>9} {'unseen':>9}"
    head += "".join(f" {c:>8}" for c in ("p50 ms", "p99 ms", "max ms"))
    rows = ["", head]
    for kind, stats in summary.visibility.items():
        cells = [_ms(stats.hist, 50.0), _ms(stats.hist, 99.0), _ms(stats.hist, None)]
        rows.append(
            f"{kind:<{width}} {stats.requests:>9} {stats.failures:>9}"
            + "".join(f" {c:>8}" for c in cells)
        )
    window = summary.extra.get("consistency_window_s")
    if window:
        rows.append(f"(consistency window {format_sig3(float(window) * 1000)} ms)")
    return rows


def _latency_cells(hist: HdrHistogram) -> list[str]:
    cells = [_ms(hist, p) for p in _PERCENTILES]
    cells.append(_ms(hist, None))
    return cells


def _ms(hist: HdrHistogram | None, percentile: float | None) -> str:
    if hist is None or hist.get_total_count() == 0:
        return "-"
    value = hist.get_max_value() if percentile is None else hist.get_value_at_percentile(percentile)
    return format_sig3(value / 1000)


def _gate_row(line: LineResult) -> list[str]:
    row = f"  {line.label:<7} {line.name}"
    if line.observed:
        row += f": observed {line.observed}, limit {line.limit}"
    if line.samples is not None and line.kind == "latency":
        row += f" ({line.samples} samples)"
    out = _wrap(row, "", " " * 10)
    if line.status is Status.UNKNOWN or line.not_applicable:
        out += _wrap(_detail(line), " " * 10, " " * 10)
    return out


def _detail(line: LineResult) -> str:
    """The reason without the line's own name in front of it."""
    for prefix in (f"{line.name}: ", f"{line.endpoint}: "):
        if line.reason.startswith(prefix):
            return line.reason[len(prefix) :]
    return line.reason


def _checkers(summary: RunSummary, verdict: Verdict) -> list[str]:
    lines = [ln for ln in verdict.lines if ln.kind == "checker"]
    if not lines:
        return []
    width = min(30, max(len(ln.endpoint or "") for ln in lines))
    out = ["", "checkers"]
    for line in lines:
        name = line.endpoint or ""
        stats = summary.checkers.get(name)
        trials = line.samples or 0  # the trials judged: none on an N/A line
        row = f"  {line.label:<7} {name:<{width}} {trials:>7} trials {line.observed:>6} violations"
        if line.limit != "0":
            row += f" (allowed {line.limit})"
        if stats and stats.warnings:
            row += f", {stats.warnings} SHOULD"
        out.append(_clip(row))
        if line.not_applicable or (stats and stats.errors) or (stats and not stats.trials):
            out += _wrap(_detail(line), " " * 10, " " * 10)
        if stats and stats.kinds:
            kinds = ", ".join(
                f"{k} {n}" for k, n in sorted(stats.kinds.items(), key=lambda i: -i[1])
            )
            out += _wrap(f"kinds: {kinds}", " " * 10, " " * 12)
        found = stats is not None and (stats.violations or stats.warnings)
        if stats and found and stats.groups:
            out += _groups(stats)
        elif stats and found and stats.examples:
            out += _example(stats.examples[0])
    return out


SHOWN_PASSES = 12
"""Reconciliation passes printed (the first and the last; JSON and HTML have them all)."""


def _passes(summary: RunSummary) -> list[str]:
    """``--reconcile-every``: one line per pass (time, checked, skipped, violations)."""
    passes = passes_of(summary.extra.get(PASSES_KEY) or ())
    if not passes:
        return []
    out = ["", "reconcile passes"]
    half = SHOWN_PASSES // 2
    shown = passes if len(passes) <= SHOWN_PASSES else passes[:half] + passes[-half:]
    for number, one in enumerate(shown):
        if len(passes) > SHOWN_PASSES and number == half:
            out.append(f"  ... {len(passes) - SHOWN_PASSES} more passes")
        out += _wrap(one.line(), "  ", "      ")
    return out


SHOWN_GROUPS = 8
"""Finding groups printed per checker (the JSON and HTML reports have them all)."""
GROUPS_WITH_EXAMPLE = 3


def _groups(stats: CheckerStats) -> list[str]:
    """Each finding once: kind and subject with its count, the first few with an example."""
    ordered = stats.sorted_groups()
    out: list[str] = []
    for number, group in enumerate(ordered[:SHOWN_GROUPS]):
        should = " (SHOULD)" if group.kind in SHOULD_KINDS else ""
        out.append(_clip(f"          {group.key}{should}: {group.count}"))
        if number < GROUPS_WITH_EXAMPLE and group.examples:
            out += _example(group.examples[0], indent=2)
    if len(ordered) > SHOWN_GROUPS:
        rest = sum(g.count for g in ordered[SHOWN_GROUPS:])
        out.append(f"          ... {len(ordered) - SHOWN_GROUPS} more groups ({rest} violations)")
    return out


def _example(violation: Violation, indent: int = 0) -> list[str]:
    pad = " " * indent
    out = [_clip(f"{pad}          first: {violation.resource} {violation.kind}")]
    out += _wrap(
        f"expected: {' '.join(violation.expected.split())}", pad + " " * 12, pad + " " * 14
    )
    out += _wrap(
        f"observed: {' '.join(violation.observed.split())}", pad + " " * 12, pad + " " * 14
    )
    if violation.trial:
        out.append(_clip(f"{pad}          trial {violation.trial}"))
    out += [_clip(f"{pad}            {op}") for op in violation.ops]
    return out


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _clip(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 3] + "..."


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    ) or [first.rstrip()]

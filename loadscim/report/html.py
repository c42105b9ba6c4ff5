"""The HTML report (``--html FILE``): one self-contained file to keep as a CI artifact.

Nothing is fetched to view it: the styles are inline, the chart is SVG drawn in Python
(:mod:`loadscim.report.chart`), there is no script, no font, no image, and a
Content-Security-Policy of ``default-src 'none'`` makes the browser refuse any fetch.
Every value from the run (endpoint names, server answers quoted by violations, notes) is
escaped.

Stable hooks for tests and for people who style or scrape it:

- ``#verdict`` (with class ``status-pass|fail|unknown|error``): the verdict line;
- ``#latency-chart``: the percentile distribution chart (``polyline.series.raw`` and
  ``.series.corrected``, ``data-endpoint`` on each); ``#endpoint-table``: the percentiles;
- ``#gate-table``: one row per gate line (line, observed, limit, status, samples, detail);
- ``#checker-table``: one row per checker (with its violations by kind); ``#violations``:
  their examples
  (resource, kind, expected vs observed, trial, ops);
- ``#self-trust`` and ``#notes`` when there are any.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from html import escape

from hdrh.histogram import HdrHistogram

from loadscim import __version__
from loadscim.cadence import PASSES_KEY, passes_of
from loadscim.report.chart import colours, endpoint_order, render_chart
from loadscim.report.json import PERCENTILES, latency_figures
from loadscim.report.overtime import render_over_time
from loadscim.report.timeline import render_timeline
from loadscim.summary import CheckerStats, RunSummary
from loadscim.verdict import LineResult, Status, Verdict, format_sig3

CSP = "default-src 'none'; style-src 'unsafe-inline'"

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px;
       color: #1d1d1f; background: #fafafa; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; margin: 0 0 12px; }
.meta span { margin-right: 18px; }
#verdict { font-weight: 600; padding: 10px 14px; border-radius: 6px; border: 1px solid; }
.status-pass { background: #e8f5e9; border-color: #66bb6a; }
.status-fail { background: #fdecea; border-color: #e53935; }
.status-unknown, .status-na { background: #fff8e1; border-color: #f9a825; }
.status-error { background: #f3e5f5; border-color: #8e24aa; }
table { border-collapse: collapse; margin: 6px 0 12px; background: #fff; font-size: 14px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.status { font-weight: 600; }
tr.status-pass td.status { color: #2e7d32; }
tr.status-fail td.status { color: #c62828; }
tr.status-unknown td.status, tr.status-na td.status { color: #a36b00; }
tr.corrected td { color: #555; font-style: italic; }
tr.status-pass, tr.status-fail, tr.status-unknown, tr.status-na { background: transparent; }
.chart { background: #fff; max-width: 100%; height: auto; font-size: 12px; }
.chart text { fill: #333; }
.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; }
.legend li { margin: 2px 16px 2px 0; font-size: 13px; }
.swatch { display: inline-block; width: 26px; height: 0; vertical-align: middle;
          margin-right: 6px; border-top: 3px solid; }
.swatch.corrected { border-top-style: dashed; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; font-size: 12px; }
.muted { color: #666; }
"""


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _e(value: object) -> str:
    """Escaped for HTML text and attributes; control characters shown as ``?``."""
    return escape(_CONTROL.sub("?", str(value)), quote=True)


def _status_class(line_label: str) -> str:
    return "status-na" if line_label == "N/A" else f"status-{line_label.lower()}"


def to_html(summary: RunSummary, verdict: Verdict) -> str:
    """The whole report as one HTML document."""
    title = f"loadscim {summary.run_id or 'run'}: {verdict.status.value}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        "<header><h1>loadscim report</h1>",
        _meta(summary),
        f'<div id="verdict" class="{_status_class(verdict.status.value)}">'
        f"{_e(verdict.headline())}</div></header>",
        _latency(summary),
        _visibility(summary),
        render_over_time(summary),
        _gate(verdict),
        _checkers(summary, verdict),
        _passes(summary),
        _self_trust(verdict),
        _notes(summary),
        f'<footer class="muted"><p>loadscim {_e(__version__)}: latencies from HdrHistograms '
        "(integer microseconds, 3 significant digits).</p></footer>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _meta(summary: RunSummary) -> str:
    items = []
    if summary.run_id:
        items.append(f"run <b>{_e(summary.run_id)}</b>")
    if summary.scenario:
        items.append(f"scenario {_e(summary.scenario)}")
    if summary.target:
        items.append(f"target {_e(summary.target)}")
    if summary.started_unix > 0:
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(summary.started_unix))
        items.append(f"started {_e(started)}")
    if summary.duration_s:
        items.append(f"{summary.duration_s:.1f} s measured")
    return '<p class="meta">' + "".join(f"<span>{i}</span>" for i in items) + "</p>"


def _ms(value_us: float) -> str:
    return format_sig3(value_us / 1000)


def _figures_cells(hist: HdrHistogram) -> str:
    figures = latency_figures(hist)
    if not figures["samples"]:
        return "".join('<td class="num">-</td>' for _ in range(len(PERCENTILES) + 2))
    keys = [key for key, _ in PERCENTILES] + ["max", "avg"]
    return "".join(f'<td class="num">{_e(_ms(figures[k]))}</td>' for k in keys)


def _latency(summary: RunSummary) -> str:
    names = endpoint_order(summary)
    palette = colours(summary)
    corrected_any = any(s.hist_corrected is not None for s in summary.endpoints.values())
    legend = []
    for name in names:
        legend.append(
            f'<li><span class="swatch" style="border-color:{palette[name]}"></span>'
            f"{_e(name)}</li>"
        )
    if corrected_any:
        legend.append(
            '<li><span class="swatch corrected" style="border-color:#555555"></span>'
            "dashed: corrected for coordinated omission (from intended start)</li>"
        )
    head = "".join(f"<th>{_e(key)} ms</th>" for key, _ in PERCENTILES)
    rows = []
    for name in names:
        stats = summary.endpoints[name]
        rows.append(
            f'<tr data-endpoint="{_e(name)}"><td>{_e(name)}</td>'
            f'<td class="num">{stats.requests}</td><td class="num">{stats.failures}</td>'
            f"{_figures_cells(stats.hist)}</tr>"
        )
        if stats.hist_corrected is not None:
            rows.append(
                f'<tr class="corrected" data-endpoint="{_e(name)}"><td>{_e(name)} '
                '(corrected)</td><td class="num"></td><td class="num"></td>'
                f"{_figures_cells(stats.hist_corrected)}</tr>"
            )
    if not rows:
        rows.append('<tr><td colspan="11" class="muted">no requests recorded</td></tr>')
    return (
        '<section id="latency"><h2>Latency by percentile</h2>'
        f'<figure>{render_chart(summary)}<figcaption><ul class="legend">{"".join(legend)}'
        "</ul></figcaption></figure>"
        '<table id="endpoint-table"><thead><tr><th>endpoint</th><th>requests</th>'
        f"<th>failures</th>{head}<th>max ms</th><th>avg ms</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _visibility(summary: RunSummary) -> str:
    """Time to visibility per kind: sampled writes, never seen, p50 / p99 / max."""
    if not summary.visibility:
        return ""
    rows = []
    for kind, stats in summary.visibility.items():
        hist = stats.hist
        cells = (
            [_ms(hist.get_value_at_percentile(p)) for p in (50.0, 99.0)]
            + [_ms(hist.get_max_value())]
            if hist.get_total_count()
            else ["-"] * 3
        )
        rows.append(
            f'<tr data-visibility="{_e(kind)}"><td>{_e(kind)}</td>'
            f'<td class="num">{stats.requests}</td><td class="num">{stats.failures}</td>'
            + "".join(f'<td class="num">{_e(c)}</td>' for c in cells)
            + "</tr>"
        )
    window = summary.extra.get("consistency_window_s") or 0
    caption = f"consistency window {_e(format_sig3(float(window) * 1000))} ms"
    return (
        '<section id="visibility"><h2>Time to visibility</h2>'
        f'<p class="muted">From a write\'s answer to the answer of the first read that shows '
        f"it; {caption}.</p>"
        "<table><thead><tr><th>kind</th><th>writes</th><th>never seen</th><th>p50 ms</th>"
        f"<th>p99 ms</th><th>max ms</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</section>"
    )


def _row(line: LineResult, cells: Iterable[str]) -> str:
    body = "".join(cells)
    return f'<tr class="{_status_class(line.label)}">{body}</tr>'


def _detail(line: LineResult) -> str:
    return "" if line.status is Status.PASS and not line.not_applicable else line.reason


def _gate(verdict: Verdict) -> str:
    lines = [ln for ln in verdict.lines if ln.kind not in ("checker", "self")]
    rows = [
        _row(
            line,
            (
                f"<td>{_e(line.name)}</td>",
                f'<td class="num">{_e(line.observed)}</td>',
                f'<td class="num">{_e(line.limit)}</td>',
                f'<td class="status">{_e(line.label)}</td>',
                f'<td class="num">{"" if line.samples is None else line.samples}</td>',
                f"<td>{_e(_detail(line))}</td>",
            ),
        )
        for line in lines
    ]
    if not rows:
        rows.append('<tr><td colspan="6" class="muted">no gate lines</td></tr>')
    return (
        '<section id="gate"><h2>Gate</h2><table id="gate-table"><thead><tr><th>line</th>'
        "<th>observed</th><th>limit</th><th>status</th><th>samples</th><th>detail</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _checkers(summary: RunSummary, verdict: Verdict) -> str:
    lines = [ln for ln in verdict.lines if ln.kind == "checker"]
    rows = []
    for line in lines:
        stats = summary.checkers.get(line.endpoint or "")
        rows.append(
            _row(
                line,
                (
                    f"<td>{_e(line.endpoint)}</td>",
                    f'<td class="status">{_e(line.label)}</td>',
                    f'<td class="num">{"" if line.samples is None else line.samples}</td>',
                    f'<td class="num">{_e(line.observed)}</td>',
                    f'<td class="num">{_e(line.limit)}</td>',
                    f"<td>{_e(_kinds(stats.kinds) if stats else '')}</td>",
                    f"<td>{_e(_detail(line))}</td>",
                ),
            )
        )
    if not rows:
        rows.append('<tr><td colspan="7" class="muted">no checkers ran</td></tr>')
    examples = []
    for name in sorted(summary.checkers):
        stats = summary.checkers[name]
        if not stats.examples and not stats.groups:
            continue
        cells = []
        for v in stats.examples:
            ops = "\n".join(v.ops)
            cells.append(
                f'<tr class="violation"><td>{_e(v.resource)}</td><td>{_e(v.kind)}</td>'
                f"<td>{_e(v.expected)}</td><td>{_e(v.observed)}</td><td>{_e(v.trial)}</td>"
                f"<td>{render_timeline(v)}<pre>{_e(ops)}</pre></td></tr>"
            )
        shown = f"first {len(stats.examples)} of " if stats.violations > len(stats.examples) else ""
        examples.append(
            f'<div class="checker-violations" data-checker="{_e(name)}">'
            f"<h3>{_e(name)}: {shown}{stats.violations} violations</h3>"
            f"{_groups(stats)}"
            '<table class="examples"><thead><tr><th>resource</th><th>kind</th>'
            "<th>expected</th><th>observed</th><th>trial</th><th>ops</th></tr></thead>"
            f"<tbody>{''.join(cells)}</tbody></table></div>"
        )
    if not examples:
        examples.append('<p class="muted">no violations</p>')
    return (
        '<section id="checkers"><h2>Checkers</h2><table id="checker-table"><thead><tr>'
        "<th>checker</th><th>status</th><th>trials</th><th>violations</th><th>allowed</th>"
        f"<th>kinds</th><th>detail</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<div id="violations"><h2>Violations</h2>{"".join(examples)}</div></section>'
    )


def _groups(stats: CheckerStats) -> str:
    """Each finding once: kind, subject (attribute, members, endpoint), count, first example."""
    if not stats.groups:
        return ""
    rows = []
    for group in stats.sorted_groups():
        first = group.examples[0] if group.examples else None
        example = f"{first.resource}: {first.observed}" if first else ""
        rows.append(
            f'<tr class="finding"><td>{_e(group.kind)}</td><td>{_e(group.subject)}</td>'
            f'<td class="num">{group.count}</td><td>{_e(example)}</td></tr>'
        )
    return (
        '<table class="findings"><thead><tr><th>kind</th><th>subject</th><th>count</th>'
        f"<th>first example</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _kinds(kinds: dict[str, int]) -> str:
    """``lost-member 3, stale-read 1``: violations by kind, most first."""
    ordered = sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{kind} {count}" for kind, count in ordered)


def _self_trust(verdict: Verdict) -> str:
    lines = [ln for ln in verdict.lines if ln.kind == "self"]
    if not lines:
        return ""
    rows = [
        _row(
            line,
            (
                f"<td>{_e(line.text)}</td>",
                f'<td class="num">{_e(line.observed)}</td>',
                f'<td class="status">{_e(line.label)}</td>',
                f"<td>{_e(line.reason)}</td>",
            ),
        )
        for line in lines
    ]
    return (
        '<section id="self-trust"><h2>Self-trust</h2><table><thead><tr><th>condition</th>'
        "<th>observed</th><th>status</th><th>detail</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _passes(summary: RunSummary) -> str:
    """``--reconcile-every``: a row per reconciliation pass during the run."""
    passes = passes_of(summary.extra.get(PASSES_KEY) or ())
    if not passes:
        return ""
    rows = "".join(
        f"<tr><td>{p.at_s:.0f} s</td><td>{_e(p.worker)}</td><td>{p.checked}</td>"
        f"<td>{p.skipped}</td><td>{p.violations}</td><td>{p.new}</td>"
        f"<td>{_e(_kinds(p.kinds)) if p.kinds else ''}</td></tr>"
        for p in passes
    )
    return (
        '<section id="reconcile-passes"><h2>Reconcile passes</h2><table><thead><tr>'
        "<th>at</th><th>worker</th><th>checked</th><th>skipped</th><th>violations</th>"
        f"<th>new</th><th>kinds</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _notes(summary: RunSummary) -> str:
    notes = list(summary.notes)
    if summary.dropped_iterations and not any("open model" in n for n in notes):
        notes.append(
            f"{summary.dropped_iterations} iterations started late or were skipped (open model)"
        )
    if not notes:
        return ""
    items = "".join(f"<li>{_e(note)}</li>" for note in notes)
    return f'<section id="notes"><h2>Notes</h2><ul>{items}</ul></section>'

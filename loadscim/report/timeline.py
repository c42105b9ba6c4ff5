"""The timeline of a violation's ops, Jepsen style, as inline SVG (no script).

One lane per racer (the op's process: ``u2.r1`` is racer 1 of user 2, ``u2`` the user
itself), each request a bar from its send to its answer, coloured by outcome (ok green,
fail red, info grey: its effect unknown); the final read is marked (``final read``), and
the ops that carry the lost or unexpected value (a word of the violation's ``expected``
found in the op, such as a member id) are outlined. Hovering a bar shows the op's line.

The ops are the lines of :func:`loadscim.ops.describe` (``#13 u2.r1 PATCH /Groups/{id}
[...] -> 204 ok @2.9-56.8ms``), which a saved summary keeps too; a line that does not read
as one is left out, and fewer than two ops draw nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from loadscim.ops import Violation

_OP = re.compile(
    r"#(?P<seq>\d+) (?P<who>\S+) (?P<method>[A-Z]+) (?P<path>\S+).*? -> (?P<status>\S+) "
    r"(?P<type>ok|fail|info)\b.*@(?P<start>-?[\d.]+)-(?P<end>[\d.]+|\?)ms$"
)
COLOURS = {"ok": "#59a14f", "fail": "#e15759", "info": "#9e9e9e"}
WIDTH = 720
LANE = 22
_LEFT, _RIGHT, _TOP = 70, 64, 8
_ID = re.compile(r"[0-9a-f]{16,}|[A-Za-z0-9_.-]{12,}")


@dataclass(frozen=True)
class Bar:
    seq: int
    who: str
    method: str
    start_ms: float
    end_ms: float | None
    type: str
    line: str


def parse(lines: tuple[str, ...] | list[str]) -> list[Bar]:
    bars = []
    for line in lines:
        match = _OP.search(line)
        if not match:
            continue
        end = match.group("end")
        bars.append(
            Bar(
                int(match.group("seq")),
                match.group("who"),
                match.group("method"),
                float(match.group("start")),
                None if end == "?" else float(end),
                match.group("type"),
                line,
            )
        )
    return sorted(bars, key=lambda b: (b.start_ms, b.seq))


def render_timeline(violation: Violation) -> str:
    """The ``<svg class="timeline">`` of ``violation``'s ops; "" with fewer than two."""
    bars = parse(violation.ops)
    if len(bars) < 2:
        return ""
    lanes = sorted({b.who for b in bars}, key=lambda w: (w.count("."), w))
    t_max = max(max(b.end_ms or b.start_ms for b in bars), 1e-3)
    t_min = min(0.0, min(b.start_ms for b in bars))
    height = _TOP + LANE * len(lanes) + 22
    plot = WIDTH - _LEFT - _RIGHT

    def x(ms: float) -> float:
        return _LEFT + plot * (ms - t_min) / (t_max - t_min)

    reads = [b for b in bars if b.method == "GET"]
    final = max(reads, key=lambda b: b.start_ms) if reads else None
    words = set(_ID.findall(violation.expected))
    out = [
        f'<svg class="timeline" data-trial="{escape(violation.trial)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img">',
        f"<title>{escape(violation.kind)}: {escape(violation.resource)}</title>",
    ]
    for i, who in enumerate(lanes):
        y = _TOP + i * LANE
        out.append(
            f'<text x="{_LEFT - 6}" y="{y + 15}" text-anchor="end">{escape(who)}</text>'
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y + LANE - 2}" '
            f'y2="{y + LANE - 2}" stroke="#eee"/>'
        )
    for bar in bars:
        y = _TOP + lanes.index(bar.who) * LANE + 3
        left = x(bar.start_ms)
        right = x(bar.end_ms) if bar.end_ms is not None else WIDTH - _RIGHT
        classes = ["op", bar.type]
        stroke = ""
        if any(word in bar.line for word in words):
            classes.append("involved")
            stroke = ' stroke="#1d1d1f" stroke-width="2.5"'
        if bar is final:
            classes.append("final-read")
        out.append(
            f'<rect class="{" ".join(classes)}" x="{left:.1f}" y="{y}" '
            f'width="{max(right - left, 2):.1f}" height="{LANE - 8}" rx="3" '
            f'fill="{COLOURS[bar.type]}"{stroke}><title>{escape(bar.line)}</title></rect>'
            f'<text x="{left + 3:.1f}" y="{y + 11}" font-size="10" fill="#fff">'
            f"{escape(bar.method)} #{bar.seq}</text>"
        )
        if bar is final:
            out.append(
                f'<text class="final-read-label" x="{right + 4:.1f}" y="{y + 11}" '
                'font-size="10">final read</text>'
            )
    axis_y = _TOP + LANE * len(lanes) + 14
    out.append(
        f'<text x="{_LEFT}" y="{axis_y}" font-size="10">{t_min:g} ms</text>'
        f'<text x="{WIDTH - _RIGHT}" y="{axis_y}" font-size="10" text-anchor="end">'
        f"{t_max:g} ms</text></svg>"
    )
    return "".join(out)

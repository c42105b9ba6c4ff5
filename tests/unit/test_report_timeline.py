"""The Jepsen-like timeline of a violation: a lane per racer, a bar per op, the lost value."""

from __future__ import annotations

import re

from summaries import judged

from loadscim.ops import Violation
from loadscim.report.html import to_html
from loadscim.report.timeline import parse, render_timeline

LOST = Violation(
    checker="lost_update",
    kind="lost-member",
    trial="u2-5",
    resource="Group/09a4",
    expected="6b51094bdd8849a5b6dff89d03b95efd a member (ok #13 completed before the read)",
    observed="6b51094bdd8849a5b6dff89d03b95efd not a member in the final read",
    ops=(
        '#13 u2.r1 PATCH /Groups/{id} [{"op":"add","path":"members","value":[{"value":'
        '"6b51094bdd8849a5b6dff89d03b95efd"}]}] -> 204 ok @2.9-56.8ms',
        '#14 u2.r2 PATCH /Groups/{id} [{"op":"add","path":"members","value":[{"value":'
        '"77aa094bdd8849a5b6dff89d03b95eee"}]}] -> 500 fail @3.0-20.0ms',
        '#11 u2 POST /Groups {"displayName":"g"} -> 201 ok @0.0-2.6ms',
        "#17 u2 GET /Groups/{id} -> 200 ok @58.5-67.1ms",
        "not an op line",
    ),
    subject="members",
)


def test_ops_are_read_back_from_their_lines() -> None:
    bars = parse(LOST.ops)
    assert [(b.seq, b.who, b.method, b.type) for b in bars] == [
        (11, "u2", "POST", "ok"), (13, "u2.r1", "PATCH", "ok"), (14, "u2.r2", "PATCH", "fail"),
        (17, "u2", "GET", "ok"),
    ]  # fmt: skip
    assert bars[1].start_ms == 2.9 and bars[1].end_ms == 56.8


def test_a_lane_per_racer_the_lost_member_outlined_and_the_final_read_marked() -> None:
    svg = render_timeline(LOST)
    lanes = re.findall(r'text-anchor="end">([^<]+)</text><line', svg)
    assert lanes == ["u2", "u2.r1", "u2.r2"]
    rects = re.findall(r'<rect class="([^"]+)"', svg)
    assert rects == ["op ok", "op ok involved", "op fail", "op ok final-read"]
    assert "final read</text>" in svg
    assert "<title>#13 u2.r1 PATCH" in svg  # hover shows the op


def test_too_few_ops_draw_nothing_and_the_report_embeds_timelines() -> None:
    one = Violation("c", "k", "t", "r", "e", "o", ops=LOST.ops[:1])
    assert render_timeline(one) == ""
    run, verdict = judged()
    assert '<svg class="timeline"' not in to_html(run, verdict)  # its example: one op line
    run.checkers["lost_update"].examples.append(LOST)
    page = to_html(run, verdict)
    assert page.count('<svg class="timeline"') == 1 and 'class="op ok involved"' in page

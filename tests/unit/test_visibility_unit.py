"""Time to visibility: the histograms per kind, their merge, the [visibility] gate lines, the
reports, and the lagging views of the embedded target (hand-made data, no server)."""

from __future__ import annotations

import time

import pytest

from loadscim.config import parse_gate
from loadscim.errors import GateError
from loadscim.recorder import Recorder
from loadscim.report.html import to_html
from loadscim.report.json import from_json, to_json
from loadscim.report.markdown import to_markdown
from loadscim.report.text import render_text
from loadscim.summary import RunSummary
from loadscim.target.lag import CURRENT, LagView
from loadscim.verdict import Status, evaluate
from loadscim.visibility import PollPlan

MS = 1000


def recorded(delays_ms: list[float | None], kind: str = "create-by-filter") -> Recorder:
    recorder = Recorder("r1")
    for delay in delays_ms:
        recorder.record_visibility(kind, None if delay is None else int(delay * MS))
    return recorder


def judged(text: str, delays_ms: list[float | None]) -> tuple[Status, str]:
    verdict = evaluate(parse_gate(text, "g.toml"), recorded(delays_ms).summary())
    line = next(ln for ln in verdict.lines if ln.kind == "visibility")
    return line.status, line.reason or line.observed


GATE = '[visibility]\n"create-by-filter" = "p99 < 400ms"\n'


def test_workers_merge_exactly() -> None:
    master = Recorder("r1")
    for delays in ([100, 200], [300, None]):
        master.absorb(recorded(delays).drain())
    stats = master.summary().visibility["create-by-filter"]
    assert (stats.requests, stats.failures, stats.hist.get_total_count()) == (4, 1, 3)
    assert 299 * MS <= stats.hist.get_max_value() <= 301 * MS


def test_gate_line_pass_fail_and_unknown() -> None:
    assert judged(GATE, [300.0] * 25)[0] is Status.PASS
    status, why = judged(GATE, [300.0] * 24 + [500.0])
    assert status is Status.FAIL and 'observed' in why
    assert judged(GATE, [300.0] * 5)[0] is Status.UNKNOWN  # fewer than min_samples
    status, why = judged('[visibility]\n"delete" = "p99 < 1s"\n', [1.0] * 30)
    assert status is Status.UNKNOWN and "no write of this kind" in why


def test_a_write_never_seen_is_slower_than_any_limit() -> None:
    status, why = judged(GATE, [10.0] * 20 + [None])  # 1 of 21 unseen: above the p99
    assert status is Status.FAIL and "1 of 21 writes never seen" in why
    status, _ = judged('[visibility]\n"create-by-filter" = "p90 < 400ms"\n', [10.0] * 20 + [None])
    assert status is Status.PASS  # the unseen write is above the p90


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[visibility]\n"create-by-filtr" = "p99 < 2s"\n', "did you mean 'create-by-filter'"),
        ('[visibility]\n"delete" = "p99 < 2"\n', "has no unit"),
        ('[visibility]\n"delete" = "p99_corrected < 2s"\n', "is not a visibility rule"),
        ('[visibility]\n"delete" = "p99 < 1.2 * baseline"\n', "is not a visibility rule"),
        ("visibility = 3\n", "not a table"),
    ],
)
def test_bad_gate_lines_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(GateError, match=message) as raised:
        parse_gate(text, "g.toml")
    assert "\n" not in str(raised.value) and "g.toml" in str(raised.value)


def test_gate_round_trips_through_toml() -> None:
    gate = parse_gate('[visibility]\n"deactivate" = ["p50 < 1s", "max < 5s"]\n', "g.toml")
    assert parse_gate(gate.to_toml(), "again.toml") == gate


def test_reports_show_the_kinds() -> None:
    recorder = recorded([120.0, 250.0, 310.0])
    summary: RunSummary = recorder.summary()
    summary.extra["consistency_window_s"] = 1.0
    verdict = evaluate(parse_gate(GATE, "g.toml"), summary)
    text = render_text(summary, verdict)
    assert "create-by-filter" in text and "consistency window 1000 ms" in text
    assert '[visibility] "create-by-filter" p99 < 400ms' in text
    assert 'data-visibility="create-by-filter"' in to_html(summary, verdict)
    assert "Time to visibility" in to_markdown(summary, verdict)
    again, _ = from_json(to_json(summary, verdict))
    stats = again.visibility["create-by-filter"]
    assert stats.requests == 3 and stats.hist.get_max_value() == summary.visibility[
        "create-by-filter"
    ].hist.get_max_value()


def test_poll_plan_is_bounded() -> None:
    plan = PollPlan(window_s=1.0)
    assert [plan.interval(n) for n in (1, 2, 3, 4, 9)] == [0.01, 0.02, 0.04, 0.05, 0.05]
    assert not plan.gives_up(3, 1.5) and plan.gives_up(3, 2.0) and plan.gives_up(60, 0.1)


def test_lag_view_shows_writes_late_and_in_order() -> None:
    delays = iter([0.3, 0.1])
    view = LagView(lambda: next(delays))
    view.remember("k", None, "v1", now=0.0)  # visible at 0.3
    view.remember("k", "v1", "v2", now=0.05)  # visible at 0.15, but after v1
    assert view.view("k", 0.2) is None  # v2 waits for v1
    assert view.view("k", 0.31) is CURRENT  # both folded: the reader is up to date
    assert view.view("other", 0.0) is CURRENT


def test_lag_view_older_read_goes_back_one_write() -> None:
    view = LagView(lambda: 0.0, keep_s=1.0)
    view.remember("k", None, "v1", now=0.0)
    view.remember("k", "v1", "v2", now=0.5)
    assert view.view("k", 0.6) is CURRENT
    assert view.view("k", 0.6, older=True) == "v1"
    assert view.view("k", 1.6, older=True) is CURRENT  # kept a second only


def test_polls_record_the_delay_or_give_up() -> None:
    from loadscim.ops import Op
    from loadscim.users.polls import await_visible, found

    recorder = Recorder("r1")
    now = time.perf_counter_ns() // 1000  # the clock of the ops' times
    write = Op(type="ok", kind="create", start_us=now - 1_000, end_us=now)
    answers = iter([404, 404, 200])

    def read() -> Op:
        status = next(answers)
        return Op(type="ok" if status == 200 else "fail", kind="get", status=status,
                  start_us=now, end_us=now + 250_000)  # fmt: skip

    plan = PollPlan(first_interval_s=0.001, max_interval_s=0.001)
    shown = await_visible(recorder, "create-by-id", write, read, found, plan)
    assert shown is not None and shown.status == 200
    never = Op(type="fail", kind="get", status=404, start_us=now, end_us=now + 1_000)
    assert await_visible(recorder, "create-by-id", write, lambda: never, found,
                         PollPlan(grace_s=0.0)) is None  # fmt: skip
    stats = recorder.summary().visibility["create-by-id"]
    assert (stats.requests, stats.failures) == (2, 1)
    assert 249_000 <= stats.hist.get_max_value() <= 251_000


@pytest.mark.parametrize(
    ("specs", "by_id", "lists", "keep"),
    [
        (["replica-lag=300"], False, True, 0.0),
        (["replica-lag-id=300"], True, False, None),
        (["replica-lag=300", "flap"], False, True, 1.0),
        (["flap"], False, True, 1.0),
        (["stale-read=1"], True, True, 0.0),
        ([], False, False, None),
    ],
)
def test_which_reads_lag(specs: list[str], by_id: bool, lists: bool, keep: float | None) -> None:
    from loadscim.target.faults import Dice, FaultPlan
    from loadscim.target.storage import lag_views

    plan = FaultPlan.parse(specs)
    id_view, list_view = lag_views(plan, Dice(plan))
    assert (id_view is not None, list_view is not None) == (by_id, lists)
    if list_view is not None:
        assert list_view.keep_s == keep

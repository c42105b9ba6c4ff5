"""loadscim/cadence.py and the recorder's in-flight bookkeeping: which resources a
reconciliation pass during the run may judge, findings named once, the pass rows and how the
reports show them (hand-written data, no server)."""

from __future__ import annotations

import random

import pytest

from loadscim import options
from loadscim.cadence import PASSES_KEY, Pass, Seen, choose, first_violation_note, settled
from loadscim.cadence import unchanged as unchanged_keys
from loadscim.config import parse_gate
from loadscim.errors import UsageError
from loadscim.ops import Op, Trial, Violation
from loadscim.recorder import Recorder, Tracked
from loadscim.report import render_text
from loadscim.report.html import to_html
from loadscim.summary import RunSummary
from loadscim.verdict import evaluate


def tracked(rid: str, *, pending: int = 0, settled_us: int = 0, rtype: str = "User") -> Tracked:
    item = Tracked(rtype, rid, f"name-{rid}")
    item.pending, item.settled_us = pending, settled_us
    return item


def test_a_pass_judges_only_users_settled_for_the_window() -> None:
    items = [
        tracked("quiet", settled_us=1_000),
        tracked("in-flight", pending=1, settled_us=1_000),
        tracked("recent", settled_us=9_500),  # written 0.5 ms before the pass: in the window
        tracked("group", rtype="Group"),
    ]
    assert settled(items[0], 10_000) and not settled(items[1], 10_000)
    chosen, skipped = choose(items, now_us=10_000, window_us=1_000, limit=10, rng=random.Random(0))
    assert [t.id for t in chosen] == ["quiet"] and skipped == 2
    many = [tracked(str(n)) for n in range(50)]
    sample, skipped = choose(many, 10_000, 0, limit=7, rng=random.Random(3))
    assert len(sample) == 7 and skipped == 0
    assert sample == choose(many, 10_000, 0, limit=7, rng=random.Random(3))[0]  # seeded


def test_a_write_sent_while_the_pass_read_excludes_the_resource() -> None:
    recorder = Recorder("r")
    for rid in ("a", "b", "c"):
        recorder.on_op(Op("ok", "create", resource_type="User", resource_id=rid, end_us=5))
    before = {key: t.writes for key, t in recorder.tracked.items()}
    patch = Op("invoke", "patch", resource_type="User", resource_id="b", start_us=10)
    recorder.on_invoke(patch)
    assert recorder.tracked[("User", "b")].pending == 1
    assert unchanged_keys(before, recorder.tracked) == {("User", "a"), ("User", "c")}
    recorder.on_op(Op("ok", "patch", resource_type="User", resource_id="b", value=[], end_us=20))
    item = recorder.tracked[("User", "b")]
    assert item.pending == 0 and item.settled_us == 20 and item.writes == 1
    recorder.forget("User", "c")  # deleted and forgotten meanwhile: not judged either
    assert unchanged_keys(before, recorder.tracked) == {("User", "a")}


def violation(kind: str, resource: str) -> Violation:
    return Violation("reconcile", kind, "t", resource, "expected", "observed")


def test_a_finding_is_counted_once_across_passes_and_the_end() -> None:
    seen = Seen()
    first = [violation("zombie-active", "User/1"), violation("stale", "User/1")]
    assert seen.new(first) == first
    again = [violation("zombie-active", "User/1"), violation("zombie-active", "User/2")]
    assert seen.new(again) == [again[1]]
    recorder = Recorder("r", checkers={"reconcile": lambda trial: again})
    trial = Trial(id="p", kind="reconcile", checks=("reconcile",))
    found = recorder.finish_trial(trial, select=Seen({("zombie-active", "User/1")}).new)
    assert found == again  # every violation returned, only the new one counted
    assert recorder.checker_stats["reconcile"].violations == 1


def test_interval_option_duration_grammar_off_by_default() -> None:
    option = next(o for o in options.RUN_OPTIONS if o.flag == "--reconcile-every")
    assert option.parse is not None
    assert option.parse(option.default) == 0.0
    assert option.parse("30s") == 30.0 and option.parse("1m") == 60.0
    assert option.parse("0") == 0.0
    with pytest.raises(UsageError, match=r"--reconcile-every '0.5s': must be at least 1s"):
        option.parse("0.5s")
    with pytest.raises(UsageError, match="--reconcile-every 'often'"):
        option.parse("often")


def run_with_passes() -> RunSummary:
    rows = [
        Pass(4.0, checked=10, skipped=1, violations=2, new=2, took_s=0.1,
             kinds={"zombie-active": 2}),
        Pass(2.0, checked=8, skipped=0, violations=0, new=0, took_s=0.1),
    ]  # fmt: skip
    summary = RunSummary(run_id="r", duration_s=6.0)
    summary.extra[PASSES_KEY] = [p.to_dict() for p in rows]
    return summary


def test_passes_in_the_text_and_html_reports() -> None:
    summary = run_with_passes()
    verdict = evaluate(parse_gate("", "g"), summary)
    text = render_text(summary, verdict)
    section = " ".join(text.split("reconcile passes\n", 1)[1].split())
    assert section.index("2s reconcile pass: 8 checked") < section.index("4s reconcile pass")
    assert "2 violations (zombie-active 2), 2 new" in section
    html = to_html(summary, verdict)
    assert 'id="reconcile-passes"' in html and "<td>zombie-active 2</td>" in html
    passes = [Pass.from_dict(r) for r in summary.extra[PASSES_KEY]]
    assert first_violation_note(sorted(passes, key=lambda p: p.at_s)) == (
        "reconciliation passes during the run: 2, 18 checks; first violation at 4 s"
    )


def test_passes_travel_from_worker_to_master() -> None:
    worker, master = Recorder("r"), Recorder("r")
    worker.passes.append(Pass(3.0, 5, 0, 1, 1, 0.2, {"stale": 1}, worker="w1").to_dict())
    master.absorb(worker.drain())
    assert worker.passes == []
    summary = master.summary()
    assert summary.extra[PASSES_KEY][0]["worker"] == "w1"
    assert any("first violation at 3 s" in note for note in summary.notes)


def test_offline_recheck_names_a_reconcile_finding_once(tmp_path) -> None:
    from loadscim.history import check_history
    from loadscim.jsonl import dumps_trial

    def pass_trial(number: int) -> Trial:
        expected = [{"resource_type": "User", "id": "u1", "userName": "a", "deleted": True}]
        trial = Trial(id=f"reconcile-pass-p{number}", kind="reconcile",
                      checks=("reconcile",), meta={"expected": expected})  # fmt: skip
        trial.ops += [
            Op("invoke", "get", seq=1, resource_type="User", resource_id="u1", start_us=1),
            Op("ok", "get", seq=1, resource_type="User", resource_id="u1", status=200,
               observed={"id": "u1", "userName": "a"}, start_us=1, end_us=2),
        ]  # fmt: skip
        return trial

    history = tmp_path / "h.jsonl"
    history.write_bytes(dumps_trial(pass_trial(1)) + dumps_trial(pass_trial(2)))
    code, text = check_history(str(history))
    assert code == 1 and "2 trials      1 violations (zombie-present 1)" in text

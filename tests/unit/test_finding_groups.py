"""Each finding named once: violations grouped by checker, kind and subject, with a count and
the first examples, in the recorder, across workers, and in the text, JSON and HTML reports."""

from __future__ import annotations

from histories import ok, trial, user
from summaries import judged

from loadscim.checks import reconcile
from loadscim.ops import Op, Violation
from loadscim.recorder import Recorder
from loadscim.report import render_text
from loadscim.report.html import to_html
from loadscim.report.json import from_json, to_json
from loadscim.summary import MAX_GROUP_EXAMPLES, MAX_GROUPS, CheckerStats


def violation(kind: str, subject: str, n: int = 0) -> Violation:
    return Violation(
        checker="read_your_writes",
        kind=kind,
        trial=f"t{n}",
        resource=f"User/u{n}",
        expected="title as written",
        observed="title absent",
        subject=subject,
    )


def test_recorder_counts_each_kind_and_subject_once_with_first_examples() -> None:
    recorder = Recorder("r1")
    recorder.add_violations(
        "read_your_writes", [violation("not-stored", "title", n) for n in range(40)]
    )
    recorder.add_violations("read_your_writes", [violation("stale-read", "active", 1)])
    stats = recorder.checker_stats["read_your_writes"]
    groups = stats.sorted_groups()
    assert [(g.kind, g.subject, g.count) for g in groups] == [
        ("not-stored", "title", 40),
        ("stale-read", "active", 1),
    ]
    assert len(groups[0].examples) == MAX_GROUP_EXAMPLES
    assert recorder.unstored_attributes() == ["title"]


def test_groups_merge_across_workers() -> None:
    worker, master = Recorder("r1"), Recorder("r1")
    worker.add_violations(
        "read_your_writes", [violation("not-stored", "title", n) for n in range(3)]
    )
    master.absorb(worker.drain())
    worker.add_violations("read_your_writes", [violation("not-stored", "title", 9)])
    master.absorb(worker.drain())
    (group,) = master.checker_stats["read_your_writes"].groups.values()
    assert group.count == 4 and len(group.examples) == MAX_GROUP_EXAMPLES


def test_groups_are_bounded() -> None:
    stats = CheckerStats("x")
    for n in range(MAX_GROUPS + 10):
        stats.count(violation("stale-read", f"attr{n}"))
    assert len(stats.groups) == MAX_GROUPS + 1
    assert stats.groups["stale-read ..."].count == 10


def test_reports_show_each_group_once() -> None:
    run, verdict = judged()
    stats = run.checker("read_your_writes")
    for n in range(5):
        stats.count(violation("not-stored", "title", n))
        stats.violations += 1
    stats.kinds = {"not-stored": 5}
    text = render_text(run, verdict)
    assert "not-stored title: 5" in text
    assert text.count("not-stored title") == 1
    back, _ = from_json(to_json(run, verdict))
    (group,) = back.checkers["read_your_writes"].groups.values()
    assert (group.kind, group.subject, group.count) == ("not-stored", "title", 5)
    html = to_html(run, verdict)
    assert '<table class="findings">' in html and "<td>title</td>" in html


def test_reconcile_leaves_unstored_attributes_alone() -> None:
    # RFC 7644 3.3 said it once (not-stored, in a trial); reconciliation does not repeat it.
    entry = {"resource_type": "User", "id": "u1", "userName": "ada", "attributes": {"title": "A"}}
    t = trial(
        ok("get", 0, 10, on="User/u1", observed={**user("ada"), "id": "u1"}),
        kind="reconcile",
        expected=[entry],
        unjudged=["title"],
    )
    assert reconcile.check(t) == []
    t.meta["unjudged"] = []
    assert [v.kind for v in reconcile.check(t)] == ["stale"]


def test_repeated_server_errors_are_one_group_per_request_shape() -> None:
    recorder = Recorder("r1")
    for seq in range(4):
        op = Op(
            "info", "patch", seq=seq, resource_type="User", resource_id="u1", status=500,
            endpoint="PATCH /Users/{id}", observed=None, start_us=seq, end_us=seq + 1,
        )  # fmt: skip
        recorder.judge_request("okta", "set_active", op)
    stats = recorder.summary().checkers["compatibility"]
    (group,) = stats.groups.values()
    assert group.key == "server-error PATCH /Users/{id} (okta set_active)" and group.count == 4

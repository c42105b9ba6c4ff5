"""The op model, the JSONL codec, and the recorder's counting and worker->master merge."""

from loadscim.jsonl import dumps_trial, loads_trial
from loadscim.ops import (
    Op,
    Trial,
    Violation,
    classify_status,
    completions,
    describe,
)
from loadscim.recorder import Recorder


def test_classify_status():
    assert [classify_status(s) for s in (200, 201, 204)] == ["ok"] * 3
    assert [classify_status(s) for s in (302, 400, 404, 409, 412, 413, 429, 501)] == ["fail"] * 8
    assert [classify_status(s) for s in (500, 502, 503, 504)] == ["info"] * 4


def test_completions_pairs_and_turns_missing_completion_into_info():
    ops = [
        Op("invoke", "patch", seq=1, start_us=0),
        Op("invoke", "patch", seq=2, start_us=5),
        Op("ok", "patch", seq=1, start_us=0, end_us=10, status=200),
    ]
    done = completions(ops)
    assert [(op.seq, op.type) for op in done] == [(1, "ok"), (2, "info")]
    assert done[1].end_us is None and done[1].error == "no completion"


def test_overlap():
    a = Op("ok", "patch", start_us=0, end_us=10)
    b = Op("ok", "patch", start_us=10, end_us=20)
    c = Op("info", "patch", start_us=5, end_us=None)
    assert not a.overlaps(b)
    assert a.overlaps(c) and b.overlaps(c)


def test_trial_jsonl_round_trip_and_describe():
    op = Op(
        "ok",
        "patch",
        seq=3,
        trial="t",
        process="u1",
        resource_type="Group",
        resource_id="g",
        value=[{"op": "add"}],
        status=204,
        start_us=1000,
        end_us=2500,
        endpoint="PATCH /Groups/{id}",
    )
    trial = Trial("t", "membership", ("lost_update",), {"k": 1}, [op])
    again = loads_trial(dumps_trial(trial))
    assert again == trial
    text = describe(op, t0_us=1000)
    assert text.startswith('#3 u1 PATCH /Groups/{id} [{"op":"add"}] -> 204 ok @0.0-1.5ms')


def flaky_checker(trial: Trial) -> list[Violation]:
    if trial.meta.get("crash"):
        raise RuntimeError("boom")
    return [Violation("demo", "k", trial.id, "r", "e", "o")] * trial.meta.get("n", 0)


def test_finish_trial_counts_keeps_examples_and_counts_crashes():
    recorder = Recorder("run1", checkers={"demo": flaky_checker}, max_examples=2)
    for n in (0, 3, 1):
        recorder.finish_trial(Trial(f"t{n}", "k", ("demo",), {"n": n}))
    recorder.finish_trial(Trial("tc", "k", ("demo",), {"crash": True}))
    recorder.finish_trial(Trial("tu", "k", ("nosuch",)))
    demo = recorder.checker_stats["demo"]
    assert (demo.trials, demo.violations, demo.errors, len(demo.examples)) == (4, 4, 1, 2)
    assert recorder.checker_stats["nosuch"].errors == 1


def test_drain_and_absorb_merge_histograms_exactly():
    workers = [Recorder("r"), Recorder("r")]
    for i, w in enumerate(workers):
        for ms in range(1, 101):
            w.record_request("GET /Users/{id}", ms + i * 100, failed=(ms == 1))
        w.finish_trial(Trial("t", "k", ()))
    master = Recorder("r")
    for w in workers:
        master.absorb(w.drain())
        master.absorb(w.drain())  # a second drain carries nothing new
    stats = master.summary().endpoints["GET /Users/{id}"]
    assert (stats.requests, stats.failures) == (200, 2)
    assert abs(stats.hist.get_value_at_percentile(50) - 100_000) <= 100
    assert stats.hist.get_max_value() >= 200_000 * 0.999
    assert master.summary().endpoints["*"].requests == 200


def test_registry_of_created_resources():
    recorder = Recorder("r")
    recorder.on_op(
        Op(
            "ok",
            "create",
            resource_type="User",
            resource_id="u1",
            observed={"id": "u1", "userName": "loadscim-r-1"},
        )
    )
    recorder.on_op(Op("info", "create", resource_type="User"))
    assert [t.id for t in recorder.live()] == ["u1"] and recorder.uncertain_creates == 1
    recorder.on_op(Op("fail", "delete", resource_type="User", resource_id="u1", status=404))
    assert recorder.live() == []


def test_an_info_write_makes_a_tracked_resource_uncertain():
    recorder = Recorder("r")
    recorder.on_op(Op("ok", "create", resource_type="User", resource_id="u1", observed={}))
    recorder.on_op(Op("info", "delete", resource_type="User", resource_id="u1"))
    (item,) = recorder.live()
    assert item.uncertain and not item.deleted


def test_the_model_keeps_only_the_latest_deleted_resources():
    from loadscim import recorder as module

    recorder = Recorder("r")
    for i in range(module.KEEP_DELETED + 10):
        recorder.on_op(Op("ok", "create", resource_type="User", resource_id=f"u{i}", observed={}))
        recorder.on_op(Op("ok", "delete", resource_type="User", resource_id=f"u{i}"))
    recorder.on_op(Op("ok", "create", resource_type="User", resource_id="live", observed={}))
    assert len(recorder.tracked) == module.KEEP_DELETED + 1
    assert ("User", "u0") not in recorder.tracked and ("User", "live") in recorder.tracked


def test_declared_checkers_are_reported_before_any_trial_finishes():
    from loadscim.verdict import Status, evaluate

    recorder = Recorder("run1")
    recorder.declare(("lost_update", "conflict_status"))
    recorder.declare(("lost_update",))  # declaring again changes nothing
    recorder.not_applicable("bulk", "bulk.supported is false")
    assert recorder.trials_line() == "trials lost_update=0 conflict_status=0 bulk=n/a"
    summary = recorder.summary(scenario="racing_patch", duration_s=15.0)
    assert set(summary.checkers) == {"lost_update", "conflict_status", "bulk"}
    verdict = evaluate(None, summary)
    assert verdict.status is Status.UNKNOWN
    assert any(
        r.startswith("racing_patch: 0 trials of lost_update finished in 15 s")
        for r in verdict.reasons
    )
    master = Recorder("run1")
    master.absorb(recorder.drain())  # a worker's declarations reach the master
    assert set(master.checker_stats) == {"lost_update", "conflict_status", "bulk"}


def test_the_model_folds_every_ok_write_of_what_the_scenario_declared():
    recorder = Recorder("r")
    recorder.on_op(Op("ok", "create", resource_type="User", resource_id="u1", observed={}))
    (item,) = recorder.live()
    item.active = True
    item.attributes = {"title": "Engineer", "name.givenName": "Ada"}

    def write(type_, kind, value):
        recorder.on_op(Op(type_, kind, resource_type="User", resource_id="u1", value=value))

    write("ok", "replace", {"userName": "n", "name": {"givenName": "Grace"}, "title": "Admiral",
                            "nickName": "not declared"})  # fmt: skip
    assert item.attributes == {"title": "Admiral", "name.givenName": "Grace"}
    write("ok", "patch", [{"op": "replace", "path": "active", "value": False}])
    assert item.active is False and item.deactivated
    write("fail", "patch", [{"op": "replace", "value": {"active": True}}])  # refused: no effect
    assert item.active is False
    write("ok", "patch", [{"op": "Replace", "value": {"active": "True", "TITLE": "Boss"}}])
    assert item.active is True and not item.deactivated and item.attributes["title"] == "Boss"
    write("ok", "patch", [{"op": "remove"}])  # not a PATCH the model can read: left alone
    assert not item.uncertain and item.attributes["title"] == "Boss"


def test_active_is_folded_only_once_the_scenario_tracks_it():
    recorder = Recorder("r")
    recorder.on_op(Op("ok", "create", resource_type="User", resource_id="u1", observed={}))
    recorder.on_op(
        Op("ok", "patch", resource_type="User", resource_id="u1",
           value=[{"op": "replace", "path": "active", "value": False}])
    )  # fmt: skip
    (item,) = recorder.live()
    assert item.active is None and not item.deactivated


def test_reset_starts_the_figures_from_zero_keeping_created_resources_and_inapplicability():
    recorder = Recorder("r1")
    recorder.record_request("POST /Users", 12.0, False)
    recorder.checker("lost_update").trials = 4
    recorder.checker("lost_update").violations = 2
    recorder.not_applicable("zombie", "the target has no active attribute")
    recorder.track("User", "u1", "loadscim-r1-a")
    recorder.reset()
    summary = recorder.summary()
    assert all(s.requests == 0 for s in summary.endpoints.values())
    assert summary.checkers["lost_update"].trials == summary.checkers["lost_update"].violations == 0
    assert summary.checkers["zombie"].not_applicable == "the target has no active attribute"
    assert [t.id for t in recorder.live()] == ["u1"]


def test_record_value_fills_the_histogram_as_hdrh_does():
    import random

    from hdrh.histogram import HdrHistogram

    from loadscim.summary import HIST_HIGHEST_US, record_value

    rng = random.Random(7)
    values = [1, 2, 2047, 2048, 4095, 4096, HIST_HIGHEST_US]
    values += [rng.randint(1, 10**7) for _ in range(20_000)]
    for digits in (2, 3):
        theirs = HdrHistogram(1, HIST_HIGHEST_US, digits)
        ours = HdrHistogram(1, HIST_HIGHEST_US, digits)
        for value in values:
            theirs.record_value(value)
            record_value(ours, value)
        assert list(ours.counts) == list(theirs.counts)
        assert (ours.total_count, ours.min_value, ours.max_value) == (
            theirs.total_count,
            theirs.min_value,
            theirs.max_value,
        )
        assert ours.get_value_at_percentile(99.0) == theirs.get_value_at_percentile(99.0)


def test_the_total_endpoint_is_the_merge_of_the_endpoints():
    recorder = Recorder("run1")
    for i in range(50):
        recorder.record_request("GET /Users/{id}", 1.0 + i, False)
        recorder.record_request("POST /Users", 100.0 + i, i % 10 == 0)
    endpoints = recorder.summary().endpoints
    total = endpoints["*"]
    assert (total.requests, total.failures) == (100, 5)
    assert total.hist.get_total_count() == 100
    assert total.hist.get_min_value() == endpoints["GET /Users/{id}"].hist.get_min_value()
    assert total.hist.get_max_value() == endpoints["POST /Users"].hist.get_max_value()


def test_the_model_follows_what_the_scenarios_declare_from_the_create_on():
    """``follows``: the create's body starts the model, every ok write folds into it, with
    no scenario touching it; writes that overlap in time make it uncertain."""
    recorder = Recorder("r")
    recorder.follow(["active", "title", "name.givenName"])

    def op(type_, kind, start, end, value=None, rid="u1"):
        recorder.on_op(Op(type_, kind, resource_type="User", resource_id=rid, value=value,
                          start_us=start, end_us=end, observed={"userName": "n"}))  # fmt: skip

    body = {"userName": "n", "active": True, "name": {"givenName": "Ada"}, "nickName": "x"}
    op("ok", "create", 0, 10, body)
    (item,) = recorder.live()
    assert item.active is True and item.attributes == {"name.givenName": "Ada"}
    op("ok", "patch", 20, 30, [{"op": "replace", "path": "title", "value": "Engineer"}])
    assert item.attributes == {"name.givenName": "Ada", "title": "Engineer"}
    op("ok", "patch", 40, 50, [{"op": "replace", "path": "active", "value": False}])
    assert item.deactivated and not item.uncertain
    op("ok", "patch", 60, 90, [{"op": "replace", "path": "title", "value": "a"}])
    op("ok", "patch", 70, 80, [{"op": "replace", "path": "title", "value": "b"}])
    assert item.uncertain  # either may have been applied last


def test_a_deleted_group_is_forgotten():
    recorder = Recorder("r")
    recorder.on_op(Op("ok", "create", resource_type="Group", resource_id="g1", observed={}))
    recorder.on_op(Op("ok", "delete", resource_type="Group", resource_id="g1"))
    assert recorder.tracked == {}

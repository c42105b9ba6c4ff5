"""The op model, the JSONL codec, and the recorder's counting and worker->master merge."""

from loadscim.ops import (
    Op,
    Trial,
    Violation,
    classify_status,
    completions,
    describe,
    dumps_trial,
    loads_trial,
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
        also = HdrHistogram(1, HIST_HIGHEST_US, digits)  # the same layout: the same index
        for value in values:
            theirs.record_value(value)
            record_value(ours, value, also)
        assert list(ours.counts) == list(theirs.counts) == list(also.counts)
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


def test_history_lines_are_compact_and_restore_every_field():
    import orjson

    body = {"userName": "ada", "title": "Engineer"}
    invoke = Op(
        "invoke", "create", 1, "t", "u1", "User", None, body, None, start_us=10,
        endpoint="POST /Users",
    )  # fmt: skip
    done = Op(
        "ok", "create", 1, "t", "u1", "User", "u-1", body, None, 201, None, 'W/"1"',
        {"id": "u-1", **body}, None, 10, 30, "POST /Users",
    )  # fmt: skip
    read = Op("invoke", "get", 2, "t", "u1", "User", "u-1", start_us=40, endpoint="GET /Users/{id}")
    lost = Op(
        "info", "get", 2, "t", "u1", "User", "u-1", error="reset", start_us=40, end_us=None,
        endpoint="GET /Users/{id}",
    )  # fmt: skip
    outsider = Op("ok", "get", 9, "", "finish", "User", "u-1", status=404, start_us=50, end_us=60)
    trial = Trial("t", "lifecycle", ("read_your_writes",), {"attributes": ["title"]}, [
        invoke, done, read, lost, outsider,
    ])  # fmt: skip
    line = dumps_trial(trial)
    odd = Trial("x", "k", (), {}, [Op("ok", "get", 1, "x", observed={"@": 0})])
    assert loads_trial(dumps_trial(odd)) == odd  # a body that looks like a reference
    assert loads_trial(line) == trial
    data = orjson.loads(line)
    compact = data["ops"]
    assert data["v"] == 3 and data["t0"] == 10 and data["s0"] == 1
    # the completion: only what its invocation does not say; times and seq from t0 and s0
    ref = compact[1].get("id")
    assert compact[1] == {"t": "ok", "s": 0, "id": ref, "st": 201, "e": 'W/"1"',
                          "o": {"id": "u-1", **body}, "z": 20}  # fmt: skip
    assert data["values"][ref["@"]] == "u-1"  # an id used by several ops is written once
    assert compact[4]["tr"] == ""  # not the trial's: kept
    full = orjson.dumps({**trial.to_dict()}) + b"\n"  # the full form (older histories)
    assert loads_trial(full) == trial
    assert len(line) < len(full)


def test_answers_that_differ_little_are_written_as_differences():
    import orjson

    from loadscim.ops import _diff, _patched

    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u-1",
        "userName": "ada.lovelace@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
        "emails": [{"value": "ada.lovelace@example.com", "type": "work", "primary": True}],
        "active": True,
        "meta": {"created": "2026-11-29T13:34:58.602367Z", "version": 'W/"1"'},
    }
    later = {**user, "active": False, "title": "Countess", "meta": {**user["meta"], "version": 2}}
    del later["emails"]
    reordered = {"active": 1, **{k: v for k, v in later.items() if k != "active"}}
    ops = []
    for seq, observed in enumerate((user, later, user, reordered, {"@": 1, "~": {}}), 1):
        ops += [
            Op("invoke", "get", seq, "t", "u1", "User", "u-1", start_us=seq * 10),
            Op("ok", "get", seq, "t", "u1", "User", "u-1", status=200, observed=observed,
               start_us=seq * 10, end_us=seq * 10 + 5),
        ]  # fmt: skip
    ops[4:4] = [  # an invocation on no resource, by another process, between two reads
        Op("invoke", "search", 9, "t", "u2", "User", None, {"filter": "x"}, start_us=26),
        Op("ok", "search", 9, "t", "u2", "User", None, {"filter": "x"}, status=200,
           start_us=26, end_us=28),
        Op("ok", "get", 99, "t", "", "", None, status=404, start_us=29, end_us=29),
    ]  # fmt: skip
    body = {k: v for k, v in user.items() if k not in ("id", "meta")}
    ops[:0] = [  # a create: its answer is its body with id and meta (a difference of it)
        Op("invoke", "create", 0, "t", "u1", "User", None, body, start_us=1),
        Op("ok", "create", 0, "t", "u1", "User", "u-1", body, status=201,
           observed={**user, "meta": {**user["meta"], "version": 0}}, start_us=1, end_us=2),
    ]  # fmt: skip
    trial = Trial("t", "lifecycle", ("read_your_writes",), {}, ops)
    line = dumps_trial(trial)
    again = loads_trial(line)
    assert again == trial
    for op, before in zip(again.ops, trial.ops, strict=True):  # bit for bit: order, types
        assert orjson.dumps(op.observed) == orjson.dumps(before.observed)
    data = orjson.loads(line)
    later_ref = data["ops"][5]["o"]["@"]  # the third answer: a difference from the second
    assert data["values"][later_ref] is None and str(later_ref) in data["d"]
    assert len(orjson.dumps(data["d"][str(later_ref)])) < len(orjson.dumps(later)) / 2
    # the difference of nested objects, removals, new keys and order
    assert _patched(user, _diff(user, later)) == later
    assert list(_patched(later, _diff(later, reordered))) == list(reordered)
    assert orjson.dumps(_patched({"a": [True]}, _diff({"a": [True]}, {"a": [1]}))) == b'{"a":[1]}'
    # strings sharing a beginning, and lists of objects item by item
    a = {"location": "http://127.0.0.1:44579/v2/Users/1", "emails": [{"value": "x", "n": 1}]}
    b = {"location": "http://127.0.0.1:44579/v2/Users/2", "emails": [{"value": "y", "n": 1}]}
    diff = _diff(a, b)
    assert diff["x"]["location"] == [len(a["location"]) - 1, "2"] and "l" in diff
    assert orjson.dumps(_patched(a, diff)) == orjson.dumps(b)
    c = {"location": "elsewhere", "emails": [{"value": "y"}, {"value": "z"}]}
    assert orjson.dumps(_patched(a, _diff(a, c))) == orjson.dumps(c)  # set whole


V2_LINE = (  # written by format 2 (bench/overhead_scim.py against the canned nginx)
    '{"trial":"u3-2","kind":"bench","checks":["read_your_writes"],"meta":{"attributes":["'
    'title","active","name.givenName"],"unjudged":["externalId","name.formatted"]},"ops":'
    '[{"t":"invoke","k":"create","s":0,"p":{"@":0},"rt":"User","v":{"schemas":["urn:ietf:'
    'params:scim:schemas:core:2.0:User"],"userName":"loadscim-3e6e001010-u3-1","name":{"f'
    'amilyName":"Test","givenName":"Load"},"displayName":"Load Test","emails":[{"value":"'
    'loadscim-3e6e001010-u3-1@example.com","type":"work","primary":true}],"active":true,"'
    'title":"Engineer"},"b":0,"ep":"POST /Users"},{"t":"ok","s":0,"id":{"@":1},"st":201,"'
    'o":{"@":2},"z":2438},{"t":"invoke","k":"get","s":3,"p":{"@":0},"rt":"User","id":{"@"'
    ':1},"b":2490,"ep":"GET /Users/{id}"},{"t":"ok","s":3,"st":200,"o":{"@":2},"z":3259},'
    '{"t":"invoke","k":"patch","s":8,"p":{"@":0},"rt":"User","id":{"@":1},"v":[{"op":"rep'
    'lace","path":"title","value":"Engineer"}],"b":3289,"ep":"PATCH /Users/{id}"},{"t":"o'
    'k","s":8,"st":200,"o":{"@":2},"z":4137}],"v":2,"t0":12572614340,"s0":3,"values":["u3'
    '","df1d08ca619c9b3fa7c3b13a23535249",{"schemas":["urn:ietf:params:scim:schemas:core:'
    '2.0:User"],"id":"df1d08ca619c9b3fa7c3b13a23535249","userName":"canned.user@example.c'
    'om","name":{"givenName":"Load","familyName":"Test"},"displayName":"Load Test","email'
    's":[{"value":"canned.user@example.com","type":"work","primary":true}],"active":true,'
    '"title":"Engineer","meta":{"resourceType":"User","location":"/Users/df1d08ca619c9b3f'
    'a7c3b13a23535249"}}]}'
)


def test_format_2_histories_still_read():
    from loadscim.checks import read_your_writes

    trial = loads_trial(V2_LINE)
    assert [(op.type, op.kind) for op in trial.ops] == [
        ("invoke", "create"), ("ok", "create"), ("invoke", "get"), ("ok", "get"),
        ("invoke", "patch"), ("ok", "patch"),
    ]  # fmt: skip
    assert trial.ops[3].observed["id"] == trial.ops[3].resource_id == trial.ops[1].resource_id
    assert trial.ops[0].process == "u3" and read_your_writes.check(trial) == []
    assert loads_trial(dumps_trial(trial)) == trial


def test_a_lone_completion_whose_answer_differs_little_from_its_body_is_written():
    # A sampled answer outside a trial is written as a trial of one completion, with the
    # body it sent and the answer: the answer is the body's difference, or the body the
    # answer's, whatever order the fields are looked at (it once failed for half the
    # PYTHONHASHSEEDs)
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "loadscim-x-u7-3",
        "name": {"formatted": "Load Test", "familyName": "Test", "givenName": "Load"},
        "emails": [{"value": "loadscim-x-u7-3@example.com", "type": "work", "primary": True}],
        "active": True,
        "externalId": "loadscim-x-x-u7-3",
    }
    answer = {
        **body,
        "id": "3e6b",
        "meta": {"resourceType": "User", "location": "http://127.0.0.1/v2/Users/3e6b"},
    }
    for value, observed in ((body, answer), (answer, body)):
        op = Op("ok", "create", 7, "", "u7", "User", "3e6b", value, status=201,
                observed=observed, start_us=1, end_us=2)  # fmt: skip
        trial = Trial("sample-7", "sample", ("conformance",), {}, [op])
        assert loads_trial(dumps_trial(trial)) == trial


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

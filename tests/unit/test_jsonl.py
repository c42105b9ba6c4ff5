"""The JSONL history (:mod:`loadscim.jsonl`): compact, lossless, older formats read."""

import orjson

from loadscim.jsondiff import difference, patched
from loadscim.jsonl import dumps_trial, loads_trial
from loadscim.ops import Op, Trial


def test_history_lines_are_compact_and_restore_every_field():
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
    assert data["v"] == 5 and data["t0"] == 10 and data["s0"] == 1
    # the completion: only what its invocation does not say; times and seq from t0 and s0
    ref = compact[1].get("id")
    assert compact[1] == {"t": "ok", "s": 0, "id": ref, "st": 201, "e": 'W/"1"',
                          "o": {"id": "u-1", **body}, "z": 20}  # fmt: skip
    assert data["values"][ref["@"]] == "u-1"  # an id used by several ops is written once
    assert compact[4]["tr"] == ""  # not the trial's: kept
    full = orjson.dumps({**trial.to_dict()}) + b"\n"  # the full form (older histories)
    assert loads_trial(full) == trial
    assert len(line) < len(full)


def written(trial: Trial) -> dict:
    """The trial's line, read as JSON, after checking that it restores every op bit for bit
    (the order of keys, 1 and True) and is written again the same."""
    line = dumps_trial(trial)
    again = loads_trial(line)
    assert again == trial
    for op, before in zip(again.ops, trial.ops, strict=True):
        assert orjson.dumps(op.to_dict()) == orjson.dumps(before.to_dict())
    assert dumps_trial(again) == line
    return orjson.loads(line)


def test_answers_that_differ_little_are_written_as_differences():
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
    data = written(Trial("t", "lifecycle", ("read_your_writes",), {}, ops))
    later_ref = data["ops"][5]["o"]["@"]  # the third answer: a difference from the second
    assert data["values"][later_ref] is None and str(later_ref) in data["d"]
    assert len(orjson.dumps(data["d"][str(later_ref)])) < len(orjson.dumps(later)) / 2
    # the difference of nested objects, removals, new keys and order
    assert patched(user, difference(user, later)) == later
    assert list(patched(later, difference(later, reordered))) == list(reordered)
    assert difference(later, reordered)["k"] == [4, 0, 1, 2, 3, 5, 6]  # places in later's order
    assert (
        orjson.dumps(patched({"a": [True]}, difference({"a": [True]}, {"a": [1]}))) == b'{"a":[1]}'
    )
    # strings sharing a beginning, and lists of objects item by item
    a = {"location": "http://127.0.0.1:44579/v2/Users/1", "emails": [{"value": "x", "n": 1}]}
    b = {"location": "http://127.0.0.1:44579/v2/Users/2", "emails": [{"value": "y", "n": 1}]}
    diff = difference(a, b)
    assert diff["x"]["location"] == [len(a["location"]) - 1, "2"] and "l" in diff
    assert orjson.dumps(patched(a, diff)) == orjson.dumps(b)
    c = {"location": "elsewhere", "emails": [{"value": "y"}, {"value": "z"}]}
    assert orjson.dumps(patched(a, difference(a, c))) == orjson.dumps(c)  # set whole


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


def _user(uid: str, name: str, version: int, **more) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": uid,
        "userName": f"loadscim-0a9e25fe9c-{name}",
        "name": {"formatted": "Leaving Soon", "familyName": "Soon", "givenName": "Leaving"},
        "active": True,
        "emails": [{"value": f"loadscim-0a9e25fe9c-{name}@example.com", "primary": True}],
        "meta": {
            "resourceType": "User",
            "created": "2026-11-29T17:07:28.853538Z",
            "location": f"http://127.0.0.1:41347/v2/Users/{uid}",
            "version": f'W/"{version}"',
        },
        **more,
    }


def _listing(*users: object, total: int = 4, start: int = 1) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(users),
        "Resources": list(users),
    }


def test_listed_resources_are_written_as_differences_from_their_last_state():
    # A listing's items are the last state of resources the trial made or read, with a few
    # changes: each is written as a difference from the last answer or body about its id.
    a, b = _user("a1", "u-1", 1), _user("b2", "u-2", 2)
    a_later = {**a, "active": False, "meta": {**a["meta"], "version": 'W/"7"'}}
    b_body = {k: v for k, v in b.items() if k != "meta"}  # a PUT's body names its id
    c, d = _user("c3", "u-3", 3), _user("d4", "u-4", 4)
    q = {"filter": 'userName sw "loadscim-0a9e25fe9c-"', "startIndex": "1", "count": "3"}
    pages = [
        _listing(a_later, b, c),  # seen in an answer, seen in a body, never seen
        _listing(d, start=4),  # a page of one, never seen
        _listing(b, c, total=2),  # a1 removed; the same items again
        _listing(total=0),  # nothing listed
        _listing("x", total=1),  # not a listing of objects: written whole
        _listing({"@": 0}, {"userName": "no id"}, total=2),  # an item like a reference
    ]
    ops = [
        Op("invoke", "create", 1, "t", "u1", "User", None, {"userName": a["userName"]},
           start_us=1),
        Op("ok", "create", 1, "t", "u1", "User", "a1", {"userName": a["userName"]},
           status=201, observed=a, start_us=1, end_us=2),
        Op("invoke", "replace", 2, "t", "u1", "User", "b2", b_body, start_us=3),
        Op("ok", "replace", 2, "t", "u1", "User", "b2", b_body, status=204, start_us=3,
           end_us=4),
        Op("invoke", "delete", 3, "t", "u1", "User", "a1", start_us=5),
        Op("ok", "delete", 3, "t", "u1", "User", "a1", status=204, start_us=5, end_us=6),
    ]  # fmt: skip
    for seq, page in enumerate(pages, 10):
        ops += [
            Op("invoke", "search", seq, "t", "u1", "User", None, q, start_us=seq * 10),
            Op("ok", "search", seq, "t", "u1", "User", None, q, status=200, observed=page,
               start_us=seq * 10, end_us=seq * 10 + 5),
        ]  # fmt: skip
    trial = Trial("t", "deprovision-storm", ("pagination",), {}, ops)
    data = written(trial)
    assert data["v"] == 5
    values, differences, listings = data["values"], data["d"], data["r"]
    listed = [data["ops"][i]["o"]["@"] for i in range(7, 7 + 2 * len(pages), 2)]
    first, one, same = (listings[str(i)] for i in listed[:3])
    assert [str(i) in listings for i in listed[3:]] == [False, False, True]
    assert values[listed[0]]["Resources"] is None  # the items are values of their own
    answer_a, body_b = data["ops"][1]["o"]["@"], data["ops"][2]["v"]["@"]
    assert differences[str(first[0])][0] == answer_a  # a1 as answered by its create
    assert differences[str(first[1])][0] == body_b  # b2 as sent in its PUT
    assert len(orjson.dumps(differences[str(first[0])])) < len(orjson.dumps(a_later)) / 3
    assert values[first[2]] is None or values[first[2]] == c  # c3: whole or from b2
    assert len(one) == 1 and same == first[1:]  # the same items: the same values
    assert len(orjson.dumps(data)) < len(orjson.dumps([op.observed for op in trial.ops]))


V3_LINE = (  # written by format 3 (main at 5ed6134): a create, a PATCH, a listing of one
    '{"trial":"t","kind":"lifecycle","checks":["read_your_writes"],"meta":{"attributes":['
    '"active"]},"ops":[{"k":"create","s":0,"p":"u1","rt":"User","v":{"@":0},"b":0,"ep":"P'
    'OST /Users"},{"t":"ok","s":0,"id":{"@":1},"st":201,"e":"W/\\"1\\"","o":{"@":2},"z":1'
    '0,"h":{"@":3}},{"k":"patch","s":1,"id":{"@":1},"v":[{"op":"replace","path":"active",'
    '"value":false}],"b":20,"ep":"PATCH /Users/{id}"},{"t":"ok","s":1,"st":200,"e":"W/\\"'
    '2\\"","o":{"@":4},"z":30,"h":{"@":5}},{"k":"search","s":2,"id":null,"v":{"filter":"u'
    'serName eq \\"ada\\""},"b":40,"ep":"GET /Users"},{"t":"ok","s":2,"st":200,"o":{"sche'
    'mas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startI'
    'ndex":1,"itemsPerPage":1,"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core'
    ':2.0:User"],"id":"u-1","meta":{"version":"W/\\"2\\"","location":"http://127.0.0.1:9/'
    'v2/Users/u-1"},"userName":"ada","active":false}]},"z":50}],"v":3,"t0":100,"s0":1,"va'
    'lues":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada","a'
    'ctive":true},"u-1",null,{"content-type":"application/scim+json","location":"http://1'
    '27.0.0.1:9/v2/Users/u-1","etag":"W/\\"1\\""},null,null],"d":{"2":[0,{"s":{"id":"u-1"'
    ',"meta":{"version":"W/\\"1\\"","location":"http://127.0.0.1:9/v2/Users/u-1"}},"k":["'
    'schemas","id","meta","userName","active"]}],"4":[2,{"p":{"meta":{"s":{"version":"W/'
    '\\"2\\""}}},"s":{"active":false}}],"5":[3,{"s":{"etag":"W/\\"2\\""}}]}}'
)


def test_format_3_histories_still_read(tmp_path):
    from loadscim.history import check_history

    trial = loads_trial(V3_LINE)
    assert [(op.type, op.kind, op.resource_id) for op in trial.ops] == [
        ("invoke", "create", None), ("ok", "create", "u-1"), ("invoke", "patch", "u-1"),
        ("ok", "patch", "u-1"), ("invoke", "search", None), ("ok", "search", None),
    ]  # fmt: skip
    created, patched, listing = (trial.ops[i].observed for i in (1, 3, 5))
    assert list(created) == ["schemas", "id", "meta", "userName", "active"]  # k: the keys
    assert created["active"] and created["meta"]["version"] == 'W/"1"'
    assert trial.ops[3].headers == {**trial.ops[1].headers, "etag": 'W/"2"'}
    meta = {**created["meta"], "version": 'W/"2"'}
    assert patched == listing["Resources"][0] == {**created, "active": False, "meta": meta}
    assert trial.ops[0].start_us == 100 and trial.ops[5].end_us == 150
    line = dumps_trial(trial)  # written again as format 5: the listed user a difference
    assert b'"r":' in line and b'"H":' in line and len(line) < len(V3_LINE)
    assert written(trial)["v"] == 5
    history = tmp_path / "h.jsonl"
    history.write_bytes(V3_LINE.encode() + b"\n" + line)
    code, text = check_history(str(history))
    assert (
        code == 0
        and "2 trials" in text
        and text.split()[-4:] == ["0", "violations", "verdict:", "PASS"]
    ), text


def test_header_fields_that_end_with_the_answers_etag_are_written_without_it():
    location = {"content-type": "application/scim+json", "location": "http://h/v2/Users/u-1"}
    cases = [  # (the answer's ETag, its header fields, written without the ETag)
        ('W/"1"', {**location, "etag": 'W/"1"'}, True),
        ('W/"2"', {**location, "etag": 'W/"2"'}, True),  # the same as before but the ETag
        ('W/"2"', {**location, "etag": 'W/"3"'}, False),  # not the answer's ETag
        ('W/"2"', {"etag": 'W/"2"', **location}, False),  # not the last field
        (None, dict(location), False),
        ('W/"4"', {"etag": 'W/"4"'}, True),
    ]
    ops = [
        Op("ok", "get", seq, "t", "u1", "User", "u-1", status=200, etag=etag, headers=headers,
           start_us=seq, end_us=seq + 1)
        for seq, (etag, headers, _) in enumerate(cases)
    ]  # fmt: skip
    data = written(Trial("t", "lifecycle", (), {}, ops))
    assert ["H" in op for op in data["ops"]] == [without for *_, without in cases]
    assert data["ops"][1]["H"] == data["ops"][0]["H"]  # the same fields: one value


def test_the_same_json_in_fields_of_other_kinds_is_written_once_and_restored():
    # Whatever a field holds (types are not checked when a history is written): an object
    # seen first where no difference is looked for, then as an answer, and as header fields
    page = _listing(_user("a1", "u-1", 1))
    ops = [
        Op("ok", "get", 1, "t", "u1", "User", "a1", endpoint=page, start_us=1),  # type: ignore[arg-type]
        Op("ok", "search", 2, "t", "u1", "User", None, status=200, observed=page, start_us=2),
        Op("ok", "get", 3, "t", "u1", "User", "a1", headers=page, start_us=3),
        Op("ok", "get", 4, "t", "u1", "User", "a1", headers={"a": "b"}, start_us=4),
        Op("ok", "get", 5, "t", "u1", "User", "a1", observed={"a": "b"}, start_us=5),
    ]
    data = written(Trial("t", "k", (), {}, ops))
    assert data["ops"][0]["ep"] == data["ops"][1]["o"] == data["ops"][2]["h"]

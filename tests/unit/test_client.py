"""ScimClient on a hand-written transport: one call -> invoke + completion, classified."""

import contextlib

from loadscim.client import Response, ScimClient
from loadscim.ops import Op, Trial, completions
from loadscim.scim import payloads


class ScriptedTransport:
    """Answers each request with the next scripted Response and remembers what was sent."""

    def __init__(self, *responses: Response) -> None:
        self.responses = list(responses)
        self.sent: list[tuple[str, str, bytes | None, dict[str, str], str]] = []

    def send(self, method, path, body, headers, name, expect):
        self.sent.append((method, path, body, headers, name))
        return self.responses.pop(0)


def body(obj) -> bytes:
    return payloads.dumps(obj)


def test_create_records_invoke_and_ok_completion_with_the_new_id():
    transport = ScriptedTransport(
        Response(201, {"ETag": 'W/"1"'}, body({"id": "u1", "userName": "n"}))
    )
    ops: list[Op] = []
    client = ScimClient(
        transport, sink=ops.append, process="p1", headers={"Authorization": "Bearer t"}
    )
    done = client.create("User", payloads.user("n"))
    assert [op.type for op in ops] == ["invoke", "ok"]
    assert ops[0].seq == ops[1].seq
    assert done.resource_id == "u1" and done.etag == 'W/"1"' and done.status == 201
    assert done.endpoint == "POST /Users" and done.process == "p1"
    assert done.end_us is not None and done.end_us >= done.start_us
    method, path, _sent, headers, name = transport.sent[0]
    assert (method, path, name) == ("POST", "/Users", "POST /Users")
    assert headers["Content-Type"] == "application/scim+json"
    assert headers["Authorization"] == "Bearer t"


def test_conflict_is_fail_with_scim_type_and_5xx_is_info():
    error = {"schemas": [payloads.ERROR_SCHEMA], "status": "409", "scimType": "uniqueness"}
    transport = ScriptedTransport(Response(409, {}, body(error)), Response(503, {}, b""))
    client = ScimClient(transport)
    first = client.create("User", payloads.user("n"), expect=(409,))
    assert first.type == "fail" and first.scim_type == "uniqueness"
    assert client.create("User", payloads.user("n")).type == "info"


def test_no_answer_is_info_unless_nothing_was_sent():
    transport = ScriptedTransport(
        Response(None, error="ConnectionResetError: reset", error_kind="reset"),
        Response(None, error="ConnectionRefusedError: refused", sent=False, error_kind="refused"),
    )
    client = ScimClient(transport)
    reset = client.patch("User", "u1", payloads.patch([payloads.set_active(False)]))
    assert reset.type == "info" and reset.status is None and "reset" in (reset.error or "")
    assert reset.value == [{"op": "replace", "path": "active", "value": False}]
    assert client.delete("User", "u1").type == "fail"


def test_unreadable_2xx_is_info_and_records_the_problem():
    # An HTML page with 200 (a proxy's sign-in page) or a cut body: nobody knows what happened.
    transport = ScriptedTransport(
        Response(200, {"Content-Type": "text/html"}, b"<html>"),
        Response(201, {}, b'{"id": "u1", "userN'),
        Response(404, {"Content-Type": "text/html"}, b"<html>"),
        Response(200, {"Content-Type": "text/plain"}, b'{"id": "u1"}'),
    )
    client = ScimClient(transport)
    op = client.get("User", "u1")
    assert op.type == "info" and op.observed is None and "not JSON" in (op.error or "")
    cut = client.create("User", payloads.user("n"))
    assert cut.type == "info" and cut.resource_id is None and "not JSON" in (cut.error or "")
    assert client.get("User", "u1").type == "fail"  # a 404 says it, whatever its body
    labelled = client.get("User", "u1")  # JSON labelled text/plain: read, and ok
    assert labelled.type == "ok" and labelled.observed == {"id": "u1"}


def test_search_builds_query_and_if_match_header():
    transport = ScriptedTransport(Response(200, {}, b"{}"), Response(200, {}, b"{}"))
    client = ScimClient(transport)
    client.search("User", payloads.eq_filter("userName", "a b"), start_index=1, count=100)
    assert (
        transport.sent[0][1] == "/Users?filter=userName%20eq%20%22a%20b%22&startIndex=1&count=100"
    )
    client.replace("User", "u1", {"userName": "x"}, if_match='W/"3"')
    assert transport.sent[1][3]["If-Match"] == 'W/"3"'
    assert transport.sent[1][1] == "/Users/u1"


def test_for_trial_routes_ops_into_the_trial():
    transport = ScriptedTransport(Response(200, {}, b"{}"))
    background: list[Op] = []
    client = ScimClient(transport, sink=background.append)
    trial = Trial("t1", "demo")
    client.for_trial(trial, process="r1").get("Group", "g1")
    assert background == []
    assert [(op.type, op.trial, op.process) for op in trial.ops] == [
        ("invoke", "t1", "r1"),
        ("ok", "t1", "r1"),
    ]
    assert completions(trial.ops)[0].type == "ok"


def test_a_write_abandoned_mid_flight_reaches_the_model_as_info():
    """A user stopped at the end of a run (GreenletExit) while its PATCH was on the wire:
    the write may have been applied, so the model hears an ``info`` completion."""

    class Stopped(BaseException):
        pass

    class Abandoning:
        def send(self, *args):
            raise Stopped

    completed: list[Op] = []
    client = ScimClient(Abandoning(), on_complete=completed.append)
    try:
        client.patch("User", "u1", payloads.patch([payloads.set_active(True)]))
    except Stopped:
        pass
    else:
        raise AssertionError("the stop must propagate")
    assert [(op.type, op.kind, op.resource_id) for op in completed] == [("info", "patch", "u1")]
    with contextlib.suppress(Stopped):
        client.get("User", "u1")
    assert len(completed) == 1  # a read changes nothing: the model needs no word of it


def test_header_fields_read_alike_by_lookup_and_by_scan():
    """The Locust transport hands geventhttpclient's case-insensitive Headers with their
    ``getlist`` (no scan of every field per answer); a transport with a plain mapping is
    scanned: the completion's ETag and the sampled fields are the same either way."""
    from geventhttpclient.header import Headers

    from loadscim.client import sampled_headers

    fields = Headers()
    fields.add("Content-Type", "application/scim+json")
    fields.add("ETag", 'W/"1"')
    fields.add("Location", "http://x/Users/u1")
    fields.add("etag", 'W/"2"')
    fields.add("X-Other", "1")
    answer = body({"id": "u1", "userName": "n"})
    by_lookup = Response(201, fields, answer, lines=fields.getlist)
    by_scan = Response(201, dict(fields.items()), answer)  # "ETag" and "etag" both kept
    for name in ("etag", "content-type", "location", "x-missing"):
        assert by_lookup.values_of(name) == by_scan.values_of(name)
    assert by_lookup.values_of("etag") == ['W/"1"', 'W/"2"']
    assert sampled_headers(by_lookup) == {
        "content-type": "application/scim+json",
        "location": "http://x/Users/u1",
        "etag": 'W/"2"',
    }
    made = [
        ScimClient(ScriptedTransport(answer_)).for_trial(Trial("t", "k")).create("User", {})
        for answer_ in (by_lookup, by_scan)
    ]
    assert [op.etag for op in made] == ['W/"1"', 'W/"1"']
    assert made[0].headers is not None and made[0].headers["location"] == "http://x/Users/u1"

"""conformance's plumbing: the client's sampling, the recorder's warnings, the gate's ``should``
line, the verdict, and the target's protocol faults, on hand-written data."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from loadscim.checks import CHECKERS
from loadscim.client import Response, ScimClient
from loadscim.config import parse_gate
from loadscim.errors import GateError
from loadscim.jsonl import dumps_trial, loads_trial
from loadscim.ops import Op, Trial, Violation
from loadscim.recorder import Recorder
from loadscim.summary import RunSummary
from loadscim.target.faults import Dice, FaultPlan
from loadscim.target.rewrite import rewrite_answer
from loadscim.verdict import Status, evaluate

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "a"}


class Answering:
    def __init__(self, response: Response) -> None:
        self.response = response

    def send(self, method, path, body, headers, name, expect):
        return self.response


def answer(status: int = 200, **headers: str) -> Response:
    given = {"Content-Type": "application/scim+json", "X-Other": "1", **headers}
    return Response(status, given, json.dumps(USER).encode())


def test_the_client_samples_every_nth_answer_outside_trials_and_every_one_in_them() -> None:
    sampled: list[Op] = []
    counter = iter(range(1, 100))
    client = ScimClient(Answering(answer(ETag='W/"1"')), seq=lambda: next(counter),
                        sample_every=3, on_sample=sampled.append)
    ops = [client.get("User", "u1") for _ in range(6)]
    assert [op.headers is not None for op in ops] == [False, False, True, False, False, True]
    assert sampled == [ops[2], ops[5]]
    assert ops[2].headers == {"content-type": "application/scim+json", "etag": 'W/"1"'}
    trial = Trial("t1", "test")
    in_trial = client.for_trial(trial).get("User", "u1")
    assert in_trial.headers is not None and in_trial not in sampled
    off = ScimClient(Answering(answer())).get("User", "u1")
    assert off.headers is None


def test_headers_survive_the_history_codec() -> None:
    op = Op("ok", "get", 1, "t1", headers={"content-type": "text/plain"}, status=200)
    again = loads_trial(dumps_trial(Trial("t1", "test", ops=[op])))
    assert again.ops[0].headers == {"content-type": "text/plain"}


def violation(kind: str) -> Violation:
    return Violation("conformance", kind, "t1", "User/u1", "e", "o", subject="GET /Users/{id}")


def test_the_recorder_counts_should_kinds_as_warnings() -> None:
    recorder = Recorder("r1", checkers=dict(CHECKERS))
    recorder.add_violations("conformance", [violation("etag-unchanged"), violation("no-location")])
    stats = recorder.checker("conformance")
    assert (stats.violations, stats.warnings) == (1, 1)
    assert stats.kinds == {"etag-unchanged": 1, "no-location": 1}
    drained = recorder.drain()
    again = Recorder("r2")
    again.absorb(drained)
    assert again.checker("conformance").warnings == 1


def test_a_sampled_answer_is_judged_at_once() -> None:
    recorder = Recorder("r1", checkers=dict(CHECKERS))
    op = Op("ok", "create", 9, status=200, resource_type="User", resource_id="u1",
            observed=dict(USER), headers={"content-type": "application/scim+json"})
    recorder.sample(op)
    stats = recorder.checker("conformance")
    assert stats.trials == 1 and stats.kinds == {"created-200": 1}


def summary(kinds: dict[str, int]) -> RunSummary:
    run = RunSummary(run_id="r1", duration_s=5)
    stats = run.checker("conformance")
    stats.trials = 10
    stats.kinds = dict(kinds)
    stats.warnings = sum(n for k, n in kinds.items() if k == "etag-unchanged")
    stats.violations = sum(kinds.values()) - stats.warnings
    stats.examples = [violation(k) for k in kinds]
    return run


def test_should_findings_warn_by_default_and_fail_when_the_gate_says() -> None:
    run = summary({"etag-unchanged": 4})
    line = next(ln for ln in evaluate(None, run).lines if ln.endpoint == "conformance")
    assert line.status is Status.PASS and line.observed == "0"
    assert "etag-unchanged 4" in line.reason and "SHOULD" in line.reason
    assert evaluate(None, run).headline().endswith("; 4 SHOULD warnings)")
    strict = parse_gate('should = "fail"\n', "g.toml")
    assert evaluate(strict, run).status is Status.FAIL
    only = parse_gate('should = ["etag-unchanged"]\n', "g.toml")
    assert evaluate(only, run).status is Status.FAIL
    other = parse_gate('should = ["version-mismatch"]\n', "g.toml")
    assert evaluate(other, run).status is Status.PASS
    assert evaluate(None, summary({"no-location": 1})).status is Status.FAIL


def test_the_should_line_round_trips_and_refuses_bad_values() -> None:
    for text in ('should = "fail"\n', 'should = ["etag-unchanged"]\n'):
        gate = parse_gate(text, "g.toml")
        assert parse_gate(gate.to_toml(), "g.toml") == gate
    assert parse_gate('should = "warn"\n', "g.toml").should_fail == ()
    with pytest.raises(GateError, match=r"'no-location' is not a SHOULD kind.*MUST kinds"):
        parse_gate('should = ["no-location"]\n', "g.toml")
    with pytest.raises(GateError, match=r"did you mean 'etag-unchanged'"):
        parse_gate('should = ["etag-unchanged2"]\n', "g.toml")
    with pytest.raises(GateError, match=r'write should = "fail"'):
        parse_gate("should = true\n", "g.toml")


def environ(method: str, path: str) -> dict[str, Any]:
    return {"REQUEST_METHOD": method, "PATH_INFO": f"/v2{path}", "CONTENT_LENGTH": "0",
            "wsgi.input": io.BytesIO(b"")}


def rewrite(fault: str, method: str, path: str, status: str, headers: list[tuple[str, str]],
            body: Any) -> tuple[str, dict[str, str], Any]:
    plan = FaultPlan.parse([fault], seed=1)
    raw = json.dumps(body).encode() if body is not None else b""
    status, headers, raw = rewrite_answer((fault,), Dice(plan), environ(method, path), status,
                                          headers, raw)
    return status, dict(headers), json.loads(raw) if raw else None


def test_the_targets_protocol_faults() -> None:
    meta = {"location": "http://x/v2/Users/u1", "version": 'W/"3"'}
    created = {**USER, "meta": meta}
    location = [("Location", "http://x/v2/Users/u1"), ("ETag", 'W/"3"')]
    assert rewrite("created-200", "POST", "/Users", "201 Created", location, created)[0] == "200 OK"
    _, headers, _ = rewrite("no-location", "POST", "/Users", "201 Created", location, created)
    assert "Location" not in headers
    _, headers, _ = rewrite("location-mismatch", "POST", "/Users", "201 Created", location,
                            created)
    assert headers["Location"] == "http://x/v2/Users"
    _, _, body = rewrite("version-mismatch", "GET", "/Users/u1", "200 OK", location, created)
    assert body["meta"]["version"] == '"3"'
    error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404"}
    _, _, body = rewrite("error-status-int", "GET", "/Users/x", "404 Not Found", [], error)
    assert body["status"] == 404
    status, _, body = rewrite("unknown-id-200", "GET", "/Users/x", "404 Not Found", [], error)
    assert status == "200 OK" and body["totalResults"] == 0
    status, _, _ = rewrite("unknown-id-200", "DELETE", "/Users/x", "404 Not Found", [], error)
    assert status == "404 Not Found"
    listing = {"Resources": [dict(USER)], "totalResults": 1}
    _, _, body = rewrite("resource-no-schemas", "GET", "/Users", "200 OK", [], listing)
    assert "schemas" not in body["Resources"][0]

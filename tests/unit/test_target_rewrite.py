"""The embedded target's answer and request rewrites (loadscim.target.rewrite), on
hand-written WSGI environments and bodies."""

from __future__ import annotations

import io
import json
from typing import Any

from loadscim.target.defects import _zero_based
from loadscim.target.faults import Dice, FaultPlan
from loadscim.target.rewrite import (
    rewrite_answer,
    rewrite_request,
    rewrite_service_provider_config,
)

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def dice(*specs: str) -> Dice:
    return Dice(FaultPlan.parse(specs, seed=1))


def environ(method: str, path: str, body: Any = None) -> dict[str, Any]:
    raw = json.dumps(body).encode() if body is not None else b""
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": f"/v2{path}",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }


def error(status: int, scim_type: str | None = None) -> bytes:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    return json.dumps(body).encode()


def test_conflict_rewrites() -> None:
    faults = ("409-no-scimtype",)
    status, _, body = rewrite_answer(
        faults, dice(*faults), environ("POST", "/Users"), "409 Conflict", [],
        error(409, "uniqueness"),
    )  # fmt: skip
    assert status == "409 Conflict" and "scimType" not in json.loads(body)
    faults = ("400-on-conflict",)
    status, _, body = rewrite_answer(
        faults, dice(*faults), environ("POST", "/Users"), "409 Conflict", [], error(409)
    )
    assert status == "400 Bad Request" and json.loads(body)["scimType"] == "invalidValue"


def test_precondition_rewrites() -> None:
    faults = ("409-on-if-match",)
    status, _, body = rewrite_answer(
        faults, dice(*faults), environ("PATCH", "/Users/u1"), "412 Precondition Failed", [],
        error(412),
    )  # fmt: skip
    assert status == "409 Conflict" and ERROR in json.loads(body)["schemas"]
    faults = ("412-no-error",)
    status, headers, body = rewrite_answer(
        faults, dice(*faults), environ("PATCH", "/Users/u1"), "412 Precondition Failed", [],
        error(412),
    )  # fmt: skip
    assert status.startswith("412") and b"schemas" not in body
    assert headers == [("Content-Type", "text/plain")]


def test_etag_absent_strips_header_and_versions() -> None:
    faults = ("etag-absent",)
    listing = {"Resources": [{"id": "u1", "meta": {"version": 'W/"1"'}}]}
    _, headers, body = rewrite_answer(
        faults, dice(*faults), environ("GET", "/Users"), "200 OK",
        [("ETag", 'W/"1"'), ("Content-Type", "application/scim+json")],
        json.dumps(listing).encode(),
    )  # fmt: skip
    assert [k for k, _ in headers] == ["Content-Type"]
    assert json.loads(body)["Resources"][0]["meta"] == {}


def test_bulk_answer_rewrites() -> None:
    answer = {
        "Operations": [
            {"bulkId": "u0", "location": "/v2/Users/1", "status": "201"},
            {"bulkId": "g", "location": "/v2/Groups/2", "status": "201"},
        ]
    }
    faults = ("bulk-no-location", "bulk-drops-result")
    _, _, body = rewrite_answer(
        faults, dice(*faults), environ("POST", "/Bulk"), "200 OK", [],
        json.dumps(answer).encode(),
    )  # fmt: skip
    assert json.loads(body)["Operations"] == [{"bulkId": "u0", "status": "201"}]


def test_bulk_requests() -> None:
    request = {
        "Operations": [
            {"method": "POST", "bulkId": "g", "data": {"members": [
                {"value": "bulkId:u0"}, {"value": "kept"}]}},
        ]
    }  # fmt: skip
    env = environ("POST", "/Bulk", request)
    assert rewrite_request(("bulk-bad-ref",), dice("bulk-bad-ref"), env) is None
    sent = json.loads(env["wsgi.input"].read())
    assert sent["Operations"][0]["data"]["members"] == [{"value": "kept"}]
    assert int(env["CONTENT_LENGTH"]) == len(json.dumps(sent).encode())
    answer = rewrite_request(("bulk-always-413",), dice("bulk-always-413"), environ(
        "POST", "/Bulk", request))  # fmt: skip
    assert answer is not None and answer[0].startswith("413")
    assert rewrite_request(("bulk-always-413",), dice("bulk-always-413"),
                           environ("POST", "/Users", {})) is None  # fmt: skip


def test_bulk_no_413_lowers_the_advertised_limit() -> None:
    config = {"bulk": {"supported": True, "maxOperations": 1000}}
    body = rewrite_service_provider_config(("bulk-no-413",), json.dumps(config).encode())
    assert json.loads(body)["bulk"]["maxOperations"] == 10


def test_duplicate_listing() -> None:
    faults = ("duplicate-listing",)
    listing = {"totalResults": 1, "Resources": [{"id": "u1"}]}
    _, _, body = rewrite_answer(
        faults, dice(*faults), environ("GET", "/Users"), "200 OK", [],
        json.dumps(listing).encode(),
    )  # fmt: skip
    assert json.loads(body)["Resources"] == [{"id": "u1"}, {"id": "u1"}]


def test_search_other_ids() -> None:
    faults = ("search-other-ids",)
    listing = {"totalResults": 1, "Resources": [{"id": "ab12"}]}
    _, _, body = rewrite_answer(
        faults, dice(*faults), environ("GET", "/Users"), "200 OK", [],
        json.dumps(listing).encode(),
    )  # fmt: skip
    assert json.loads(body)["Resources"] == [{"id": "AB12"}]


def test_bulk_error_no_detail() -> None:
    faults = ("bulk-error-no-detail",)
    request = {"Operations": [{"method": "POST", "data": {"displayName": "g", "members": []}}]}
    env = environ("POST", "/Bulk", request)
    assert rewrite_request(faults, dice(*faults), env) is None
    assert json.loads(env["wsgi.input"].read())["Operations"][0]["data"] == {"members": []}
    answer = {"Operations": [{"status": "400", "response": {"schemas": [ERROR]}},
                             {"status": "201", "location": "/v2/Users/1"}]}  # fmt: skip
    _, _, body = rewrite_answer(
        faults, dice(*faults), environ("POST", "/Bulk"), "200 OK", [],
        json.dumps(answer).encode(),
    )  # fmt: skip
    assert json.loads(body)["Operations"] == [
        {"status": "400"}, {"status": "201", "location": "/v2/Users/1"}]  # fmt: skip


def test_duplicate_member_and_wrong_total_rewrite_reads() -> None:
    group = {"id": "g1", "members": [{"value": "u1"}, {"value": "u2"}]}
    faults = ("duplicate-member",)
    _, _, body = rewrite_answer(
        faults, dice(*faults), environ("GET", "/Groups/g1"), "200 OK", [],
        json.dumps(group).encode(),
    )  # fmt: skip
    assert [m["value"] for m in json.loads(body)["members"]] == ["u1", "u2", "u1"]
    _, _, body = rewrite_answer(
        faults, dice(*faults), environ("PATCH", "/Groups/g1"), "200 OK", [],
        json.dumps(group).encode(),
    )  # fmt: skip
    assert len(json.loads(body)["members"]) == 2  # a write's answer is left alone
    listing = {"totalResults": 12, "itemsPerPage": 2, "Resources": [{"id": "a"}, {"id": "b"}]}
    faults = ("wrong-total",)
    _, _, body = rewrite_answer(
        faults, dice(*faults), environ("GET", "/Users"), "200 OK", [],
        json.dumps(listing).encode(),
    )  # fmt: skip
    assert json.loads(body)["totalResults"] == 2


def test_page_skips_takes_start_index_as_zero_based() -> None:
    assert _zero_based("filter=x&startIndex=1&count=5") == "filter=x&startIndex=2&count=5"
    assert _zero_based("count=5") == "count=5"

"""Unit tests of the write pre-flight's decisions, on a scripted transport (no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loadscim.client import Response, ScimClient
from loadscim.errors import BodyRefused, TargetAuthError
from loadscim.preflight import Capabilities
from loadscim.preflight_write import write_preflight
from loadscim.scim.dialects import get_dialect
from loadscim.scim.namespace import Namespace

URL = "http://127.0.0.1:1/v2"
NS = Namespace("abcd1234")
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class Scripted:
    """Answers POSTs from a script; GET by id echoes what was created; logs every request."""

    def __init__(self, *posts: Response, stored: dict[str, Any] | None = None) -> None:
        self.posts = list(posts)
        self.stored = stored
        self.log: list[tuple[str, str]] = []

    def send(self, method, path, body, headers, name, expect):
        self.log.append((method, path))
        if method == "POST":
            return self.posts.pop(0)
        if method == "GET" and path.startswith("/Users/"):
            return Response(200, {}, json.dumps(self.stored).encode())
        if method == "GET":
            return Response(200, {}, b'{"Resources": [], "totalResults": 0}')
        return Response(204)


def run(transport: Scripted, group: bool = False) -> tuple[Capabilities, list[str]]:
    client = ScimClient(transport)
    return write_preflight(
        client, Capabilities(), NS, get_dialect("rfc"), url=URL, group=group, sleep=lambda s: None
    )


def error(status: int, detail: str, scim_type: str = "invalidValue") -> Response:
    body = {"schemas": [ERROR], "status": str(status), "scimType": scim_type, "detail": detail}
    return Response(status, {}, json.dumps(body).encode())


def test_a_refused_body_is_one_line_with_the_servers_detail_and_nothing_is_left() -> None:
    transport = Scripted(error(400, "name.formatted:\n Field required"))
    with pytest.raises(BodyRefused) as raised:
        run(transport)
    message = str(raised.value)
    assert message == (
        f"target {URL}: the write pre-flight's POST /Users was refused (HTTP 400 invalidValue: "
        "name.formatted: Field required); the target does not accept the User body loadscim "
        "sends: give --user-template FILE with a body it accepts (README: Pointing it at "
        "your server)"
    )
    # refused, and still looked up by its exact name (a server may refuse yet store)
    assert transport.log[-1][0] == "GET" and "userName%20eq" in transport.log[-1][1]


def test_credentials_that_only_read() -> None:
    with pytest.raises(TargetAuthError, match="may read but not write"):
        run(Scripted(error(403, "forbidden", "")))


def test_no_usable_answer_is_a_note_not_an_error() -> None:
    transport = Scripted(*(error(503, "busy", "") for _ in range(4)))
    capabilities, notes = run(transport)
    assert capabilities == Capabilities()
    assert notes == [
        "write pre-flight: POST /Users got no usable answer; the bodies were not checked "
        "before the load"
    ]
    assert [m for m, _ in transport.log].count("POST") == 4


def test_unstored_attributes_become_one_note_and_everything_is_deleted() -> None:
    stored = {"id": "u1", "userName": NS.user_name("x"), "emails": [{"value": "a@example.com"}]}
    created = Response(201, {}, json.dumps({"id": "u1"}).encode())
    group = Response(201, {}, json.dumps({"id": "g1"}).encode())
    transport = Scripted(created, group, stored=stored)
    capabilities, notes = run(transport, group=True)
    assert set(capabilities.unstored_attributes) >= {"name.formatted", "emails.type", "active"}
    assert notes == [capabilities.unjudged_note()]
    assert "emails[].type" in notes[0] and notes[0].endswith(": not judged")
    assert not capabilities.judged('emails[type eq "work"].type')
    deletes = [path for method, path in transport.log if method == "DELETE"]
    assert deletes == ["/Groups/g1", "/Users/u1"]

"""The Locust transport on canned geventhttpclient answers: the body, its Content-Encoding,
the header fields by lookup, and what it reports to Locust's request event."""

from __future__ import annotations

from locust.event import EventHook

import gzip
import zlib
from types import SimpleNamespace
from typing import Any

import orjson
from geventhttpclient.header import Headers

from loadscim.client import sampled_headers
from loadscim.harness.transport import LocustTransport

USER = {"id": "u1", "userName": "a"}


class Answer:
    def __init__(self, status: int, content: bytes, fields: list[tuple[str, str]]) -> None:
        self.status_code = status
        self.content = content
        self.fields = Headers()
        for name, value in fields:
            self.fields.add(name, value)

    def read(self) -> bytes:
        return self.content

    def info(self) -> Headers:
        return self.fields

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def transport(answer: Answer) -> tuple[LocustTransport, list[dict[str, Any]]]:
    fired: list[dict[str, Any]] = []
    event = EventHook()
    event.add_listener(lambda **kw: fired.append(kw))
    session = SimpleNamespace(base_url="http://x", user=None, request_event=event)
    sent = LocustTransport(session)  # type: ignore[arg-type]
    sent._http = SimpleNamespace(request=lambda *a, **kw: answer)  # type: ignore[assignment]
    return sent, fired


def test_a_json_answer_is_read_as_sent_and_compressed_ones_are_decoded() -> None:
    raw = orjson.dumps(USER)
    for content, encoding in [
        (raw, None),
        (gzip.compress(raw), "gzip"),
        (zlib.compress(raw), "deflate"),
    ]:
        fields = [("Content-Type", "application/scim+json"), ("ETag", 'W/"1"')]
        if encoding:
            fields.append(("Content-Encoding", encoding))
        sent, fired = transport(Answer(200, content, fields))
        response = sent.send("GET", "/Users/u1", None, {}, "GET /Users/{id}", ())
        assert response.body == raw and response.json == USER and response.error is None
        assert response.values_of("etag") == ['W/"1"'] and response.values_of("location") == []
        assert sampled_headers(response) == {
            "content-type": "application/scim+json",
            "etag": 'W/"1"',
        }
        assert fired[0]["name"] == "GET /Users/{id}" and fired[0]["exception"] is None


def test_an_unexpected_status_or_an_unreadable_body_is_a_failure_for_locust() -> None:
    sent, fired = transport(Answer(404, b"", []))
    assert sent.send("GET", "/Users/x", None, {}, "GET /Users/{id}", ()).status == 404
    assert str(fired[0]["exception"]) == "HTTP 404"
    sent, fired = transport(Answer(404, b"", []))
    sent.send("GET", "/Users/x", None, {}, "GET /Users/{id}", (404,))
    assert fired[0]["exception"] is None  # expected
    sent, fired = transport(Answer(200, b"<html>", [("Content-Type", "text/html")]))
    response = sent.send("GET", "/Users/u1", None, {}, "GET /Users/{id}", ())
    assert response.error and "text/html" in response.error
    assert str(fired[0]["exception"]).startswith("HTTP 200, answer is not JSON (text/html)")

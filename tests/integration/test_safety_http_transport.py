"""loadscim.http.HttpTransport (loadscim cleanup's transport) against the embedded target's
faults: every misbehaviour becomes a Response, never an exception; a redirect is not
followed; an answer's size is capped; a write is never resent."""

from __future__ import annotations

import pytest

from loadscim.client import ScimClient
from loadscim.http import HttpTransport
from loadscim.scim import payloads
from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def send(target_url: str, path: str = "/Users?count=1", **kw):
    return HttpTransport(target_url, timeout=1.0, **kw).send("GET", path, None, {}, "x")


@pytest.mark.parametrize(
    ("fault", "status", "error", "sent"),
    [
        ("redirect=1", 302, None, True),  # not followed: the Location is another path
        ("truncated-json=1", 200, None, True),  # a cut body is still a body of its length
        ("non-json=1", 200, None, True),
        ("throttle=1", 429, None, True),
        ("reset=1", None, "", True),
        ("timeout=1", None, "timed out", True),
    ],
)
def test_faults_become_responses(fault, status, error, sent):
    with EmbeddedTarget(faults=[fault]) as target:
        response = send(str(target.url))
    assert response.status == status and response.sent is sent
    if error is not None:
        assert error in (response.error or ""), response
        assert response.error_kind in ("timeout", "reset", "other")


def test_huge_body_is_capped_and_classified():
    with EmbeddedTarget(faults=["huge-body=1"]) as target:
        url = str(target.url)
        read = send(url)
        capped = send(url, max_body=1024 * 1024)
    assert read.status == 200 and len(read.body) >= 5 * 1024 * 1024 and read.parse() is not None
    assert capped.status == 200 and capped.body == b"" and "larger than 1 MB" in capped.error


def test_nothing_listening_and_no_such_host_are_not_sent():
    refused = send("http://127.0.0.1:1/v2")
    dns = send("http://scim.loadscim-test.invalid/v2")
    assert (refused.status, refused.sent, refused.error_kind) == (None, False, "refused")
    assert (dns.status, dns.sent, dns.error_kind) == (None, False, "dns")


def test_a_write_without_an_answer_is_info_and_not_resent():
    with EmbeddedTarget(faults=["drop-after-commit=1"]) as target:
        transport = HttpTransport(str(target.url), timeout=2.0)
        client = ScimClient(transport)
        client.get("User", "warm-up", expect=(404,))  # a keep-alive connection exists
        op = client.create("User", payloads.user("loadscim-http0001-u1-1"))
        assert op.type == "info" and op.status is None
        listed = client.search("User", payloads.eq_filter("userName", "loadscim-http0001-u1-1"))
    assert listed.observed["totalResults"] == 1  # applied once, never resent

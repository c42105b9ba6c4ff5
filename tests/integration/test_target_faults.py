"""Every fault of the embedded target misbehaves, for real: a child process, real HTTP.

Each test starts its own target (about 0.7 s) with one fault (or a few), shows the
misbehaviour, and, where the clean target behaves otherwise, says so next to it (the clean
behaviour itself is pinned in test_target_server.py).
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from target_http import (
    BULK_SCHEMA,
    ERROR_SCHEMA,
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    Reply,
    call,
)

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def attempt(method: str, url: str, body: Any = None, **kwargs: Any) -> Reply | Exception:
    try:
        return call(method, url, body, **kwargs)
    except Exception as error:
        return error


def concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables at once (threads released together); their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def user_body(name: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": name, **extra}


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def by_name(url: str, name: str) -> str:
    scim_filter = quote(f'userName eq "{name}"')
    return f"{url}/Users?filter={scim_filter}"


def is_clean(reply: Reply | Exception, status: int = 200) -> bool:
    if not isinstance(reply, Reply) or reply.status != status:
        return False
    if not reply.headers.get("content-type", "").startswith("application/scim+json"):
        return False
    try:
        reply.json()
    except ValueError:
        return False
    return len(reply.body) < 1_000_000


def read_clean(url: str, tries: int = 60) -> Any:
    """GET until a clean 200 JSON answer comes (the faults hit reads too); its JSON."""
    for _ in range(tries):
        reply = attempt("GET", url, timeout=0.3)
        if isinstance(reply, Reply) and is_clean(reply):
            return reply.json()
    raise AssertionError(f"no clean answer from {url} in {tries} tries")


def count_named(url: str, name: str) -> int:
    total: int = read_clean(by_name(url, name))["totalResults"]
    return total


@contextlib.contextmanager
def serve(*faults: str, seed: int = 3) -> Iterator[str]:
    """A target with these faults; checks it stops with exit 0 and no traceback."""
    target = EmbeddedTarget(faults=faults, seed=seed)
    with target:
        assert target.url is not None
        yield target.url
    assert target.returncode == 0, target.stderr_text()
    stderr = target.stderr_text()
    assert "Traceback" not in stderr, stderr
    for fault in faults:
        assert f"fault {fault.split('=')[0]}" in stderr


# -- HTTP-level faults -----------------------------------------------------------------


def test_latency_delays_every_answer_without_blocking_others() -> None:
    with serve("latency=200") as url:
        started = time.monotonic()
        assert call("GET", f"{url}/ServiceProviderConfig").status == 200
        assert time.monotonic() - started >= 0.2
        started = time.monotonic()
        replies = concurrently([lambda: call("GET", f"{url}/Users") for _ in range(10)])
        elapsed = time.monotonic() - started
        assert all(r.status == 200 for r in replies)
        assert 0.2 <= elapsed < 1.0  # ten answers in parallel, not one after the other


def test_slow_create_serves_creates_one_at_a_time_without_blocking_others() -> None:
    with serve("slow-create=300") as url:
        started = time.monotonic()
        creates = [
            lambda i=i: call("POST", f"{url}/Users", user_body(f"slow.{i}")) for i in range(3)
        ]
        reads: list[float] = []

        def group() -> object:
            return call(
                "POST", f"{url}/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "slow.g"}
            )

        def read() -> object:
            begun = time.monotonic()
            reply = call("GET", f"{url}/Users")
            reads.append(time.monotonic() - begun)
            return reply

        replies = concurrently([*creates, group, read, read])
        elapsed = time.monotonic() - started
        assert [r.status for r in replies] == [201] * 4 + [200, 200]
        assert elapsed >= 4 * 0.3  # the creates queued behind each other (one hashing core)
        assert max(reads) < 0.25  # other requests are not held up


def test_error_rate_1_answers_500_on_resources_and_applies_nothing() -> None:
    with serve("error-rate=1") as url:
        for method, path, body in [
            ("POST", "/Users", user_body("err.one")),
            ("GET", "/Users", None),
            ("GET", "/Users/123", None),
            ("PATCH", "/Groups/123", patch_body({"op": "add", "path": "members", "value": []})),
            ("POST", "/Bulk", {"schemas": [BULK_SCHEMA], "Operations": []}),
        ]:
            reply = call(method, f"{url}{path}", body)
            assert reply.status == 500
            assert reply.headers["content-type"] == "application/scim+json"
            error = reply.json()
            assert error["schemas"] == [ERROR_SCHEMA] and error["status"] == "500"
            assert error["detail"]
        for path in ("ServiceProviderConfig", "ResourceTypes", "Schemas"):
            assert call("GET", f"{url}/{path}").status == 200


# The faults that answer in place of the target: what the client sees, and nothing applied.
NOT_APPLIED: dict[str, Callable[[Reply | Exception], bool]] = {
    "error-rate": lambda r: (
        isinstance(r, Reply) and r.status == 500 and r.json()["schemas"] == [ERROR_SCHEMA]
    ),
    "throttle": lambda r: (
        isinstance(r, Reply)
        and r.status == 429
        and r.headers.get("retry-after") == "1"
        and r.json()["status"] == "429"
    ),
    "reset": lambda r: isinstance(r, ConnectionResetError),
    "timeout": lambda r: isinstance(r, TimeoutError),
    "non-json": lambda r: (
        isinstance(r, Reply)
        and r.status == 200
        and r.headers["content-type"].startswith("text/html")
        and r.body.lstrip().startswith(b"<!DOCTYPE html>")
    ),
    "redirect": lambda r: (
        isinstance(r, Reply) and r.status == 302 and "/redirected/v2/Users" in r.headers["location"]
    ),
}


@pytest.mark.parametrize("fault", sorted(NOT_APPLIED))
def test_faults_that_answer_instead_apply_nothing(fault: str) -> None:
    looks_faulty = NOT_APPLIED[fault]
    with serve(f"{fault}=0.5") as url:
        outcomes: dict[str, bool] = {}
        for number in range(6):
            name = f"{fault}.{number}"
            reply = attempt("POST", f"{url}/Users", user_body(name), timeout=0.3)
            if looks_faulty(reply):
                outcomes[name] = False
            else:
                assert is_clean(reply, 201), reply
                outcomes[name] = True
        assert set(outcomes.values()) == {True, False}, outcomes  # seed 3: both happen
        for name, applied in outcomes.items():
            assert count_named(url, name) == (1 if applied else 0), name


def test_redirect_leads_to_a_working_copy_of_the_url() -> None:
    with serve("redirect=1") as url:
        reply = call("GET", f"{url}/Users?count=1")
        assert reply.status == 302
        assert reply.headers["location"].endswith("/redirected/v2/Users?count=1")
        followed = call("GET", reply.headers["location"])
        assert is_clean(followed)
        # discovery is never redirected
        assert call("GET", f"{url}/ServiceProviderConfig").status == 200


def test_timeout_holds_the_request_and_serves_the_others() -> None:
    with serve("timeout=1") as url:
        held = threading.Thread(
            target=attempt, args=("POST", f"{url}/Users", user_body("held")), daemon=True
        )
        held.start()
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            call("GET", f"{url}/Users", timeout=1.0)
        assert time.monotonic() - started >= 1.0
        assert call("GET", f"{url}/ServiceProviderConfig", timeout=2).status == 200


# The faults that change the target's answer: it is applied all the same.
APPLIED: dict[str, Callable[[Reply | Exception], bool]] = {
    "truncated-json": lambda r: (
        isinstance(r, Reply)
        and r.status == 201
        and int(r.headers["content-length"]) == len(r.body)
        and not _parses(r.body)
        and r.body.startswith(b'{"schemas"')
    ),
    "wrong-content-type": lambda r: (
        isinstance(r, Reply)
        and r.status == 201
        and r.headers["content-type"].startswith("text/plain")
        and _parses(r.body)
    ),
    "huge-body": lambda r: (
        isinstance(r, Reply)
        and r.status == 201
        and len(r.body) >= 5 * 1024 * 1024
        and _parses(r.body)
    ),
}


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("fault", sorted(APPLIED))
def test_faults_that_change_the_answer_still_apply(fault: str) -> None:
    looks_faulty = APPLIED[fault]
    with serve(f"{fault}=0.5") as url:
        seen = set()
        for number in range(10):
            name = f"{fault}.{number}"
            reply = call("POST", f"{url}/Users", user_body(name))
            seen.add(looks_faulty(reply))
            if not looks_faulty(reply):
                assert is_clean(reply, 201), reply
            assert count_named(url, name) == 1
        assert seen == {True, False}


def test_stall_freezes_the_whole_process() -> None:
    with serve("stall=400/1") as url:
        durations = []
        deadline = time.monotonic() + 2.6
        while time.monotonic() < deadline:
            started = time.monotonic()
            assert call("GET", f"{url}/ServiceProviderConfig").status == 200
            durations.append(time.monotonic() - started)
            time.sleep(0.02)
        assert max(durations) >= 0.25, max(durations)
        assert sorted(durations)[len(durations) // 2] < 0.1  # most requests are not stalled


def test_drop_after_commit_applies_then_closes_without_answer() -> None:
    with serve("drop-after-commit=1") as url:
        dropped = attempt("POST", f"{url}/Users", user_body("dropped.one", displayName="v1"))
        assert isinstance(dropped, ConnectionError), dropped
        found = call("GET", by_name(url, "dropped.one")).json()  # reads are not dropped
        assert found["totalResults"] == 1
        location = f"{url}/Users/{found['Resources'][0]['id']}"
        patched = attempt(
            "PATCH", location, patch_body({"op": "replace", "path": "displayName", "value": "v2"})
        )
        assert isinstance(patched, ConnectionError)
        assert call("GET", location).json()["displayName"] == "v2"
        assert isinstance(attempt("DELETE", location), ConnectionError)
        assert call("GET", location).status == 404


def test_faults_are_repeatable_given_the_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with serve("throttle=0.5", seed=seed) as url:
            return [call("GET", f"{url}/Users").status for _ in range(24)]

    first = statuses(11)
    assert set(first) == {200, 429}
    assert statuses(11) == first
    assert statuses(12) != first


# -- storage-level faults --------------------------------------------------------------


def _race_member_adds(url: str, n: int) -> tuple[list[Any], list[str], str]:
    group = call("POST", f"{url}/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "race"})
    group_url = f"{url}/Groups/{group.json()['id']}"
    users = [call("POST", f"{url}/Users", user_body(f"race.{i}")).json()["id"] for i in range(n)]

    def add(user_id: str) -> Reply:
        member = {"op": "add", "path": "members", "value": [{"value": user_id}]}
        return call("PATCH", group_url, patch_body(member))

    replies = concurrently([functools.partial(add, u) for u in users])
    return replies, users, group_url


def test_lost_update_loses_group_members() -> None:
    with serve("lost-update") as url:
        replies, users, group_url = _race_member_adds(url, 30)
        assert [r.status for r in replies] == [204] * 30  # every one said ok ...
        members = call("GET", group_url).json().get("members", [])
        assert len(members) < 30  # ... but members were lost (the clean target keeps 30)
        assert {m["value"] for m in members} <= set(users)


def test_duplicate_create_makes_two_accounts() -> None:
    with serve("duplicate-create") as url:
        body = user_body("twin")
        replies = concurrently([lambda: call("POST", f"{url}/Users", body) for _ in range(10)])
        created = [r for r in replies if r.status == 201]
        assert len(created) > 1  # the clean target gives one 201 and nine 409
        found = call("GET", by_name(url, "TWIN")).json()
        assert found["totalResults"] == len(created) > 1
        # the twins can be deleted, and the userName is then free once, and unique again
        for reply in created:
            assert call("DELETE", reply.headers["location"]).status == 204
        assert call("GET", by_name(url, "twin")).json()["totalResults"] == 0
        assert call("POST", f"{url}/Users", body).status == 201
        assert call("POST", f"{url}/Users", body).status == 409


def test_500_on_conflict() -> None:
    with serve("500-on-conflict") as url:
        assert call("POST", f"{url}/Users", user_body("taken")).status == 201
        reply = call("POST", f"{url}/Users", user_body("Taken"))
        assert reply.status == 500  # the clean target answers 409 uniqueness
        assert reply.json()["schemas"] == [ERROR_SCHEMA] and reply.json()["status"] == "500"
        other = call("POST", f"{url}/Users", user_body("other")).json()
        rename = patch_body({"op": "replace", "path": "userName", "value": "taken"})
        assert call("PATCH", f"{url}/Users/{other['id']}", rename).status == 500
        bulk = {
            "schemas": [BULK_SCHEMA],
            "Operations": [
                {"method": "POST", "bulkId": "a", "path": "/Users", "data": user_body("taken")}
            ],
        }
        assert call("POST", f"{url}/Bulk", bulk).json()["Operations"][0]["status"] == "500"


def test_500_on_pathless_patch_crashes_on_oktas_deactivate_only() -> None:
    with serve("500-on-pathless-patch") as url:
        user = call("POST", f"{url}/Users", user_body("pathless", active=True)).json()
        where = f"{url}/Users/{user['id']}"
        okta = patch_body({"op": "replace", "value": {"active": False}})  # Okta's deactivate
        reply = call("PATCH", where, okta)
        assert reply.status == 500 and reply.json()["schemas"] == [ERROR_SCHEMA]
        assert call("GET", where).json()["active"] is True  # not applied
        with_path = patch_body({"op": "replace", "path": "active", "value": False})
        assert call("PATCH", where, with_path).status in (200, 204)
        assert call("GET", where).json()["active"] is False  # the body reached the server


def test_ignore_deactivate_in_every_dialect() -> None:
    with serve("ignore-deactivate") as url:
        shapes = [
            # Entra ID default: capitalised op, a string for the boolean
            patch_body({"op": "Replace", "path": "active", "value": "False"}),
            # Okta: no path, a value object
            patch_body({"op": "replace", "value": {"active": False}}),
            # RFC 7644 plain
            patch_body({"op": "replace", "path": "active", "value": False}),
        ]
        for number, shape in enumerate(shapes):
            user = call("POST", f"{url}/Users", user_body(f"stays.{number}", active=True))
            location = user.headers["location"]
            reply = call("PATCH", f"{location}?attributes=active", shape)
            assert reply.status == 200 and reply.json()["active"] is False  # claims it is done
            assert call("GET", location).json()["active"] is True  # but it is not
            assert call("PATCH", location, shape).status == 204
            assert call("GET", location).json()["active"] is True

        put = call("PUT", location, user_body("stays.2", active=False, displayName="D"))
        assert put.status == 200 and put.json()["active"] is False
        assert call("GET", location).json()["active"] is True
        # other changes are applied
        rename = patch_body({"op": "replace", "path": "displayName", "value": "E"})
        assert call("PATCH", location, rename).status == 204
        assert call("GET", location).json()["displayName"] == "E"


def test_ignore_if_match_never_answers_412() -> None:
    with serve("ignore-if-match") as url:
        user = call("POST", f"{url}/Users", user_body("matchless"))
        location = user.headers["location"]
        stale = {"If-Match": 'W/"999999"'}
        rename = patch_body({"op": "replace", "path": "displayName", "value": "new"})
        assert call("PATCH", location, rename, headers=stale).status == 204  # clean: 412
        assert call("GET", location).json()["displayName"] == "new"
        put = call("PUT", location, user_body("matchless", title="t"), headers=stale)
        assert put.status == 200
        assert call("DELETE", location, headers=stale).status == 204
        assert call("GET", location).status == 404


def test_stale_read_serves_the_past_for_a_while() -> None:
    with serve("stale-read=0.5") as url:
        reply = call("POST", f"{url}/Users", user_body("laggy", displayName="v1"))
        location = reply.headers["location"]
        assert call("GET", location).status == 404  # just created, not visible yet
        assert call("GET", by_name(url, "laggy")).json()["totalResults"] == 0
        time.sleep(0.6)
        assert call("GET", location).json()["displayName"] == "v1"
        rename = patch_body({"op": "replace", "path": "displayName", "value": "v2"})
        assert call("PATCH", location, rename).status == 204
        assert call("GET", location).json()["displayName"] == "v1"
        assert call("GET", by_name(url, "laggy")).json()["Resources"][0]["displayName"] == "v1"
        time.sleep(0.6)
        assert call("GET", location).json()["displayName"] == "v2"


def test_bulk_partial_skips_every_second_operation_but_reports_all() -> None:
    with serve("bulk-partial") as url:
        bulk = {
            "schemas": [BULK_SCHEMA],
            "Operations": [
                {
                    "method": "POST",
                    "bulkId": f"b{i}",
                    "path": "/Users",
                    "data": user_body(f"partial.{i}"),
                }
                for i in range(4)
            ],
        }
        reply = call("POST", f"{url}/Bulk", bulk)
        assert reply.status == 200
        results = reply.json()["Operations"]
        assert [r["status"] for r in results] == ["201"] * 4  # all reported created
        assert all(r["location"].startswith(f"{url}/Users/") and r["version"] for r in results)
        assert [call("GET", r["location"]).status for r in results] == [200, 404, 200, 404]
        counts = [
            call("GET", by_name(url, f"partial.{i}")).json()["totalResults"] for i in range(4)
        ]
        assert counts == [1, 0, 1, 0]


def test_faults_combine() -> None:
    faults = ("latency=20", "throttle=0.3", "stale-read=1", "wrong-content-type=0.3")
    with serve(*faults) as url:
        replies = [call("POST", f"{url}/Users", user_body(f"combo.{i}")) for i in range(12)]
        assert {r.status for r in replies} == {201, 429}
        labels = {r.headers["content-type"].split(";")[0] for r in replies if r.status == 201}
        assert labels == {"application/scim+json", "text/plain"}
        created = [r.headers["location"] for r in replies if r.status == 201]
        assert call("GET", created[-1]).status in (404, 429)  # too fresh to be seen (1 s)
        # Read until it shows (about 1 s; each try takes 20 ms or more).
        assert read_clean(created[-1], tries=250)["userName"].startswith("combo.")


def test_reset_is_a_tcp_reset() -> None:
    with serve("reset=1") as url:
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            sock.sendall(b"GET /v2/Users HTTP/1.1\r\nHost: x\r\n\r\n")
            with pytest.raises(ConnectionResetError):
                while sock.recv(1024):
                    pass

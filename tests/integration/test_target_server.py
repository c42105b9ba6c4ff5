"""The clean embedded target, for real: a child process on 127.0.0.1, real HTTP.

Covers the CLI (first line, exit codes, signals, bad options), authentication, the SCIM
operations the harness relies on, and how scim2-server answers concurrent writes.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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

from loadscim.errors import TargetError, UsageError
from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def new_user(url: str, name: str, **extra: Any) -> dict[str, Any]:
    reply = call("POST", f"{url}/Users", {"schemas": [USER_SCHEMA], "userName": name, **extra})
    assert reply.status == 201, reply
    created: dict[str, Any] = reply.json()
    return created


def new_group(url: str, name: str) -> dict[str, Any]:
    reply = call("POST", f"{url}/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name})
    assert reply.status == 201, reply
    created: dict[str, Any] = reply.json()
    return created


def add_member(group_url: str, user_id: str) -> Reply:
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": user_id}]}],
    }
    return call("PATCH", group_url, body)


def concurrently(calls: list[Any]) -> list[Any]:
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


@pytest.fixture(scope="module")
def clean() -> Iterator[EmbeddedTarget]:
    with EmbeddedTarget(seed=1) as target:
        yield target
    assert target.returncode == 0
    assert "Traceback" not in target.stderr_text()


# -- the process -----------------------------------------------------------------------


def test_first_line_is_the_url_and_sigterm_sigint_stop_cleanly() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        process = subprocess.Popen(
            [sys.executable, "-m", "loadscim.target", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline().decode()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v2\n", line), line
            reply = call("GET", f"{line.strip()}/ServiceProviderConfig")
            assert reply.status == 200
            process.send_signal(sig)
            _, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert process.returncode == 0, (sig, err)
        assert b"Traceback" not in err, err


def test_sigterm_with_requests_in_flight_still_exits_0() -> None:
    target = EmbeddedTarget(faults=["timeout=1"])
    with target:
        url = target.url
        held = threading.Thread(target=lambda: concurrently([lambda: call("GET", f"{url}/Users")]))
        held.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert target.stop() == 0
        assert time.monotonic() - started < 8
        held.join(10)
    assert "Traceback" not in target.stderr_text()


def test_the_token_is_not_on_the_command_line() -> None:
    with EmbeddedTarget(token="s3cr3t-token") as target:
        assert target.pid is not None
        cmdline = Path(f"/proc/{target.pid}/cmdline").read_bytes()
        assert b"s3cr3t-token" not in cmdline
        assert b"loadscim.target" in cmdline


def test_the_token_is_enforced(tmp_path: Path) -> None:
    with EmbeddedTarget(token="s3cr3t-token") as target:
        url = target.url
        assert call("GET", f"{url}/Users").status == 401
        wrong = call("GET", f"{url}/Users", headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401
        assert wrong.json()["schemas"] == [ERROR_SCHEMA]
        good = {"Authorization": "Bearer s3cr3t-token"}
        assert call("GET", f"{url}/Users", headers=good).status == 200
        # RFC 7643 section 5: the ServiceProviderConfig needs no authentication
        config = call("GET", f"{url}/ServiceProviderConfig")
        assert config.status == 200
        schemes = config.json()["authenticationSchemes"]
        assert [s["type"] for s in schemes] == ["oauthbearertoken"]
    assert "s3cr3t-token" not in target.stderr_text()


def test_the_parents_token_variable_does_not_leak_into_an_open_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOADSCIM_TARGET_TOKEN", "from-the-parent")
    with EmbeddedTarget() as target:
        assert call("GET", f"{target.url}/Users").status == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "latency=abc"], "--fault 'latency=abc': latency takes milliseconds"),
        (["--fault", "nope"], "unknown fault 'nope'; known faults: "),
        (["--port", "70000"], "--port '70000': a port is an integer from 0 to 65535"),
        (["--seed", "x"], "--seed 'x': a seed is an integer"),
        (["--canaries", "3"], "--canaries '3': give the numbers of users and groups"),
        (["--service-provider-config", "/nonexistent.json"], "cannot read it"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_options_exit_3_with_one_line(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loadscim.target", *args],
        capture_output=True,
        timeout=30,
        start_new_session=True,
    )
    assert done.returncode == 3
    assert done.stdout == b""
    err = done.stderr.decode()
    assert err.count("\n") == 1, err
    assert message in err
    assert err.startswith("loadscim serve: ")


def test_embedded_target_reports_bad_options() -> None:
    with pytest.raises(UsageError, match="latency takes milliseconds"):
        EmbeddedTarget(faults=["latency=abc"])
    with pytest.raises(UsageError, match="--canaries 'x'"):
        EmbeddedTarget(extra_args=["--canaries", "x"]).start()


def test_embedded_target_reports_a_port_in_use(clean: EmbeddedTarget) -> None:
    assert clean.url is not None
    port = urlsplit(clean.url).port
    target = EmbeddedTarget(extra_args=["--port", str(port)])
    with pytest.raises((UsageError, TargetError), match="cannot listen"):
        target.start()


def test_service_provider_config_file(tmp_path: Path) -> None:
    config = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 100},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [],
    }
    path = tmp_path / "spc.json"
    path.write_text(json.dumps(config))
    with EmbeddedTarget(extra_args=["--service-provider-config", str(path)]) as target:
        url = target.url
        assert url is not None
        announced = call("GET", f"{url}/ServiceProviderConfig").json()
        assert announced["etag"] == {"supported": False}
        assert announced["bulk"]["supported"] is False
        bulk = {"schemas": [BULK_SCHEMA], "Operations": []}
        assert call("POST", f"{url}/Bulk", bulk).status == 501
        user = new_user(url, "no-etag")
        # without ETag support, a stale If-Match cannot be evaluated ... and is refused
        stale = call(
            "PATCH",
            f"{url}/Users/{user['id']}",
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "replace", "path": "title", "value": "x"}],
            },
            headers={"If-Match": 'W/"nope"'},
        )
        assert stale.status == 412


def test_bad_service_provider_config_file(tmp_path: Path) -> None:
    path = tmp_path / "spc.json"
    path.write_text("[1, 2]")
    with pytest.raises(UsageError, match="holds a JSON list, not an object"):
        EmbeddedTarget(extra_args=["--service-provider-config", str(path)]).start()


def test_canaries() -> None:
    with EmbeddedTarget(extra_args=["--canaries", "7,2"]) as target:
        url = target.url
        users = call("GET", f"{url}/Users?count=100").json()
        names = sorted(r["userName"] for r in users["Resources"])
        assert names == [f"canary-user-{i:04d}" for i in range(7)]
        assert all(r["active"] is True for r in users["Resources"])
        groups = call("GET", f"{url}/Groups").json()["Resources"]
        assert sorted(g["displayName"] for g in groups) == [
            "canary-group-0000",
            "canary-group-0001",
        ]
        ids = {r["id"] for r in users["Resources"]}
        members = [m["value"] for g in groups for m in g["members"]]
        assert len(members) == 7 and set(members) == ids
        assert "7 canary users, 2 canary groups" in target.stderr_text()


# -- the SCIM service ------------------------------------------------------------------


def test_crud_filter_and_etags(clean: EmbeddedTarget) -> None:
    url = clean.url
    assert url is not None
    reply = call(
        "POST",
        f"{url}/Users",
        {"schemas": [USER_SCHEMA], "userName": "crud.alice", "externalId": "e1", "active": True},
    )
    assert reply.status == 201
    assert reply.headers["content-type"] == "application/scim+json"
    user = reply.json()
    location = reply.headers["location"]
    assert location == f"{url}/Users/{user['id']}"
    assert reply.headers["etag"] == user["meta"]["version"]

    got = call("GET", location)
    assert got.status == 200 and got.json()["userName"] == "crud.alice"
    assert call("GET", location, headers={"If-None-Match": got.headers["etag"]}).status == 304

    # RFC 7643 4.1.1: userName is caseExact false and unique
    dup = call("POST", f"{url}/Users", {"schemas": [USER_SCHEMA], "userName": "CRUD.ALICE"})
    assert dup.status == 409 and dup.json()["scimType"] == "uniqueness"
    found = call("GET", f"{url}/Users?filter=userName%20eq%20%22CRUD.Alice%22").json()
    assert found["totalResults"] == 1

    patch = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "path": "displayName", "value": "A"}],
    }
    patched = call("PATCH", location, patch, headers={"If-Match": got.headers["etag"]})
    assert patched.status == 204  # scim2-server answers a PATCH 204 unless attributes= is asked
    assert patched.headers["etag"] != got.headers["etag"]
    stale = call("PATCH", location, patch, headers={"If-Match": got.headers["etag"]})
    assert stale.status == 412
    with_body = call("PATCH", f"{location}?attributes=displayName", patch)
    assert with_body.status == 200 and with_body.json()["displayName"] == "A"

    put = call(
        "PUT",
        location,
        {"schemas": [USER_SCHEMA], "userName": "crud.alice", "displayName": "B", "active": False},
    )
    assert put.status == 200 and put.json()["displayName"] == "B"
    assert put.json()["active"] is False

    assert call("DELETE", location).status == 204
    gone = call("GET", location)
    assert gone.status == 404 and gone.json()["schemas"] == [ERROR_SCHEMA]
    assert call("DELETE", location).status == 404


def test_idp_patch_dialects_deactivate(clean: EmbeddedTarget) -> None:
    url = clean.url
    assert url is not None
    for number, shape in enumerate(
        [
            # Entra ID (default): capitalised op, boolean as a string
            {"op": "Replace", "path": "active", "value": "False"},
            # Okta: no path, a value object
            {"op": "replace", "value": {"active": False}},
        ]
    ):
        user = new_user(url, f"dialect-{number}", active=True)
        location = f"{url}/Users/{user['id']}"
        reply = call("PATCH", location, {"schemas": [PATCH_SCHEMA], "Operations": [shape]})
        assert reply.status == 204
        assert call("GET", location).json()["active"] is False


def test_bulk(clean: EmbeddedTarget) -> None:
    url = clean.url
    assert url is not None
    bulk = {
        "schemas": [BULK_SCHEMA],
        "Operations": [
            {
                "method": "POST",
                "bulkId": "u1",
                "path": "/Users",
                "data": {"schemas": [USER_SCHEMA], "userName": "bulk.one"},
            },
            {
                "method": "POST",
                "bulkId": "g1",
                "path": "/Groups",
                "data": {
                    "schemas": [GROUP_SCHEMA],
                    "displayName": "bulk.group",
                    "members": [{"value": "bulkId:u1"}],
                },
            },
            {
                "method": "POST",
                "bulkId": "u2",
                "path": "/Users",
                "data": {"schemas": [USER_SCHEMA], "userName": "bulk.one"},
            },
        ],
    }
    reply = call("POST", f"{url}/Bulk", bulk)
    assert reply.status == 200
    results = reply.json()["Operations"]
    assert [r["status"] for r in results] == ["201", "201", "409"]
    group = call("GET", results[1]["location"]).json()
    user_id = results[0]["location"].rsplit("/", 1)[1]
    assert [m["value"] for m in group["members"]] == [user_id]


def test_concurrent_member_adds_are_all_kept(clean: EmbeddedTarget) -> None:
    """The clean target serializes each request: 30 racing PATCHes, 30 members, no 412."""
    url = clean.url
    assert url is not None
    group = new_group(url, "race.clean")
    users = [new_user(url, f"race.clean.{i}")["id"] for i in range(30)]
    group_url = f"{url}/Groups/{group['id']}"
    replies = concurrently([lambda u=u: add_member(group_url, u) for u in users])
    assert [r.status for r in replies] == [204] * 30
    members = call("GET", group_url).json()["members"]
    assert sorted(m["value"] for m in members) == sorted(users)


def test_concurrent_duplicate_creates_give_one_201(clean: EmbeddedTarget) -> None:
    url = clean.url
    assert url is not None
    body = {"schemas": [USER_SCHEMA], "userName": "race.same"}
    replies = concurrently([lambda: call("POST", f"{url}/Users", body) for _ in range(10)])
    assert sorted(r.status for r in replies) == [201] + [409] * 9


def test_a_discovery_pre_flight(clean: EmbeddedTarget) -> None:
    url = clean.url
    for path in ("ServiceProviderConfig", "ResourceTypes", "Schemas"):
        assert call("GET", f"{url}/{path}").status == 200
    config = call("GET", f"{url}/ServiceProviderConfig").json()
    assert config["etag"]["supported"] is True
    assert config["bulk"]["supported"] is True
    assert config["patch"]["supported"] is True
    assert config["filter"]["supported"] is True


def test_the_listen_backlog_is_large(clean: EmbeddedTarget) -> None:
    """100 connections at once: no SYN is dropped, so nobody waits the 1 s SYN retry."""
    url = clean.url
    assert url is not None

    def timed() -> float:
        started = time.monotonic()
        assert call("GET", f"{url}/ServiceProviderConfig").status == 200
        return time.monotonic() - started

    durations = concurrently([timed for _ in range(100)])
    assert all(isinstance(d, float) for d in durations), durations
    assert max(durations) < 0.9


def test_environment_is_untouched_by_embedded_target() -> None:
    before = dict(os.environ)
    with EmbeddedTarget(token="t"):
        pass
    assert dict(os.environ) == before


def test_the_target_stops_when_its_parent_dies() -> None:
    parent = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os\n"
            "from loadscim.target.process import EmbeddedTarget\n"
            "target = EmbeddedTarget()\n"
            "target.start()\n"
            "print(target.pid, flush=True)\n"
            "os._exit(9)  # dies without stopping its target\n",
        ],
        capture_output=True,
        timeout=30,
        start_new_session=True,
    )
    assert parent.returncode == 9, parent.stderr
    child = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        stat = Path(f"/proc/{child}/stat").read_text().split()
        if stat[2] == "Z":  # a zombie waiting for its new parent: it has exited
            break
        time.sleep(0.1)
    else:
        if Path(f"/proc/{child}").exists():
            os.kill(child, signal.SIGKILL)
            pytest.fail("the orphaned target kept running")


def test_keep_alive_answers_do_not_wait_for_delayed_acks(clean: EmbeddedTarget) -> None:
    """gevent sends headers and body apart: without TCP_NODELAY each answer took ~40 ms."""
    url = clean.url
    assert url is not None
    user = new_user(url, "keepalive")
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    durations = []
    try:
        for _ in range(30):
            started = time.monotonic()
            connection.request("GET", f"{parts.path}/Users/{user['id']}")
            response = connection.getresponse()
            assert response.status == 200
            response.read()
            durations.append(time.monotonic() - started)
    finally:
        connection.close()
    assert sorted(durations)[15] < 0.02, durations

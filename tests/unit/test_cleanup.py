"""The namespace sweep and deletes of loadscim.cleanup, on a small in-memory SCIM transport.

The transport stands in for a server's *behaviours* that the embedded target does not have
(a filter refused with 400 invalidFilter, a filter ignored, a name changed between listing
and re-check); the integration tests run the same code against the embedded target.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from loadscim.cleanup import Cleaner, CleanupResult, run_command
from loadscim.client import Response, ScimClient
from loadscim.scim.namespace import Namespace
from loadscim.scim.payloads import ERROR_SCHEMA, LIST_SCHEMA

RUN = "abcd1234"
NS = Namespace(RUN)


def error(status: int, scim_type: str | None = None) -> Response:
    body = {"schemas": [ERROR_SCHEMA], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    return Response(status, {"Content-Type": "application/scim+json"}, json.dumps(body).encode())


class FakeScim:
    """Users and Groups in dicts; ``filters``: 'sw' (honoured), 'refuse' (400), 'ignore'."""

    def __init__(self, filters: str = "sw") -> None:
        self.filters = filters
        self.resources: dict[str, dict[str, dict]] = {"Users": {}, "Groups": {}}
        self.script: dict[tuple[str, str], list[Response]] = {}
        self.log: list[tuple[str, str]] = []
        self.renamed_on_get: dict[str, str] = {}

    def add(self, kind: str, rid: str, **attributes: str) -> None:
        self.resources[kind][rid] = {"id": rid, **attributes}

    def names(self, kind: str) -> set[str]:
        key = "userName" if kind == "Users" else "displayName"
        return {r[key] for r in self.resources[kind].values()}

    def send(self, method, path, body, headers, name, expect):
        self.log.append((method, path))
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        kind = segments[0]
        scripted = self.script.get((method, segments[-1]))
        if scripted:
            return scripted.pop(0)
        if len(segments) == 2:
            rid = segments[1]
            resource = self.resources[kind].get(rid)
            if resource is None:
                return error(404)
            if method == "DELETE":
                del self.resources[kind][rid]
                return Response(204)
            shown = dict(resource)
            if rid in self.renamed_on_get:
                shown["userName"] = self.renamed_on_get[rid]
            return Response(200, {}, json.dumps(shown).encode())
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        items = sorted(self.resources[kind].values(), key=lambda r: r["id"])
        if "filter" in query:
            if self.filters == "refuse":
                return error(400, "invalidFilter")
            if self.filters == "sw":
                attribute, _, value = query["filter"].split(" ", 2)
                prefix = json.loads(value).lower()
                items = [r for r in items if str(r.get(attribute, "")).lower().startswith(prefix)]
        start = int(query.get("startIndex", 1))
        count = int(query.get("count", 100))
        page = items[start - 1 : start - 1 + count]
        body = {"schemas": [LIST_SCHEMA], "totalResults": len(items), "Resources": page}
        return Response(200, {}, json.dumps(body).encode())


def cleaner(fake: FakeScim, **kwargs) -> Cleaner:
    return Cleaner(
        ScimClient(fake),
        NS,
        map_fn=lambda f, items: [f(i) for i in items],
        sleep=lambda s: None,
        **kwargs,
    )


def populate(fake: FakeScim, n: int = 7) -> None:
    for i in range(n):
        fake.add("Users", f"u{i:03d}", userName=f"{NS.prefix}u1-{i}")
    fake.add("Groups", "g1", displayName=f"{NS.prefix}g-1")
    # Not the run's: other runs, canaries, and the namespace only in a secondary attribute.
    fake.add("Users", "other", userName="loadscim-abcd12345-u1-1")
    fake.add("Users", "canary", userName="canary-user-0001", externalId=f"{NS.prefix}x-1")
    fake.add("Users", "display", userName="alice", displayName=f"{NS.prefix}u1-1")
    fake.add("Groups", "cg", displayName="canary-group-0001")
    fake.add("Groups", "prefix-less", displayName="loadscim-abcd1234")


KEEP_USERS = {"loadscim-abcd12345-u1-1", "canary-user-0001", "alice"}
KEEP_GROUPS = {"canary-group-0001", "loadscim-abcd1234"}


@pytest.mark.parametrize("filters", ["sw", "refuse", "ignore"])
def test_sweep_removes_the_namespace_and_nothing_else(filters):
    fake = FakeScim(filters)
    populate(fake, 250)  # more than two pages
    result = cleaner(fake, page_size=100).sweep()
    assert fake.names("Users") == KEEP_USERS and fake.names("Groups") == KEEP_GROUPS
    assert len(result.removed) == 251 and not result.failed
    assert result.line() == "cleanup: removed 250 users and 1 group"
    deletes = [p for m, p in fake.log if m == "DELETE"]
    assert deletes[0].startswith("/Groups/")  # groups first
    if filters == "refuse":
        assert any("refused the filter" in n for n in result.notes)


def test_filter_unsupported_pages_without_a_filter():
    fake = FakeScim("refuse")
    populate(fake)
    cleaner(fake, filter_supported=False).sweep()
    assert not any("filter=" in p for _, p in fake.log)
    assert fake.names("Users") == KEEP_USERS


def test_dry_run_lists_and_deletes_nothing():
    fake = FakeScim()
    populate(fake)
    result = cleaner(fake).sweep(dry_run=True)
    assert not [m for m, _ in fake.log if m == "DELETE"]
    assert len(result.found) == 8 and result.line(dry_run=True).startswith(
        "cleanup (dry run): would remove 7 users and 1 group"
    )


def test_a_candidate_whose_name_changed_is_not_deleted():
    fake = FakeScim()
    populate(fake, 2)
    fake.renamed_on_get["u001"] = "someone-else"
    result = cleaner(fake).sweep()
    assert "u001" in fake.resources["Users"]
    assert any("User/u001 (not in the namespace" in f for f in result.failed)


def test_unsettled_deletes_are_retried_and_failures_reported():
    fake = FakeScim()
    populate(fake, 4)
    fake.script[("DELETE", "u000")] = [
        error(500),
        Response(429, {"Retry-After": "0"}),
        Response(302),
    ]
    fake.script[("DELETE", "u001")] = [error(500)] * 100
    fake.script[("DELETE", "u002")] = [error(403)]
    fake.script[("DELETE", "u003")] = [error(503)] * 8  # one round's retries and then some
    result = cleaner(fake).sweep()
    assert "u000" not in fake.resources["Users"]  # removed on the fourth attempt
    assert "u003" not in fake.resources["Users"]  # removed in the second round
    assert fake.log.count(("DELETE", "/Users/u001")) == 18  # 3 rounds of 1 + 5 retries
    assert fake.log.count(("DELETE", "/Users/u002")) == 1  # a refusal is not retried
    assert sorted(result.failed) == ["User/u001 (HTTP 500)", "User/u002 (HTTP 403)"]
    assert "could not remove 2" in result.line()


def test_recorded_ids_are_deleted_without_a_listing_and_404_is_gone():
    fake = FakeScim()
    populate(fake, 2)
    result = cleaner(fake).remove_recorded([("User", "u000"), ("User", "nope"), ("Group", "g1")])
    assert [f.id for f in result.removed] == ["g1", "u000"]
    assert [f.id for f in result.gone] == ["nope"]
    assert not any(m == "GET" for m, _ in fake.log)


def test_listing_failure_is_reported():
    fake = FakeScim()
    populate(fake, 1)
    result = CleanupResult()
    original = fake.send

    def send(method, path, body, headers, name, expect):
        if method == "GET" and path.startswith("/Users?"):
            return error(503)
        return original(method, path, body, headers, name, expect)

    fake.send = send  # type: ignore[method-assign]
    cleaner(fake).sweep(result=result)
    assert any(f.startswith("listing Users (HTTP 503") for f in result.failed)


def test_command_prints_one_line_per_resource_and_exit_code():
    fake = FakeScim()
    populate(fake, 2)
    spc = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "filter": {"supported": True},
    }
    original = fake.send

    def send(method, path, body, headers, name, expect):
        if path == "/ServiceProviderConfig":
            return Response(200, {}, json.dumps(spc).encode())
        if path == "/ResourceTypes":
            return error(404)
        return original(method, path, body, headers, name, expect)

    fake.send = send  # type: ignore[method-assign]
    lines: list[str] = []
    assert (
        run_command("http://x/v2", RUN, {}, transport=fake, dry_run=True, write=lines.append) == 0
    )
    assert sum(line.startswith("  would remove User ") for line in lines) == 2
    assert lines[-1] == "cleanup (dry run): would remove 2 users and 1 group"
    lines.clear()
    assert run_command("http://x/v2", RUN, {}, transport=fake, write=lines.append) == 0
    assert lines[-1] == "cleanup: removed 2 users and 1 group"
    assert fake.names("Users") == KEEP_USERS

"""A target without PATCH or filters (ServiceProviderConfig, RFC 7643 5): updates go by GET
then PUT of the whole resource, lookups by paging (RFC 7644 3.4.2.4); pure, a fake transport."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from loadscim.client import Response, ScimClient
from loadscim.fallback import FallbackClient, with_fallbacks
from loadscim.ops import Trial
from loadscim.preflight import Capabilities
from loadscim.scim import payloads
from loadscim.scim.apply import apply_patch
from loadscim.scim.dialects import get_dialect

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class Store:
    """Users in a dict; PATCH answered 501; ``filter`` ignored (a server lacking both)."""

    def __init__(self, n: int) -> None:
        self.users = {f"u{i:03}": {"id": f"u{i:03}", "userName": f"user{i}"} for i in range(n)}
        self.log: list[tuple[str, str]] = []

    def send(self, method, path, body, headers, name, expect):
        self.log.append((method, path))
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        if method == "PATCH":
            return Response(501)
        if len(segments) == 2:
            if method == "PUT":
                self.users[segments[1]] = {**json.loads(body), "id": segments[1]}
            return Response(200, {}, json.dumps(self.users[segments[1]]).encode())
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        start, count = int(query.get("startIndex", 1)), int(query.get("count", 100))
        items = sorted(self.users.values(), key=lambda u: u["id"])
        page = {
            "schemas": [LIST],
            "totalResults": len(items),
            "Resources": items[start - 1 : start - 1 + count],
        }
        return Response(200, {}, json.dumps(page).encode())


def client(store: Store, patch: bool = False, filter: bool = False) -> ScimClient:
    return with_fallbacks(ScimClient(store), Capabilities(patch=patch, filter=filter))


def test_a_target_with_both_keeps_the_plain_client() -> None:
    plain = ScimClient(Store(1))
    assert with_fallbacks(plain, Capabilities(patch=True, filter=True)) is plain
    assert with_fallbacks(plain, None) is plain


def test_patch_becomes_get_then_put_of_the_whole_resource() -> None:
    store = Store(1)
    trial = Trial("t1", "x")
    scim = client(store).for_trial(trial)
    assert isinstance(scim, FallbackClient)
    op = scim.patch("User", "u000", payloads.patch([payloads.patch_op("replace", "title", "T")]))
    assert op.kind == "replace" and op.type == "ok"
    assert [m for m, _ in store.log] == ["GET", "PUT"]
    assert store.users["u000"]["title"] == "T" and store.users["u000"]["userName"] == "user0"
    assert [o.kind for o in trial.ops if o.type != "invoke"] == ["get", "replace"]


def test_a_dialects_patch_goes_by_put_too() -> None:
    store = Store(1)
    op = client(store).execute(get_dialect("okta").set_active("u000", False))
    assert op.kind == "replace" and store.users["u000"]["active"] is False


def test_membership_patch_is_a_put_of_the_new_member_list() -> None:
    group = {
        "id": "g1",
        "displayName": "g",
        "members": [{"value": "a"}, {"value": "b"}],
        "meta": {},
    }
    operations = [payloads.add_members(["c"]), payloads.remove_member("a")]
    body = apply_patch(group, operations)
    assert body["members"] == [{"value": "b"}, {"value": "c"}] and "meta" not in body


def test_lookup_pages_through_and_keeps_the_matches() -> None:
    store = Store(250)
    trial = Trial("t1", "x")
    op = (
        client(store, patch=True)
        .for_trial(trial)
        .search("User", payloads.eq_filter("userName", "USER201"))
    )
    assert all("filter" not in path for _, path in store.log) and len(store.log) == 3
    assert op.kind == "search" and op.type == "ok" and op.value["filter"] == 'userName eq "USER201"'
    assert [r["id"] for r in op.observed["Resources"]] == ["u201"]
    # the pages and the lookup are in the trial: 3 searches without a filter, then the lookup
    done = [o for o in trial.ops if o.type != "invoke"]
    assert len(done) == 4 and done[-1] is op


def test_a_filter_it_cannot_apply_is_sent_as_is() -> None:
    store = Store(2)
    client(store).search("User", 'userName sw "user"')
    assert len(store.log) == 1 and "filter" in store.log[0][1]

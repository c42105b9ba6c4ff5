"""Every dialect's requests, in an identity provider's order, against the embedded target.

The target is scim2-server (0.8.3, on scim2-models 0.12.3) as ``loadscim serve`` runs it, on
127.0.0.1; requests go through ScimClient.execute over a plain urllib transport. Each step's
answer is recorded; what the target refuses is pinned in EXPECTED_REJECTIONS (and listed in
docs/embedded-target.md, "Server compatibility notes"), so a change either way is noticed.
Run with ``-s`` to print the table of findings.

The rfc dialect must be accepted completely. The vendor dialects are accepted except where
scim2-server refuses a real IdP shape: those are findings about the server, not bugs here.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from loadscim.client import Response, ScimClient
from loadscim.ops import Op
from loadscim.scim import payloads
from loadscim.scim.dialects import DIALECT_NAMES, Dialect, Member, Request, get_dialect
from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
WORK_EMAIL = 'emails[type eq "work"].value'
RFC = get_dialect("rfc")

EXPECTED_REJECTIONS: dict[str, dict[str, tuple[int, str]]] = {
    "rfc": {},
    "okta": {},
    "entra": {
        "create_group": (400, "invalidSyntax"),  # unknown schema ADSCIM/2.0/Group
        "remove_members": (400, "invalidValue"),  # Remove with a value
        "change_members": (400, "invalidValue"),
        "push_group_membership": (400, "invalidValue"),
    },
    "entra-compliant": {
        "create_group": (400, "invalidSyntax"),
    },
}
"""Per dialect, the lifecycle steps scim2-server refuses: step -> (status, scimType)."""

EXPECTED_PROBES: dict[str, tuple[int, str | None]] = {
    "entra update_profile, user without a work email": (400, "noTarget"),
    "entra-compliant update_profile, user without a work email": (400, "noTarget"),
    "okta update_profile, user without a work email": (200, None),
    "entra-tutorial-disable-user (Replace, boolean)": (204, None),
    "entra-tutorial-remove-members (Remove, $ref null)": (400, "invalidValue"),
    "entra-tutorial-query-by-externalid (unquoted)": (400, "invalidFilter"),
    "entra-tutorial-provision-user-example (nulls, '2.0User')": (400, "invalidSyntax"),
    'docs/scim-reference.md: top-level "id" in a PatchOp': (400, "invalidSyntax"),
    'docs/scim-reference.md: "name":"addMember" in an operation': (400, "invalidSyntax"),
}
"""Documented variants and reported quirks: probe -> (status, scimType)."""


# -- a transport that only talks to 127.0.0.1 ---------------------------------------------


class UrllibTransport:
    """ScimClient's transport over urllib, with proxies off, for 127.0.0.1 only."""

    def __init__(self, base_url: str) -> None:
        assert urlsplit(base_url).hostname == "127.0.0.1", base_url
        self.base_url = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def send(self, method, path, body, headers, name, expect) -> Response:
        request = urllib.request.Request(
            self.base_url + path, data=body, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=10) as answer:
                return Response(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())
        except (urllib.error.URLError, OSError) as error:
            return Response(None, error=f"{type(error).__name__}: {error}", error_kind="other")


@dataclass
class Outcome:
    dialect: str
    step: str
    status: int | None
    scim_type: str | None
    detail: str

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@pytest.fixture(scope="module")
def client() -> Iterator[ScimClient]:
    with EmbeddedTarget() as target:
        assert target.url is not None
        yield ScimClient(UrllibTransport(target.url))


class Run:
    """Sends one dialect's requests, records each answer, reads state back in the rfc way."""

    def __init__(self, client: ScimClient, dialect: Dialect) -> None:
        self.client = client
        self.dialect = dialect
        self.outcomes: list[Outcome] = []
        self.users: list[str] = []
        self.groups: list[str] = []

    def send(self, request: Request, step: str | None = None) -> Op:
        op = self.client.execute(request)
        observed = op.observed if isinstance(op.observed, dict) else {}
        self.outcomes.append(
            Outcome(
                self.dialect.name,
                step or request.step,
                op.status,
                op.scim_type,
                str(observed.get("detail", "")),
            )
        )
        return op

    def read(self, request: Request) -> dict[str, Any]:
        op = self.client.execute(request)
        assert op.status == 200, (request.target, op.status, op.observed)
        assert isinstance(op.observed, dict)
        return op.observed

    def user(self, user_id: str) -> dict[str, Any]:
        return self.read(RFC.get_user(user_id))

    def members(self, group_id: str) -> set[str]:
        group = self.read(RFC.get_group(group_id))
        return {m["value"] for m in group.get("members") or ()}

    def rejected(self) -> dict[str, tuple[int, str]]:
        return {o.step: (o.status or 0, o.scim_type or "") for o in self.outcomes if not o.accepted}

    def cleanup(self) -> None:
        for group_id in self.groups:
            self.client.execute(RFC.delete_group(group_id))
        for user_id in self.users:
            self.client.execute(RFC.hard_delete_user(user_id))


def total(observed: dict[str, Any]) -> int:
    return int(observed.get("totalResults", -1))


def lifecycle(run: Run) -> None:
    """The steps of an identity provider, in its order, with their effects checked."""
    d, tag = run.dialect, run.dialect.name
    name, ext = f"{tag}.ann@example.com", f"ext-{tag}-ann"

    assert total(run.send(d.lookup_user(name)).observed) == 0
    created = run.send(d.create_user(name, ext, "Ann", "Lee", name))
    assert created.status == 201 and created.resource_id
    user_id = created.resource_id
    run.users.append(user_id)
    assert total(run.send(d.lookup_user(name)).observed) == 1
    assert total(run.send(d.lookup_user_by_external_id(ext)).observed) == 1
    current = run.send(d.get_user(user_id)).observed

    changes = {"name.familyName": "Lee-Smith", WORK_EMAIL: f"{tag}.new@example.com"}
    changes["title"] = "Engineer"
    run.send(d.update_profile(user_id, current, changes))
    after = run.user(user_id)
    assert after["name"]["familyName"] == "Lee-Smith" and after["title"] == "Engineer"
    assert [e["value"] for e in after["emails"] if e.get("type") == "work"] == [
        f"{tag}.new@example.com"
    ]

    run.send(d.set_active(user_id, False))
    assert run.user(user_id)["active"] is False
    run.send(d.set_active(user_id, True))
    assert run.user(user_id)["active"] is True

    other = run.send(d.create_user(f"{tag}.bo@example.com", f"ext-{tag}-bo", "Bo", "Ek"))
    assert other.resource_id
    other_id = other.resource_id
    run.users.append(other_id)

    group_name = f"{tag} engineers"
    made = run.send(d.create_group(group_name, external_id=f"ext-{tag}-group"))
    if made.status != 201:  # keep probing the group requests on a group made the rfc way
        made = run.client.execute(RFC.create_group(group_name))
    assert made.resource_id
    group_id = made.resource_id
    run.groups.append(group_id)
    if d.supports("lookup_group"):
        assert total(run.send(d.lookup_group(group_name)).observed) == 1
    run.send(d.get_group(group_id))

    run.send(d.add_members(group_id, [Member(user_id, name), Member(other_id)]))
    assert run.members(group_id) == {user_id, other_id}
    removed = run.send(d.remove_members(group_id, [other_id]))
    if removed.type == "ok":
        assert run.members(group_id) == {user_id}
    changed = run.send(d.change_members(group_id, add=[other_id], remove=[user_id]))
    if changed.type == "ok":
        assert run.members(group_id) == {other_id}
    before = run.members(group_id)
    push = d.push_group_membership(group_id, group_name, add=[user_id], remove=[other_id])
    pushed = [run.send(request, "push_group_membership") for request in push]
    if all(op.type == "ok" for op in pushed):
        assert run.members(group_id) == {user_id}
    else:
        assert run.members(group_id) == before  # a refused PATCH changes nothing
    run.send(d.rename_group(group_id, f"{group_name} (renamed)"))
    assert run.read(RFC.get_group(group_id))["displayName"] == f"{group_name} (renamed)"
    if d.supports("replace_members"):
        run.send(d.replace_members(group_id, [other_id]))
        assert run.members(group_id) == {other_id}

    if d.supports("import_users"):
        page = run.send(d.import_users(1)).observed
        assert total(page) >= 2 and page["startIndex"] == 1
        assert d.next_import_index(1, total(page)) is None
        assert total(run.send(d.import_groups(1)).observed) >= 1

    deprovisioned = run.send(d.deprovision_user(other_id))
    if deprovisioned.kind == "patch":
        assert run.user(other_id)["active"] is False
        assert total(run.read(RFC.lookup_user(f"{tag}.bo@example.com"))) == 1  # soft delete
    else:
        run.users.remove(other_id)
    if d.supports("hard_delete_user"):
        run.send(d.hard_delete_user(user_id))
        run.users.remove(user_id)
        assert run.client.execute(RFC.get_user(user_id)).status == 404
    run.send(d.delete_group(group_id))
    run.groups.remove(group_id)


@pytest.mark.parametrize("name", DIALECT_NAMES)
def test_dialect_lifecycle_against_the_embedded_target(client, name):
    run = Run(client, get_dialect(name))
    try:
        lifecycle(run)
    finally:
        run.cleanup()
        print_table(run.outcomes)
    assert run.rejected() == EXPECTED_REJECTIONS[name]
    for outcome in run.outcomes:
        if not outcome.accepted:
            assert outcome.detail, outcome  # every refusal says why


# -- documented variants and reported quirks ----------------------------------------------


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES_DIR / f"{name}.json").read_text())
    return loaded


def request_from_sample(name: str, resource_id: str | None = None, **body: Any) -> Request:
    """A sample as a Request, its resource id replaced by ours and ``body`` keys merged."""
    data = sample(name)
    path = data["path"]
    parts = path.strip("/").split("/")
    resource_type = {"Users": "User", "Groups": "Group"}[parts[0]]
    if resource_id is not None:
        path = f"/{parts[0]}/{resource_id}"
    kind = {"POST": "create", "PUT": "replace", "PATCH": "patch", "DELETE": "delete"}.get(
        data["method"], "get" if resource_id else "search"
    )
    payload = {**data["body"], **body} if isinstance(data["body"], dict) else data["body"]
    return Request(
        data["method"],
        path,
        data["query"],
        payload,
        data["headers"],
        kind=kind,
        resource_type=resource_type,
        resource_id=resource_id,
        step=name,
    )


def test_documented_variants_and_reported_quirks(client):
    run = Run(client, RFC)
    probes: dict[str, Op] = {}
    try:

        def new_user(user_name: str, **extra: Any) -> str:
            body = {"schemas": [payloads.USER_SCHEMA], "userName": user_name, **extra}
            op = client.execute(
                Request("POST", "/Users", body=body, kind="create", resource_type="User")
            )
            assert op.resource_id, op.observed
            run.users.append(op.resource_id)
            return op.resource_id

        # Entra ID maps mail to emails[type eq "work"].value (tutorial attribute table); a user
        # who has no work email yet gets that path, which matches nothing.
        for name in ("entra", "entra-compliant", "okta"):
            dialect = get_dialect(name)
            user_id = new_user(f"nowork.{name}@example.com")
            current = run.user(user_id)
            changes = {WORK_EMAIL: f"{name}@example.com", "title": "Engineer"}
            request = dialect.update_profile(user_id, current, changes)
            probes[f"{name} update_profile, user without a work email"] = client.execute(request)

        user_id = new_user("variants@example.com")
        probes["entra-tutorial-disable-user (Replace, boolean)"] = client.execute(
            request_from_sample("entra-tutorial-disable-user", user_id)
        )
        assert run.user(user_id)["active"] is False
        group = client.execute(RFC.create_group("variants", [user_id]))
        assert group.resource_id
        run.groups.append(group.resource_id)
        remove = request_from_sample("entra-tutorial-remove-members", group.resource_id)
        remove.body["Operations"][0]["value"][0]["value"] = user_id
        probes["entra-tutorial-remove-members (Remove, $ref null)"] = client.execute(remove)
        probes["entra-tutorial-query-by-externalid (unquoted)"] = client.execute(
            request_from_sample("entra-tutorial-query-by-externalid")
        )
        example = client.execute(
            request_from_sample("entra-tutorial-provision-user-example", userName="jy@example.com")
        )
        if example.resource_id:
            run.users.append(example.resource_id)
        probes["entra-tutorial-provision-user-example (nulls, '2.0User')"] = example

        entra = get_dialect("entra")
        with_id = entra.add_members(group.resource_id, [user_id])
        with_id.body["id"] = group.resource_id
        probes['docs/scim-reference.md: top-level "id" in a PatchOp'] = client.execute(with_id)
        named = entra.add_members(group.resource_id, [user_id])
        named.body["Operations"][0]["name"] = "addMember"
        probes['docs/scim-reference.md: "name":"addMember" in an operation'] = client.execute(named)
        assert run.members(group.resource_id) == {user_id}  # the refused PATCHes did nothing
    finally:
        run.cleanup()
    outcomes = [
        Outcome("probe", label, op.status, op.scim_type, detail_of(op))
        for label, op in probes.items()
    ]
    print_table(outcomes)
    assert {o.step: (o.status, o.scim_type) for o in outcomes} == EXPECTED_PROBES


def detail_of(op: Op) -> str:
    return str(op.observed.get("detail", "")) if isinstance(op.observed, dict) else ""


def print_table(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        verdict = "ok " if o.accepted else "REFUSED"
        print(f"{o.dialect:16} {o.step:58} {o.status} {verdict} {o.scim_type or ''} {o.detail}")

"""IdP dialects against the vendors' literal samples, and read back by loadscim.scim.patch.

Every file in samples/ is either built exactly by a dialect (SAMPLES) or is a documented
variant no dialect builds, with the reason (VARIANTS): a new sample cannot go unchecked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from loadscim.client import Response, ScimClient
from loadscim.errors import UsageError
from loadscim.ops import Op
from loadscim.scim import patch, payloads
from loadscim.scim.dialects import (
    DIALECT_NAMES,
    ENTRA_USER_AGENT_GUESS,
    OKTA_USER_AGENT,
    Dialect,
    Member,
    Request,
    UnsupportedStep,
    get_dialect,
)

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
USER_ID = "u-1"  # stands for {user_id} in samples whose document gives the body only
GROUP_ID = "g-1"
WORK_EMAIL = 'emails[type eq "work"].value'
EMPLOYEE_NUMBER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
OKTA_UID = "23a35c27-23d3-4c03-b4c5-6443c09e7173"
OKTA_GID = "abf4dd94-a4c0-4f67-89c9-76b03340cb9b"

Builder = Callable[[Dialect, dict[str, Any]], Request]

SAMPLES: dict[str, tuple[str, Builder]] = {
    # Okta, "SCIM 2.0 Protocol Reference"
    "okta-scim20-lookup-user": ("okta", lambda d, s: d.lookup_user("test.user@okta.local")),
    "okta-scim20-create-user": (
        "okta",
        lambda d, s: d.create_user(
            "test.user@okta.local",
            "00ujl29u0le5T6Aj10h7",
            "Test",
            "User",
            "test.user@okta.local",
            password="1mz050nq",
        ),
    ),
    "okta-scim20-import-users": ("okta", lambda d, s: d.import_users(1)),
    "okta-scim20-get-user": ("okta", lambda d, s: d.get_user(OKTA_UID)),
    "okta-scim20-update-user-put": (
        "okta",
        lambda d, s: d.update_profile(
            OKTA_UID, s["current_resource"], {"name.middleName": "Excited"}
        ),
    ),
    "okta-scim20-deactivate-user": ("okta", lambda d, s: d.set_active(OKTA_UID, False)),
    "okta-scim20-create-group": ("okta", lambda d, s: d.create_group("Test SCIMv2")),
    "okta-scim20-import-groups": ("okta", lambda d, s: d.import_groups(1)),
    "okta-scim20-get-group": ("okta", lambda d, s: d.get_group(OKTA_GID)),
    "okta-scim20-rename-group": ("okta", lambda d, s: d.rename_group(OKTA_GID, "Test SCIMv2")),
    "okta-scim20-update-group-membership": (
        "okta",
        lambda d, s: d.change_members(
            OKTA_GID,
            add=[Member(OKTA_UID, "test.user@okta.local")],
            remove=["89bb1940-b905-4575-9e7f-6f887cfb368e"],
        ),
    ),
    "okta-scim20-replace-group-members": (
        "okta",
        lambda d, s: d.replace_members(
            OKTA_GID,
            [
                Member(OKTA_UID, "test.user@okta.local"),
                Member("89bb1940-b905-4575-9e7f-6f887cfb368e", "test.user@okta.local"),
            ],
        ),
    ),
    "okta-scim20-delete-group": ("okta", lambda d, s: d.delete_group(OKTA_GID)),
    # Microsoft Entra ID, "Tutorial: Develop and plan provisioning for a SCIM endpoint"
    "entra-tutorial-create-user": (
        "entra",
        lambda d, s: d.create_user(
            "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
            "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "givenName",
            "familyName",
            "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com",
        ),
    ),
    "entra-tutorial-get-user": ("entra", lambda d, s: d.get_user("5d48a0a8e9f04aa38008")),
    "entra-tutorial-query-user": (
        "entra",
        lambda d, s: d.lookup_user("Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"),
    ),
    "entra-tutorial-query-user-zero-results": (
        "entra",
        lambda d, s: d.lookup_user("non-existent user"),
    ),
    "entra-tutorial-update-user-multi-valued": (
        "entra",
        lambda d, s: d.update_profile(
            "6764549bef60420686bc",
            None,
            {WORK_EMAIL: "updatedEmail@microsoft.com", "name.familyName": "updatedFamilyName"},
        ),
    ),
    "entra-tutorial-update-user-single-valued": (
        "entra",
        lambda d, s: d.update_profile(
            "5171a35d82074e068ce2",
            {"userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"},
            {"userName": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"},
        ),
    ),
    "entra-tutorial-delete-user": (
        "entra",
        lambda d, s: d.hard_delete_user("5171a35d82074e068ce2"),
    ),
    "entra-tutorial-create-group": (
        "entra",
        lambda d, s: d.create_group(
            "displayName", external_id="8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
        ),
    ),
    "entra-tutorial-get-group": ("entra", lambda d, s: d.get_group("40734ae655284ad3abcc")),
    "entra-tutorial-query-group": ("entra", lambda d, s: d.lookup_group("displayName")),
    "entra-tutorial-rename-group": (
        "entra",
        lambda d, s: d.rename_group(
            "fa2ce26709934589afc5", "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
        ),
    ),
    "entra-tutorial-add-members": (
        "entra",
        lambda d, s: d.add_members("a99962b9f99d4c4fac67", ["f648f8d5ea4e4cd38e9c"]),
    ),
    "entra-tutorial-delete-group": ("entra", lambda d, s: d.delete_group("cdb1ce18f65944079d37")),
    # Microsoft Entra ID, "Known issues ... SCIM 2.0 protocol compliance" (flag off / on)
    "entra-known-issues-disable-user": ("entra", lambda d, s: d.set_active(USER_ID, False)),
    "entra-aadoptscim062020-disable-user": (
        "entra-compliant",
        lambda d, s: d.set_active(USER_ID, False),
    ),
    "entra-known-issues-add-attribute": (
        "entra",
        lambda d, s: d.update_profile(USER_ID, {"userName": "x"}, {"nickName": "Babs"}),
    ),
    "entra-aadoptscim062020-add-attribute": (
        "entra-compliant",
        lambda d, s: d.update_profile(USER_ID, {"userName": "x"}, {"nickName": "Babs"}),
    ),
    "entra-known-issues-replace-attributes": (
        "entra",
        lambda d, s: d.update_profile(
            USER_ID,
            None,
            {
                "displayName": "Pvlo",
                WORK_EMAIL: "TestBcwqnm@test.microsoft.com",
                "name.givenName": "Gtfd",
                "name.familyName": "Pkqf",
                "externalId": "Eqpj",
                EMPLOYEE_NUMBER: "Eqpj",
            },
        ),
    ),
    "entra-aadoptscim062020-replace-attributes": (
        "entra-compliant",
        lambda d, s: d.update_profile(
            USER_ID,
            None,
            {
                WORK_EMAIL: "TestMhvaes@test.microsoft.com",
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                EMPLOYEE_NUMBER: "Aklq",
            },
        ),
    ),
    "entra-known-issues-remove-member": (
        "entra",
        lambda d, s: d.remove_members(GROUP_ID, ["u1091"]),
    ),
    "entra-aadoptscim062020-remove-member": (
        "entra-compliant",
        lambda d, s: d.remove_members(GROUP_ID, ["7f4bc1a3-285e-48ae-8202-5accb43efb0e"]),
    ),
}

VARIANTS: dict[str, str] = {
    "entra-tutorial-disable-user": "a boolean with a capitalised op; the Known issues page "
    'says the default job sends "False" (entra-known-issues-disable-user)',
    "entra-tutorial-remove-members": '"$ref": null in the removed values; the Known issues '
    "page's remove has none (entra-known-issues-remove-member)",
    "entra-tutorial-query-by-externalid": "the value printed unquoted, not a SCIM filter",
    "entra-tutorial-provision-user-example": "null attributes and a malformed extension URN",
}


def load(name: str) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads((SAMPLES_DIR / f"{name}.json").read_text())
    return sample


def sample_names() -> set[str]:
    return {p.stem for p in SAMPLES_DIR.glob("*.json")}


def expected_request(sample: dict[str, Any]) -> dict[str, Any]:
    return {
        "method": sample["method"],
        "path": sample["path"].format(user_id=USER_ID, group_id=GROUP_ID),
        "query": sample["query"],
        "headers": sample["headers"],
        "body": sample["body"],
    }


def built_request(request: Request, dialect: Dialect) -> dict[str, Any]:
    """The request as a sample, without a User-Agent the dialect only guesses."""
    built = request.as_sample()
    if not dialect.user_agent_documented:
        built["headers"] = {k: v for k, v in built["headers"].items() if k != "User-Agent"}
    return built


# -- the samples -------------------------------------------------------------------------------


def test_every_sample_is_built_or_explained():
    assert sample_names() == set(SAMPLES) | set(VARIANTS)
    assert not set(SAMPLES) & set(VARIANTS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_dialect_builds_the_vendor_sample(name):
    sample = load(name)
    assert sample["source"] and sample["literal"]
    dialect_name, build = SAMPLES[name]
    dialect = get_dialect(dialect_name)
    request = build(dialect, sample)
    assert built_request(request, dialect) == expected_request(sample)
    if dialect.user_agent is not None:
        assert request.headers["User-Agent"] == dialect.user_agent


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_are_not_what_the_dialect_builds_but_patch_reads_them(name):
    sample = load(name)
    assert sample["source"] and sample.get("note")
    if sample["method"] == "PATCH":
        operations = patch.operations_of(sample["body"])
        assert patch.member_changes(operations) or patch.attribute_writes(operations)


def test_okta_query_is_encoded_as_the_reference_prints_it():
    request = get_dialect("okta").lookup_user("test.user@okta.local")
    literal = load("okta-scim20-lookup-user")["literal"]
    assert f"GET /scim/v2{request.target}" == literal
    assert request.target == "/Users?" + urlencode(request.query, quote_via=quote)


def test_sample_patch_bodies_read_as_the_vendor_means_them():
    """What each documented PATCH asks for, as the checkers will read it."""
    ops = lambda name: load(name)["body"]["Operations"]  # noqa: E731
    assert patch.attribute_writes(ops("okta-scim20-deactivate-user")) == {"active": False}
    assert patch.attribute_writes(ops("entra-known-issues-disable-user")) == {"active": False}
    assert patch.attribute_writes(ops("entra-aadoptscim062020-disable-user")) == {"active": False}
    assert patch.attribute_writes(ops("entra-tutorial-disable-user")) == {"active": False}
    assert patch.member_changes(ops("okta-scim20-update-group-membership")) == [
        ("remove", "89bb1940-b905-4575-9e7f-6f887cfb368e"),
        ("add", OKTA_UID),
    ]
    assert patch.member_changes(ops("okta-scim20-rename-group")) == []
    assert patch.attribute_writes(ops("okta-scim20-rename-group")) == {"displayName": "Test SCIMv2"}
    assert patch.member_changes(ops("okta-scim20-replace-group-members")) == [
        ("replace-all", ""),
        ("replace", OKTA_UID),
        ("replace", "89bb1940-b905-4575-9e7f-6f887cfb368e"),
    ]
    assert patch.member_changes(ops("entra-known-issues-remove-member")) == [("remove", "u1091")]
    assert patch.member_changes(ops("entra-tutorial-remove-members")) == [
        ("remove", "f648f8d5ea4e4cd38e9c")
    ]
    assert patch.member_changes(ops("entra-aadoptscim062020-remove-member")) == [
        ("remove", "7f4bc1a3-285e-48ae-8202-5accb43efb0e")
    ]
    assert patch.member_changes(ops("entra-tutorial-add-members")) == [
        ("add", "f648f8d5ea4e4cd38e9c")
    ]
    flagged = patch.attribute_writes(ops("entra-aadoptscim062020-replace-attributes"))
    default = patch.attribute_writes(ops("entra-known-issues-replace-attributes"))
    assert flagged == {
        WORK_EMAIL: "TestMhvaes@test.microsoft.com",
        "displayName": "Bjfe",
        "name.givenName": "Kkom",
        "name.familyName": "Unua",
        EMPLOYEE_NUMBER: "Aklq",
    }
    assert set(default) == set(flagged) | {"externalId"}


# -- every dialect's PATCHes, read back ----------------------------------------------------


@pytest.mark.parametrize("name", DIALECT_NAMES)
def test_patch_reads_every_dialects_membership_changes(name):
    d = get_dialect(name)
    read = lambda r: patch.member_changes(r.value)  # noqa: E731
    assert read(d.add_members("g", ["a", Member("b", "b@x")])) == [("add", "a"), ("add", "b")]
    assert read(d.remove_members("g", ["a", "b"])) == [("remove", "a"), ("remove", "b")]
    assert read(d.change_members("g", add=["c"], remove=["a"])) == [("remove", "a"), ("add", "c")]
    for request in d.push_group_membership("g", "Team", add=["c"], remove=["a"]):
        assert read(request) in ([("remove", "a"), ("add", "c")], [])
    assert read(d.rename_group("g", "Team")) == []
    assert patch.attribute_writes(d.rename_group("g", "Team").value) == {"displayName": "Team"}
    if d.supports("replace_members"):
        assert read(d.replace_members("g", ["a"])) == [("replace-all", ""), ("replace", "a")]


@pytest.mark.parametrize("name", DIALECT_NAMES)
@pytest.mark.parametrize("active", [False, True])
def test_patch_reads_every_dialects_activation(name, active):
    d = get_dialect(name)
    assert patch.attribute_writes(d.set_active("u", active).value) == {"active": active}
    deprovision = d.deprovision_user("u")
    if deprovision.kind == "patch":
        assert patch.attribute_writes(deprovision.value) == {"active": False}
    else:
        assert (deprovision.method, deprovision.path) == ("DELETE", "/Users/u")


@pytest.mark.parametrize("name", ["rfc", "entra", "entra-compliant"])
def test_patch_reads_every_dialects_profile_update(name):
    changes = {"name.givenName": "Ann", WORK_EMAIL: "ann@x.test", "title": "Boss"}
    request = get_dialect(name).update_profile("u", None, changes)
    assert request.kind == "patch"
    assert patch.attribute_writes(request.value) == changes


def test_okta_profile_update_is_a_put_of_the_whole_user_read_as_writes():
    current: dict[str, Any] = {
        "schemas": [payloads.USER_SCHEMA],
        "id": "u",
        "userName": "ann@x.test",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": "old@x.test", "type": "home"}],
        "active": True,
        "meta": {"resourceType": "User", "version": 'W/"3"'},
    }
    changes = {
        "name.givenName": "Anne",
        WORK_EMAIL: "anne@x.test",
        "TITLE": "Boss",
        EMPLOYEE_NUMBER: "42",
    }
    request = get_dialect("okta").update_profile("u", current, changes)
    assert (request.method, request.path, request.kind) == ("PUT", "/Users/u", "replace")
    body = request.body
    assert body["id"] == "u" and body["meta"] == current["meta"]  # sent back as read
    assert body["emails"] == [
        {"value": "old@x.test", "type": "home"},
        {"type": "work", "value": "anne@x.test"},
    ]
    assert "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" in body["schemas"]
    writes = patch.resource_writes(request.value)
    assert writes["name.givenName"] == "Anne" and writes["TITLE"] == "Boss"
    assert writes[EMPLOYEE_NUMBER] == "42"
    assert current["name"]["givenName"] == "Ann"  # the resource read is not modified
    with pytest.raises(ValueError, match="needs the resource"):
        get_dialect("okta").update_profile("u", None, changes)


# -- dialect-specific shapes -------------------------------------------------------------------


def test_entra_adds_what_the_user_lacks_and_replaces_the_rest():
    entra = get_dialect("entra")
    current = {"userName": "a", "name": {"givenName": "A"}, "emails": []}
    operations = entra.update_profile(
        "u", current, {"name.givenName": "B", "nickName": "Bee", WORK_EMAIL: "b@x.test"}
    ).value
    assert [(o["op"], o["path"]) for o in operations] == [
        ("Replace", "name.givenName"),
        ("Add", "nickName"),
        ("Replace", WORK_EMAIL),
    ]


def test_entra_compliant_single_change_keeps_its_path():
    operations = get_dialect("entra-compliant").update_profile("u", None, {"title": "x"}).value
    assert operations == [{"op": "replace", "path": "title", "value": "x"}]


def test_entra_reads_groups_without_members_and_creates_them_empty():
    entra = get_dialect("entra")
    assert entra.get_group("g").query == {"excludedAttributes": "members"}
    with pytest.raises(UnsupportedStep, match="creates groups empty"):
        entra.create_group("Team", ["u1"])
    with pytest.raises(UnsupportedStep, match="add_members"):
        get_dialect("okta").create_group("Team", ["u1"])
    assert get_dialect("rfc").create_group("Team", ["u1"]).body["members"] == [{"value": "u1"}]


def test_okta_sends_the_rename_with_every_membership_update():
    first, second = get_dialect("okta").push_group_membership("g", "Team", add=["a"])
    assert first.body["Operations"] == [{"op": "add", "path": "members", "value": [{"value": "a"}]}]
    assert second.body["Operations"] == [
        {"op": "replace", "value": {"id": "g", "displayName": "Team"}}
    ]
    assert len(get_dialect("entra").push_group_membership("g", "Team", add=["a"])) == 1


@pytest.mark.parametrize(
    ("name", "step", "args", "reason"),
    [
        ("okta", "hard_delete_user", ("u",), "doesn't perform DELETE"),
        ("okta", "lookup_group", ("Team",), "no group lookup"),
        ("entra", "import_users", (1,), "does not page"),
        ("entra-compliant", "import_groups", (1,), "does not page"),
        ("entra", "replace_members", ("g", ["u"]), "never a replace"),
    ],
)
def test_undocumented_steps_are_refused_with_the_reason(name, step, args, reason):
    dialect = get_dialect(name)
    assert not dialect.supports(step)
    with pytest.raises(UnsupportedStep, match=reason) as raised:
        getattr(dialect, step)(*args)
    assert isinstance(raised.value, UsageError)


def test_okta_never_deletes_a_user_it_deactivates_it():
    request = get_dialect("okta").deprovision_user("u")
    assert (request.method, request.step) == ("PATCH", "deprovision_user")
    assert request.body["Operations"] == [{"op": "replace", "value": {"active": False}}]


def test_okta_create_derives_a_stable_password_and_import_pages_by_100():
    okta = get_dialect("okta")
    first = okta.create_user("a@x.test", "e1", "A", "B").body["password"]
    assert first == okta.create_user("a@x.test", "e1", "A", "B").body["password"]
    assert len(first) == 8 and first != okta.create_user("b@x.test", "e", "A", "B").body["password"]
    assert okta.next_import_index(1, 250) == 101
    assert okta.next_import_index(201, 250) is None
    assert okta.import_users(101).query == {"startIndex": "101", "count": "100"}


def test_user_agents():
    assert get_dialect("okta").user_agent == OKTA_USER_AGENT == "Okta SCIM Client 1.0.0"
    entra = get_dialect("entra-compliant")
    assert entra.user_agent == ENTRA_USER_AGENT_GUESS and not entra.user_agent_documented
    assert get_dialect("rfc").lookup_user("a").headers == {}


def test_get_dialect_names_the_known_ones():
    assert get_dialect(" Entra-Compliant ").name == "entra-compliant"
    with pytest.raises(UsageError) as raised:
        get_dialect("azure")
    message = str(raised.value)
    assert "'azure'" in message and "rfc, okta, entra, entra-compliant" in message
    assert "\n" not in message


def test_update_profile_refuses_no_change_and_none():
    with pytest.raises(ValueError, match="at least one"):
        get_dialect("rfc").update_profile("u", None, {})
    with pytest.raises(ValueError, match="sets a value"):
        get_dialect("entra").update_profile("u", None, {"title": None})


# -- sending a Request through ScimClient -----------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes | None, dict[str, str], str]] = []

    def send(self, method, path, body, headers, name, expect):
        self.sent.append((method, path, body, headers, name))
        return Response(204, {}, b"")


def test_execute_records_a_dialect_request_as_scimclient_would():
    transport = Recorder()
    ops: list[Op] = []
    client = ScimClient(transport, sink=ops.append, headers={"User-Agent": "loadscim"})
    entra = get_dialect("entra")
    done = client.execute(entra.remove_members("g 1", ["u1"]), headers={"X-Trace": "1"})
    method, path, body, headers, name = transport.sent[0]
    assert (method, path, name) == ("PATCH", "/Groups/g%201", "PATCH /Groups/{id}")
    assert headers["User-Agent"] == ENTRA_USER_AGENT_GUESS and headers["X-Trace"] == "1"
    assert body is not None and json.loads(body)["Operations"][0]["op"] == "Remove"
    assert (done.kind, done.resource_type, done.resource_id) == ("patch", "Group", "g 1")
    assert patch.member_changes(done.value) == [("remove", "u1")]
    assert [op.type for op in ops] == ["invoke", "ok"]

    search = client.execute(get_dialect("okta").lookup_user("a b"))
    assert search.kind == "search" and search.value["startIndex"] == "1"
    assert (
        transport.sent[1][1] == "/Users?filter=userName%20eq%20%22a%20b%22&startIndex=1&count=100"
    )
    created = client.execute(get_dialect("rfc").create_user("a", None, "A", "B"))
    assert created.kind == "create" and created.value["userName"] == "a"
    got = client.execute(entra.get_group("g"))
    assert got.kind == "get" and got.value is None
    assert transport.sent[3][1] == "/Groups/g?excludedAttributes=members"

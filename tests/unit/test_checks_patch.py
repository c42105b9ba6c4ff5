"""loadscim.scim.patch on the literal PATCH bodies of docs/scim-reference.md (RFC, Okta,
Entra ID)."""

from __future__ import annotations

import orjson
import pytest

from loadscim.scim.patch import (
    PatchError,
    attribute_writes,
    base_attribute,
    member_changes,
    operations_of,
    parse_filter,
    parse_path,
    read_attribute,
    resource_members,
    resource_writes,
)

# Literal request bodies, as docs/scim-reference.md quotes them (ids filled in).
OKTA_DEACTIVATE = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
    '"Operations":[{"op":"replace","value":{"active":false}}]}'
)
OKTA_MEMBERSHIP = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":['
    '{"op":"remove","path":"members[value eq \\"u1\\"]"},'
    '{"op":"add","path":"members","value":[{"value":"u2","display":"user@example.com"}]}]}'
)
OKTA_RENAME = '{"op":"replace","value":{"id":"g1","displayName":"Engineering"}}'
ENTRA_DEACTIVATE = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
    '"Operations":[{"op":"Replace","path":"active","value":"False"}]}'
)
ENTRA_ADD = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
    '"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"u3"}]}]}'
)
ENTRA_REMOVE = '{"op":"Remove","path":"members","value":[{"value":"u4"}]}'
ENTRA_FLAG_REMOVE = '{"op":"remove","path":"members[value eq \\"u5\\"]"}'
ENTRA_FLAG_MULTI = (
    '{"op":"replace","value":{"displayName":"Ada L","name.givenName":"Ada",'
    '"name.familyName":"Lovelace"}}'
)


def ops(text: str) -> list[dict]:
    body = orjson.loads(text)
    return operations_of(body) if "Operations" in body else [body]


def test_okta_membership_remove_then_add() -> None:
    assert member_changes(ops(OKTA_MEMBERSHIP)) == [("remove", "u1"), ("add", "u2")]
    assert attribute_writes(ops(OKTA_MEMBERSHIP)) == {}


def test_okta_deactivate_path_less() -> None:
    assert attribute_writes(ops(OKTA_DEACTIVATE)) == {"active": False}
    assert member_changes(ops(OKTA_DEACTIVATE)) == []


def test_okta_rename_ignores_read_only_id() -> None:
    assert attribute_writes(ops(OKTA_RENAME)) == {"displayName": "Engineering"}


def test_entra_capitalised_ops_and_string_booleans() -> None:
    assert attribute_writes(ops(ENTRA_DEACTIVATE)) == {"active": False}
    assert attribute_writes([{"op": "Replace", "path": "active", "value": "True"}]) == {
        "active": True
    }
    assert member_changes(ops(ENTRA_ADD)) == [("add", "u3")]
    assert member_changes(ops(ENTRA_REMOVE)) == [("remove", "u4")]
    assert member_changes(ops(ENTRA_FLAG_REMOVE)) == [("remove", "u5")]


def test_entra_multi_attribute_path_less_replace() -> None:
    assert attribute_writes(ops(ENTRA_FLAG_MULTI)) == {
        "displayName": "Ada L",
        "name.givenName": "Ada",
        "name.familyName": "Lovelace",
    }


def test_operations_of_accepts_list_or_patch_op() -> None:
    listed = [{"op": "add", "path": "title", "value": "x"}]
    assert operations_of(listed) == listed
    assert operations_of({"Operations": listed}) == listed
    with pytest.raises(PatchError):
        operations_of({"op": "add"})


def test_wholesale_member_replace_and_remove_all() -> None:
    changes = member_changes([{"op": "replace", "path": "members", "value": [{"value": "a"}]}])
    assert changes == [("replace-all", ""), ("replace", "a")]
    assert member_changes([{"op": "remove", "path": "members"}]) == [("replace-all", "")]
    path_less = member_changes([{"op": "replace", "value": {"members": [{"value": "b"}]}}])
    assert path_less == [("replace-all", ""), ("replace", "b")]
    assert member_changes([{"op": "add", "value": {"members": [{"value": "c"}]}}]) == [("add", "c")]


def test_member_filter_with_or_and_replace_of_filtered_member() -> None:
    either = [{"op": "remove", "path": 'members[value eq "a" or value eq "b"]'}]
    assert member_changes(either) == [("remove", "a"), ("remove", "b")]
    swap = [{"op": "replace", "path": 'members[value eq "a"]', "value": {"value": "z"}}]
    assert member_changes(swap) == [("remove", "a"), ("add", "z")]
    display = [{"op": "replace", "path": 'members[value eq "a"].display', "value": "A"}]
    assert member_changes(display) == []
    assert attribute_writes(display) == {}


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "move", "path": "title", "value": "x"},
        {"op": "remove"},
        {"op": "replace", "value": "not an object"},
        {"op": "remove", "path": 'members[display eq "x"]'},
        {"op": "add", "path": 'members[value eq "a"]', "value": [{"value": "b"}]},
        {"op": "add", "path": "members", "value": [{"display": "no value"}]},
    ],
)
def test_uninterpretable_membership_raises(operation: dict) -> None:
    with pytest.raises(PatchError):
        member_changes([operation])


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "move", "path": "title", "value": "x"},
        {"op": "remove"},
        {"op": "replace", "value": "not an object"},
        {"op": "replace", "path": "emails[type eq", "value": "x"},
    ],
)
def test_uninterpretable_attribute_writes_raise(operation: dict) -> None:
    with pytest.raises(PatchError):
        attribute_writes([operation])


def test_attribute_writes_flatten_complex_and_extension_values() -> None:
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    writes = attribute_writes(
        [
            {"op": "replace", "path": "name", "value": {"givenName": "Grace"}},
            {"op": "add", "value": {enterprise: {"department": "R&D", "manager": {"value": "m"}}}},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@x"},
            {"op": "remove", "path": "title"},
            {"op": "replace", "path": 'emails[type eq "work"].primary', "value": "True"},
        ]
    )
    assert writes == {
        "name.givenName": "Grace",
        f"{enterprise}:department": "R&D",
        f"{enterprise}:manager.value": "m",
        'emails[type eq "work"].value': "a@x",
        "title": None,
        'emails[type eq "work"].primary': True,
    }


def test_resource_writes_and_members_of_bodies() -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "ignored",
        "userName": "ada",
        "password": "secret",
        "name": {"givenName": "Ada", "familyName": "L"},
        "emails": [{"value": "a@x", "primary": True}],
        "active": True,
        "groups": [],
    }
    assert resource_writes(body) == {
        "userName": "ada",
        "name.givenName": "Ada",
        "name.familyName": "L",
        "emails": [{"value": "a@x", "primary": True}],
        "active": True,
    }
    assert resource_members(body) is None
    assert resource_members({"displayName": "g", "members": [{"value": "u1"}]}) == ["u1"]
    assert resource_members({"displayName": "g", "members": None}) == []


def test_parse_path_and_base_attribute() -> None:
    assert parse_path('emails[type eq "work"].value') == ("emails", 'type eq "work"', "value")
    assert parse_path("name.givenName") == ("name", None, "givenName")
    urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert parse_path(f"{urn}:manager.value") == (f"{urn}:manager", None, "value")
    assert base_attribute('Emails[type eq "work"].value') == "emails"
    with pytest.raises(PatchError):
        parse_path("emails[type eq")


def test_parse_filter() -> None:
    assert parse_filter('userName eq "a\\"b" and active eq true') == (
        "and",
        [("userName", 'a"b'), ("active", True)],
    )
    assert parse_filter("count eq 3") == ("and", [("count", 3)])
    for bad in ('userName sw "a"', 'a eq "1" and b eq "2" or c eq "3"', ""):
        with pytest.raises(PatchError):
            parse_filter(bad)


def test_read_attribute() -> None:
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    resource = {
        "userName": "ada",
        "name": {"givenName": "Ada"},
        "emails": [{"type": "work", "value": "w@x"}, {"type": "home", "value": "h@x"}],
        enterprise: {"department": "R&D"},
    }
    assert read_attribute(resource, "USERNAME") == "ada"
    assert read_attribute(resource, "name.givenname") == "Ada"
    assert read_attribute(resource, 'emails[type eq "work"].value') == "w@x"
    assert read_attribute(resource, 'emails[type eq "other"].value') is None
    assert read_attribute(resource, "emails.value") == ["w@x", "h@x"]
    assert read_attribute(resource, f"{enterprise}:department") == "R&D"
    assert read_attribute(resource, "urn:ietf:params:scim:schemas:core:2.0:User:userName") == "ada"
    assert read_attribute(resource, "title") is None
    assert read_attribute(None, "title") is None


def test_a_writes_value_is_parsed_once_for_every_reader_and_never_written():
    """``parsed(op)``: what attribute_writes / member_changes / resource_writes give, made
    once and kept on the Op (the model and the checkers share it); not compared, not in
    the history; an unreadable value raises for every reader."""
    from loadscim.jsonl import dumps_trial, loads_trial
    from loadscim.ops import Op, Trial
    from loadscim.scim.parsed import parsed

    operations = orjson.loads(OKTA_MEMBERSHIP)["Operations"]
    patch = Op("ok", "patch", seq=2, resource_type="Group", resource_id="g1", value=operations)
    first = parsed(patch)
    assert first.writes() == attribute_writes(operations)
    assert first.member_changes() == member_changes(operations)
    assert parsed(patch) is first and first.writes() is first.writes()
    body = {"userName": "a", "name": {"givenName": "A"}, "active": True}
    put = Op("ok", "replace", seq=1, resource_type="User", resource_id="u1", value=body)
    assert parsed(put).writes() == resource_writes(body) == attribute_writes(
        [{"op": "replace", "value": body}]
    )
    bad = Op("ok", "patch", seq=3, value=[{"op": "remove"}])
    for _ in range(2):
        with pytest.raises(PatchError, match="remove without a path"):
            parsed(bad).writes()
    trial = Trial("t1", "membership", ops=[put, patch])
    back = loads_trial(dumps_trial(trial))
    assert back.ops == trial.ops and all(op.parsed is None for op in back.ops)
    assert b"parsed" not in dumps_trial(trial) and "parsed" not in patch.to_dict()

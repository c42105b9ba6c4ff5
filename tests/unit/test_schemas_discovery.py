"""Unit tests of /Schemas discovery (RFC 7643 7) on hand-written documents."""

from __future__ import annotations

from typing import Any

from loadscim.client import Response
from loadscim.preflight import Capabilities, declarations
from loadscim.scim import payloads
from loadscim.scim.bodies import Bodies
from loadscim.scim.schemas import parse

USER = payloads.USER_SCHEMA
GROUP = payloads.GROUP_SCHEMA
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACME = "urn:acme:2.0:User"


def attr(name: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "type": "string", "multiValued": False, "required": False, **kw}


# A small server: no title, emails without type/primary, nickName writable, a required
# costCenter in a required extension of its own.
SCHEMAS = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 3,
    "Resources": [
        {
            "id": USER,
            "name": "User",
            "attributes": [
                attr("userName", required=True, uniqueness="server"),
                attr(
                    "name",
                    type="complex",
                    subAttributes=[attr("givenName"), attr("familyName"), attr("formatted")],
                ),
                attr("displayName", uniqueness="server"),
                attr("nickName"),
                attr("emails", type="complex", multiValued=True, subAttributes=[attr("value")]),
                attr("active", type="boolean"),
                attr("locale", required=True, canonicalValues=["en-US", "fr-FR"]),
                attr("employeeId", required=True, mutability="readOnly"),
            ],
        },
        {"id": GROUP, "name": "Group", "attributes": [attr("displayName", required=True)]},
        {"id": ACME, "name": "Acme", "attributes": [attr("costCenter", required=True)]},
    ],
}
RESOURCE_TYPES = [
    {
        "name": "User",
        "endpoint": "/Users",
        "schema": USER,
        "schemaExtensions": [{"schema": ACME, "required": True}],
    },
    {"name": "Group", "endpoint": "/Groups", "schema": GROUP},
]


def test_what_the_server_declares() -> None:
    declared = parse(SCHEMAS, RESOURCE_TYPES)
    assert declared is not None and sorted(declared.resources) == ["Group", "User"]
    assert declared.declares("User", "nickName") and declared.declares("User", "NAME.formatted")
    assert not declared.declares("User", "title")
    assert not declared.declares("User", "emails[].type")
    assert declared.declares("User", "emails.value")
    assert declared.declares("User", f"{ACME}:costCenter")
    assert not declared.declares("User", f"{ENTERPRISE}:employeeNumber")
    assert declared.declares("User", "externalId")  # a common attribute: core, never dropped
    assert declared.declares("Bulk", "anything")  # a type it says nothing of


def test_the_writable_attribute_is_one_it_declares() -> None:
    declared = parse(SCHEMAS, RESOURCE_TYPES)
    assert declared is not None
    # title is not declared; nickName is a writable single string without uniqueness
    assert declared.writable_attribute() == "nickName"
    only_unique = {
        "Resources": [{"id": USER, "attributes": [attr("displayName", uniqueness="server")]}]
    }
    fallback = parse(only_unique)
    assert fallback is not None and fallback.writable_attribute() == "title"


def test_bodies_follow_the_declarations() -> None:
    declared = parse(SCHEMAS, RESOURCE_TYPES)
    body = payloads.user("loadscim-r-u1", external_id="x", title="Boss")
    body["schemas"] = [USER, ENTERPRISE]
    body[ENTERPRISE] = {"employeeNumber": "7"}
    shaped = Bodies(declared=declared).shape("User", body)
    assert "title" not in shaped and ENTERPRISE not in shaped
    assert shaped["emails"] == [{"value": "loadscim-r-u1@example.com"}]
    assert shaped["externalId"] == "x" and shaped["active"] is True
    assert shaped["locale"] == "en-US"  # required: its first canonical value
    assert "employeeId" not in shaped  # required but read-only: the server sets it
    assert shaped[ACME] == {"costCenter": "loadscim-r-u1"}  # a required extension, filled
    assert shaped["schemas"] == [USER, ACME]


def test_a_target_without_schemas_keeps_todays_behaviour() -> None:
    assert parse({"Resources": []}) is None
    assert parse({"detail": "not found"}) is None
    assert declarations(Response(404), Response(200, {}, b"[]")) is None
    capabilities = Capabilities()
    assert capabilities.judged("title") and capabilities.writable_attribute == "title"
    body = payloads.user("u", title="Boss")
    shaped = Bodies().shape("User", body)
    assert shaped == body  # the default body already carries name.formatted


def test_bare_lists_and_no_resource_types() -> None:
    # Some servers answer a bare list; without /ResourceTypes the core schemas still map.
    declared = parse(SCHEMAS["Resources"], None)
    assert declared is not None and not declared.declares("User", "title")
    answer = Response(200, {}, payloads.dumps(SCHEMAS))
    declared = declarations(answer, Response(200, {}, payloads.dumps(RESOURCE_TYPES)))
    assert declared is not None and declared.resources["User"].required_extensions == (ACME,)


def test_judged_leaves_out_undeclared_and_unstored() -> None:
    capabilities = Capabilities(
        declared=parse(SCHEMAS, RESOURCE_TYPES), unstored_attributes=("emails.value",)
    )
    assert not capabilities.judged("title")
    assert not capabilities.judged('emails[type eq "work"].value')
    assert capabilities.judged("name.givenName") and capabilities.judged("nickName")
    assert capabilities.unjudged_note() == "the target does not store emails[].value: not judged"
    assert "/Schemas for Group, User (writable attribute title)" in capabilities.describe()

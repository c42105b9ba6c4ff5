"""Builders of SCIM request bodies (RFC 7643 resources, RFC 7644 PatchOp and Bulk), as dicts.

Bodies are plain dicts so a dialect can reshape them; :func:`dumps` serialises with orjson.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_MEDIA_TYPE = "application/scim+json"
EMAIL_DOMAIN = "example.com"
"""The domain of every address loadscim makes up: RFC 2606 reserves it for examples, and
email validators accept it (they refuse special-use TLDs such as ``.test``)."""


def dumps(body: Any) -> bytes:
    """Serialise a body for the wire."""
    return orjson.dumps(body)


def user(
    user_name: str,
    *,
    external_id: str | None = None,
    given_name: str = "Load",
    family_name: str = "Test",
    active: bool = True,
    email: str | None = None,
    title: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A User resource (RFC 7643 4.1) with a name (``formatted`` too), a primary work email
    and ``active``."""
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {
            "formatted": f"{given_name} {family_name}",
            "familyName": family_name,
            "givenName": given_name,
        },
        "displayName": f"{given_name} {family_name}",
        "emails": [{"value": email or email_of(user_name), "type": "work", "primary": True}],
        "active": active,
    }
    if external_id is not None:
        body["externalId"] = external_id
    if title is not None:
        body["title"] = title
    if extra:
        body.update(extra)
    return body


def email_of(user_name: str) -> str:
    """The address of a made-up account: its userName if that is one, else at
    :data:`EMAIL_DOMAIN`."""
    return user_name if "@" in user_name else f"{user_name}@{EMAIL_DOMAIN}"


def group(
    display_name: str,
    members: Iterable[str] = (),
    *,
    external_id: str | None = None,
) -> dict[str, Any]:
    """A Group resource (RFC 7643 4.2) with the given member ids."""
    body: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "displayName": display_name,
        "members": [{"value": m} for m in members],
    }
    if external_id is not None:
        body["externalId"] = external_id
    return body


def patch_op(op: str, path: str | None = None, value: Any = None) -> dict[str, Any]:
    """One PATCH operation (RFC 7644 3.5.2); ``path`` and ``value`` are left out when None."""
    operation: dict[str, Any] = {"op": op}
    if path is not None:
        operation["path"] = path
    if value is not None:
        operation["value"] = value
    return operation


def patch(operations: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A PatchOp request body."""
    return {"schemas": [PATCH_SCHEMA], "Operations": [dict(o) for o in operations]}


def add_members(member_ids: Iterable[str]) -> dict[str, Any]:
    """The RFC form of adding members to a group."""
    return patch_op("add", "members", [{"value": m} for m in member_ids])


def remove_member(member_id: str) -> dict[str, Any]:
    """The RFC form of removing one member: a value filter in the path."""
    return patch_op("remove", f'members[value eq "{member_id}"]')


def set_active(active: bool) -> dict[str, Any]:
    return patch_op("replace", "active", active)


def bulk_op(
    method: str,
    path: str,
    *,
    bulk_id: str | None = None,
    data: Any = None,
    version: str | None = None,
) -> dict[str, Any]:
    """One Bulk operation (RFC 7644 3.7); ``bulkId`` is required for POST."""
    operation: dict[str, Any] = {"method": method, "path": path}
    if bulk_id is not None:
        operation["bulkId"] = bulk_id
    if data is not None:
        operation["data"] = data
    if version is not None:
        operation["version"] = version
    return operation


def bulk(
    operations: Iterable[Mapping[str, Any]], fail_on_errors: int | None = None
) -> dict[str, Any]:
    """A BulkRequest body."""
    body: dict[str, Any] = {
        "schemas": [BULK_REQUEST_SCHEMA],
        "Operations": [dict(o) for o in operations],
    }
    if fail_on_errors is not None:
        body["failOnErrors"] = fail_on_errors
    return body


def eq_filter(attribute: str, value: str) -> str:
    """``attribute eq "value"`` with the value's quotes and backslashes escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} eq "{escaped}"'


def sw_filter(attribute: str, prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} sw "{escaped}"'

"""Faults of the embedded target about the data it accepts and keeps, as real servers have them.

- ``strict-email``: an email address at a special-use TLD (RFC 6761: ``.test``,
  ``.example``, ``.invalid``, ``.localhost``; ``.local``, ``.onion``, ``.arpa``, ``.alt``)
  or without a domain is refused with 400 ``invalidValue``, as standard email validators
  (Python's email-validator, used by pydantic's ``EmailStr``) refuse it.
- ``require-formatted``: a User without ``name.formatted`` is refused (a server whose model
  makes it required).
- ``no-email-type``: a User whose ``emails`` carry ``type`` or ``primary`` is refused (a
  server whose email model forbids extra keys).
- ``drop-attribute=NAME``: the attributes are taken out of every User and Group before it is
  stored, so a create, PUT or PATCH answers without them and no read ever shows them.

- ``undeclared=NAME``: the answers to GET /Schemas leave the attributes out
  (:func:`undeclare`), as a server whose published schema lacks them; they are stored all the
  same (with ``drop-attribute=NAME`` too: a server without them).

The storage calls :func:`screen` on every resource it is about to store (create, PUT,
PATCH, and the same inside /Bulk).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from scim2_models import InvalidValueException, Resource

from loadscim.target.faults import FaultPlan

SPECIAL_USE_TLDS = frozenset(
    {"test", "example", "invalid", "localhost", "local", "onion", "arpa", "alt"}
)


def email_problem(value: Any) -> str | None:
    """Why an email validator would refuse ``value`` (None: it would accept it)."""
    if not isinstance(value, str) or value.count("@") != 1:
        return "An email address must have exactly one @-sign."
    local, domain = value.split("@")
    if not local or "." not in domain:
        return "The part after the @-sign is not valid. It should have a period."
    if domain.rsplit(".", 1)[1].lower() in SPECIAL_USE_TLDS:
        return (
            "The part after the @-sign is a special-use or reserved name that cannot be "
            "used with email."
        )
    return None


def screen(plan: FaultPlan, resource: Resource[Any]) -> Resource[Any]:
    """``resource`` as the faulty server keeps it: refused (InvalidValueException) or with
    the dropped attributes taken out (in place)."""
    is_user = hasattr(resource, "user_name")
    emails = (getattr(resource, "emails", None) or []) if is_user else []
    if "strict-email" in plan:
        for index, email in enumerate(emails):
            problem = email_problem(email.value)
            if problem is not None:
                raise InvalidValueException(
                    detail=f"emails[{index}].value: value is not a valid email address: {problem}"
                )
    if is_user and "require-formatted" in plan:
        name = getattr(resource, "name", None)
        if name is None or not name.formatted:
            raise InvalidValueException(detail="name.formatted: Field required")
    if is_user and "no-email-type" in plan:
        for index, email in enumerate(emails):
            for key in ("type", "primary"):
                if getattr(email, key, None) is not None:
                    raise InvalidValueException(
                        detail=f"emails[{index}].{key}: Extra inputs are not permitted"
                    )
    for path in plan.dropped_attributes():
        if not is_user and path == "displayName":
            continue  # a Group's displayName is required: nothing could be stored
        with contextlib.suppress(KeyError):
            del resource[path]
    return resource


def undeclare(names: tuple[str, ...], body: bytes) -> bytes:
    """An answer to GET /Schemas (a ListResponse or one Schema) without the attributes
    ``names`` (``title``, ``emails.type``, ``urn:...:User:employeeNumber``)."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    schemas = document.get("Resources") if isinstance(document, dict) else None
    for schema in schemas if isinstance(schemas, list) else [document]:
        if isinstance(schema, dict):
            for name in names:
                _undeclare(schema, name)
    return json.dumps(document).encode()


def _undeclare(schema: dict[str, Any], name: str) -> None:
    urn = str(schema.get("id", ""))
    if name.lower().startswith("urn:"):
        owner, _, name = name.rpartition(":")
        if owner.lower() != urn.lower():
            return
    elif "2.0:User" not in urn and "2.0:Group" not in urn:
        return  # a plain name belongs to a core schema
    head, _, sub = name.partition(".")
    attributes = schema.get("attributes") or []
    if not sub:
        schema["attributes"] = [a for a in attributes if str(a.get("name")).lower() != head.lower()]
        return
    for attribute in attributes:
        if str(attribute.get("name")).lower() == head.lower():
            attribute["subAttributes"] = [
                a
                for a in attribute.get("subAttributes") or []
                if str(a.get("name")).lower() != sub.lower()
            ]

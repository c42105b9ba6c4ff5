"""Hand-written histories for the checker tests, Jepsen style.

Each helper gives the ops of one call with explicit start/end microseconds::

    trial(
        ok("create", 0, 10, on="Group/g1", value=group("g")),
        ok("patch", 20, 40, on="Group/g1", value=[add("u1")]),
        info("patch", 25, on="Group/g1", value=[add("u2")]),  # never completed
        ok("get", 50, 60, on="Group/g1", observed=group("g", ["u1"])),
    )

``ok`` / ``fail`` / ``info`` give an invocation and its completion; ``invoke`` only an
invocation (``completions`` turns it into an open-ended ``info``). ``on="Group/g1"`` sets
``resource_type`` and ``resource_id``.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from loadscim.ops import Op, Trial

_seq = itertools.count(1)

OK_STATUS = {
    "create": 201,
    "get": 200,
    "search": 200,
    "replace": 200,
    "patch": 204,
    "delete": 204,
    "bulk": 200,
}
COMPLETION_FIELDS = ("status", "scim_type", "etag", "observed", "error", "headers")
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _invocation(kind: str, start: int, on: str | None, fields: dict[str, Any]) -> Op:
    if on is not None:
        rtype, _, rid = on.partition("/")
        fields.setdefault("resource_type", rtype)
        if rid:
            fields.setdefault("resource_id", rid)
    sent = {k: v for k, v in fields.items() if k not in COMPLETION_FIELDS}
    return Op(type="invoke", kind=kind, seq=next(_seq), start_us=start, **sent)


def _call(
    type_: str, kind: str, start: int, end: int | None, on: str | None, **fields: Any
) -> list[Op]:
    invocation = _invocation(kind, start, on, dict(fields))
    done = {k: v for k, v in fields.items() if k in COMPLETION_FIELDS}
    if "scim_type" not in done and isinstance(done.get("observed"), dict):
        scim_type = done["observed"].get("scimType")
        if ERROR in (done["observed"].get("schemas") or ()) and scim_type:
            done["scim_type"] = scim_type
    completion = dataclasses.replace(invocation, type=type_, end_us=end, **done)
    return [invocation, completion]


def invoke(kind: str, start: int, *, on: str | None = None, **fields: Any) -> list[Op]:
    """A call that was sent and never completed."""
    return [_invocation(kind, start, on, dict(fields))]


def ok(kind: str, start: int, end: int, *, on: str | None = None, **fields: Any) -> list[Op]:
    """A call the server says happened (2xx; the usual status for the kind by default)."""
    fields.setdefault("status", OK_STATUS[kind])
    return _call("ok", kind, start, end, on, **fields)


def fail(
    kind: str, start: int, end: int, status: int, *, on: str | None = None, **fields: Any
) -> list[Op]:
    """A call the server says did not happen."""
    return _call("fail", kind, start, end, on, status=status, **fields)


def info(
    kind: str,
    start: int,
    end: int | None = None,
    *,
    status: int | None = None,
    on: str | None = None,
    **fields: Any,
) -> list[Op]:
    """A call nobody knows the outcome of: a 5xx, or a timeout (no status) when ``end`` is set;
    ``end=None`` leaves it open (never completed)."""
    if end is None and status is None:
        return invoke(kind, start, on=on, **fields)
    return _call("info", kind, start, end, on, status=status, **fields)


def trial(*calls: list[Op], checks: tuple[str, ...] = (), kind: str = "test", **meta: Any) -> Trial:
    """A trial of the given calls, in order."""
    return Trial(
        id="t1", kind=kind, checks=checks, meta=meta, ops=[op for call in calls for op in call]
    )


# -- bodies -----------------------------------------------------------------------------


def user(user_name: str, **attributes: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        **attributes,
    }


def group(display_name: str, members: list[str] | None = None, **attributes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": display_name,
        **attributes,
    }
    if members is not None:
        body["members"] = [{"value": m} for m in members]
    return body


def add(*member_ids: str) -> dict[str, Any]:
    """RFC / Okta member add."""
    return {"op": "add", "path": "members", "value": [{"value": m} for m in member_ids]}


def remove(member_id: str) -> dict[str, Any]:
    """RFC / Okta member removal by filter."""
    return {"op": "remove", "path": f'members[value eq "{member_id}"]'}


def entra_add(member_id: str) -> dict[str, Any]:
    return {"op": "Add", "path": "members", "value": [{"$ref": None, "value": member_id}]}


def entra_remove(member_id: str) -> dict[str, Any]:
    return {"op": "Remove", "path": "members", "value": [{"value": member_id}]}


def replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value}


def listing(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources),
        "Resources": list(resources),
    }


def error(status: int, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": "x"}
    if scim_type:
        body["scimType"] = scim_type
    return body


def search(filter: str) -> dict[str, Any]:
    """A search op's value, as ScimClient.search records it."""
    return {"filter": filter}


def kinds(violations: list[Any]) -> list[str]:
    """The sorted kinds of a checker's violations."""
    return sorted(v.kind for v in violations)

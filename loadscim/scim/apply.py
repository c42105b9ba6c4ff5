"""Apply PATCH operations to a resource on the client's side, for a target without PATCH.

RFC 7644 3.5.2: "Implementers MAY support PATCH"; a service provider whose
ServiceProviderConfig says ``patch.supported: false`` is updated the way Okta updates
profiles (docs/scim-reference.md): GET the resource, change it, PUT the whole resource back. This
module makes the PUT body: the resource as read, with the operations' effects (attribute
writes as :func:`~loadscim.scim.patch.attribute_writes` reads them, member changes as
:func:`~loadscim.scim.patch.member_changes` reads them) and without ``meta``. Pure.
"""

from __future__ import annotations

import copy
from typing import Any

from loadscim.scim.patch import (
    MEMBERS,
    REPLACE_ALL,
    attribute_writes,
    filter_matches,
    member_changes,
    parse_path,
)


def apply_patch(resource: dict[str, Any], operations: Any) -> dict[str, Any]:
    """The PUT body that has the effect of ``operations`` on ``resource`` (as read)."""
    body = {k: copy.deepcopy(v) for k, v in resource.items() if k.lower() != "meta"}
    for path, value in attribute_writes(operations).items():
        _set(body, path, value)
    changes = member_changes(operations)
    if changes:
        members = [m for m in body.get(MEMBERS) or () if isinstance(m, dict)]
        for change, member in changes:
            if change == REPLACE_ALL:
                members = []
            elif change == "remove":
                members = [m for m in members if m.get("value") != member]
            elif not any(m.get("value") == member for m in members):
                members.append({"value": member})
        body[MEMBERS] = members
    return body


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    """Write ``value`` (None: remove) at an attribute path of ``body``."""
    container = body
    attribute, value_filter, sub = parse_path(path)
    if attribute.lower().startswith("urn:"):
        urn, _, attribute = attribute.rpartition(":")
        if ":core:" not in urn.lower():
            container = body.setdefault(urn, {})
    name = _key(container, attribute)
    if value_filter is not None:
        items = container.get(name)
        if not isinstance(items, list):
            return
        matching = [i for i in items if isinstance(i, dict) and filter_matches(value_filter, i)]
        if sub is None and value is None:
            container[name] = [i for i in items if not any(i is m for m in matching)]
        if sub is not None:
            for item in matching:
                _put(item, sub, value)
        return
    if sub is None:
        _put(container, name, value)
        return
    parent = container.get(name)
    if not isinstance(parent, dict):
        if value is None:
            return
        parent = container[name] = {}
    _put(parent, _key(parent, sub), value)


def _key(container: dict[str, Any], name: str) -> str:
    """The spelling ``container`` uses for ``name`` (attribute names are case-insensitive)."""
    lowered = name.lower()
    return next((k for k in container if k.lower() == lowered), name)


def _put(container: dict[str, Any], name: str, value: Any) -> None:
    name = _key(container, name)
    if value is None:
        container.pop(name, None)
    else:
        container[name] = value

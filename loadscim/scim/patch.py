"""What a SCIM write says it changes: PATCH operations, POST/PUT bodies and attribute paths.

Pure functions, no I/O. They read PATCH ``Operations`` in every dialect loadscim sends
(docs/scim-reference.md), because the checkers must know what a write asked for:

- RFC 7644 3.5.2 / Okta: ``{"op":"add","path":"members","value":[{"value":"<id>"}]}``,
  ``{"op":"remove","path":"members[value eq \\"<id>\\"]"}``, the path-less
  ``{"op":"replace","value":{"active":false}}``;
- Entra ID default: capitalised ``Add`` / ``Replace`` / ``Remove``, booleans as strings
  (``{"op":"Replace","path":"active","value":"False"}``), member removal by value
  ``{"op":"Remove","path":"members","value":[{"value":"<id>"}]}``;
- Entra ID ``aadOptscim062020``: a path-less multi-attribute replace with dotted keys
  ``{"op":"replace","value":{"displayName":"x","name.givenName":"y"}}``.

Operation names are case-insensitive; attribute names are case-insensitive
(RFC 7643 2.1: "Attribute names are case insensitive"). Something this module cannot
interpret raises :class:`PatchError` (a ``ValueError``): a checker must not guess.
"""

from __future__ import annotations

import functools
import re
from typing import Any

MEMBERS = "members"
REPLACE_ALL = "replace-all"
"""The marker :func:`member_changes` gives when the whole member list is replaced."""

IGNORED_ATTRIBUTES = frozenset({"id", "meta", "schemas", "password", "groups"})
"""Attributes a write cannot set or a read never returns: ``id``, ``meta`` and ``groups``
are readOnly (the server ignores them), ``schemas`` is not data, and ``password`` is
``returned: never`` (RFC 7643 4.1.1). :func:`attribute_writes` and :func:`resource_writes`
leave them out, and members too (see :func:`member_changes`)."""

BOOLEAN_ATTRIBUTES = frozenset({"active", "primary"})
"""Attributes whose string values ``"True"`` / ``"False"`` (Entra ID) are booleans."""

_TERM = re.compile(
    r"""\s*([A-Za-z][\w.:$-]*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false|null|-?\d+(?:\.\d+)?)\s*""",
    re.IGNORECASE,
)
_CONNECTIVE = re.compile(r"(and|or)(?=[\s(\"])", re.IGNORECASE)


class PatchError(ValueError):
    """A PATCH operation, path or filter that loadscim cannot interpret."""


def operations_of(value: Any) -> list[dict[str, Any]]:
    """The PATCH operations of an op's ``value``: the list itself, or a PatchOp's list."""
    if isinstance(value, dict) and isinstance(value.get("Operations"), list):
        value = value["Operations"]
    if not isinstance(value, list) or not all(isinstance(o, dict) for o in value):
        raise PatchError(f"PATCH value {value!r} is not a list of operations")
    return value


def member_changes(operations: Any) -> list[tuple[str, str]]:
    """The membership changes of PATCH ``operations``, in order.

    Each change is ``("add", id)``, ``("remove", id)``, or, when the member list is replaced
    wholesale (``replace`` of ``members``, or ``remove`` of ``members`` without a value or
    filter, which RFC 7644 3.5.2.2 says removes "the attribute and all values"),
    ``("replace-all", "")`` followed by one ``("replace", id)`` per member of the new list.
    Applying the changes in order to a set of member ids gives the membership after the
    request; ``replace`` means "is in the new list".
    """
    changes: list[tuple[str, str]] = []
    for operation in operations_of(operations):
        name = _op_name(operation)
        path = operation.get("path")
        value = operation.get("value")
        if not path:
            if name == "remove":
                raise PatchError(f"remove without a path: {operation!r} (RFC 7644 3.5.2.2)")
            members = _get(_object(value, operation), MEMBERS, _MISSING)
            if members is not _MISSING:
                changes.extend(_replace_or_add(name, members))
            continue
        attribute, value_filter, sub = parse_path(path)
        if attribute.lower() != MEMBERS or sub is not None:
            continue  # not membership (a member's sub-attribute is not membership either)
        if value_filter is None:
            if name == "remove" and value is None:
                changes.append((REPLACE_ALL, ""))
            elif name == "remove":
                changes.extend(("remove", member) for member in _member_values(value))
            else:
                changes.extend(_replace_or_add(name, value))
            continue
        targets = _member_filter_ids(value_filter, path)
        if name == "add":
            raise PatchError(f"add to a filtered path {path!r} (RFC 7644 3.5.2.1)")
        changes.extend(("remove", member) for member in targets)
        if name == "replace":
            changes.extend(("add", member) for member in _member_values(value))
    return changes


def attribute_writes(operations: Any) -> dict[str, Any]:
    """Attribute path -> the value PATCH ``operations`` leave it with (None when removed).

    Complex values are flattened to dotted paths (``{"name": {"givenName": "y"}}`` writes
    ``name.givenName``: RFC 7644 3.5.2.3, sub-attributes not given are left unchanged), and
    extension attributes to ``urn:...:User:attr`` paths. ``"True"`` / ``"False"`` strings of
    ``active`` and ``primary`` become booleans. Members and :data:`IGNORED_ATTRIBUTES` are
    left out. A multi-valued ``add`` gives the values added (the attribute keeps the others).
    Paths keep the client's spelling; compare them with ``str.lower``.
    """
    writes: dict[str, Any] = {}
    for operation in operations_of(operations):
        name = _op_name(operation)
        path = operation.get("path")
        value = operation.get("value")
        if not path:
            if name == "remove":
                raise PatchError(f"remove without a path: {operation!r} (RFC 7644 3.5.2.2)")
            writes.update(_flatten("", _object(value, operation)))
        elif name == "remove":
            if not _ignored(path):
                writes[path] = None
        else:
            writes.update(_flatten(path, value))
    return writes


def resource_writes(resource: Any) -> dict[str, Any]:
    """Attribute path -> value for a resource body sent by POST or PUT, flattened like
    :func:`attribute_writes` (members and :data:`IGNORED_ATTRIBUTES` left out)."""
    if not isinstance(resource, dict):
        raise PatchError(f"resource body {resource!r} is not an object")
    return _flatten("", resource)


def resource_members(resource: Any) -> list[str] | None:
    """The member ids of a Group body, or None when it has no ``members`` key."""
    if not isinstance(resource, dict):
        return None
    members = _get(resource, MEMBERS, _MISSING)
    if members is _MISSING:
        return None
    return _member_values(members)


def _member_values(value: Any) -> list[str]:
    """The ids in a members value: ``[{"value": id, ...}]``, one such object, or ids."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    ids: list[str] = []
    for item in items:
        member = _get(item, "value", None) if isinstance(item, dict) else item
        if not isinstance(member, str):
            raise PatchError(f"member {item!r} has no string value")
        ids.append(member)
    return ids


@functools.lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[str, str | None, str | None]:
    """``(attribute, filter, sub-attribute)`` of an attribute path (RFC 7644 3.10).

    ``emails[type eq "work"].value`` -> ``("emails", 'type eq "work"', "value")``;
    ``name.givenName`` -> ``("name", None, "givenName")``; an extension path keeps its URN in
    the attribute: ``urn:...:2.0:User:manager.value`` -> ``("urn:...:2.0:User:manager",
    None, "value")``.
    """
    value_filter = None
    head, bracket, tail = path.partition("[")
    if bracket:
        value_filter, closing, tail = tail.partition("]")
        if not closing:
            raise PatchError(f"path {path!r} has an unclosed filter")
        if tail and not tail.startswith("."):
            raise PatchError(f"path {path!r}: expected '.' after the filter")
        head = head + tail
    urn = ""
    if head.lower().startswith("urn:"):
        urn, _, head = head.rpartition(":")
        urn += ":"
    attribute, dot, sub = head.partition(".")
    if not attribute:
        raise PatchError(f"path {path!r} names no attribute")
    return urn + attribute, value_filter, (sub if dot else None)


@functools.lru_cache(maxsize=4096)
def base_attribute(path: str) -> str:
    """The top-level attribute a path falls in, lower-cased: ``emails[...].value`` -> ``emails``."""
    return parse_path(path)[0].lower()


def parse_filter(text: str) -> tuple[str, list[tuple[str, Any]]]:
    """``("and" | "or", [(attribute, value), ...])`` for a filter of ``eq`` terms.

    Only what loadscim sends and reads: ``attr eq "x"`` joined by one kind of connective
    (``value eq "a" or value eq "b"``, ``userName eq "x" and active eq true``).
    """
    terms: list[tuple[str, Any]] = []
    connectives: set[str] = set()
    position = 0
    while True:
        match = _TERM.match(text, position)
        if match is None:
            raise PatchError(f"filter {text!r} is not a list of 'attribute eq value' terms")
        terms.append((match.group(1), _literal(match.group(2))))
        position = match.end()
        if position == len(text):
            break
        connective = _CONNECTIVE.match(text, position)
        if connective is None:
            raise PatchError(f"filter {text!r}: expected 'and' or 'or' at {position}")
        connectives.add(connective.group(1).lower())
        position = connective.end()
    if len(connectives) > 1:
        raise PatchError(f"filter {text!r} mixes 'and' and 'or'")
    return (connectives.pop() if connectives else "and"), terms


def read_attribute(resource: Any, path: str) -> Any:
    """The value at ``path`` in a resource as the server returned it, or None if absent.

    Attribute names match case-insensitively. A filtered path gives the matching values
    (``emails[type eq "work"]``) or the sub-attribute of the first match
    (``emails[type eq "work"].value``); ``emails.value`` gives the list of every value.
    """
    if not isinstance(resource, dict):
        return None
    attribute, value_filter, sub = parse_path(path)
    container: Any = resource
    if attribute.lower().startswith("urn:"):
        urn, _, attribute = attribute.rpartition(":")
        extension = _get(resource, urn, _MISSING)
        if extension is not _MISSING:
            container = extension
        elif ":core:" not in urn.lower():
            return None
    value = _get(container, attribute, None)
    if value_filter is not None:
        if not isinstance(value, list):
            return None
        value = [item for item in value if filter_matches(value_filter, item)]
        if sub is None:
            return value
        return _get(value[0], sub, None) if value and isinstance(value[0], dict) else None
    if sub is None:
        return value
    if isinstance(value, list):
        return [_get(item, sub, None) for item in value if isinstance(item, dict)]
    return _get(value, sub, None) if isinstance(value, dict) else None


def normalise(path: str, value: Any) -> Any:
    """``value`` with Entra's ``"True"`` / ``"False"`` made booleans for a boolean attribute."""
    if (
        _leaf_name(path) in BOOLEAN_ATTRIBUTES
        and isinstance(value, str)
        and value.lower() in ("true", "false")
    ):
        return value.lower() == "true"
    return value


@functools.lru_cache(maxsize=4096)
def _leaf_name(path: str) -> str:
    return path.rsplit(".", 1)[-1].rsplit(":", 1)[-1].lower()


_MISSING: Any = object()


def _op_name(operation: dict[str, Any]) -> str:
    name = operation.get("op")
    if not isinstance(name, str) or name.lower() not in ("add", "remove", "replace"):
        raise PatchError(f"PATCH operation {operation!r}: op must be add, remove or replace")
    return name.lower()


def _object(value: Any, operation: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PatchError(f"path-less operation {operation!r} needs an object value")
    return value


def _replace_or_add(name: str, value: Any) -> list[tuple[str, str]]:
    if name == "replace":
        return [(REPLACE_ALL, ""), *(("replace", member) for member in _member_values(value))]
    return [("add", member) for member in _member_values(value)]


def _member_filter_ids(value_filter: str, path: str) -> list[str]:
    connective, terms = parse_filter(value_filter)
    if (len(terms) > 1 and connective != "or") or any(
        attribute.lower() != "value" or not isinstance(value, str) for attribute, value in terms
    ):
        raise PatchError(f"members filter in {path!r} is not 'value eq \"<id>\"' [or ...]")
    return [value for _, value in terms]


def _get(container: Any, name: str, default: Any) -> Any:
    """``container[name]`` with the name matched case-insensitively."""
    if not isinstance(container, dict):
        return default
    if name in container:
        return container[name]
    lowered = name.lower()
    for key, value in container.items():
        if isinstance(key, str) and key.lower() == lowered:
            return value
    return default


@functools.lru_cache(maxsize=4096)
def _ignored(path: str) -> bool:
    base = base_attribute(path)
    return base in IGNORED_ATTRIBUTES or base == MEMBERS


def _flatten(prefix: str, value: Any) -> dict[str, Any]:
    """Paths for the leaves of ``value`` written at ``prefix`` ("" for the resource itself).

    A top-level key that is a schema URN holding an object is an extension: its attributes
    become ``urn:...:User:attr``. Sub-attributes are one level deep (RFC 7643 2.3.8), so a
    path that already names one is a leaf whatever its value.
    """
    flat: dict[str, Any] = {}
    if not prefix:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, dict) and key.lower().startswith("urn:"):
                    for name, sub in item.items():
                        _flatten_into(flat, f"{key}:{name}", sub)
                else:
                    _flatten_into(flat, key, item)
        return flat
    _flatten_into(flat, prefix, value)
    return flat


def _flatten_into(flat: dict[str, Any], prefix: str, value: Any) -> None:
    """:func:`_flatten` of a non-empty ``prefix``, into ``flat`` (one dict per body)."""
    if _ignored(prefix):
        return
    if not isinstance(value, dict) or parse_path(prefix)[2] is not None:
        flat[prefix] = normalise(prefix, value)
        return
    for key, item in value.items():
        _flatten_into(flat, f"{prefix}.{key}", item)


def filter_matches(value_filter: str, item: Any) -> bool:
    connective, terms = parse_filter(value_filter)
    results = (_equal(_get(item, attribute, None), value) for attribute, value in terms)
    return any(results) if connective == "or" else all(results)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.lower() == expected.lower()
    return bool(actual == expected)


def _literal(text: str) -> Any:
    if text.startswith('"'):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    return float(text) if "." in text else int(text)

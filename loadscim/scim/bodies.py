"""The bodies loadscim sends for User and Group creates and replaces, shaped for the target.

Every create and replace (PUT) of a User or Group, also inside /Bulk, passes
:meth:`Bodies.shape` in the client just before it is sent (and recorded: checkers judge what
was sent):

1. with ``--user-template`` / ``--group-template``: the template, filled with the values of
   the body the scenario built (:mod:`loadscim.scim.templates`); a Group keeps the
   scenario's ``members``, a replace its ``id``;
2. without: the scenario's body with ``name.formatted`` completed from ``givenName`` and
   ``familyName`` (identity providers send it, and some servers require it), then, when
   the target publishes ``/Schemas``, without the attributes it does not declare and with
   the required ones it declares filled (:mod:`loadscim.scim.schemas`); an identity
   provider's literal request (a vendor dialect's) is not filtered nor filled: what the
   target refuses of it is a compatibility finding.

What the Op records as sent (its ``value``, which checkers judge) leaves out the attributes
that are not judged (``judged``: not declared in /Schemas, or not stored in the write
pre-flight), in creates, replaces and PATCH operations alike: the target's lack of an
attribute is one capability note, not a violation per read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loadscim.scim.payloads import EMAIL_DOMAIN
from loadscim.scim.schemas import Declared
from loadscim.scim.templates import Template, attribute_paths

SHAPED_KINDS = ("create", "replace")


def user_values(body: Mapping[str, Any]) -> dict[str, Any]:
    """The placeholder values of a User body (:data:`.templates.USER_PLACEHOLDERS`)."""
    name = body.get("name") if isinstance(body.get("name"), Mapping) else {}
    assert isinstance(name, Mapping)
    given, family = name.get("givenName"), name.get("familyName")
    formatted = name.get("formatted") or " ".join(str(p) for p in (given, family) if p) or None
    user_name = body.get("userName")
    emails = [e for e in body.get("emails") or [] if isinstance(e, Mapping) and e.get("value")]
    primary = [e for e in emails if e.get("primary") is True]
    if emails:
        email = (primary or emails)[0]["value"]
    elif isinstance(user_name, str):
        email = user_name if "@" in user_name else f"{user_name}@{EMAIL_DOMAIN}"
    else:
        email = None
    return {
        "userName": user_name,
        "externalId": body.get("externalId"),
        "givenName": given,
        "familyName": family,
        "formatted": formatted,
        "displayName": body.get("displayName") or formatted,
        "email": email,
        "title": body.get("title"),
        "active": body.get("active"),
    }


def group_values(body: Mapping[str, Any]) -> dict[str, Any]:
    return {"displayName": body.get("displayName"), "externalId": body.get("externalId")}


def with_formatted_name(body: Mapping[str, Any]) -> dict[str, Any]:
    """A User body whose ``name`` has ``formatted`` (from givenName and familyName)."""
    shaped = dict(body)
    name = shaped.get("name")
    if isinstance(name, Mapping) and not name.get("formatted"):
        parts = [name.get("givenName"), name.get("familyName")]
        formatted = " ".join(str(p) for p in parts if p)
        if formatted:
            shaped["name"] = {"formatted": formatted, **name}
    return shaped


@dataclass(frozen=True)
class Bodies:
    """How this run shapes bodies: its templates and what the target declares."""

    user_template: Template | None = None
    group_template: Template | None = None
    declared: Declared | None = None
    judged: Callable[[str, str], bool] | None = None
    """``judged(path, resource_type)``: whether checkers judge the attribute (None: all)."""

    _by_shape: dict[tuple[str, Any], dict[str, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.judged is not None:
            # A pure function of the path, asked for every attribute of every body sent:
            # remembered (bench/README.md).
            object.__setattr__(self, "judged", functools.lru_cache(maxsize=4096)(self.judged))

    def shape(
        self, resource_type: str, body: Mapping[str, Any], literal: bool = False
    ) -> dict[str, Any]:
        """The body to send for a create or replace of ``resource_type``. ``literal``: an
        identity provider's own request, which keeps what the target does not declare (the
        IdP sends it all the same: a refusal is a compatibility finding)."""
        if resource_type == "User":
            values = user_values
            template = self.user_template
        elif resource_type == "Group":
            values = group_values
            template = self.group_template
        else:
            return dict(body)
        if template is not None:
            shaped = template.render(values(body))
            if resource_type == "Group" and "members" in body:
                shaped["members"] = body["members"]
        else:
            shaped = with_formatted_name(body) if resource_type == "User" else dict(body)
            if self.declared is not None and not literal:
                shaped = self.declared.filter_body(resource_type, shaped)
                shaped = self.declared.fill_required(resource_type, shaped, values(body))
        if "id" in body and "id" not in shaped:
            shaped = {"id": body["id"], **shaped}
        return shaped

    def shape_bulk(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A BulkRequest whose POST and PUT operations on /Users and /Groups are shaped."""
        operations = []
        for operation in body.get("Operations") or []:
            if (
                isinstance(operation, Mapping)
                and str(operation.get("method", "")).upper() in ("POST", "PUT")
                and isinstance(operation.get("data"), Mapping)
            ):
                resource_type = _bulk_type(str(operation.get("path", "")))
                if resource_type:
                    operation = {**operation, "data": self.shape(resource_type, operation["data"])}
            operations.append(operation)
        return {**body, "Operations": operations}

    def for_call(
        self, kind: str, resource_type: str, body: Any, value: Any, literal: bool = False
    ) -> tuple[Any, Any]:
        """(body, value) of a ScimClient call: shaped when it is a User or Group create or
        replace, or a /Bulk request; as given otherwise."""
        if not isinstance(body, Mapping):
            return body, value
        if kind in SHAPED_KINDS and resource_type in ("User", "Group"):
            shaped = self.shape(resource_type, body, literal)
            if isinstance(value, Mapping):
                value = self.judged_part(resource_type, shaped)
            return shaped, value
        if kind == "bulk":
            return self.shape_bulk(body), value
        if kind == "patch" and isinstance(value, list) and self.judged is not None:
            return body, self.judged_operations(resource_type, value)
        return body, value

    def judges(self, path: str, resource_type: str = "User") -> bool:
        """Whether checkers judge attribute ``path`` in what the model expects of a
        resource: not when the target does not declare or store it, nor when a template
        leaves it out of the creates and replaces."""
        if self.judged is not None and not self.judged(path, resource_type):
            return False
        template = self.user_template if resource_type == "User" else self.group_template
        return template is None or template.sends(path)

    def judged_part(self, resource_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` without the attributes that are not judged."""
        if self.judged is None:
            return dict(body)
        return _kept(body, self._unjudged(resource_type, body))

    def _unjudged(self, resource_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The paths of ``body`` not judged, as a :func:`_drop_tree`; the same for every body
        of the same shape (the keys at every level), so made once per shape: every create
        and replace asks."""
        key = (resource_type, _shape(body))
        found = self._by_shape.get(key)
        if found is None:
            judged = self.judged
            assert judged is not None
            found = _drop_tree(p for p in attribute_paths(body) if not judged(p, resource_type))
            if len(self._by_shape) >= _SHAPES:
                self._by_shape.clear()
            self._by_shape[key] = found
        return found

    def judged_operations(self, resource_type: str, operations: list[Any]) -> list[Any]:
        """PATCH operations without those (or the parts of path-less values) on attributes
        that are not judged."""
        judged = self.judged
        assert judged is not None
        kept: list[Any] = []
        for operation in operations:
            if not isinstance(operation, Mapping):
                kept.append(operation)
                continue
            path = operation.get("path")
            value = operation.get("value")
            if isinstance(path, str):
                if judged(path, resource_type) or path.lower().startswith("members"):
                    kept.append(operation)
            elif isinstance(value, Mapping):
                part = {
                    key: item
                    for key, item in self.judged_part(resource_type, value).items()
                    if judged(key, resource_type)
                }
                if part:
                    kept.append({**operation, "value": part})
            else:
                kept.append(operation)
        return kept


_SHAPES = 1024
"""Body shapes remembered by :meth:`Bodies._unjudged` (forgotten all at once beyond)."""


def _shape(value: Any) -> Any:
    """The keys of an object at every level (lists item by item): what
    :func:`~loadscim.scim.templates.attribute_paths` depends on, as a hashable value (asked
    of every body sent: JSON's own types are told by their exact class, without a call)."""
    cls = value.__class__
    if cls is dict or (cls is not list and isinstance(value, Mapping)):
        items = value.items()
        return tuple([(k, None if v.__class__ in _SCALARS else _shape(v)) for k, v in items])
    if cls is list or isinstance(value, list):
        return tuple([None if i.__class__ in _SCALARS else _shape(i) for i in value])
    return None


_SCALARS = frozenset({str, int, float, bool, type(None)})


class _InMapping(dict[str, Any]):
    """A :func:`_drop_tree` node under an extension's URN: applied to an object only."""


_GONE = None
"""A :func:`_drop_tree` leaf: the attribute is left out."""
_ABSENT: Any = object()


def _drop_tree(paths: Iterable[str]) -> dict[str, Any]:
    """The attribute paths to leave out of a body (``title``, ``emails.type``,
    ``urn:...:User:costCenter``) as a tree of keys: a key maps to :data:`_GONE` (left out)
    or to the tree of what to leave out inside it (in an object, or in every object of a
    list); :func:`_kept` applies it in one pass."""
    tree: dict[str, Any] = {}
    for path in paths:
        _insert(tree, path)
    return tree


def _insert(tree: dict[str, Any], path: str) -> None:
    if path.lower().startswith("urn:"):
        key, _, rest = path.rpartition(":")
        node = tree.get(key, _ABSENT)
        if node is _ABSENT:
            node = tree[key] = _InMapping()
    else:
        key, _, rest = path.partition(".")
        if not rest:
            tree[key] = _GONE
            return
        node = tree.get(key, _ABSENT)
        if node is _ABSENT:
            node = tree[key] = {}
    if node is not _GONE:
        _insert(node, rest)


def _kept(body: Mapping[str, Any], tree: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``body`` without what ``tree`` (:func:`_drop_tree`) leaves out; what it
    does not reach is shared, not copied."""
    if not tree:
        return dict(body)
    kept: dict[str, Any] = {}
    for key, value in body.items():
        node = tree.get(key, _ABSENT)
        if node is _ABSENT:
            kept[key] = value
        elif node is _GONE:
            continue
        elif isinstance(value, Mapping):
            kept[key] = _kept(value, node)
        elif isinstance(value, list) and not isinstance(node, _InMapping):
            kept[key] = [_kept(i, node) if isinstance(i, Mapping) else i for i in value]
        else:
            kept[key] = value
    return kept


def _bulk_type(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    return {"Users": "User", "Groups": "Group"}.get(first, "")

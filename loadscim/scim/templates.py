"""``--user-template FILE`` and ``--group-template FILE``: the bodies a server wants.

A template is a JSON object, the body of every User (or Group) create and replace, with
placeholders in its strings that loadscim fills for each resource::

    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                 "urn:acme:params:scim:schemas:extension:acme:2.0:User"],
     "userName": "{userName}",
     "name": {"givenName": "{givenName}", "familyName": "{familyName}",
              "formatted": "{givenName} {familyName}"},
     "emails": [{"value": "{email}"}],
     "urn:acme:params:scim:schemas:extension:acme:2.0:User": {"costCenter": "CC-{externalId}"}}

A string that is one placeholder and nothing else takes the value as it is (``"{active}"``
becomes ``true``), and the key is left out when the resource has no such value (a body
without ``externalId``). The run's namespace must stay where cleanup finds it and names stay
what the scenarios look up: a User template's ``userName`` is ``{userName}``, a Group
template's ``displayName`` is ``{displayName}``, and an ``externalId``, if the template has
one, holds ``{externalId}``.
A Group template never holds ``members``: the scenario's members are sent.

:func:`load_template` checks all that before anything is sent, and raises a one-line
:class:`~loadscim.errors.UsageError` naming the file, the rule and the fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loadscim.errors import UsageError
from loadscim.scim.payloads import GROUP_SCHEMA, USER_SCHEMA

PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")

USER_PLACEHOLDERS: tuple[str, ...] = (
    "userName",
    "externalId",
    "givenName",
    "familyName",
    "formatted",
    "displayName",
    "email",
    "title",
    "active",
)
GROUP_PLACEHOLDERS: tuple[str, ...] = ("displayName", "externalId")

_KINDS = {
    "User": ("--user-template", USER_PLACEHOLDERS, "userName", USER_SCHEMA),
    "Group": ("--group-template", GROUP_PLACEHOLDERS, "displayName", GROUP_SCHEMA),
}


@dataclass(frozen=True)
class Template:
    """A checked template of one resource type."""

    resource_type: str
    path: str
    body: dict[str, Any]

    def render(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The template with its placeholders filled from ``values`` (see the module)."""
        rendered = _fill(self.body, values)
        assert isinstance(rendered, dict)
        return rendered

    def paths(self) -> frozenset[str]:
        """The attribute paths the template sends (``title``, ``name.givenName``,
        ``emails.value``, ``urn:...:User:costCenter``), lower-case."""
        return frozenset(p.lower() for p in attribute_paths(self.body))

    def sends(self, path: str) -> bool:
        """Whether the template sends attribute ``path`` (or a part of it)."""
        lower = plain_path(path).lower()
        return any(
            p == lower or p.startswith(lower + ".") or lower.startswith(p + ".")
            for p in self.paths()
        )


_MISSING = object()


def _fill(node: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        filled = {key: _fill(value, values) for key, value in node.items()}
        return {key: value for key, value in filled.items() if value is not _MISSING}
    if isinstance(node, list):
        items = [_fill(item, values) for item in node]
        return [item for item in items if item is not _MISSING]
    if not isinstance(node, str):
        return node
    whole = PLACEHOLDER.fullmatch(node)
    if whole:
        value = values.get(whole.group(1))
        return _MISSING if value is None else value
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1)) or ""), node)


def attribute_paths(body: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The leaf attribute paths of a body (``name.givenName``, ``emails.type``, an
    extension's ``urn:...:User:costCenter``), without ``schemas``, ``id`` and ``meta``."""
    paths: dict[str, None] = {}
    _paths_into(paths, body, prefix)
    return list(paths)


def _paths_into(paths: dict[str, None], body: Mapping[str, Any], prefix: str) -> None:
    """:func:`attribute_paths` into ``paths`` (in the order first met, each once): it is
    asked of every body sent (bench/README.md)."""
    for key, value in body.items():
        if not prefix:
            if key in ("schemas", "id", "meta"):
                continue
            if _mapping(value) and key.lower().startswith("urn:"):
                inner: dict[str, None] = {}
                _paths_into(inner, value, "")
                paths.update(dict.fromkeys(f"{key}:{p}" for p in inner))
                continue
        path = f"{prefix}{key}"
        if _mapping(value):
            _paths_into(paths, value, path + ".")
        elif isinstance(value, list) and any(_mapping(item) for item in value):
            for item in value:
                if _mapping(item):
                    _paths_into(paths, item, path + ".")
        else:
            paths[path] = None


_NOT_MAPPINGS = (str, int, float, list, type(None))


def _mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, without the ABC's slow check for JSON's own types."""
    return isinstance(value, dict) or (
        not isinstance(value, _NOT_MAPPINGS) and isinstance(value, Mapping)
    )


def plain_path(path: str) -> str:
    """An attribute path without value filters: ``emails[type eq "work"].value`` ->
    ``emails.value``."""
    plain, depth = [], 0
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            plain.append(char)
    return "".join(plain)


def _fail(option: str, path: str, rule: str, fix: str) -> UsageError:
    return UsageError(f"{option} {path}: {rule}; {fix}")


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


def check_template(resource_type: str, path: str, data: Any) -> Template:
    """Check a parsed template (see the module); raise UsageError on the first problem."""
    option, known, name_key, schema = _KINDS[resource_type]
    known_text = ", ".join("{" + k + "}" for k in known)
    if not isinstance(data, dict):
        raise _fail(
            option,
            path,
            f"holds a JSON {type(data).__name__}, not an object",
            f"write the {resource_type} body as a JSON object {{...}}",
        )
    schemas = data.get("schemas")
    if not isinstance(schemas, list) or schema not in schemas:
        raise _fail(
            option,
            path,
            f'has no "schemas" list with {schema}',
            f'add "schemas": ["{schema}"] (and the extension schemas it uses)',
        )
    for text in _strings(data):
        for match in PLACEHOLDER.finditer(text):
            if match.group(1) not in known:
                raise _fail(
                    option,
                    path,
                    f"unknown placeholder {match.group(0)} in {text!r}",
                    f"use one of {known_text}",
                )
    first = "{" + name_key + "}"
    name = data.get(name_key)
    if name != first:
        raise _fail(
            option,
            path,
            f'"{name_key}" must be the placeholder {first} alone (it carries the run\'s '
            "namespace, which safety and cleanup rely on, and the scenarios look resources "
            "up by it)",
            f'write "{name_key}": "{first}"',
        )
    external = data.get("externalId")
    if external is not None and (not isinstance(external, str) or "{externalId}" not in external):
        raise _fail(
            option,
            path,
            '"externalId" must hold the placeholder {externalId} (one value per resource)',
            'write "externalId": "{externalId}", or leave it out',
        )
    if resource_type == "Group" and "members" in data:
        raise _fail(
            option,
            path,
            'holds "members", which each scenario sets itself',
            'remove "members" from the template',
        )
    return Template(resource_type, path, data)


def load_template(resource_type: str, path: str) -> Template:
    """Read and check the template file of ``resource_type`` (``User`` or ``Group``)."""
    option = _KINDS[resource_type][0]
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as error:
        raise _fail(
            option,
            path,
            f"cannot be read ({error.strerror or error})",
            "give the path of a JSON file",
        ) from None
    except UnicodeDecodeError:
        raise _fail(option, path, "is not UTF-8 text", "save it as UTF-8 JSON") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _fail(
            option, path, f"is not JSON ({error})", "fix the JSON (a body as you would POST it)"
        ) from None
    return check_template(resource_type, path, data)

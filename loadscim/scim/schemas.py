"""What a target declares in ``/Schemas`` (RFC 7643 7) and ``/ResourceTypes`` (RFC 7643 6).

From it loadscim decides what to send and what to judge (README "Pointing it at your
server"):

- an attribute the target does not declare is not sent (beyond :data:`CORE`, which every
  identity provider sends) and not judged (:meth:`Declared.declares`);
- a required attribute it declares is filled (:meth:`Declared.fill_required`);
- "some attribute" a scenario writes (the title race, lifecycle's update) is one the target
  declares as a writable single string (:meth:`Declared.writable_attribute`).

Pure: documents in, decisions out. A target without ``/Schemas`` has no :class:`Declared`
(None), and loadscim sends and judges as it always did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loadscim.scim.payloads import GROUP_SCHEMA, USER_SCHEMA

CORE: frozenset[str] = frozenset(
    {
        "schemas",
        "id",
        "externalid",
        "meta",
        "username",
        "name",
        "emails",
        "active",
        "displayname",
        "members",
    }
)
"""Top-level attributes sent whatever /Schemas says (lower-case): the common attributes of
RFC 7643 3.1 (often not declared) and what every identity provider sends."""

WRITABLE_CANDIDATES: tuple[str, ...] = ("title", "nickName", "userType", "displayName")
"""The attributes a scenario may write "some value" to, in order of preference."""
DEFAULT_WRITABLE = "title"

_CORE_SCHEMAS = {"User": USER_SCHEMA, "Group": GROUP_SCHEMA}


@dataclass(frozen=True)
class Attribute:
    """One attribute definition (RFC 7643 7)."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    required: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = ()
    sub_attributes: dict[str, Attribute] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Attribute | None:
        name = data.get("name")
        if not isinstance(name, str) or not name:
            return None
        subs = data.get("subAttributes")
        canonical = data.get("canonicalValues")
        return cls(
            name=name,
            type=str(data.get("type") or "string"),
            multi_valued=data.get("multiValued") is True,
            required=data.get("required") is True,
            mutability=str(data.get("mutability") or "readWrite"),
            returned=str(data.get("returned") or "default"),
            uniqueness=str(data.get("uniqueness") or "none"),
            canonical_values=tuple(str(v) for v in canonical)
            if isinstance(canonical, list)
            else (),
            sub_attributes=_attributes(subs if isinstance(subs, list) else []),
        )

    @property
    def writable(self) -> bool:
        return self.mutability in ("readWrite", "writeOnly")


def _attributes(items: Iterable[Any]) -> dict[str, Attribute]:
    parsed = (Attribute.parse(i) for i in items if isinstance(i, Mapping))
    return {a.name.lower(): a for a in parsed if a is not None}


@dataclass(frozen=True)
class ResourceSchema:
    """The attributes of one resource type: its core schema's and its extensions'."""

    schema: str
    attributes: dict[str, Attribute]
    extensions: dict[str, dict[str, Attribute]] = field(default_factory=dict)
    required_extensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Declared:
    """What the target declares, per resource type (``User``, ``Group``)."""

    resources: dict[str, ResourceSchema]

    def declares(self, resource_type: str, path: str) -> bool:
        """Whether ``path`` (``title``, ``name.formatted``, ``emails[].type``,
        ``urn:...:User:employeeNumber``) is declared for ``resource_type``. Resource types
        and core attributes the target says nothing of count as declared."""
        schema = self.resources.get(resource_type)
        if schema is None:
            return True
        head, attrs = _split(schema, path.replace("[]", ""))
        if attrs is None:
            return False
        parts = head.split(".")
        attribute = attrs.get(parts[0].lower())
        if attribute is None:
            return parts[0].lower() in CORE and attrs is schema.attributes
        if len(parts) == 1 or not attribute.sub_attributes:
            return True
        return parts[1].lower() in attribute.sub_attributes

    def writable_attribute(self, resource_type: str = "User") -> str:
        """A single-valued string attribute the target declares writable, without
        uniqueness or canonical values, for scenarios that write "some attribute":
        the first of :data:`WRITABLE_CANDIDATES` declared so, else ``title``."""
        schema = self.resources.get(resource_type)
        if schema is None:
            return DEFAULT_WRITABLE
        for name in WRITABLE_CANDIDATES:
            attribute = schema.attributes.get(name.lower())
            if (
                attribute is not None
                and attribute.type == "string"
                and not attribute.multi_valued
                and attribute.mutability == "readWrite"
                and attribute.returned != "never"
                and attribute.uniqueness == "none"
                and not attribute.canonical_values
            ):
                return attribute.name
        return DEFAULT_WRITABLE

    def filter_body(self, resource_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` without what the target does not declare (beyond :data:`CORE`): the
        attribute, sub-attribute or extension (and its URN in ``schemas``)."""
        schema = self.resources.get(resource_type)
        if schema is None:
            return dict(body)
        kept: dict[str, Any] = {}
        for key, value in body.items():
            if key.lower().startswith("urn:") and isinstance(value, Mapping):
                attrs = _extension(schema, key)
                if attrs is not None:
                    kept[key] = _filter(attrs, value)
                continue
            attribute = schema.attributes.get(key.lower())
            if attribute is None:
                if key.lower() in CORE:
                    kept[key] = value
                continue
            kept[key] = _filter_value(attribute, value)
        if isinstance(kept.get("schemas"), list):
            kept["schemas"] = [
                urn
                for urn in kept["schemas"]
                if not isinstance(urn, str)
                or urn.lower() == schema.schema.lower()
                or _extension(schema, urn) is not None
            ]
        return kept

    def fill_required(
        self, resource_type: str, body: Mapping[str, Any], values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``body`` with the attributes the target declares required and writable, and
        the extensions it requires, filled where missing (see :func:`filler`)."""
        schema = self.resources.get(resource_type)
        filled = dict(body)
        if schema is None:
            return filled
        _fill_missing(schema.attributes, filled, values)
        for urn in schema.required_extensions:
            extension = dict(filled.get(urn) or {})
            _fill_missing(schema.extensions.get(urn, {}), extension, values)
            filled[urn] = extension
            schemas = list(filled.get("schemas") or [])
            if urn not in schemas:
                filled["schemas"] = [*schemas, urn]
        return filled


def _split(schema: ResourceSchema, path: str) -> tuple[str, dict[str, Attribute] | None]:
    """(the path inside its schema, that schema's attributes; None: an unknown extension)."""
    if not path.lower().startswith("urn:"):
        return path, schema.attributes
    urn, _, name = path.rpartition(":")
    if urn.lower() == schema.schema.lower():
        return name, schema.attributes
    return name, _extension(schema, urn)


def _extension(schema: ResourceSchema, urn: str) -> dict[str, Attribute] | None:
    for known, attrs in schema.extensions.items():
        if known.lower() == urn.lower():
            return attrs
    return None


def _filter(attrs: dict[str, Attribute], body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: _filter_value(attrs[key.lower()], value)
        for key, value in body.items()
        if key.lower() in attrs
    }


def _filter_value(attribute: Attribute, value: Any) -> Any:
    if not attribute.sub_attributes:
        return value
    if isinstance(value, Mapping):
        return _filter(attribute.sub_attributes, value)
    if isinstance(value, list):
        return [
            _filter(attribute.sub_attributes, item) if isinstance(item, Mapping) else item
            for item in value
        ]
    return value


def _fill_missing(
    attrs: Mapping[str, Attribute], body: dict[str, Any], values: Mapping[str, Any]
) -> None:
    present = {key.lower(): key for key in body}
    for lower, attribute in attrs.items():
        if not attribute.writable:
            continue
        if lower in present:
            _fill_inside(attribute, body[present[lower]], values)
        elif attribute.required:
            body[attribute.name] = filler(attribute, values)


def _fill_inside(attribute: Attribute, value: Any, values: Mapping[str, Any]) -> None:
    if not attribute.sub_attributes:
        return
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            _fill_missing(attribute.sub_attributes, item, values)


def filler(attribute: Attribute, values: Mapping[str, Any]) -> Any:
    """A value for a required attribute loadscim does not otherwise send: its first
    canonical value; for strings the resource's own (``formatted``, ``displayName``,
    an email) or its userName (unique, in the run's namespace); a value of the type else."""
    if attribute.type == "complex":
        one: Any = {
            sub.name: filler(sub, values)
            for sub in attribute.sub_attributes.values()
            if sub.required or sub.name == "value"
        }
    elif attribute.canonical_values:
        one = attribute.canonical_values[0]
    else:
        one = _simple(attribute, values)
    return [one] if attribute.multi_valued else one


def _simple(attribute: Attribute, values: Mapping[str, Any]) -> Any:
    kind = attribute.type.lower()
    if kind == "boolean":
        return True
    if kind == "integer":
        return 1
    if kind == "decimal":
        return 1.0
    if kind == "datetime":
        return "2000-01-01T00:00:00Z"
    if kind == "binary":
        return "bG9hZHNjaW0="
    name = values.get("userName") or values.get("displayName") or "loadscim"
    if kind == "reference":
        return f"https://example.com/{name}"
    lower = attribute.name.lower()
    if lower in ("formatted", "displayname") and values.get("formatted"):
        return values["formatted"]
    if "email" in lower and values.get("email"):
        return values["email"]
    return name


def parse(schemas_body: Any, resource_types_body: Any = None) -> Declared | None:
    """The declarations in the answers to GET /Schemas and GET /ResourceTypes (each a
    ListResponse, or a bare list as some servers send); None if /Schemas holds none."""
    schemas: dict[str, dict[str, Attribute]] = {}
    for item in _resources(schemas_body):
        urn = item.get("id")
        attributes = item.get("attributes")
        if isinstance(urn, str) and isinstance(attributes, list):
            schemas[urn.lower()] = _attributes(attributes)
    if not schemas:
        return None
    types: dict[str, tuple[str, list[tuple[str, bool]]]] = {}
    for item in _resources(resource_types_body):
        name, schema = item.get("name"), item.get("schema")
        if not isinstance(name, str) or not isinstance(schema, str):
            continue
        extensions = [
            (e["schema"], e.get("required") is True)
            for e in item.get("schemaExtensions") or []
            if isinstance(e, Mapping) and isinstance(e.get("schema"), str)
        ]
        types[name] = (schema, extensions)
    for name, core in _CORE_SCHEMAS.items():
        if name not in types and core.lower() in schemas:
            others = [(urn, False) for urn in schemas if urn not in _lowered_cores()]
            types[name] = (core, others if name == "User" else [])
    resources: dict[str, ResourceSchema] = {}
    for name, (schema, extensions) in types.items():
        if schema.lower() not in schemas:
            continue  # its schema is not published: nothing declared, nothing decided
        resources[name] = ResourceSchema(
            schema=schema,
            attributes=schemas[schema.lower()],
            extensions={urn: schemas.get(urn.lower(), {}) for urn, _ in extensions},
            required_extensions=tuple(urn for urn, required in extensions if required),
        )
    return Declared(resources) if resources else None


def _lowered_cores() -> set[str]:
    return {urn.lower() for urn in _CORE_SCHEMAS.values()}


def _resources(body: Any) -> list[Mapping[str, Any]]:
    items = body.get("Resources") if isinstance(body, Mapping) else body
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]

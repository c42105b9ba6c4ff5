"""The value a dialect step returns: one SCIM request, relative to the SCIM base URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from loadscim.errors import UsageError


class UnsupportedStep(UsageError):
    """A step the identity provider does not take (or its vendor does not document)."""


@dataclass(frozen=True)
class Member:
    """A group member to add: the user's id and, for Okta, the ``display`` it sends."""

    value: str
    display: str | None = None

    @classmethod
    def of(cls, member: MemberLike) -> Member:
        """``member`` itself, or a Member for a bare id."""
        return member if isinstance(member, Member) else cls(member)


MemberLike = str | Member


@dataclass(frozen=True)
class Request:
    """One SCIM request as an identity provider sends it, relative to the SCIM base URL.

    ``kind``, ``resource_type`` and ``resource_id`` say how :class:`~loadscim.ops.Op` records
    it (as :class:`~loadscim.client.ScimClient`'s own methods would); ``step`` names the
    dialect method that built it.
    """

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    kind: str = ""
    resource_type: str = ""
    resource_id: str | None = None
    step: str = ""

    @property
    def target(self) -> str:
        """Path and query as sent: ``/Users?filter=userName%20eq%20%22a%40b%22&startIndex=1``."""
        if not self.query:
            return self.path
        return f"{self.path}?{urlencode(self.query, quote_via=quote)}"

    @property
    def value(self) -> Any:
        """What the Op records as sent: the body of a create or replace, the ``Operations``
        of a PATCH, the query of a search (the same as ScimClient's own methods)."""
        if self.kind in ("create", "replace") and isinstance(self.body, Mapping):
            return dict(self.body)
        if self.kind == "patch" and isinstance(self.body, Mapping):
            return list(self.body.get("Operations") or ())
        if self.kind == "search":
            return dict(self.query) or None
        return None

    def call_args(self) -> dict[str, Any]:
        """Keyword arguments of :meth:`loadscim.client.ScimClient.call` for this request."""
        return {
            "method": self.method,
            "path": self.path,
            "kind": self.kind,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "body": self.body,
            "value": self.value,
            "params": dict(self.query) or None,
            "headers": dict(self.headers) or None,
        }

    def as_sample(self) -> dict[str, Any]:
        """The request in the shape of a ``samples/*.json`` file (without its source)."""
        return {
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "headers": dict(self.headers),
            "body": self.body,
        }

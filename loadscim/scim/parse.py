"""Readers of SCIM responses: Error, ListResponse, resources; and endpoint-name normalisation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from loadscim.scim.payloads import ERROR_SCHEMA, LIST_SCHEMA


@dataclass(frozen=True)
class ScimError:
    """A SCIM Error response (RFC 7644 3.12)."""

    status: int | None
    scim_type: str | None
    detail: str | None


def is_error(body: Any) -> bool:
    return isinstance(body, dict) and ERROR_SCHEMA in (body.get("schemas") or ())


def parse_error(body: Any) -> ScimError | None:
    """The Error in ``body``, or None if it is not a SCIM Error.

    ``status`` is a string in RFC 7644 3.12; some servers send an integer: both are read.
    """
    if not is_error(body):
        return None
    status: int | None
    try:
        status = int(body.get("status"))
    except (TypeError, ValueError):
        status = None
    scim_type = body.get("scimType")
    detail = body.get("detail")
    return ScimError(
        status,
        scim_type if isinstance(scim_type, str) else None,
        detail if isinstance(detail, str) else None,
    )


@dataclass(frozen=True)
class ListPage:
    """One page of a ListResponse (RFC 7644 3.4.2)."""

    total: int
    start_index: int | None
    items_per_page: int | None
    resources: list[dict[str, Any]]


def parse_list(body: Any) -> ListPage:
    """Read a ListResponse; raise ValueError saying what is wrong if ``body`` is not one.

    ``Resources`` may be absent when there are no results (RFC 7644 3.4.2).
    """
    if not isinstance(body, dict):
        raise ValueError(f"a ListResponse is a JSON object, got {type(body).__name__}")
    if LIST_SCHEMA not in (body.get("schemas") or ()):
        raise ValueError(f"no {LIST_SCHEMA} in schemas")
    total = body.get("totalResults")
    if not isinstance(total, int) or isinstance(total, bool):
        raise ValueError(f"totalResults must be an integer, got {total!r}")
    resources = body.get("Resources") or []
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise ValueError("Resources must be a list of objects")
    start = body.get("startIndex")
    per_page = body.get("itemsPerPage")
    return ListPage(
        total,
        start if isinstance(start, int) else None,
        per_page if isinstance(per_page, int) else None,
        resources,
    )


def member_ids(group: Any) -> set[str]:
    """The member ids of a Group resource (``members`` may be absent or null)."""
    if not isinstance(group, dict):
        return set()
    members = group.get("members") or []
    return {m["value"] for m in members if isinstance(m, dict) and isinstance(m.get("value"), str)}


_ID_SEGMENT = re.compile(r"^/(Users|Groups|[A-Za-z]+)/[^/]+$")


def endpoint_name(method: str, path: str) -> str:
    """The statistics name of a call: ``PATCH /Users/{id}``, ``GET /Users`` (a search).

    ``path`` is relative to the SCIM base URL and may carry a query string.
    """
    path = path.split("?", 1)[0].rstrip("/") or "/"
    if path.endswith("/.search"):
        return f"{method} {path}"
    match = _ID_SEGMENT.match(path)
    if match and match.group(1) not in ("ServiceProviderConfig", "Schemas", "ResourceTypes"):
        return f"{method} /{match.group(1)}/{{id}}"
    return f"{method} {path}"

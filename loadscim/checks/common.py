"""Small helpers the checkers share: timing, Error bodies, lookups, and a violation builder.

Pure: no locust, no gevent, no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from loadscim.ops import Op, Trial, Violation, describe
from loadscim.scim.parse import is_error
from loadscim.scim.patch import PatchError, parse_filter

MAX_EXAMPLE_OPS = 5
OVERLOAD_STATUSES = frozenset({429})
"""Refusals that say "not now", not "not this": never taken as a wrong conflict answer."""


def precedes(a: Op, b: Op) -> bool:
    """Whether ``a`` completed before ``b`` started (so every order must put ``a`` first)."""
    return a.end_us is not None and a.end_us <= b.start_us


def resource_key(op: Op) -> tuple[str, str] | None:
    """``(resource_type, resource_id)`` of the resource an op addressed, if it has an id."""
    return (op.resource_type, op.resource_id) if op.resource_id else None


def resource_name(key: tuple[str, str]) -> str:
    """``Group/3f2a...`` for a violation's ``resource``."""
    return f"{key[0]}/{key[1]}"


def short(value: Any, limit: int = 80) -> str:
    """A value as compact JSON, cut to ``limit`` characters, for violation texts."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_5xx(op: Op) -> bool:
    """A server error that may or may not have applied (501 is a definite "no")."""
    return op.status is not None and op.status >= 500 and op.status != 501


def is_contention_5xx(op: Op) -> bool:
    """A 5xx a write racing another is judged for: :func:`is_5xx`, but not 503. RFC 9110
    15.6.4: 503 "indicates that the server is currently unable to handle the request due to
    a temporary overload or scheduled maintenance": a server shedding load (with
    Retry-After) during a race is not mishandling the conflict, for a create as for an
    update."""
    return is_5xx(op) and op.status != 503


def error_problem(op: Op, scim_type: str | None = None) -> str | None:
    """What is wrong with an error answer's body, or None: RFC 7644 3.12 wants a SCIM Error
    (``schemas`` holds ``urn:ietf:params:scim:api:messages:2.0:Error``), and, when
    ``scim_type`` is given, that ``scimType``."""
    if not is_error(op.observed):
        return f"no SCIM Error body (got {short(op.observed, 60)})"
    if scim_type is not None and op.scim_type != scim_type:
        return f"scimType {op.scim_type!r}, not {scim_type!r}"
    return None


def status_number(value: Any) -> int | None:
    """An HTTP status given as an int or a string (BulkResponse ``status`` is either)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def search_filter(op: Op) -> str | None:
    """The filter a search sent: ``op.value["filter"]`` (or ``op.value`` if it is a string)."""
    value = op.value
    if isinstance(value, dict):
        value = value.get("filter")
    return value if isinstance(value, str) else None


def filter_value(op: Op, attribute: str) -> Any:
    """The value ``attribute eq <value>`` asks for in a search's filter, or None."""
    text = search_filter(op)
    if text is None:
        return None
    try:
        connective, terms = parse_filter(text)
    except PatchError:
        return None
    if connective != "and":
        return None
    for name, value in terms:
        if name.lower() == attribute.lower():
            return value
    return None


def listed(op: Op) -> list[dict[str, Any]]:
    """The resources of a search's ListResponse."""
    body = op.observed
    resources = body.get("Resources") if isinstance(body, dict) else None
    return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []


def found_count(op: Op) -> int:
    """How many resources a search found: ``totalResults``, else the resources listed."""
    body = op.observed
    total = body.get("totalResults") if isinstance(body, dict) else None
    if isinstance(total, int) and not isinstance(total, bool):
        return max(total, len(listed(op)))
    return len(listed(op))


def same_text(attribute: str, a: Any, b: Any) -> bool:
    """Equality of two values of ``attribute``; userName is case-insensitive (RFC 7643 4.1.1)."""
    if attribute.lower() == "username" and isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)


def last(ops: Iterable[Op]) -> Op | None:
    """The op that started last."""
    return max(ops, key=lambda op: (op.start_us, op.seq), default=None)


@dataclass
class Report:
    """Collects one checker's violations for one trial."""

    checker: str
    trial: Trial
    violations: list[Violation] = field(default_factory=list)

    @functools.cached_property
    def t0(self) -> int:
        """The trial's first start: op times in a violation count from it (asked only
        when there is a violation to describe)."""
        return min((op.start_us for op in self.trial.ops), default=0)

    def add(
        self,
        kind: str,
        resource: str,
        expected: str,
        observed: str,
        ops: Iterable[Op] = (),
        subject: str = "",
    ) -> None:
        """One violation; ``subject`` (an attribute path, ``members``, an endpoint) groups
        it with its kind in the reports."""
        seen: set[int] = set()
        described: list[str] = []
        for op in ops:
            if id(op) in seen:
                continue
            seen.add(id(op))
            described.append(describe(op, self.t0))
            if len(described) == MAX_EXAMPLE_OPS:
                break
        self.violations.append(
            Violation(
                checker=self.checker,
                kind=kind,
                trial=self.trial.id,
                resource=resource,
                expected=expected,
                observed=observed,
                ops=tuple(described),
                subject=subject,
            )
        )

"""How the embedded target's faulty storage compares and writes rows (:mod:`.storage`).

- :class:`InternalServerError`: the SCIM 500 a faulty server raises where it crashes.
- :func:`truncate_changed`: ``truncate-updates``, a column too short.
- :func:`same_case`: ``case-sensitive-filter``, a ``userName eq`` comparing case.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Resource, SCIMException, ScimFilter
from scim2_models.path import CompareOperator, Comparison


class InternalServerError(SCIMException):
    """A SCIM 500, raised where a faulty server crashes on a conflict."""

    status = 500
    _default_detail = "Internal server error"


TRUNCATED_LENGTH = 12


def truncate_changed(stored: Resource[Any], updated: Resource[Any]) -> None:
    """Cut the string attributes an update changes to TRUNCATED_LENGTH characters."""
    for name in type(updated).model_fields:
        value = getattr(updated, name, None)
        if (
            isinstance(value, str)
            and len(value) > TRUNCATED_LENGTH
            and value != getattr(stored, name, None)
        ):
            setattr(updated, name, value[:TRUNCATED_LENGTH])


def same_case(
    found: list[Resource[Any]], scim_filter: ScimFilter[Any] | None
) -> list[Resource[Any]]:
    """``case-sensitive-filter``: of what ``userName eq "X"`` found, those written ``X``."""
    node = getattr(scim_filter, "ast", None) if scim_filter is not None else None
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq:
        return found
    if not isinstance(node.value, str) or not str(node.attr_path).lower().endswith("username"):
        return found
    return [r for r in found if getattr(r, "user_name", None) == node.value]

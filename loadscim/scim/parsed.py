"""A write's value read once, for every reader of the same Op (issue 12, bench/README.md).

The run's model (:func:`loadscim.resources.fold_write`) and the checkers' History
(:mod:`loadscim.checks.register`) both read a PATCH's operations (and a create's or PUT's
body); :func:`parsed` makes the reading once per Op and keeps it on ``op.parsed``, which is
not compared and not written to the JSONL history. Pure code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from loadscim.scim.patch import PatchError, attribute_writes, member_changes, resource_writes

T = TypeVar("T")


class Parsed:
    """The value of one write Op read once, for every reader of the same Op: the run's
    model (:func:`loadscim.resources.fold_write`) and the checkers' History read a PATCH's
    operations through it instead of parsing them again (bench/README.md, issue 12).

    Each part is computed when first asked for. What it returns is shared: do not change it.
    A value that cannot be read raises the same :class:`PatchError` for every reader.
    """

    __slots__ = ("_members", "_writes", "kind", "value")

    def __init__(self, kind: str, value: Any) -> None:
        self.kind = kind
        self.value = value
        self._writes: dict[str, Any] | str | None = None
        self._members: list[tuple[str, str]] | str | None = None

    def writes(self) -> dict[str, Any]:
        """:func:`attribute_writes` of a PATCH's operations; of a create's or a PUT's body,
        :func:`resource_writes` (the same as a path-less ``replace`` of the body)."""
        if self._writes is None:
            read = attribute_writes if self.kind == "patch" else resource_writes
            self._writes = _read_once(read, self.value)
        return _answer(self._writes)

    def member_changes(self) -> list[tuple[str, str]]:
        """:func:`member_changes` of a PATCH's operations."""
        if self._members is None:
            self._members = _read_once(member_changes, self.value)
        return _answer(self._members)


def _read_once(read: Callable[[Any], T], value: Any) -> T | str:
    """What ``read(value)`` gives, or the text of the :class:`PatchError` it raises."""
    try:
        return read(value)
    except PatchError as e:
        return str(e)


def _answer(kept: T | str) -> T:
    """A part as :func:`_read_once` kept it: the value, or its PatchError raised again."""
    if isinstance(kept, str):
        raise PatchError(kept)
    return kept


def parsed(op: Any) -> Parsed:
    """The :class:`Parsed` form of a write :class:`~loadscim.ops.Op`'s ``value``, made on
    first use and kept on the Op (``op.parsed``, which the JSONL history does not hold:
    an Op read back parses again on first use)."""
    found = op.parsed
    if found is None:
        found = op.parsed = Parsed(op.kind, op.value)
    assert isinstance(found, Parsed)
    return found

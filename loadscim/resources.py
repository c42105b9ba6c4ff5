"""The run's model of the resources it created: what reconciliation and cleanup start from.

Every completion of the load passes :meth:`RunModel.fold`: an ok create starts a
:class:`Tracked` resource, ok writes fold into it (the attribute paths the scenarios
follow, ``active``), a DELETE marks it deleted, an ``info`` write or two overlapping writes
make it uncertain. The latest :data:`KEEP_DELETED` deleted resources are kept, so a long
run's memory stays flat. :class:`loadscim.recorder.Recorder` is a RunModel. Pure code: no
locust, no gevent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from loadscim.ops import Op
from loadscim.scim.parsed import parsed
from loadscim.scim.patch import PatchError

KEEP_DELETED = 2000
"""Deleted resources kept in the run's model for reconciliation (the latest ones)."""


@dataclass
class Tracked:
    """A resource this run created, as the run believes it is now."""

    resource_type: str
    id: str
    name: str
    """userName (User) or displayName (Group)."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """Attributes as last written by an ok write, for reconciliation (when tracked)."""
    active: bool | None = None
    deactivated: bool = False
    """An ok write set ``active`` false and no later write set it true."""
    deleted: bool = False
    """An ok DELETE (or a 404 to one) removed it."""
    uncertain: bool = False
    """An ``info`` write touched it, or two writes to it overlapped in time (either may
    have been applied last): its state may be either."""
    writes: int = 0
    """Writes sent to it by id so far (a reconciliation pass judges it only if none was sent
    while the pass read it)."""
    pending: int = 0
    """Writes sent to it and not completed yet (in flight)."""
    settled_us: int = 0
    """When its last write (or its create) completed (monotonic microseconds)."""


def fold_create(item: Tracked, op: Op, followed: Iterable[str]) -> None:
    """Start the model of a resource an ok create made: ``active`` and the ``followed``
    attribute paths the create's body sent (scalars), as :func:`fold_write` then follows."""
    if not isinstance(op.value, dict):
        return
    try:
        sent = parsed(op).writes()
    except PatchError:
        return
    wanted = {path.lower() for path in followed}
    for path, value in sent.items():
        lower = path.lower()
        if lower == "active" and "active" in wanted and isinstance(value, bool):
            item.active = value
            item.deactivated = not value
        elif lower in wanted and isinstance(value, str | int | float | bool):
            item.attributes[path] = value


def fold_write(item: Tracked, op: Op, followed: Iterable[str] = ()) -> None:
    """Fold an ok PUT or PATCH into the model of a resource, for what the model follows
    (the attribute paths in ``item.attributes`` and ``followed``, ``active`` once set): the
    last ok write is what reconciliation expects. Scenarios need not fold by hand."""
    declared = {path.lower(): path for path in followed if path.lower() != "active"}
    declared.update({path.lower(): path for path in item.attributes})
    if not declared and item.active is None:
        return  # nothing of it is followed: the write need not be read
    # A PUT's body read as a path-less replace: a declared attribute it leaves out keeps its
    # value in the model (the scenarios' PUTs send the whole resource). The operations are
    # parsed once for the model and the checkers (``parsed``).
    try:
        writes = parsed(op).writes()
    except PatchError:
        return
    for path, value in writes.items():
        if path.lower() == "active":
            if item.active is not None and isinstance(value, bool):
                item.active = value
                item.deactivated = not value
        elif path.lower() in declared:
            item.attributes[declared[path.lower()]] = value


class RunModel:
    """The resources this run created and has not deleted, as the run believes they are."""

    def __init__(self) -> None:
        self.tracked: dict[tuple[str, str], Tracked] = {}
        self.followed: set[str] = set()
        """The attribute paths (and ``active``) the model follows for reconciliation, as
        the scenarios declare them (:meth:`follow`)."""
        self._deleted: deque[tuple[str, str]] = deque()
        self.uncertain_creates = 0

    def on_invoke(self, op: Op) -> None:
        """A write to a resource by id is about to be sent: it is in flight until its
        completion reaches :meth:`on_op`."""
        item = self.tracked.get((op.resource_type, op.resource_id or ""))
        if item is not None:
            item.writes += 1
            item.pending += 1

    def fold(self, op: Op) -> None:
        """Keep the registry of created resources up to date from a completion."""
        if op.kind == "create":
            if op.type == "ok" and op.resource_id:
                name = ""
                if isinstance(op.observed, dict):
                    name = op.observed.get("userName") or op.observed.get("displayName") or ""
                made = self.track(op.resource_type, op.resource_id, str(name))
                made.settled_us = op.end_us or 0
                if op.resource_type == "User" and self.followed:
                    fold_create(made, op, self.followed)
            elif op.type == "info":
                self.uncertain_creates += 1
        elif op.resource_id and op.is_write:
            item = self.tracked.get((op.resource_type, op.resource_id))
            if item is None:
                return
            item.pending = max(0, item.pending - 1)
            if op.type in ("ok", "info") and op.start_us < item.settled_us:
                item.uncertain = True  # writes that overlapped may apply in either order
            item.settled_us = max(item.settled_us, op.end_us or 0)
            if op.kind == "delete" and (op.type == "ok" or op.status == 404):
                if op.resource_type != "User":
                    # Reconciliation reads Users only: a deleted group is done with.
                    self.tracked.pop((op.resource_type, op.resource_id), None)
                elif not item.deleted:
                    item.deleted = True
                    self._deleted.append((op.resource_type, op.resource_id))
                    self._bound_deleted()
            elif op.type == "info":
                item.uncertain = True  # it may or may not have happened
            elif op.type == "ok" and op.kind in ("replace", "patch"):
                fold_write(item, op, self.followed)

    def follow(self, paths: Iterable[str]) -> None:
        """Follow these User attribute paths (``active`` too) in the run's model: an ok
        create's body starts them, ok PUTs and PATCHes fold into them, reconciliation
        judges them at the end."""
        self.followed.update(paths)

    def track(self, resource_type: str, resource_id: str, name: str) -> Tracked:
        key = (resource_type, resource_id)
        item = self.tracked.get(key)
        if item is None:
            item = self.tracked[key] = Tracked(resource_type, resource_id, name)
        return item

    def _bound_deleted(self) -> None:
        """Keep only the latest :data:`KEEP_DELETED` deleted resources in the model.

        A deleted resource stays in the model so that reconciliation can check it is gone;
        the end of a run checks at most a sample of that size anyway, and forgetting older
        ones keeps a long run's memory flat.
        """
        while len(self._deleted) > KEEP_DELETED:
            key = self._deleted.popleft()
            item = self.tracked.get(key)
            if item is not None and item.deleted:
                del self.tracked[key]

    def forget(self, resource_type: str, resource_id: str) -> None:
        """Drop a resource the run removed and verified, to keep memory flat."""
        self.tracked.pop((resource_type, resource_id), None)

    def live(self) -> list[Tracked]:
        """Resources created by this run and not known to be deleted."""
        return [t for t in self.tracked.values() if not t.deleted]

    # -- worker -> master -------------------------------------------------------------

"""The storage of the embedded target: scim2-server's InMemoryStorage, with semantic faults.

With no fault it behaves as InMemoryStorage, except that its lock is gevent's (the target
serves every request from one OS thread, in greenlets). The faults it carries:

- ``lost-update``: :meth:`operation` no longer holds the lock for a whole request, and a
  misbehaving update sleeps 1-10 ms between the handler's read and its own write, then
  writes without a version check: the last writer wins. scim2-server's service still checks
  ``If-Match`` against the (possibly stale) read, as such servers do.
- ``duplicate-create``: a misbehaving create checks uniqueness, sleeps 1-10 ms without the
  lock, then inserts without checking again. The indexes keep both owners of a value.
- ``500-on-conflict``: a uniqueness conflict raises a SCIM 500 instead of 409.
- ``ignore-deactivate``: an update that turns ``active`` to false returns the resource as
  if it had been written, and writes nothing.
- ``ignore-if-match``: :class:`loadscim.target.service.FaultyService` tells the storage to
  skip the version check of the write that follows.
- ``ignore-update``: every update (PATCH, PUT) returns the resource as if it had been
  written, and writes nothing.
- ``truncate-updates``: string attributes an update changes are stored cut to
  :data:`TRUNCATED_LENGTH` characters (a column too short), and answered so.
- ``write-back-stale``: after an update is stored (and answered), the state before it is
  written back over it, like a stale cache flushing: the update is lost.
- ``lost-deactivation``: like ``lost-update`` for profile writes only: an update that leaves
  ``active`` as it was pauses 10-30 ms between the handler's read and its own write, then
  writes the whole row without a version check: a deactivation stored meanwhile is undone.
- ``500-on-duplicate-group``: a create of a Group whose displayName another group holds
  raises a SCIM 500 (a unique index on displayName, its violation not mapped to 409).
- ``delete-deactivates``: a DELETE of a User sets ``active`` false and keeps the user (the
  answer is still 204): it stays readable and listed.
- ``case-duplicates``: userName uniqueness is indexed as written (case and all), so
  ``ALICE`` is created while ``alice`` exists.
- ``case-sensitive-filter``: a search ``userName eq "..."`` keeps only the resources whose
  userName is written the same, case and all.
- ``stale-read``: GET by id and searches see every resource as it was SECONDS ago, like a
  lagging read replica. The handler's own reads (before a PATCH, PUT or DELETE) are fresh.
- ``replica-lag=MS``: searches (lists and filters) see each write up to MS ms late (a
  random lag per write; writes of one resource become visible in order), like a read
  replica behind the primary; GET by id stays fresh. ``replica-lag-id=MS``: the same for GET
  by id, from a view of its own.
- ``flap``: now and then a search is served from an older view: a resource written in the
  last second shows the state before its last write, although a read already saw that write.
- ``strict-email``, ``require-formatted``, ``no-email-type``, ``drop-attribute``: every
  resource about to be stored passes :func:`loadscim.target.strict.screen` (refused, or
  stored without the dropped attributes).

Without ``lost-update`` and ``duplicate-create``, nothing yields while the lock is held, and
the whole-request lock keeps the clean semantics. With them, the requests that do not
misbehave stay atomic all the same: nothing yields between their read and their write.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any, cast

import gevent
import gevent.local
import gevent.lock
from scim2_models import (
    Meta,
    NotFoundException,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimFilter,
    UniquenessException,
)
from scim2_server.memory import InMemoryStorage, Key, _key

from loadscim.target.faults import Dice, FaultPlan, ReplicaLag, StaleRead
from loadscim.target.lag import CURRENT, LagView
from loadscim.target.rows import InternalServerError, same_case, truncate_changed
from loadscim.target.strict import screen

FLAP_KEEP_S = 1.0
"""How long after a write became visible a ``flap`` read may still show the state before it."""


def lag_views(plan: FaultPlan, dice: Dice) -> tuple[LagView | None, LagView | None]:
    """The views of lagging readers: of GET by id, and of searches (None: fresh reads)."""
    stale = plan.get("stale-read")
    by_id = LagView(lambda: stale.seconds) if isinstance(stale, StaleRead) else None
    id_lag = plan.get("replica-lag-id")
    if isinstance(id_lag, ReplicaLag):
        id_stream = dice.stream("replica-lag-id")
        by_id = LagView(lambda: id_stream.uniform(0.0, id_lag.milliseconds / 1000))
    replica = plan.get("replica-lag")
    flap = "flap" in plan
    if not isinstance(replica, ReplicaLag) and not flap:
        return by_id, by_id if isinstance(stale, StaleRead) else None
    most = replica.milliseconds / 1000 if isinstance(replica, ReplicaLag) else 0.0
    stream = dice.stream("replica-lag")
    return by_id, LagView(lambda: stream.uniform(0.0, most), FLAP_KEEP_S if flap else 0.0)


class FaultyStorage(InMemoryStorage):
    """InMemoryStorage with the semantic faults of a plan (none: the clean behaviour)."""

    def __init__(self, plan: FaultPlan | None = None, dice: Dice | None = None) -> None:
        super().__init__()
        self.plan = plan if plan is not None else FaultPlan()
        self.dice = dice if dice is not None else Dice(self.plan)
        self.lock = gevent.lock.RLock()
        self._local = gevent.local.local()
        self._unlocked = any(
            name in self.plan for name in ("lost-update", "duplicate-create", "lost-deactivation")
        )
        self._id_view, self._list_view = lag_views(self.plan, self.dice)
        self._views = [v for v in dict.fromkeys((self._id_view, self._list_view)) if v]
        self._duplicated: set[tuple[str, Any]] = set()
        self._case_duplicates = "case-duplicates" in self.plan
        self._case_sensitive_filter = "case-sensitive-filter" in self.plan
        self._screens = any(
            name in self.plan
            for name in ("strict-email", "require-formatted", "no-email-type", "drop-attribute")
        )

    # -- the request hooks ------------------------------------------------------------

    @contextmanager
    def operation(self) -> Generator[None]:
        """Hold the lock for the whole operation, unless a fault needs to interleave."""
        if self._unlocked:
            yield
        else:
            with self.lock:
                yield

    def skip_next_version_check(self, skip: bool) -> None:
        """Tell the next update or delete of this greenlet to ignore its expected version."""
        self._local.skip_version = skip

    def _take_skip_version(self) -> bool:
        skip = bool(getattr(self._local, "skip_version", False))
        self._local.skip_version = False
        return skip

    # -- reads ------------------------------------------------------------------------

    def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters[Any] | None = None,
    ) -> Resource[Any]:
        # scim2-server passes response_parameters only when the resource goes back to the
        # client (a GET): the reads before a write stay fresh.
        if self._id_view is None or response_parameters is None:
            return super().get(resource_type, resource_id)
        with self.lock:
            view = self._id_view.view((resource_type.name, resource_id), time.monotonic())
            if view is CURRENT:
                return super().get(resource_type, resource_id)
            if view is None:
                raise NotFoundException(detail=f"{resource_type.name} {resource_id!r} not found")
            return cast(Resource[Any], view).model_copy(deep=True)

    def _candidates(
        self, names: list[str | None], scim_filter: ScimFilter[Any] | None
    ) -> list[Resource[Any]]:
        found = super()._candidates(names, scim_filter)
        if self._case_sensitive_filter:
            found = same_case(found, scim_filter)
        lags = self._list_view
        if lags is None:
            return found
        now = time.monotonic()
        older = self.dice.roll("flap")  # this read is served from an older view
        lagging: dict[Key, Any] = {}
        for key in lags.held():
            if key[0] in names:
                view = lags.view(key, now, older)
                if view is not CURRENT:
                    lagging[key] = view
        if not lagging:
            return found
        result = [resource for resource in found if _key(resource) not in lagging]
        result.extend(view for view in lagging.values() if view is not None)
        return result

    # -- writes -----------------------------------------------------------------------

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        duplicate = self.dice.roll("duplicate-create")
        with self.lock:
            resource = self._stamped(resource_type, resource)
            if self._screens:
                resource = screen(self.plan, resource)
            values = self._values_of(resource)
            self._check_uniqueness(resource, values)
            if self._group_name_taken(resource) and self.dice.roll("500-on-duplicate-group"):
                raise InternalServerError(detail="Internal server error (duplicate key value)")
            if not duplicate:
                return self._commit(resource, values, None)
        # The faulty part: the check above and the insert below are not atomic.
        gevent.sleep(self.dice.pause("duplicate-create"))
        with self.lock:
            key = _key(resource)
            for urn, value in values.items():
                owner = self._owners.get(urn, {}).get(value)
                if owner is not None and owner != key:
                    self._duplicated.add((urn, value))
            return self._commit(resource, values, None)

    def update(
        self,
        resource_type: ResourceType,
        resource: Resource[Any],
        *,
        expected_version: str | None = None,
    ) -> Resource[Any]:
        if self._take_skip_version():
            expected_version = None
        if self._profile_write(resource_type, resource) and self.dice.roll("lost-deactivation"):
            # The whole row the handler read goes back, active and all, after a pause.
            gevent.sleep(self.dice.pause("lost-deactivation", 0.010, 0.030))
            expected_version = None
        elif self.dice.roll("lost-update"):
            # The read happened in the handler; yield, then write whatever is there.
            gevent.sleep(self.dice.pause("lost-update"))
            expected_version = None
        with self.lock:
            stored = self._stored(resource_type, resource.id)
            self._check_version(stored, expected_version)
            updated = type(resource).model_validate(resource.model_dump())
            if self._screens:
                updated = screen(self.plan, updated)
            assert stored.meta is not None
            if self.dice.roll("truncate-updates"):
                truncate_changed(stored, updated)
            if self._ignores_deactivation(stored, updated) or self.dice.roll("ignore-update"):
                updated.meta = stored.meta.model_copy(update={"location": None})
                return updated
            kept = self.dice.roll("etag-unchanged")  # the ETag a stale If-Match still matches
            updated.meta = stored.meta.model_copy(
                update={
                    "location": None,
                    "last_modified": self.clock(),
                    "version": stored.meta.version if kept else self.next_version(),
                }
            )
            values = self._values_of(updated)
            self._check_uniqueness(updated, values)
            answer = self._commit(updated, values, stored)
            if self.dice.roll("write-back-stale"):
                # A stale cache writes the state before this update back over it.
                back = stored.model_copy(deep=True)
                back.meta = updated.meta.model_copy(update={"version": self.next_version()})
                self._commit(back, self._values_of(back), updated)
            return answer

    def _group_name_taken(self, resource: Resource[Any]) -> bool:
        name = getattr(resource, "display_name", None)
        if "500-on-duplicate-group" not in self.plan or not hasattr(resource, "members"):
            return False
        groups = self._resources.get(resource.meta.resource_type if resource.meta else None, {})
        return any(getattr(g, "display_name", None) == name for g in groups.values())

    def _profile_write(self, resource_type: ResourceType, resource: Resource[Any]) -> bool:
        """An update that leaves ``active`` as stored (nothing yielded since the read)."""
        if "lost-deactivation" not in self.plan or getattr(resource, "active", None) is None:
            return False
        try:
            stored = self._stored(resource_type, resource.id)
        except NotFoundException:
            return False
        return getattr(stored, "active", None) == getattr(resource, "active", None)

    def delete(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        expected_version: str | None = None,
    ) -> None:
        if self._take_skip_version():
            expected_version = None
        with self.lock:
            stored = self._stored(resource_type, resource_id)
            self._check_version(stored, expected_version)
            if hasattr(stored, "active") and self.dice.roll("delete-deactivates"):
                if stored.active is not False:
                    kept = stored.model_copy(deep=True)
                    kept.active = False
                    assert kept.meta is not None
                    kept.meta = kept.meta.model_copy(
                        update={"last_modified": self.clock(), "version": self.next_version()}
                    )
                    self._commit(kept, self._values_of(kept), stored)
                return
            key = _key(stored)
            self._remember(key, stored, None)
            self._remove(key)

    def _commit(
        self, resource: Resource[Any], values: dict[str, Any], previous: Resource[Any] | None
    ) -> Resource[Any]:
        """Store a resource (the lock is held) and return a copy."""
        self._remember(_key(resource), previous, resource)
        self._store(resource, values)
        return resource.model_copy(deep=True)

    def _ignores_deactivation(self, stored: Resource[Any], updated: Resource[Any]) -> bool:
        if getattr(updated, "active", None) is not False:
            return False
        if getattr(stored, "active", None) is False:
            return False
        return self.dice.roll("ignore-deactivate")

    # -- uniqueness, with room for duplicates -----------------------------------------

    def _values_of(self, resource: Resource[Any]) -> dict[str, Any]:
        values = super()._values_of(resource)
        user_name = getattr(resource, "user_name", None)
        if self._case_duplicates and isinstance(user_name, str):
            for urn in values:
                if urn.endswith(":userName"):
                    values[urn] = user_name  # as written, not case-folded
        return values

    def _check_uniqueness(self, resource: Resource[Any], values: dict[str, Any]) -> None:
        # A value the resource already holds is not a new conflict (it matters once
        # duplicate-create has given a value two owners).
        previous = self._unique_values.get(_key(resource), {})
        changed = {urn: value for urn, value in values.items() if previous.get(urn) != value}
        try:
            super()._check_uniqueness(resource, changed)
        except UniquenessException:
            if self.dice.roll("500-on-conflict"):
                raise InternalServerError(
                    detail="Internal server error (unique constraint violated)"
                ) from None
            raise

    def _remove(self, key: Key) -> None:
        """Forget a resource; a value it shares with a duplicate stays owned by the other."""
        self._resources.get(key[0], {}).pop(key[1], None)
        for urn, value in self._unique_values.pop(key, {}).items():
            owners = self._owners.get(urn, {})
            if owners.get(value) != key:
                continue
            del owners[value]
            if (urn, value) in self._duplicated:
                heir = next(
                    (k for k, held in self._unique_values.items() if held.get(urn) == value),
                    None,
                )
                if heir is None:
                    self._duplicated.discard((urn, value))
                else:
                    owners[value] = heir
        for binding, value in self._equal_values.pop(key, {}).items():
            self._equalities[key[0]][binding][value].discard(key[1])

    # -- stale reads ------------------------------------------------------------------

    def _remember(
        self, key: Key, before: Resource[Any] | None, after: Resource[Any] | None
    ) -> None:
        """Record a write for the lagging readers (the lock is held)."""
        now = time.monotonic()
        for view in self._views:
            view.remember(key, before, after, now)

    # -- pretend writes (bulk-partial) -------------------------------------------------

    def pretend_created(
        self, resource_type: ResourceType, resource: Resource[Any]
    ) -> Resource[Any]:
        """A resource as create would return it, stored nowhere."""
        return self._stamped(resource_type, resource)

    def _stamped(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        """A copy of a new resource with an id and its creation ``meta``, as create gives it."""
        resource = resource.model_copy(deep=True)
        resource.id = self.generate_id(resource_type, resource)
        now = self.clock()
        resource.meta = Meta(
            resource_type=resource_type.name,
            created=now,
            last_modified=now,
            version=self.next_version(),
        )
        return resource

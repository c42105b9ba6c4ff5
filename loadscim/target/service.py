"""The service and handler of the embedded target, for the faults the storage cannot see.

- ``ignore-if-match``: :class:`FaultyService` skips the conditional headers of writes
  (PATCH, PUT, DELETE, and the ``version`` of bulk operations), and tells the storage to
  skip its version check for the write that follows.
- ``non-idempotent-replay``: a PATCH that adds a member (or a value of another multi-valued
  attribute) the resource already holds adds it again, and a PUT merges the values of
  multi-valued attributes into those stored: a replayed write lists them twice.
- ``membership-bleed``: a PATCH that adds members to a group also adds the members the
  previous such PATCH added (to any group): state of one request leaking into the next.
- ``bulk-partial``: :class:`FaultyHandler` skips every second operation (by position in the
  request) of a misbehaving /Bulk request, and reports it as done: a POST gets a made-up
  id, a PUT or PATCH the resource as it would have become, a DELETE its 204.
"""

from __future__ import annotations

from typing import Any, cast

import gevent.local
from scim2_models import BulkOperation, PatchOp, Resource, ResourceType, ScimProvider
from scim2_server.bulk import BulkPlan, BulkStep
from scim2_server.conditions import Conditions
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService

from loadscim.target.faults import Dice
from loadscim.target.storage import FaultyStorage


class FaultyService(ScimService):
    """ScimService, with ``ignore-if-match`` and ``non-idempotent-replay``."""

    def __init__(
        self,
        provider: ScimProvider,
        storage: FaultyStorage,
        dice: Dice,
        *,
        secret: str | bytes | None = None,
    ) -> None:
        super().__init__(provider, secret=secret)
        self.storage = storage
        self.dice = dice
        self._ignore_if_match = "ignore-if-match" in dice.plan
        self._replay_twice = "non-idempotent-replay" in dice.plan
        self._bleed = "membership-bleed" in dice.plan
        self._last_added: list[Any] = []

    def check_preconditions(
        self, resource: Resource[Any], method: str, conditions: Conditions
    ) -> bool:
        if self._ignore_if_match and method != "GET":
            # Every write passes here once, just before the storage writes.
            ignore = self.dice.roll("ignore-if-match")
            self.storage.skip_next_version_check(ignore)
            if ignore:
                return True
        return super().check_preconditions(resource, method, conditions)


    def apply_patch(
        self, current: Resource[Any], patch_op: PatchOp[Any], conditions: Conditions
    ) -> Resource[Any] | None:
        if self._bleed:
            return self._bleeding_patch(current, patch_op, conditions)
        if not (self._replay_twice and self.dice.roll("non-idempotent-replay")):
            return super().apply_patch(current, patch_op, conditions)
        before = current.model_copy(deep=True)
        changed = super().apply_patch(current, patch_op, conditions)
        again = False
        for operation in patch_op.operations or []:
            attribute = str(operation.path or "")
            held = getattr(before, attribute, None) if attribute.isidentifier() else None
            if operation.op != "add" or not isinstance(held, list):
                continue
            values = operation.value if isinstance(operation.value, list) else [operation.value]
            for value in values:
                item = next((i for i in held if i.value == _value_of(value)), None)
                if item is not None:
                    getattr(current, attribute).append(item.model_copy())
                    again = True
        return current if again else changed


    def apply_replacement(
        self, current: Resource[Any], replacement: Resource[Any], conditions: Conditions
    ) -> Resource[Any] | None:
        before = current.model_copy(deep=True)
        changed = super().apply_replacement(current, replacement, conditions)
        if not (self._replay_twice and self.dice.roll("non-idempotent-replay")):
            return changed
        again = False
        for name in type(replacement).model_fields:
            held, sent = getattr(before, name, None), getattr(replacement, name, None)
            if not (isinstance(held, list) and isinstance(sent, list)):
                continue
            values = {getattr(item, "value", None) for item in sent} - {None}
            kept = [i for i in held if getattr(i, "value", None) in values]
            sent.extend(item.model_copy() for item in kept)
            again = again or bool(kept)
        return replacement if again else changed

    def _bleeding_patch(
        self, current: Resource[Any], patch_op: PatchOp[Any], conditions: Conditions
    ) -> Resource[Any] | None:
        changed = super().apply_patch(current, patch_op, conditions)
        added = [
            _value_of(value)
            for operation in patch_op.operations or []
            if operation.op == "add" and str(operation.path or "") == "members"
            for value in (operation.value if isinstance(operation.value, list) else [])
        ]
        members = getattr(current, "members", None)
        if not added or not members or not self.dice.roll("membership-bleed"):
            return changed
        held = {member.value for member in members}
        leaked = [value for value in self._last_added if value not in held]
        self._last_added = added
        for value in leaked:
            members.append(members[0].model_copy(update={"value": value, "ref": None}))
        return current if leaked else changed


def _value_of(value: Any) -> Any:
    """The ``value`` of an item of a multi-valued attribute, as sent or as a model."""
    return value.get("value") if isinstance(value, dict) else getattr(value, "value", value)


class FaultyHandler(ScimHandler):
    """ScimHandler, with ``bulk-partial``."""

    def __init__(self, service: ScimService, storage: FaultyStorage, dice: Dice) -> None:
        super().__init__(service, storage)
        self.faulty_storage = storage
        self.dice = dice
        self._local = gevent.local.local()

    def bulk(self, request: ScimRequest) -> ScimResponse:
        self._local.partial = self.dice.roll("bulk-partial")
        try:
            return super().bulk(request)
        finally:
            self._local.partial = False
            self._local.pretend = False

    def run_bulk_step(
        self, request: ScimRequest, plan: BulkPlan, step: BulkStep
    ) -> tuple[dict[str, Any], Resource[Any] | None]:
        self._local.pretend = bool(getattr(self._local, "partial", False)) and step.index % 2 == 1
        try:
            return super().run_bulk_step(request, plan, step)
        finally:
            self._local.pretend = False

    def apply_bulk_operation(
        self, resource_type: ResourceType, operation: BulkOperation[Resource[Any]]
    ) -> Resource[Any] | None:
        if not getattr(self._local, "pretend", False):
            return super().apply_bulk_operation(resource_type, operation)
        return self._pretend(resource_type, operation)

    def _pretend(
        self, resource_type: ResourceType, operation: BulkOperation[Resource[Any]]
    ) -> Resource[Any] | None:
        """What the operation would have returned, without writing anything."""
        storage = self.faulty_storage
        if operation.method == BulkOperation.Method.post:
            return storage.pretend_created(resource_type, cast(Resource[Any], operation.data))
        resource_id = cast(str, operation.resource_id)
        current = storage.get(resource_type, resource_id)
        conditions = Conditions(if_match=operation.version)
        changed: Resource[Any] | None
        match operation.method:
            case BulkOperation.Method.put:
                changed = self.service.apply_replacement(
                    current, cast(Resource[Any], operation.data), conditions
                )
            case BulkOperation.Method.patch:
                self.service.ensure_patch_supported()
                changed = self.service.apply_patch(
                    current, cast("PatchOp[Any]", operation.data), conditions
                )
            case _:  # DELETE
                self.service.check_deletion(current, conditions)
                return None
        if changed is None:
            return current
        assert current.meta is not None
        changed.meta = current.meta.model_copy(
            update={"last_modified": storage.clock(), "version": storage.next_version()}
        )
        return changed

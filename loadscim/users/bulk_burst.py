"""BulkBurstUser: POST /Bulk with many creates, bulkId references, over-limit and parallel.

What the limits are comes from ``/ServiceProviderConfig`` (``bulk.maxOperations``,
``bulk.maxPayloadSize``, RFC 7644 3.7.4): the pre-flight's reading, or on a worker of a
distributed run, the worker's own (:meth:`ScimUser.lacks`). Trials:

- ``bulk-create``: one request with ``--bulk-size`` user creates (at most maxOperations - 1)
  and a group whose members reference those users by ``bulkId:``; ``failOnErrors`` set;
  then every resource the BulkResponse names is read back;
- ``bulk-parallel``: several such requests racing;
- ``bulk-over-limit``: maxOperations + 1 operations, which must be refused with 413.

Checks: ``bulk`` (results match what happened, bulkId references resolved, 413 over the
limits, no operation reported ok that did not apply).
A target that does not announce Bulk support gets "not applicable" for ``bulk`` and nothing is
sent. Identity providers do not use /Bulk (neither Okta nor Entra ID documents it), so the
dialect only sets the User-Agent here.
"""

from __future__ import annotations

from locust import between, task

from functools import partial
from typing import Any

from loadscim.checks import CheckerName
from loadscim.client import ScimClient
from loadscim.ops import Op
from loadscim.scim import payloads
from loadscim.users.base import ScimUser
from loadscim.users.trials import TrialRun

CHECKS: tuple[CheckerName, ...] = ("bulk",)
OVER_LIMIT_MAX = 5000
"""Do not build an over-limit request above this many operations (the server says more)."""


class BulkBurstUser(ScimUser):
    """Sends bulk requests of its own resources and reads the results back."""

    creates_groups = True
    checks: tuple[str, ...] = CHECKS

    wait_time = between(0.1, 0.3)
    max_operations = 0
    max_payload_size = 0

    def on_start(self) -> None:
        super().on_start()
        capabilities = self.rt.target_capabilities()
        if capabilities is None or not self.requires("bulk", *CHECKS):
            self.max_operations = 0  # not applicable, or the limits are unknown: no trials
            return
        self.max_operations = capabilities.bulk_max_operations
        self.max_payload_size = capabilities.bulk_max_payload

    @property
    def bulk_size(self) -> int:
        size = int(getattr(self.rt.options, "bulk_size", 10) or 10)
        return max(1, min(size, self.max_operations - 1)) if self.max_operations > 1 else 1

    def _meta(self) -> dict[str, Any]:
        return {"max_operations": self.max_operations, "max_payload_size": self.max_payload_size}

    def _request(self) -> dict[str, Any]:
        """Creates of ``bulk_size`` users and a group of them referenced by bulkId."""
        operations = []
        for i in range(self.bulk_size):
            tag = self.tag()
            user = payloads.user(self.ns.user_name(tag), external_id=self.ns.external_id(tag))
            operations.append(payloads.bulk_op("POST", "/Users", bulk_id=f"u{i}", data=user))
        group = payloads.group(
            self.ns.display_name(self.tag()), [f"bulkId:u{i}" for i in range(self.bulk_size)]
        )
        operations.append(payloads.bulk_op("POST", "/Groups", bulk_id="g", data=group))
        return payloads.bulk(operations, fail_on_errors=len(operations) + 1)

    @task(4)
    def bulk_create(self) -> None:
        if not self.max_operations:
            return
        with self.trial("bulk-create", CHECKS, **self._meta()) as t:
            self._read_back(t, [bulk(t.scim, self._request())])

    @task(2)
    def bulk_parallel(self) -> None:
        if not self.max_operations:
            return
        with self.trial("bulk-parallel", CHECKS, **self._meta()) as t:
            racers = t.racers(max(2, min(self.fan_out, 4)))
            requests = [self._request() for _ in racers]
            ops = self.race(
                [partial(bulk, r, body) for r, body in zip(racers, requests, strict=True)]
            )
            self._read_back(t, ops)

    @task(1)
    def bulk_over_limit(self) -> None:
        if not self.max_operations or self.max_operations >= OVER_LIMIT_MAX:
            return
        operations = []
        for i in range(self.max_operations + 1):
            tag = self.tag()
            operations.append(
                payloads.bulk_op(
                    "POST",
                    "/Users",
                    bulk_id=f"o{i}",
                    data={"schemas": [payloads.USER_SCHEMA], "userName": self.ns.user_name(tag)},
                )
            )
        with self.trial("bulk-over-limit", CHECKS, **self._meta()) as t:
            self._read_back(t, [bulk(t.scim, payloads.bulk(operations))], read=False)

    @staticmethod
    def _read_back(t: TrialRun, ops: list[Op], read: bool = True) -> None:
        """Read back what the BulkResponses say they created; delete it at the end."""
        created = [ref for op in ops for ref in created_resources(op)]
        for rtype, rid in created:
            if read:
                t.scim.get(rtype, rid, expect=(404,))
            t.discard_later(rtype, rid)


def bulk(scim: ScimClient, body: dict[str, Any]) -> Op:
    """POST /Bulk, the whole request recorded as the op's ``value`` (not only its count), so
    that the ``bulk`` checker judges missing results, the data applied, bulkId references
    and the size limit."""
    return scim.call("POST", "/Bulk", "bulk", "", body=body, value=body, expect=(413,))


def created_resources(op: Op) -> list[tuple[str, str]]:
    """(resource type, id) of every POST a BulkResponse reports created."""
    found: list[tuple[str, str]] = []
    if op.type != "ok" or not isinstance(op.observed, dict):
        return found
    for result in op.observed.get("Operations") or []:
        if not isinstance(result, dict) or str(result.get("method", "")).upper() != "POST":
            continue
        location = result.get("location")
        if not isinstance(location, str) or not str(result.get("status", "")).startswith("2"):
            continue
        parts = location.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] in ("Users", "Groups"):
            found.append(("User" if parts[-2] == "Users" else "Group", parts[-1]))
    return found

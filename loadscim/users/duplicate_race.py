"""DuplicateRaceUser: concurrent creates of one account, as an identity provider's retries and
parallel provisioning jobs produce them.

Two trials, ``--fan-out`` K creates in flight together, then a filter lookup:

- ``username-race``: K POSTs of the same user (same ``userName``): exactly one may be
  created, the others must hear 409 ``uniqueness`` (RFC 7644 3.3); the lookup by
  ``userName`` finds exactly one;
- ``externalid-race``: K POSTs of distinct userNames with the same ``externalId``:
  RFC 7643 does not make ``externalId`` unique, so every ok create must be found by the
  lookup by ``externalId`` (and a server that does refuse must refuse with 409).

Checks: ``duplicate_create``, ``conflict_status``.
"""

from __future__ import annotations

from locust import between, task

from functools import partial
from typing import Any

from loadscim.scim import payloads
from loadscim.scim.parse import parse_list
from loadscim.users.base import ScimUser

CHECKS = ("duplicate_create", "conflict_status")


class DuplicateRaceUser(ScimUser):
    """Races creates of one account and looks it up."""

    wait_time = between(0.05, 0.2)

    @task
    def username_race(self) -> None:
        tag = self.tag()
        user_name = self.ns.user_name(tag)
        trial = self.new_trial("username-race", CHECKS, attribute="userName", user_name=user_name)
        body = payloads.user(user_name, external_id=self.ns.external_id(tag))
        racers = self.racers(trial, self.fan_out)
        self.race([partial(r.create, "User", body, expect=(409,)) for r in racers])
        lookup = self.scim.for_trial(trial).search(
            "User", payloads.eq_filter("userName", user_name)
        )
        self._finish(trial, lookup.observed)

    @task
    def external_id_race(self) -> None:
        tag = self.tag()
        external_id = self.ns.external_id(tag)
        trial = self.new_trial(
            "externalid-race", CHECKS, attribute="externalId", external_id=external_id
        )
        racers = self.racers(trial, self.fan_out)
        bodies = [
            payloads.user(self.ns.user_name(f"{tag}-{i}"), external_id=external_id)
            for i in range(len(racers))
        ]
        self.race(
            [
                partial(r.create, "User", body, expect=(409,))
                for r, body in zip(racers, bodies, strict=True)
            ]
        )
        lookup = self.scim.for_trial(trial).search(
            "User", payloads.eq_filter("externalId", external_id)
        )
        self._finish(trial, lookup.observed)

    def _finish(self, trial: Any, listing: Any) -> None:
        """Judge the trial, then delete every account it made (created or found)."""
        created = {
            op.resource_id
            for op in trial.ops
            if op.kind == "create" and op.type == "ok" and op.resource_id
        }
        try:
            found = {
                r["id"]
                for r in parse_list(listing).resources
                if isinstance(r.get("id"), str) and self.ns.owns_resource(r)
            }
        except ValueError:
            found = set()
        self.finish(trial)
        self.discard([("User", rid) for rid in created | found])

"""DuplicateRaceUser: concurrent creates of one account, as an identity provider's retries and
parallel provisioning jobs produce them.

Three trials, ``--fan-out`` K creates in flight together, then a filter lookup:

- ``username-race``: K POSTs of the same user (same ``userName``): exactly one may be
  created, the others must hear 409 ``uniqueness`` (RFC 7644 3.3); the lookup by
  ``userName`` finds exactly one. Then one more create of the same userName in upper case
  (``LOADSCIM-...``): ``userName`` is ``caseExact: false`` (RFC 7643 4.1.1), so it must hear
  409 too; and a lookup by the upper-case userName, as Okta's spec test does, must find the
  account (RFC 7644 3.4.2.2 compares by ``caseExact``);
- ``externalid-race``: K POSTs of distinct userNames with the same ``externalId``:
  RFC 7643 does not make ``externalId`` unique, so every ok create must be found by the
  lookup by ``externalId`` (and a server that does refuse must refuse with 409);
- ``displayname-race``: K POSTs of groups with the same ``displayName`` (not unique in RFC
  7643, unique in many servers): each answer is 201 or 409, never a 5xx
  (``5xx-on-conflict``), and the lookup by ``displayName`` finds every ok create. Not run
  without ``Group`` in /ResourceTypes.

Checks: ``duplicate_create``, ``conflict_status``, and ``compatibility`` with a vendor
dialect: the creates and lookups are those of ``--dialect`` (default ``rfc``): Okta's create
body (``password``, ``groups: []``) and its lookup with ``startIndex=1&count=100``, Entra
ID's create (enterprise schema, ``meta``) and its ``externalId`` matching query.
"""

from __future__ import annotations

from locust import between, task

import contextlib
from functools import partial
from typing import Any

from loadscim.scim import payloads
from loadscim.scim.parse import parse_list
from loadscim.users.base import ScimUser

CHECKS = ("duplicate_create", "conflict_status")


class DuplicateRaceUser(ScimUser):
    """Races creates of one account and looks it up."""

    checks: tuple[str, ...] = CHECKS
    creates_groups = True

    wait_time = between(0.05, 0.2)

    @task
    def username_race(self) -> None:
        tag = self.tag()
        user_name = self.ns.user_name(tag)
        trial = self.new_trial("username-race", CHECKS, attribute="userName", user_name=user_name)
        d = self.dialect
        request = d.create_user(
            user_name, self.ns.external_id(tag), "Dup", "Licate", f"{user_name}@example.com"
        )
        racers = self.racers(trial, self.fan_out)
        self.race([partial(self.send, request, via=r, expect=(409,)) for r in racers])
        scim = self.scim.for_trial(trial)
        lookup = self.send(d.lookup_user(user_name), via=scim)
        variant = user_name.upper()  # the same userName, as RFC 7643 4.1.1 compares it
        self.send(
            d.create_user(
                variant,
                self.ns.external_id(f"{tag}-case"),
                "Dup",
                "Licate",
                f"{user_name}@example.com",
            ),
            via=scim,
            expect=(409,),
        )
        variant_lookup = self.send(d.lookup_user(variant), via=scim)
        self._finish(trial, lookup.observed, variant_lookup.observed)

    @task
    def external_id_race(self) -> None:
        tag = self.tag()
        external_id = self.ns.external_id(tag)
        trial = self.new_trial(
            "externalid-race", CHECKS, attribute="externalId", external_id=external_id
        )
        racers = self.racers(trial, self.fan_out)
        d = self.dialect
        names = [self.ns.user_name(f"{tag}-{i}") for i in range(len(racers))]
        requests = [
            d.create_user(name, external_id, "Ext", "Twin", f"{name}@example.com")
            for name in names
        ]
        self.race(
            [
                partial(self.send, request, via=r, expect=(409,))
                for r, request in zip(racers, requests, strict=True)
            ]
        )
        lookup = self.send(
            d.lookup_user_by_external_id(external_id), via=self.scim.for_trial(trial)
        )
        self._finish(trial, lookup.observed)

    @task
    def display_name_race(self) -> None:
        """Plain RFC requests in every dialect (Entra's group create carries a schema many
        servers refuse: entra_initial_cycle judges that)."""
        if not self.requires("Group"):
            return
        name = self.ns.display_name(self.tag())
        trial = self.new_trial("displayname-race", CHECKS, attribute="displayName")
        racers = self.racers(trial, self.fan_out)
        body = payloads.group(name)
        self.race([partial(r.create, "Group", body, expect=(409,)) for r in racers])
        lookup = self.scim.for_trial(trial).search(
            "Group", payloads.eq_filter("displayName", name)
        )
        self._finish(trial, lookup.observed)

    def _finish(self, trial: Any, *listings: Any) -> None:
        """Judge the trial, then delete every account it made (created or found)."""
        created = {
            op.resource_id
            for op in trial.ops
            if op.kind == "create" and op.type == "ok" and op.resource_id
        }
        found: set[str] = set()
        for listing in listings:
            with contextlib.suppress(ValueError):
                found |= {
                    r["id"]
                    for r in parse_list(listing).resources
                    if isinstance(r.get("id"), str) and self.ns.owns_resource(r)
                }
        self.finish(trial)
        rtype = "Group" if trial.kind == "displayname-race" else "User"
        self.discard([(rtype, rid) for rid in created | found])

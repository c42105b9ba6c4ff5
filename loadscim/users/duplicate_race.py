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

from loadscim.checks import CheckerName
from loadscim.scim import payloads
from loadscim.scim.parse import parse_list
from loadscim.users.base import ScimUser
from loadscim.users.trials import TrialRun

CHECKS: tuple[CheckerName, ...] = ("duplicate_create", "conflict_status")


class DuplicateRaceUser(ScimUser):
    """Races creates of one account and looks it up."""

    checks: tuple[str, ...] = CHECKS
    creates_groups = True

    wait_time = between(0.05, 0.2)

    @task
    def username_race(self) -> None:
        tag = self.tag()
        user_name = self.ns.user_name(tag)
        d = self.dialect
        request = d.create_user(
            user_name, self.ns.external_id(tag), "Dup", "Licate", f"{user_name}@example.com"
        )
        with self.trial("username-race", CHECKS, attribute="userName", user_name=user_name) as t:
            self.race([partial(self.send, request, via=r, expect=(409,)) for r in t.racers()])
            lookup = self.send(d.lookup_user(user_name), via=t.scim)
            variant = user_name.upper()  # the same userName, as RFC 7643 4.1.1 compares it
            self.send(
                d.create_user(
                    variant,
                    self.ns.external_id(f"{tag}-case"),
                    "Dup",
                    "Licate",
                    f"{user_name}@example.com",
                ),
                via=t.scim,
                expect=(409,),
            )
            variant_lookup = self.send(d.lookup_user(variant), via=t.scim)
            self._discard_found(t, lookup.observed, variant_lookup.observed)

    @task
    def external_id_race(self) -> None:
        tag = self.tag()
        external_id = self.ns.external_id(tag)
        d = self.dialect
        meta = {"attribute": "externalId", "external_id": external_id}
        with self.trial("externalid-race", CHECKS, **meta) as t:
            racers = t.racers()
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
            lookup = self.send(d.lookup_user_by_external_id(external_id), via=t.scim)
            self._discard_found(t, lookup.observed)

    @task
    def display_name_race(self) -> None:
        """Plain RFC requests in every dialect (Entra's group create carries a schema many
        servers refuse: entra_initial_cycle judges that)."""
        if not self.requires("Group"):
            return
        name = self.ns.display_name(self.tag())
        with self.trial("displayname-race", CHECKS, attribute="displayName") as t:
            body = payloads.group(name)
            self.race([partial(r.create, "Group", body, expect=(409,)) for r in t.racers()])
            lookup = t.scim.search("Group", payloads.eq_filter("displayName", name))
            self._discard_found(t, lookup.observed, resource_type="Group")

    def _discard_found(self, t: TrialRun, *listings: Any, resource_type: str = "User") -> None:
        """Delete at the end the run's resources the lookups found too (a create whose answer
        was lost); what the trial's creates made is deleted anyway."""
        for listing in listings:
            with contextlib.suppress(ValueError):
                for r in parse_list(listing).resources:
                    if isinstance(r.get("id"), str) and self.ns.owns_resource(r):
                        t.discard_later(resource_type, r["id"])

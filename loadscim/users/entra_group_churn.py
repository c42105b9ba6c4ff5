"""EntraGroupChurnUser: membership changes of a large group, sent in parallel as Entra ID does.

Microsoft Entra ID sends group membership PATCHes in parallel (docs/scim-reference.md: "Several SCIM
servers have lost members that way (read the whole group, change it, write it back, with
no version check)"). Each Locust user is one Entra provisioning job on one large group:

- set-up, on the app's side (not measured, not Entra's requests): ``--population``
  accounts in the group and ``--fan-out`` more outside it; then Entra matches the group by
  displayName (``GET /Groups?excludedAttributes=members&filter=displayName eq "..."``);
- each trial (``membership-churn``): the group's members as they are now (read on the app's
  side), then ``--fan-out`` PATCHes in flight together, half adding an account from outside,
  half removing a member, in the dialect's form; then the whole group read back (a plain
  GET: Entra's own reads exclude members).

The group already exists in the app and is matched, not created: scim2-server (the embedded
target) refuses the Create Group request of both Entra dialects (its ADSCIM schema URI),
and this scenario is about the membership PATCHes; ``entra_initial_cycle --entra-groups
create`` sends that create.

The default dialect is ``entra-compliant`` (the ``aadOptscim062020`` flag: removals by a
``members[value eq "..."]`` path), which the embedded target accepts. With ``--dialect
entra`` (the default Entra job), every removal is ``{"op":"Remove","path":"members",
"value":[{"value":"<id>"}]}``, which scim2-server refuses (400 ``invalidValue``): a
``compatibility`` finding, and the run FAILs, as an Entra integration with that server would.

Checks: ``lost_update`` (an ok add missing from the group, an ok removal undone),
``conflict_status``, ``compatibility``.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import between, task

from functools import partial
from typing import Any

import gevent.pool

from loadscim.checks import CheckerName
from loadscim.client import ScimClient
from loadscim.harness.finish import quiet_client
from loadscim.scim import payloads
from loadscim.scim.dialects import get_dialect
from loadscim.scim.parse import member_ids, parse_list
from loadscim.users.base import ScimUser

CHECKS: tuple[CheckerName, ...] = ("lost_update", "conflict_status")


class EntraGroupChurnUser(ScimUser):
    """Keeps one large group of its own and races Entra's membership PATCHes on it."""

    creates_groups = True
    checks: tuple[str, ...] = CHECKS

    dialect = get_dialect("entra-compliant")
    wait_time = between(0.05, 0.2)
    group_id: str | None = None
    pool: list[str]
    app: ScimClient

    def on_start(self) -> None:
        super().on_start()
        self.pool = []
        if not self.requires("Group", *CHECKS) or not self.requires("patch", *CHECKS):
            return
        self.app = quiet_client(self.rt)
        self.app.throttle = self.rt.new_throttle()  # a 429 resent after Retry-After
        self.pool = app_users(self, self.app, self.population + self.fan_out)
        members = self.pool[: self.population]
        name = self.ns.display_name(self.tag())
        made = self.app.create("Group", payloads.group(name, members))
        if made.type != "ok" or not made.resource_id:
            return
        found = self.send(self.dialect.lookup_group(name))  # Entra matches by displayName
        self.group_id = only_id(found.observed) or made.resource_id

    @task
    def churn(self) -> None:
        gid = self.group_id
        if gid is None:
            return
        now = self.app.get("Group", gid)
        if now.type != "ok":
            return
        members = member_ids(now.observed)
        outside = [u for u in self.pool if u not in members]
        adds = self.rng.sample(outside, min(len(outside), max(1, self.fan_out // 2)))
        removes = self.rng.sample(sorted(members), min(len(members), self.fan_out - len(adds)))
        d = self.dialect
        requests = [d.add_members(gid, [u]) for u in adds]
        requests += [d.remove_members(gid, [u]) for u in removes]
        meta = {"initial_members": sorted(members), "group": gid}
        with self.trial("membership-churn", CHECKS, **meta) as t:
            self.race(
                [
                    partial(self.send, q, via=r, expect=(409, 412))
                    for r, q in zip(t.racers(len(requests)), requests, strict=True)
                ]
            )
            t.scim.get("Group", gid)


def app_users(user: ScimUser, app: ScimClient, count: int) -> list[str]:
    """``count`` namespaced accounts created on the app's side (``app``: quiet, not
    measured, so the statistics hold the identity provider's traffic only)."""
    ids: list[str] = []

    def create(_: int) -> None:
        tag = user.tag()
        body = payloads.user(user.ns.user_name(tag), external_id=user.ns.external_id(tag))
        op = app.create("User", body)
        if op.type == "ok" and op.resource_id:
            ids.append(op.resource_id)

    gevent.pool.Pool(8).map(create, range(count))
    return ids


def only_id(listing: Any) -> str | None:
    """The id of the only resource in a ListResponse, or None."""
    try:
        page = parse_list(listing)
    except ValueError:
        return None
    if len(page.resources) != 1:
        return None
    rid = page.resources[0].get("id")
    return rid if isinstance(rid, str) else None

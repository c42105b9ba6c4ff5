"""OktaGroupPushUser: Okta's Push Groups, with membership updates racing, in Okta's requests.

Okta pushes a group as ``POST /Groups`` with ``"members": []`` and then keeps its
membership in step by PATCH; and "the group name update operation is triggered each time
there is a group membership update operation" (Okta's SCIM 2.0 reference): every
membership PATCH is followed by a rename PATCH ``{"op":"replace","value":{"id":"<gid>",
"displayName":"..."}}``. When several memberships change at once (an admin assigns a team),
those pairs are in flight together, and a server that reads the whole group, changes it
and writes it back loses members, to the membership PATCHes or to the renames.

Each Locust user keeps a pool of ``--fan-out`` accounts (created once, outside any trial:
Okta provisioned them earlier). Trials, each on a group it pushes itself (okta dialect by
default):

- ``push-add``: the group is pushed empty, then ``--fan-out`` pushes race, each adding one
  member (its id and Okta's ``display``) followed by the rename;
- ``push-mixed``: the group is pushed and half the pool added in one push; then pushes race:
  removals (Okta's ``members[value eq "..."]``) of some members and additions of the others,
  each followed by the rename.

Then the group is read back (plain GET) and deleted (Okta deletes a pushed group it unlinks).
In a sampled trial (``--visibility-sample``) the final read is the first poll of the time to
visibility of each push's member (``member-add``, ``member-remove``).

Checks: ``lost_update`` (lost members, removals undone, the displayName), ``conflict_status``
(409 / 412 with an Error body, no 5xx under contention), ``compatibility``.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import between, task

from collections.abc import Sequence
from functools import partial

from loadscim.checks import CheckerName
from loadscim.client import ScimClient
from loadscim.ops import Op
from loadscim.scim.dialects import Member, get_dialect
from loadscim.users.base import ScimUser
from loadscim.users.trials import TrialRun

CHECKS: tuple[CheckerName, ...] = ("lost_update", "conflict_status")


class OktaGroupPushUser(ScimUser):
    """Pushes groups of its own and races their membership updates."""

    creates_groups = True
    checks: tuple[str, ...] = CHECKS

    dialect = get_dialect("okta")
    wait_time = between(0.05, 0.2)
    pool: list[Member]

    def on_start(self) -> None:
        super().on_start()
        self.pool = []
        if not self.requires("Group", *CHECKS) or not self.requires("patch", *CHECKS):
            return
        d = self.dialect
        setup = self.parallel(self.fan_out)
        tags = [self.tag() for _ in range(max(2, self.fan_out))]
        emails = [f"{self.ns.user_name(tag)}@example.com" for tag in tags]
        requests = [
            d.create_user(self.ns.user_name(tag), self.ns.external_id(tag), "Push", "Member", email)
            for tag, email in zip(tags, emails, strict=True)
        ]
        ops = self.race([partial(self.send, r, via=setup) for r in requests])
        self.pool = [
            Member(op.resource_id, email)
            for op, email in zip(ops, emails, strict=True)
            if op.type == "ok" and op.resource_id
        ]

    @task
    def push_add(self) -> None:
        if len(self.pool) < 2:
            return
        with self.trial("push-add", CHECKS) as t:
            pushed = self._push_group(t)
            if pushed is None:
                return
            gid, name = pushed
            sent = self._race_pushes(t, gid, name, [([m], []) for m in self.pool])
            self.members_visible(t.trial, gid, t.scim.get("Group", gid), sent)
        self._unpush(gid)

    @task
    def push_mixed(self) -> None:
        if len(self.pool) < 4:
            return
        with self.trial("push-mixed", CHECKS) as t:
            pushed = self._push_group(t)
            if pushed is None:
                return
            gid, name = pushed
            half = len(self.pool) // 2
            initial, newcomers = self.pool[:half], self.pool[half:]
            for request in self.dialect.push_group_membership(gid, name, add=initial):
                self.send(request, via=t.scim)
            changes: list[tuple[list[Member], list[str]]] = [([m], []) for m in newcomers]
            changes += [([], [m.value]) for m in initial[::2]]
            sent = self._race_pushes(t, gid, name, changes)
            self.members_visible(t.trial, gid, t.scim.get("Group", gid), sent)
        self._unpush(gid)

    # -- steps ----------------------------------------------------------------------------

    def _push_group(self, t: TrialRun) -> tuple[str, str] | None:
        """Okta's group push: POST /Groups with no members, in the trial. The group is
        deleted after the trial by Okta's own request (:meth:`_unpush`)."""
        tag = self.tag()
        name = self.ns.display_name(tag)
        request = self.dialect.create_group(name, external_id=self.ns.external_id(tag))
        created = self.send(request, via=t.scim)
        if created.type != "ok" or not created.resource_id:
            return None
        t.keep("Group", created.resource_id)
        return created.resource_id, name

    def _race_pushes(
        self,
        t: TrialRun,
        gid: str,
        name: str,
        changes: Sequence[tuple[list[Member], list[str]]],
    ) -> list[tuple[Op, str, bool]]:
        """Each change is one push (membership PATCH, then the rename), all racing; the
        membership PATCH of each push of one member, with the member and whether it adds."""

        def push(racer: ScimClient, add: list[Member], remove: list[str]) -> Op:
            sent = [
                self.send(request, via=racer, expect=(409, 412))
                for request in self.dialect.push_group_membership(gid, name, add=add, remove=remove)
            ]
            return sent[0]  # the membership PATCH (the rename follows)

        racers = t.racers(len(changes))
        pushed = self.race([partial(push, r, *c) for r, c in zip(racers, changes, strict=True)])
        # Time to visibility of each push's one member (pushes change distinct members).
        return [
            (op, added[0].value if added else removed[0], bool(added))
            for op, (added, removed) in zip(pushed, changes, strict=True)
            if len(added) + len(removed) == 1
        ]

    def _unpush(self, gid: str) -> None:
        """Okta deletes a pushed group it unlinks (its request, judged for compatibility;
        the run's model forgets a deleted group by itself)."""
        self.send(self.dialect.delete_group(gid), via=self.parallel(1), expect=(404,))

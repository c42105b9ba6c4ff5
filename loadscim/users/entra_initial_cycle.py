"""EntraInitialCycleUser: Entra ID's initial provisioning cycle, as fast as the target takes it.

Entra ID's first cycle "creates everything in scope" (docs/scim-reference.md), matching each object
first with a filter query: users by ``userName``, groups by ``displayName`` (with
``excludedAttributes=members``), then creating what it did not find, then adding the members
to the groups, membership PATCHes in parallel. Each Locust user is one provisioning worker
with no think time (``constant(0)``); each iteration is a slice of the cycle:

1. ``--population`` users, ``--fan-out`` at a time: the matching query (none found), the
   create (Entra's body: enterprise schema, ``externalId``, a work email), and the matching
   query again (the next cycle's, or a parallel job's: exactly this one account must be
   found, or Entra creates a duplicate or stops on "multiple matches");
2. one group: the matching query; with ``--entra-groups match`` (default) the group already
   exists in the app (made on the app's side, not measured) and is found; with
   ``--entra-groups create`` it does not, and Entra creates it (``POST /Groups`` with the
   ``ADSCIM/2.0/Group`` schema URI, which scim2-server refuses: a ``compatibility`` finding);
3. the slice's users added to the group, five per PATCH, the PATCHes in parallel; the
   group read back.

Checks: ``duplicate_create`` (each matching query after a create finds exactly that account),
``lost_update`` and ``conflict_status`` (the parallel member adds), ``reconcile`` (every account
at the end), ``compatibility``. A note gives the throughput: accounts, groups and members
provisioned per second. The accounts stay until the run's cleanup, so the target's population
grows as in a real initial cycle.

The default dialect is ``entra`` (no request of this cycle differs in ``entra-compliant``
except the PATCH ops' case).
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import constant, events, task

import time
from collections import Counter
from functools import partial
from typing import Any

import gevent
import gevent.pool

from loadscim.checks import CheckerName
from loadscim.client import ScimClient
from loadscim.harness import runtime
from loadscim.harness.finish import quiet_client
from loadscim.scim import payloads
from loadscim.scim.dialects import get_dialect
from loadscim.users.base import ScimUser
from loadscim.users.entra_group_churn import only_id
from loadscim.users.trials import TrialRun
from loadscim.visibility import GRACE_S, MAX_INTERVAL_S

USER_CHECKS: tuple[CheckerName, ...] = ("duplicate_create",)
GROUP_CHECKS: tuple[CheckerName, ...] = ("lost_update", "conflict_status")
MEMBERS_PER_PATCH = 5
GROUP_MODES = ("match", "create")

_TOTALS: Counter[str] = Counter()
"""What this process provisioned (accounts, groups, memberships), for the throughput note."""


class EntraInitialCycleUser(ScimUser):
    """One Entra provisioning worker of an initial cycle."""

    creates_groups = True
    checks: tuple[str, ...] = USER_CHECKS + GROUP_CHECKS
    follows = ("active",)

    dialect = get_dialect("entra")
    wait_time = constant(0)
    app: ScimClient

    def on_start(self) -> None:
        super().on_start()
        self.app = quiet_client(self.rt)
        self.app.throttle = self.rt.new_throttle()  # a 429 resent after Retry-After
        self.with_groups = self.requires("Group", *GROUP_CHECKS) and self.requires(
            "patch", *GROUP_CHECKS
        )

    @property
    def group_mode(self) -> str:
        return str(getattr(self.rt.options, "entra_groups", "") or "match")

    @task
    def cycle_slice(self) -> None:
        created = self._users()
        if created and self.with_groups:
            self._provision_group(created)

    def _users(self) -> list[str]:
        d = self.dialect
        created: list[str] = []
        with self.trial("initial-cycle-users", USER_CHECKS, attribute="userName") as t:
            t.keep_all()  # the cycle's accounts stay until the run's cleanup
            racers = t.racers()

            def provision(i: int) -> None:
                via = racers[i % len(racers)]
                tag = self.tag()
                name = self.ns.user_name(tag)
                self.send(d.lookup_user(name), via=via, expect=(404,))
                request = d.create_user(
                    name, self.ns.external_id(tag), "Initial", f"Cycle{i}", f"{name}@example.com"
                )
                op = self.send(request, via=via, expect=(409,))
                if op.type == "ok" and op.resource_id:
                    created.append(op.resource_id)
                self.send(d.lookup_user(name), via=via, expect=(404,))

            gevent.pool.Pool(self.fan_out).map(provision, range(self.population))
        _TOTALS["users"] += len(created)
        return created

    def _provision_group(self, users: list[str]) -> None:
        d = self.dialect
        tag = self.tag()
        name = self.ns.display_name(tag)
        meta: dict[str, Any] = {}
        if self.group_mode == "match":
            made = self.app.create("Group", payloads.group(name))
            if made.type != "ok":
                return
            meta["initial_members"] = []
            self._until_listed(name)
        with self.trial("initial-cycle-group", GROUP_CHECKS, **meta) as t:
            t.keep_all()
            gid = only_id(self.send(d.lookup_group(name), via=t.scim).observed)
            if gid is None:
                request = d.create_group(name, external_id=self.ns.external_id(tag))
                created = self.send(request, via=t.scim, expect=(409,))
                if created.type != "ok" or not created.resource_id:
                    return
                gid = created.resource_id
            _TOTALS["groups"] += 1
            self._add_members(t, gid, users)

    def _until_listed(self, name: str) -> None:
        """With a consistency window, wait (bounded) until the group the app already has
        shows in a displayName filter: the cycle's matching query comes later in real life."""
        if not self.consistency_window:
            return
        lookup = payloads.eq_filter("displayName", name)
        deadline = time.monotonic() + self.consistency_window + GRACE_S
        while only_id(self.app.search("Group", lookup).observed) is None:
            if time.monotonic() > deadline:
                return
            gevent.sleep(MAX_INTERVAL_S)

    def _add_members(self, t: TrialRun, gid: str, users: list[str]) -> None:
        batches = [
            users[i : i + MEMBERS_PER_PATCH] for i in range(0, len(users), MEMBERS_PER_PATCH)
        ]
        racers = t.racers(len(batches))
        ops = self.race(
            [
                partial(self.send, self.dialect.add_members(gid, b), via=r, expect=(409, 412))
                for r, b in zip(racers, batches, strict=True)
            ]
        )
        _TOTALS["members"] += sum(
            len(b) for b, op in zip(batches, ops, strict=True) if op.type == "ok"
        )
        t.scim.get("Group", gid)


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    parser.add_argument(
        "--entra-groups",
        choices=GROUP_MODES,
        default="match",
        help="entra_initial_cycle: groups already in the app and matched (match, default), "
        "or created by Entra's own request (create).",
    )


@events.test_start.add_listener
def _reset(**_kw: Any) -> None:
    _TOTALS.clear()


@events.test_stop.add_listener
def _throughput(environment: Any, **_kw: Any) -> None:
    """A note with what this process provisioned and how fast (workers: each its own)."""
    if not _TOTALS:
        return
    rt = runtime(environment)
    if rt.started is None:
        return
    seconds = max((rt.stopped or rt.started) - rt.started, 1e-9)
    mode = "matched" if rt.options is None or rt.options.entra_groups == "match" else "created"
    rt.recorder.notes.append(
        f"initial cycle: {_TOTALS['users']} accounts created ({_TOTALS['users'] / seconds:.0f}/s), "
        f"{_TOTALS['groups']} groups {mode}, {_TOTALS['members']} memberships added "
        f"({_TOTALS['members'] / seconds:.0f}/s) in {seconds:.0f} s"
    )

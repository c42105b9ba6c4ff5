"""DeprovisionStormUser: a population deactivated and deleted within a short window.

The Monday-morning offboarding, or an identity provider catching up after an outage: each
trial creates ``--population`` N accounts of its own, then, with ``--fan-out`` requests in
flight at a time, deactivates all of them (PATCH ``active=false``, the way Okta and Entra
ID deprovision), DELETEs half of them, and reads every one back: by id, and by a
``userName`` filter for the deleted ones (RFC 7644 3.6: a deleted resource is 404 and
omitted from query results). The deactivation of every second account not deleted races a
profile PATCH of the same account (``name.givenName``, as an IdP's profile sync sends it): a
server that saves the whole row it read undoes the deactivation (``lost-deactivation``, told
from a server ignoring deactivations by the accounts nothing raced).

In a sampled trial (``--visibility-sample``) each racer polls the ``userName`` filter after
its deactivation or DELETE until the listing shows it: the time to visibility of
``deactivate`` and ``delete`` (:mod:`loadscim.users.polls`).
The trial's accounts are named by its prefix (``loadscim-<run>-<trial>-<i>``) and paged
(``userName sw "<prefix>"``, ``startIndex`` and ``count`` a quarter of the population) three
times: while the second half is created, while they are deprovisioned, and at the end
(``pagination``: no page skips, a right ``totalResults``; not run without filters).

Checks: ``zombie`` (active after an ok deactivation, present or listed after an ok DELETE),
``conflict_status``, ``pagination``, and ``compatibility`` with a vendor dialect.

The creates, deactivations and DELETEs are those of ``--dialect`` (default ``rfc``): Okta's
path-less ``{"op":"replace","value":{"active":false}}`` (and no DELETE: Okta never deletes
a user, so nobody is deleted), Entra ID's ``{"op":"Replace","path":"active","value":"False"}``
(a string) or, with ``entra-compliant``, a real boolean. The reads back are plain GETs and
``userName`` filters.
"""

from __future__ import annotations

from locust import between, task

from collections.abc import Callable
from functools import partial
from typing import Any

import gevent
import gevent.pool

from loadscim.checks import CheckerName
from loadscim.client import ScimClient
from loadscim.scim import payloads
from loadscim.scim.parse import parse_list
from loadscim.users import polls
from loadscim.users.base import ScimUser
from loadscim.users.trials import TrialRun

CHECKS: tuple[CheckerName, ...] = ("zombie", "conflict_status", "pagination")


class DeprovisionStormUser(ScimUser):
    """Creates a population, then deprovisions it all at once and reads it back."""

    checks: tuple[str, ...] = CHECKS

    wait_time = between(0.1, 0.3)

    @task
    def storm(self) -> None:
        # Checked when the block ends; what its creates made (the population) deleted then.
        with self.trial("deprovision-storm", CHECKS) as t:
            self._storm(t)

    def _storm(self, t: TrialRun) -> None:
        trial = t.trial
        users: list[tuple[str, str]] = []  # (id, userName)
        setup = self.parallel(self.fan_out).for_trial(trial)
        prefix = self.ns.user_name(f"{trial.id}-")
        pagers = [f"{self.process}.pager{i}" for i in (1, 2, 3)]
        paging = self.requires("filter", "pagination")
        if paging:
            trial.meta["paging"] = {"prefix": prefix, "processes": pagers}

        d = self.dialect

        def create(i: int) -> None:
            tag = f"{trial.id}-{i}"  # every name starts with the trial's prefix
            name = self.ns.user_name(tag)
            request = d.create_user(
                name, self.ns.external_id(tag), "Leaving", "Soon", f"{name}@example.com"
            )
            op = self.send(request, via=setup)
            if op.type == "ok" and op.resource_id:
                users.append((op.resource_id, name))

        def page_through(process: str) -> None:
            if paging:
                self._page_through(setup.for_trial(trial, process=process), prefix)

        half_way = self.population // 2
        self._pooled(create, range(half_way))
        self._alongside(partial(page_through, pagers[0]), create, range(half_way, self.population))
        racers = t.racers()
        deletes = d.supports("hard_delete_user")
        half = set(uid for uid, _ in users[::2]) if deletes else set()
        # Okta updates a profile by GET and a PUT of the whole user (active included).
        profile_by_patch = d.name != "okta" and d.supports("update_profile")
        kept = [uid for uid, _ in users if uid not in half]
        raced = set(kept[::2]) if profile_by_patch else set()
        sampled = self.sample_visibility()

        def deprovision(i: int) -> None:
            uid, name = users[i]
            racer = racers[i % len(racers)]
            by_name = partial(racer.search, "User", payloads.eq_filter("userName", name))
            deactivate = d.set_active(uid, False)
            if uid not in raced:
                off = self.send(deactivate, via=racer, expect=(409, 412))
                if sampled and uid not in half:  # time to visibility, in the filter's listing
                    shows = polls.listed_with(uid, "active", False)
                    self.await_visible("deactivate", off, by_name, shows)
            else:
                # The IdP's profile sync of the same user, in flight with the deactivation.
                rename = d.update_profile(uid, None, {"name.givenName": "Renamed"})
                self.race(
                    [
                        partial(self.send, deactivate, via=racer, expect=(409, 412)),
                        partial(self.send, rename, via=racer, expect=(409, 412)),
                    ]
                )
            if uid in half:
                gone = self.send(d.hard_delete_user(uid), via=racer, expect=(404,))
                if sampled:
                    self.await_visible("delete", gone, by_name, polls.not_listed(uid))

        self._alongside(partial(page_through, pagers[1]), deprovision, range(len(users)))

        def read_back(i: int) -> None:
            uid, name = users[i]
            racer = racers[i % len(racers)]
            racer.get("User", uid, expect=(404,))
            if uid in half:
                racer.search("User", payloads.eq_filter("userName", name))

        self._pooled(read_back, range(len(users)))
        page_through(pagers[2])

    def _page_through(self, client: ScimClient, prefix: str) -> None:
        """Page the Users whose userName starts with ``prefix``, as an IdP's import does:
        ``startIndex`` 1, then on by what each page listed, until ``totalResults``."""
        size = max(2, min(100, self.population // 4))
        start = 1
        for _ in range(2 * self.population // size + 3):
            page = client.search(
                "User", payloads.sw_filter("userName", prefix), start_index=start, count=size
            )
            try:
                listing = parse_list(page.observed) if page.type == "ok" else None
            except ValueError:
                listing = None
            if listing is None:
                return
            listed = len(listing.resources)
            start += listed
            # A short page is no end (RFC 7644 3.4.2.4 lets a server return fewer than
            # ``count``): totalResults is, as for Okta's import.
            if not listed or start > listing.total:
                return

    def _alongside(self, side: Callable[[], Any], work: Callable[[int], Any], items: Any) -> None:
        """``side`` in a greenlet of its own while ``work`` runs pooled over ``items``."""
        greenlet = gevent.spawn(side)
        try:
            self._pooled(work, items)
        finally:
            greenlet.join()
        if greenlet.exception is not None:
            raise greenlet.exception

    def _pooled(self, work: Callable[[int], Any], items: Any) -> None:
        """Run ``work`` over ``items`` with ``--fan-out`` in flight at a time."""
        pool = gevent.pool.Pool(self.fan_out)
        for item in items:
            pool.spawn(work, item)
        pool.join(raise_error=True)

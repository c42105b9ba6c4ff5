"""LifecycleUser: the provisioning lifecycle of Okta's SCIM CRUD test, as concurrent load.

Each iteration is one trial on one namespaced account of its own::

    GET /Users?filter=userName eq "..."   (expect none)
    POST /Users                           create
    GET /Users/{id}                       verify
    PUT /Users/{id}                       profile update
    GET /Users/{id}                       verify
    PATCH /Users/{id}  active=false       deactivate
    GET /Users/{id}                       verify inactive
    PATCH /Users/{id}  active=true        reactivate
    GET /Users/{id}                       verify
    PATCH active=false, or DELETE         deprovision (seeded choice)
    GET /Users/{id}                       verify (inactive, or 404)

In a sampled trial (``--visibility-sample``) the time to visibility of the create (by id,
then by a ``userName`` filter), of the deactivation and of the deprovisioning (in the filter's
listing) is measured by polling (:mod:`loadscim.users.polls`).

The checker ``read_your_writes`` judges each trial: a verify read that started after an ok
write completed must show that write. The run's model of each account (``follows``: it
folds every ok write by itself) feeds the end-of-run reconciliation.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import between, task

from functools import partial

from loadscim.scim import payloads
from loadscim.users import polls
from loadscim.users.base import WRITABLE, ScimUser
from loadscim.users.probes import probe_authentication


class LifecycleUser(ScimUser):
    """Walks namespaced accounts through create, update, deactivate, reactivate, deprovision."""

    checks: tuple[str, ...] = ("read_your_writes",)
    follows = ("active", "name.givenName", WRITABLE)

    wait_time = between(0.05, 0.3)
    delete_ratio = 0.5
    """Share of iterations that deprovision by DELETE (the rest by PATCH active=false)."""

    def on_start(self) -> None:
        super().on_start()
        probe_authentication(self)  # once per process, when the run sends credentials

    @task
    def lifecycle(self) -> None:
        tag = self.tag()
        user_name = self.ns.user_name(tag)
        delete = self.rng.random() < self.delete_ratio
        deprovision = "delete" if delete else "deactivate"
        with self.trial(
            "lifecycle", ("read_your_writes",), user_name=user_name, deprovision=deprovision
        ) as t:
            scim = t.scim
            scim.search("User", payloads.eq_filter("userName", user_name), expect=(404,))
            attribute = self.writable_attribute  # title, unless /Schemas says otherwise
            body = payloads.user(
                user_name,
                external_id=self.ns.external_id(tag),
                given_name="Ada",
                family_name=f"Lovelace{self.rng.randrange(1000)}",
                extra={attribute: "Engineer"},
            )
            created = scim.create("User", body, expect=(409,))
            if created.type != "ok" or not created.resource_id:
                return
            uid = created.resource_id
            t.keep("User", uid)  # reconciled at the end, then removed by the run's cleanup

            verify = scim.get("User", uid, expect=self.unseen_yet)
            sampled = self.sample_visibility()
            by_name = partial(scim.search, "User", payloads.eq_filter("userName", user_name))
            if sampled:  # time to visibility, by id (the verify read first) and by filter at once
                by_id = partial(scim.get, "User", uid, expect=(404,))
                self.race([
                    partial(self.await_visible, "create-by-id", created, by_id, polls.found,
                            verify),
                    partial(self.await_visible, "create-by-filter", created, by_name,
                            polls.lists(uid)),
                ])  # fmt: skip
            replacement = dict(body)
            replacement["id"] = uid
            replacement["name"] = {"givenName": "Grace", "familyName": body["name"]["familyName"]}
            replacement[attribute] = "Admiral"
            scim.replace("User", uid, replacement)
            scim.get("User", uid)
            off = scim.patch("User", uid, payloads.patch([payloads.set_active(False)]))
            scim.get("User", uid)
            if sampled:
                shows = polls.listed_with(uid, "active", False)
                self.await_visible("deactivate", off, by_name, shows)
            scim.patch("User", uid, payloads.patch([payloads.set_active(True)]))
            scim.get("User", uid)
            if delete:
                gone = scim.delete("User", uid)
                scim.get("User", uid, expect=(404,))
                if sampled:
                    self.await_visible("delete", gone, by_name, polls.not_listed(uid))
            else:
                off = scim.patch("User", uid, payloads.patch([payloads.set_active(False)]))
                scim.get("User", uid)
                if sampled:
                    shows = polls.listed_with(uid, "active", False)
                    self.await_visible("deactivate", off, by_name, shows)

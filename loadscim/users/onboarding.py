"""OnboardingUser: new hires provisioned, in the identity provider's own requests.

Each iteration is one trial on one new, namespaced account, as the IdP of ``--dialect``
provisions it (default ``rfc``)::

    lookup by userName          (expect none)
    create                      the IdP's create body
    verify                      GET /Users/{id}
    set the title               rfc / entra: PATCH; okta: the GET above, then PUT
    verify                      GET /Users/{id}

Used with a load shape (``scenarios/onboarding_burst.py``: a spike from 0 to ``--users``
within ``--shape-ramp``), it shows what a burst of onboarding does to latency and to
read-your-writes; in a sampled trial (``--visibility-sample``), the time to visibility of
the create by id and by a ``userName`` filter. Checks: ``read_your_writes`` per trial,
``reconcile`` at the end (the accounts stay until the run's cleanup, as onboarded accounts
do), ``compatibility`` for a vendor dialect.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import between, task

from functools import partial

from loadscim.checks import CheckerName
from loadscim.scim import payloads
from loadscim.users import polls
from loadscim.users.base import ScimUser

CHECKS: tuple[CheckerName, ...] = ("read_your_writes",)
ATTRIBUTES = ["userName", "name.givenName", "name.familyName", "title", "active"]
"""What the verify reads judge (a vendor's create also sends attributes a read never shows
in the same form: Okta's ``password``, Entra's ``roles``)."""


class OnboardingUser(ScimUser):
    """Provisions one new account per iteration and reads it back."""

    checks: tuple[str, ...] = CHECKS
    follows = ("active", "name.givenName", "name.familyName", "title")

    wait_time = between(0.05, 0.2)

    @task
    def onboard(self) -> None:
        d = self.dialect
        tag = self.tag()
        user_name = self.ns.user_name(tag)
        family = f"Hire{self.rng.randrange(10_000)}"
        with self.trial("onboarding", CHECKS, user_name=user_name, attributes=ATTRIBUTES) as t:
            scim = t.scim
            uid = self.provision(scim, tag, "New", family)
            if uid is None:
                return
            t.keep("User", uid)  # onboarded accounts stay until the run's cleanup
            read = self.send(d.get_user(uid), via=scim, expect=self.unseen_yet)
            if self.sample_visibility():  # time to visibility: by id (the read above), by filter
                ops = reversed(t.trial.ops)
                created = next(o for o in ops if o.kind == "create" and o.type == "ok")
                by_id = partial(self.send, d.get_user(uid), via=scim, expect=(404,))
                by_name = partial(scim.search, "User", payloads.eq_filter("userName", user_name))
                self.race([
                    partial(self.await_visible, "create-by-id", created, by_id, polls.found, read),
                    partial(self.await_visible, "create-by-filter", created, by_name,
                            polls.lists(uid)),
                ])  # fmt: skip
            ok = read.type == "ok" and isinstance(read.observed, dict)
            current = read.observed if ok else None
            if current is not None or d.name != "okta":  # Okta's: the GET, then a PUT
                self.send(d.update_profile(uid, current, {"title": "Engineer"}), via=scim)
                self.send(d.get_user(uid), via=scim)

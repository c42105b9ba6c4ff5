"""OktaCrudUser: the steps of Okta's SCIM "CRUD" test, as concurrent load, in Okta's requests.

Okta's CRUD test (docs/scim-reference.md: "create and assign a user, verify it on the server, update
``firstName``, verify, deactivate, verify deactivated, reactivate, reassign, verify
reactivated, unassign, verify deactivated") runs through a real Okta org; here each
iteration is one trial on one namespaced account of its own, in the requests of the ``okta``
dialect (Okta's SCIM 2.0 reference), which is the scenario's default::

     1 create     GET /Users?filter=userName eq "..."&startIndex=1&count=100  (none)
     2 assign     POST /Users   (Okta's body: password, groups: [], locale ...)
     3 verify     GET /Users/{id}
     4 update     GET /Users/{id}, then PUT of the whole user with a new givenName
     5 verify     GET /Users/{id}
     6 deactivate PATCH {"op":"replace","value":{"active":false}}   (no path)
     7 verify     GET /Users/{id}                                  (active false)
     8 reactivate PATCH {"op":"replace","value":{"active":true}}
     9 reassign   the existence check finds the account (GET by filter), then GET and PUT
                  of the profile, as Okta pushes it on assignment; and, from Okta's "SCIM
                  2.0 Spec" test, the same lookup in upper case, which must find it too
                  (RFC 7644 3.4.2.2: userName is caseExact false)
    10 verify     GET /Users/{id}                                  (active, new profile)
    11 unassign   PATCH active false (Okta never DELETEs a user)
    12 verify     GET /Users/{id}                                  (active false)

Okta's own steps 1 and 13 (make the user in Okta, remove it there) send nothing to the app.
The accounts stay, deactivated, until the run's cleanup: the end-of-run reconciliation
checks each (present, one per userName, inactive, the last profile written).

Checks: ``read_your_writes`` (every verify), ``reconcile``, ``compatibility`` (with ``okta``
or another vendor dialect). With ``--dialect`` other than okta the same steps go out in that
dialect (rfc and entra update the profile by PATCH; entra deprovisions by PATCH too).
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import between, task

from typing import Any

from loadscim.checks import CheckerName
from loadscim.client import ScimClient
from loadscim.scim.dialects import get_dialect
from loadscim.users.base import ScimUser
from loadscim.users.probes import probe_authentication

CHECKS: tuple[CheckerName, ...] = ("read_your_writes",)
ATTRIBUTES = ["userName", "name.givenName", "name.familyName", "active"]
"""What the verify reads judge (Okta's create also sends ``password``, ``locale`` ...)."""


class OktaCrudUser(ScimUser):
    """Walks a new account through Okta's CRUD test, one trial per account."""

    checks: tuple[str, ...] = CHECKS
    follows = ("active", "name.givenName", "name.familyName")

    dialect = get_dialect("okta")
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        super().on_start()
        probe_authentication(self)  # once per process, when the run sends credentials

    @task
    def crud(self) -> None:
        d = self.dialect
        tag = self.tag()
        user_name = self.ns.user_name(tag)
        family = f"Okta{self.rng.randrange(10_000)}"
        with self.trial("okta-crud", CHECKS, user_name=user_name, attributes=ATTRIBUTES) as t:
            scim = t.scim
            uid = self.provision(scim, tag, "Test", family)  # 1, 2
            if uid is None:
                return
            t.keep("User", uid)  # reconciled at the end, then removed by the run's cleanup
            self.send(d.get_user(uid), via=scim)  # 3
            self._update(scim, uid, {"name.givenName": "Updated"})  # 4
            self.send(d.get_user(uid), via=scim)  # 5
            self.send(d.set_active(uid, False), via=scim)  # 6
            self.send(d.get_user(uid), via=scim)  # 7
            self.send(d.set_active(uid, True), via=scim)  # 8
            self.send(d.lookup_user(user_name), via=scim)  # 9: reassign
            self.send(d.lookup_user(user_name.upper()), via=scim)  # Okta's spec test: upper case
            self._update(scim, uid, {"name.givenName": "Reassigned"})
            self.send(d.get_user(uid), via=scim)  # 10
            if d.supports("deprovision_user"):  # 11: unassign
                self.send(d.deprovision_user(uid), via=scim, expect=(404,))
                self.send(d.get_user(uid), via=scim, expect=(404,))  # 12

    def _update(self, scim: ScimClient, uid: str, changes: dict[str, Any]) -> None:
        """The dialect's profile update (Okta: GET, then PUT of what it read, changed)."""
        d = self.dialect
        current = None
        if d.name == "okta":
            read = self.send(d.get_user(uid), via=scim)
            if read.type != "ok" or not isinstance(read.observed, dict):
                return
            current = read.observed
        self.send(d.update_profile(uid, current, changes), via=scim)

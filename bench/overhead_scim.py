"""The loadscim side of bench/overhead.py: the same three requests through ``self.scim``.

Each iteration is one ``read_your_writes`` trial: POST /Users, GET /Users/{id} (judged
against the create), PATCH /Users/{id}; every request goes through ScimClient (invocation
and completion ops), the recorder (HDR histograms, drift, outcomes, the run's model) and the
trial is checked when it ends. The canned target answers every userName with the same
User, so the trial judges the attributes the canned answer shares with what was sent
(``title``, ``active``, ``name.givenName``): exact checks, no violations.
"""

from locust import constant, task

import overhead_cpu  # noqa: F401  (first: its test_stop runs before loadscim's end of run)

from loadscim.scim import payloads
from loadscim.users.base import ScimUser

JUDGED = ["title", "active", "name.givenName"]
PATCH = payloads.patch([payloads.patch_op("replace", "title", "Engineer")])


class BenchUser(ScimUser):
    wait_time = constant(0)
    checks = ("read_your_writes",)

    @task
    def iteration(self) -> None:
        tag = self.tag()
        trial = self.new_trial("bench", ("read_your_writes",), attributes=JUDGED)
        scim = self.scim.for_trial(trial)
        body = payloads.user(self.ns.user_name(tag), title="Engineer")
        created = scim.create("User", body)
        if created.type == "ok" and created.resource_id:
            scim.get("User", created.resource_id)
            scim.patch("User", created.resource_id, PATCH)
        self.finish(trial)

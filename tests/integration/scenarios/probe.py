"""A probe for the latency tests: one cheap read per iteration (GET /Users?count=1).

Not a product scenario: the open-model and accuracy tests need an iteration of exactly one
request, so that the schedule, the lateness and the percentiles are easy to reason about.
"""

from locust import task

from loadscim.users.base import ScimUser


class ProbeUser(ScimUser):
    def wait_time(self) -> float:  # closed loop without --pace / --arrival-rate: no wait
        return 0.0

    @task
    def probe(self) -> None:
        self.scim.search("User", count=1)

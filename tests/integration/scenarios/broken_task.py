"""A probe user whose task raises now and then: part of the workload does not run."""

from locust import task

from loadscim.users.base import ScimUser


class BrokenTaskUser(ScimUser):
    def wait_time(self) -> float:
        return 0.05

    @task
    def probe(self) -> None:
        op = self.scim.search("User", count=1)
        if op.seq % 5 == 0:
            raise KeyError("a bug in the scenario")

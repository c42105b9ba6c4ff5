"""The plain-Locust side of bench/overhead.py: what a bare FastHttpUser does per iteration.

POST /Users with an orjson body (parsing the id of the answer), GET /Users/{id},
PATCH /Users/{id}; no loadscim import (no ops, no HDR, no checks).
"""

from locust import FastHttpUser, constant, task

import itertools

import orjson
import overhead_cpu  # noqa: F401  (CPU time between test start and stop)

HEADERS = {"Accept": "application/scim+json", "Content-Type": "application/scim+json"}
PATCH = orjson.dumps(
    {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Engineer"}],
    }
)
_serial = itertools.count()


class PlainUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def iteration(self) -> None:
        user_name = f"bench-plain-{next(_serial)}"
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": "Load", "familyName": "Test"},
            "displayName": "Load Test",
            "emails": [{"value": f"{user_name}@example.test", "type": "work", "primary": True}],
            "active": True,
            "title": "Engineer",
        }
        r = self.client.post("/Users", data=orjson.dumps(body), headers=HEADERS, name="POST /Users")
        uid = orjson.loads(r.content)["id"]
        self.client.get(f"/Users/{uid}", headers=HEADERS, name="GET /Users/{id}")
        self.client.patch(f"/Users/{uid}", data=PATCH, headers=HEADERS, name="PATCH /Users/{id}")

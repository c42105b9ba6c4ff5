"""RetriesUser: an identity provider retrying after a timeout or a lost answer.

Each trial, on an account (and a group) of its own, replays what an IdP replays when it did
not hear back: the same POST after it succeeded (-> 409, then a lookup finds exactly one),
the same PATCH twice, the same PUT twice, the same membership PATCH twice, and DELETE twice
(-> 404 the second time); then it reads back. When an answer is lost (no answer at all),
the retry is what the IdP sends next, and its outcome may prove the write was applied.

Checks: ``idempotency`` (a replay converges to the same state, never a duplicate),
``answered`` (a write proven applied got an answer), ``conflict_status``.
"""

from __future__ import annotations

from locust import between, task

from loadscim.checks import CheckerName
from loadscim.client import ScimClient
from loadscim.ops import Op
from loadscim.scim import payloads
from loadscim.users.base import ScimUser

CHECKS: tuple[CheckerName, ...] = ("idempotency", "answered", "conflict_status")


class RetriesUser(ScimUser):
    """Sends every write twice, as an IdP retrying, and reads the outcome back."""

    creates_groups = True
    checks: tuple[str, ...] = CHECKS

    wait_time = between(0.05, 0.2)

    @task
    def retries(self) -> None:
        tag = self.tag()
        user_name = self.ns.user_name(tag)
        # Checked when the block ends, and what its creates made deleted (a duplicate too).
        with self.trial("retries", CHECKS, user_name=user_name) as t:
            scim = t.scim
            body = payloads.user(user_name, external_id=self.ns.external_id(tag), title="first")
            uid = self._create_twice(scim, "User", body, payloads.eq_filter("userName", user_name))
            gid = None
            if uid is not None:
                title = payloads.patch([payloads.patch_op("replace", "title", "patched")])
                for _ in range(2):
                    scim.patch("User", uid, title, expect=(409, 412))
                scim.get("User", uid)
                replacement = {**body, "id": uid, "title": "replaced", "displayName": "Re Placed"}
                for _ in range(2):
                    scim.replace("User", uid, replacement, expect=(409, 412))
                scim.get("User", uid)
                group_name = self.ns.display_name(self.tag())
                gid = self._create_twice(
                    scim,
                    "Group",
                    payloads.group(group_name),
                    payloads.eq_filter("displayName", group_name),
                    retry=False,
                )
                if gid is not None:
                    add = payloads.patch([payloads.add_members([uid])])
                    for _ in range(2):
                        scim.patch("Group", gid, add, expect=(409, 412))
                    scim.get("Group", gid)
                    self._delete_twice(scim, "Group", gid)
                self._delete_twice(scim, "User", uid)

    def _create_twice(
        self, scim: ScimClient, rtype: str, body: dict, lookup: str, retry: bool = True
    ) -> str | None:
        """POST, POST again (the IdP's retry), look the name up; the id of the resource."""
        first = scim.create(rtype, body, expect=(409,))
        second = scim.create(rtype, body, expect=(409,)) if retry or first.type != "ok" else None
        found = scim.search(rtype, lookup)
        for op in (first, second):
            if op is not None and op.type == "ok" and op.resource_id:
                return op.resource_id
        return _only_id(found)

    @staticmethod
    def _delete_twice(scim: ScimClient, rtype: str, rid: str) -> None:
        for _ in range(2):
            scim.delete(rtype, rid, expect=(404,))
        scim.get(rtype, rid, expect=(404,))


def _only_id(op: Op) -> str | None:
    """The id of the one resource a lookup found (after a create whose answer was lost)."""
    resources = op.observed.get("Resources") if isinstance(op.observed, dict) else None
    if isinstance(resources, list) and len(resources) == 1 and isinstance(resources[0], dict):
        rid = resources[0].get("id")
        return rid if isinstance(rid, str) else None
    return None

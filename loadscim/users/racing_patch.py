"""RacingPatchUser: concurrent PATCHes of one group's membership and of one user's attribute.

Identity providers send group membership changes in parallel (Entra ID does,
docs/scim-reference.md), and servers that read the whole group, change it and write it back
without a version check lose members that way. Four trials, each on resources only it
touches, ``--fan-out`` K requests in flight together:

- ``membership-add``: K users, one empty group, K concurrent ``PATCH add members`` of a
  distinct user each; then the group is read back;
- ``membership-mixed``: a group holding half of K users; concurrent adds of the other half
  and removes of some members, one member both added and removed at once;
- ``replace``: K concurrent ``PATCH replace title`` (or the writable attribute the target
  declares in /Schemas) of one user with distinct values, no If-Match, then one more after
  them (which the final read must show);
- ``if-match``: the same with ``If-Match`` set to the ETag the server gave: at most one
  writer may win, the others must hear 412 (RFC 7644 3.14); a read that gives no ETag
  ends the trial with ``etag-missing`` (``conflict_status``). On a target whose
  ServiceProviderConfig says ``etag`` is not supported, this trial is not run and ``if_match``
  is reported "not applicable"; without ``Group`` in /ResourceTypes the membership trials
  are not run and ``membership_race`` is reported "not applicable".

In a sampled trial (``--visibility-sample``) the final read of a membership trial is the
first poll of the time to visibility of each ok add and remove (``member-add``,
``member-remove``): the group is read again until it shows them, bounded.

Checks: ``lost_update``, ``conflict_status``.
"""

from __future__ import annotations

from locust import between, task

from functools import partial

from loadscim.checks import CheckerName
from loadscim.scim import payloads
from loadscim.users.base import ScimUser
from loadscim.users.trials import TrialRun

CHECKS: tuple[CheckerName, ...] = ("lost_update", "conflict_status")


class RacingPatchUser(ScimUser):
    """Races PATCHes on resources of its own and reads the outcome back."""

    creates_groups = True
    checks: tuple[str, ...] = CHECKS

    wait_time = between(0.05, 0.2)

    @task
    def membership_add(self) -> None:
        if not self.requires("Group", "membership_race"):
            return
        users = self.create_users(self.fan_out)
        with self.trial("membership-add", CHECKS) as t:
            for u in users:
                t.discard_later("User", u)  # made before the trial
            gid = self.trial_group(t, [])
            if gid is None:
                return
            bodies = [payloads.patch([payloads.add_members([u])]) for u in users]
            ops = self.race(
                [
                    partial(r.patch, "Group", gid, body, expect=(409, 412))
                    for r, body in zip(t.racers(len(users)), bodies, strict=True)
                ]
            )
            final = t.scim.get("Group", gid)
            added = [(op, u, True) for op, u in zip(ops, users, strict=True)]
            self.members_visible(t.trial, gid, final, added)

    @task
    def membership_mixed(self) -> None:
        if not self.requires("Group", "membership_race"):
            return
        users = self.create_users(max(self.fan_out, 4))
        half = len(users) // 2
        initial, newcomers = users[:half], users[half:]
        with self.trial("membership-mixed", CHECKS) as t:
            for u in users:
                t.discard_later("User", u)
            gid = self.trial_group(t, initial)
            if gid is None:
                return
            # Remove every other initial member; add every newcomer; and race an add against
            # a remove of the same member (either outcome is allowed for that one).
            operations = [payloads.add_members([u]) for u in newcomers]
            operations += [payloads.remove_member(u) for u in initial[::2]]
            if initial:
                operations.append(payloads.add_members([initial[0]]))
            ops = self.race(
                [
                    partial(r.patch, "Group", gid, payloads.patch([o]), expect=(409, 412))
                    for r, o in zip(t.racers(len(operations)), operations, strict=True)
                ]
            )
            final = t.scim.get("Group", gid)
            # The member both added and removed (initial[0]) may end either way: not measured.
            removed = initial[::2]
            n = len(newcomers)
            changes = [(op, u, True) for op, u in zip(ops[:n], newcomers, strict=True)]
            removes = ops[n : n + len(removed)]
            changes += [(op, u, False) for op, u in zip(removes, removed, strict=True)]
            measured = [c for c in changes if c[1] not in initial[:1]]
            self.members_visible(t.trial, gid, final, measured)

    def trial_group(self, t: TrialRun, members: list[str]) -> str | None:
        """Create the trial's group with ``members``, as part of the trial: its starting
        state is what the server answered (read back before the race when the create's
        answer does not show the members), so a create that drops members is named
        ``create-dropped``, never blamed on the race. The id, or None."""
        created = t.scim.create("Group", payloads.group(self.ns.display_name(self.tag()), members))
        if created.type != "ok" or not created.resource_id:
            return None
        t.meta["group"] = created.resource_id
        answer = created.observed if isinstance(created.observed, dict) else {}
        if members and "members" not in answer:
            t.scim.get("Group", created.resource_id)
        return created.resource_id

    @task
    def replace(self) -> None:
        self._replace_race(if_match=False)

    @task
    def if_match(self) -> None:
        if self.requires("etag", "if_match"):
            self._replace_race(if_match=True)

    def _replace_race(self, if_match: bool) -> None:
        users = self.create_users(1)
        if not users:
            return
        uid = users[0]
        kind = "if-match" if if_match else "replace"
        attribute = self.writable_attribute
        meta = {"attributes": [attribute], "user": uid, "etag_advertised": if_match}
        with self.trial(kind, CHECKS, **meta) as t:
            t.discard_later("User", uid)
            scim = t.scim
            etag = None
            if if_match:
                read = scim.get("User", uid)
                etag = read.etag
                if read.type != "ok" or not etag:
                    return
            values = [f"{attribute}-{t.trial.id}-{i}" for i in range(self.fan_out)]
            bodies = [payloads.patch([payloads.patch_op("replace", attribute, v)]) for v in values]
            self.race(
                [
                    partial(r.patch, "User", uid, body, if_match=etag, expect=(409, 412))
                    for r, body in zip(t.racers(len(values)), bodies, strict=True)
                ]
            )
            if not if_match:
                # One more write after the race: the last writer, alone, must win.
                last = payloads.patch_op("replace", attribute, f"{attribute}-{t.trial.id}")
                scim.patch("User", uid, payloads.patch([last]), expect=(409, 412))
            scim.get("User", uid)

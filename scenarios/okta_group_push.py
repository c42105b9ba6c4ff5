"""Okta group push: membership updates of pushed groups racing, each with Okta's rename PATCH.

Models: Okta's Push Groups (the okta dialect by default): a group pushed as POST /Groups with
"members": [], then membership PATCHes (add with value and display, removal by
members[value eq "..."]), each followed by the rename PATCH Okta sends with every membership
update; --fan-out such pushes in flight together (an admin assigning a team), then the group
is read back and deleted.
Checks: lost_update (lost members, removals undone, displayName), conflict_status (409/412
with an Error body, no 5xx under contention), compatibility (the target refuses none of
Okta's requests), and the error-rate gate.
Expected verdict on the clean embedded target: PASS.
Fails with: --target-fault lost-update (lost_update lost-member: the membership PATCHes and
the renames overwrite each other's read-modify-write).

    loadscim run okta_group_push --users 4 --duration 1m --gate gates/okta_group_push.toml \
        -- --fan-out 20
"""

from loadscim.users.okta_group_push import OktaGroupPushUser

__all__ = ["OktaGroupPushUser"]

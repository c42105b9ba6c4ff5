"""Racing PATCH: concurrent membership and attribute PATCHes on resources of each trial.

Models: an identity provider (Entra ID sends group membership PATCHes in parallel) racing
`PATCH add/remove members` on one group, and writers racing `PATCH replace` of one user's
attribute, with and without If-Match; each race is --fan-out requests in flight together.
Checks: lost_update (lost members, lost writes, If-Match ignored), conflict_status (409/412
with an Error body, no 5xx under contention).
Expected verdict on the clean embedded target: PASS; on a target whose ServiceProviderConfig
says etag is not supported, the If-Match race is skipped and if_match is "not applicable".
Fails with: --target-fault lost-update (lost_update), --target-fault ignore-if-match.

    loadscim run racing_patch --users 4 --duration 30s -- --fan-out 20
"""

from loadscim.users.racing_patch import RacingPatchUser

__all__ = ["RacingPatchUser"]

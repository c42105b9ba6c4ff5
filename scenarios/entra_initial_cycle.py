"""Entra initial cycle: Entra ID's first provisioning cycle, as fast as the target takes it.

Models: Microsoft Entra ID's initial cycle over thousands of users and groups (the entra
dialect by default): per user the matching query by userName, the create, and the matching
query again (the next cycle's: it must find exactly this account); per group the matching
query by displayName, then the members added by parallel PATCHes (five per PATCH). No think
time: each Locust user is a provisioning worker with --fan-out requests in flight, on slices
of --population users. Groups already exist in the app and are matched (--entra-groups match,
the default); with --entra-groups create Entra creates them with its own request, which
scim2-server refuses (the ADSCIM/2.0/Group schema URI): a compatibility finding, FAIL.
Checks: duplicate_create (each matching query after a create finds exactly that account),
lost_update and conflict_status (parallel member adds), reconcile (end of run),
compatibility, and the error-rate gate. A note gives accounts and memberships per second.
Expected verdict on the clean embedded target: PASS (FAIL with --entra-groups create).
Fails with: --target-fault lost-update (lost_update lost-member), --target-fault stale-read
(duplicate_create lookup-missing: the matching query misses a new account).

    loadscim run entra_initial_cycle --users 4 --duration 2m --gate gates/entra_initial_cycle.toml \
        -- --population 50 --fan-out 10
"""

from loadscim.users.entra_initial_cycle import EntraInitialCycleUser

__all__ = ["EntraInitialCycleUser"]

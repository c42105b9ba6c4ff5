"""Entra group churn: membership PATCHes of a large group, in parallel, as Entra ID sends them.

Models: Microsoft Entra ID's provisioning job keeping a large group in step: it matches the
group by displayName, then sends membership adds and removals as parallel PATCHes
(--fan-out in flight together, on a group of --population members). The group and its
accounts already exist in the app (set-up on the app's side, not measured).
Dialect: entra-compliant by default (Entra with aadOptscim062020: removals by a
members[value eq "..."] path), which the embedded target accepts. With --dialect entra (the
default Entra job), removals are {"op":"Remove","path":"members","value":[...]}, which
scim2-server refuses with 400 invalidValue: reported as a compatibility finding per
endpoint, and the run FAILs, as that integration would fail.
Checks: lost_update (an ok add missing, an ok removal undone), conflict_status,
compatibility, and the error-rate gate.
Expected verdict on the clean embedded target: PASS (FAIL with --dialect entra: compatibility).
Fails with: --target-fault lost-update (lost_update lost-member), in either dialect.

    loadscim run entra_group_churn --users 4 --duration 1m --gate gates/entra_group_churn.toml \
        -- --population 200 --fan-out 20
    loadscim run entra_group_churn --dialect entra --target-fault lost-update
"""

from loadscim.users.entra_group_churn import EntraGroupChurnUser

__all__ = ["EntraGroupChurnUser"]

"""Deprovision storm: a population deactivated and deleted within a short window.

Models: mass offboarding (or an identity provider catching up after an outage): each trial
creates --population accounts, deactivates all of them (PATCH active=false) and DELETEs half
with --fan-out requests in flight, then reads every one back by id and by userName filter.
Checks: zombie (no active account after an ok deactivation; 404 and absent from filters
after an ok DELETE), conflict_status.
Expected verdict on the clean embedded target: PASS.
Fails with: --target-fault ignore-deactivate (zombie).

    loadscim run deprovision_storm --users 4 --duration 30s -- --population 50 --fan-out 20
"""

from loadscim.users.deprovision_storm import DeprovisionStormUser

__all__ = ["DeprovisionStormUser"]

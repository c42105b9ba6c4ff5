"""Deprovision storm: a population deactivated and deleted within a short window.

Models: mass offboarding (or an identity provider catching up after an outage): each trial
creates --population accounts, deactivates all of them (PATCH active=false) and DELETEs half
with --fan-out requests in flight, then reads every one back by id and by userName filter;
every fourth deactivation races a profile PATCH of the same account, and the trial's accounts
are paged (userName sw, startIndex/count) while created, while deprovisioned, and at the end.
Dialect: --dialect okta deactivates with Okta's path-less PATCH and deletes nobody (Okta never
DELETEs users); --dialect entra sends "active":"False" as a string; default rfc.
Load shape: flat by default; --shape storm repeats the storm in bursts of users.
Checks: zombie (no active account after an ok deactivation; 404 and absent from filters
after an ok DELETE), conflict_status, pagination (no page skips, right totalResults),
compatibility (with a vendor dialect).
Expected verdict on the clean embedded target: PASS (in every dialect).
Fails with: --target-fault ignore-deactivate (zombie), lost-deactivation (zombie),
page-skips or wrong-total (pagination).

    loadscim run deprovision_storm --users 4 --duration 30s --gate gates/deprovision_storm.toml \
        -- --population 50 --fan-out 20
    loadscim run deprovision_storm --dialect okta --users 20 --duration 2m \
        -- --shape storm --shape-every 30s --shape-hold 10s --shape-base 2
"""

from loadscim.users.deprovision_storm import DeprovisionStormUser
from loadscim.users.shapes import LoadscimShape


class StormShape(LoadscimShape):
    """Flat by default (--users all along); --shape storm for bursts."""

    default = "flat"


__all__ = ["DeprovisionStormUser", "StormShape"]

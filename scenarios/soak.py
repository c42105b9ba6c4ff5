"""Soak: mixed provisioning traffic for a long time; latency and memory drift reported.

Models: a SCIM service under an identity provider's everyday load for hours: lifecycle
iterations half of the time, and in rotation a racing membership add, a mixed membership
race, an attribute race, a duplicate-create race and a deprovision storm of --population
accounts. The report adds the latency drift (p99 of the first third of the run against the
last third, all requests and the endpoint that drifted most) and the load generator's memory
(RSS at the start and the end, the first third against the last, and the growth per hour
from 10 minutes on). Nothing piles up (every iteration removes what it made), so a drift is
the target's, not the harness's.
Checks: read_your_writes, lost_update, conflict_status, duplicate_create, zombie, and the
gate (gates/soak.toml holds latency lines for the whole run).
Expected verdict on the clean embedded target: PASS.
Fails with: --target-fault lost-update (lost_update), and any other fault its mix catches.

    loadscim run soak --users 10 --duration 2h --gate gates/soak.toml -- --population 10
    loadscim run soak --users 10 --duration 1h -- --shape steps --shape-step-time 10m
"""

from loadscim.users.shapes import LoadscimShape
from loadscim.users.soak import SoakUser


class SoakShape(LoadscimShape):
    """Flat by default (--users all along); --shape steps or storm to vary it."""

    default = "flat"


__all__ = ["SoakShape", "SoakUser"]

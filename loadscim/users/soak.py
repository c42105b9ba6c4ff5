"""SoakUser: mixed provisioning traffic for a long time, to see what changes with time.

Each Locust user cycles through a fixed mix of the other scenarios' iterations (a rotation,
not random, so even a short run has every kind; each user starts at another point of it):

    lifecycle x5, membership-add, membership-mixed, attribute race, username race,
    deprovision storm (of --population accounts)

What a soak adds is time: the report compares the latency of the first third of the run
with the last third (p99, per endpoint: "latency drift") and the load generator's memory
(RSS) at the start and the end, and the run's own accounts do not pile up (each iteration
removes what it made, except lifecycle's deactivated accounts, kept for the end-of-run
reconciliation). The dialect applies to the deprovision storm (``--dialect``).

Checks: ``read_your_writes``, ``lost_update``, ``conflict_status``, ``duplicate_create``,
``zombie``, ``reconcile``.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import between

from collections.abc import Callable

from loadscim.users.deprovision_storm import DeprovisionStormUser
from loadscim.users.duplicate_race import DuplicateRaceUser
from loadscim.users.lifecycle import LifecycleUser
from loadscim.users.racing_patch import RacingPatchUser

MIX: tuple[Callable[..., None], ...] = (
    LifecycleUser.lifecycle,
    RacingPatchUser.membership_add,
    LifecycleUser.lifecycle,
    DuplicateRaceUser.username_race,
    LifecycleUser.lifecycle,
    RacingPatchUser.replace,
    LifecycleUser.lifecycle,
    RacingPatchUser.membership_mixed,
    LifecycleUser.lifecycle,
    DeprovisionStormUser.storm,
)
"""One turn of the rotation: lifecycle half of the time, one of each race, one storm."""


class SoakUser(LifecycleUser, RacingPatchUser, DuplicateRaceUser, DeprovisionStormUser):
    """Runs the mix, one iteration at a time, starting at its own point of the rotation."""

    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        super().on_start()
        self._turn = (self.index * 3) % len(MIX)

    def mixed(self) -> None:
        step = MIX[self._turn % len(MIX)]
        self._turn += 1
        step(self)


# Locust adds the tasks of every base class to a class's own; the mix is the only task.
SoakUser.tasks = [SoakUser.mixed]

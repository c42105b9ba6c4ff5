"""SoakUser: mixed provisioning traffic for a long time, to see what changes with time.

Each Locust user cycles through a fixed mix of the other scenarios' iterations (a rotation,
not random, so even a short run has every kind; each user starts at another point of it):

    lifecycle x5, membership-add, membership-mixed, attribute race, username race,
    deprovision storm (of --population accounts)

What a soak adds is time: the report compares the latency of the first third of the run
with the last third (p99, per endpoint: "latency drift") and the load generator's memory
(RSS) at the start and the end. So that neither is the harness's own doing, nothing piles up:
every iteration removes what it made (here lifecycle always deprovisions by DELETE, and the
run's model keeps only the latest deleted accounts, :data:`loadscim.resources.KEEP_DELETED`),
so the target's population and the run's model stay flat however long it runs. The dialect
applies to the deprovision storm and the duplicate race (``--dialect``).

Checks: ``read_your_writes``, ``lost_update``, ``conflict_status``, ``duplicate_create``,
``zombie``.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import between

from collections.abc import Callable

from loadscim.users.deprovision_storm import DeprovisionStormUser
from loadscim.users.duplicate_race import DuplicateRaceUser
from loadscim.users.lifecycle import LifecycleUser
from loadscim.users.racing_patch import RacingPatchUser

lifecycle = LifecycleUser.lifecycle


MIX: tuple[Callable[..., None], ...] = (
    lifecycle,
    RacingPatchUser.membership_add,
    lifecycle,
    DuplicateRaceUser.username_race,
    lifecycle,
    RacingPatchUser.replace,
    lifecycle,
    RacingPatchUser.membership_mixed,
    lifecycle,
    DeprovisionStormUser.storm,
)
"""One turn of the rotation: lifecycle half of the time, one of each race, one storm."""


class SoakUser(LifecycleUser, RacingPatchUser, DuplicateRaceUser, DeprovisionStormUser):
    """Runs the mix, one iteration at a time, starting at its own point of the rotation."""

    wait_time = between(0.05, 0.3)
    delete_ratio = 1.0

    def on_start(self) -> None:
        super().on_start()
        self._turn = (self.index * 3) % len(MIX)

    def mixed(self) -> None:
        step = MIX[self._turn % len(MIX)]
        self._turn += 1
        step(self)


# Locust adds the tasks of every base class to a class's own; the mix is the only task.
SoakUser.tasks = [SoakUser.mixed]

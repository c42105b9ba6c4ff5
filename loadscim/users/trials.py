"""``with self.trial(kind, checks, **meta) as t:`` (:meth:`ScimUser.trial
<loadscim.users.base.ScimUser.trial>`): a trial that cannot be left unchecked.

Inside the block, ``t.scim`` is the trial's client (its ops are the trial's), ``t.racers()``
gives ``--fan-out`` clients whose requests race, ``t.meta`` is what the checkers read
besides the ops. When the block ends, also by an exception, the trial is checked (its
violations counted, and kept in ``t.violations``) and every resource an ok create of the
trial made is deleted (``t.keep(...)`` spares one, ``t.keep_all()`` every one;
``t.discard_later(...)`` adds one made outside the trial). An exception then goes on to
Locust, which counts it as a task error as before. A user stopped at the end of the run
(``GreenletExit``) leaves its trial unchecked: the run's cleanup removes what it made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loadscim.client import ScimClient
from loadscim.ops import Trial, Violation

Resource = tuple[str, str]


class TrialRun:
    """The trial of a ``with self.trial(...)`` block, and its client."""

    def __init__(
        self, trial: Trial, scim: ScimClient, racers: Callable[[int | None], list[ScimClient]]
    ) -> None:
        self.trial = trial
        self.scim = scim.for_trial(trial)
        self._racers = racers
        self.violations: list[Violation] = []
        self._kept: set[Resource] = set()
        self._keep_all = False
        self._extra: list[Resource] = []

    @property
    def meta(self) -> dict[str, Any]:
        return self.trial.meta

    def racers(self, fan_out: int | None = None) -> list[ScimClient]:
        """``fan_out`` (default ``--fan-out``) clients of this trial whose requests race."""
        return self._racers(fan_out)

    def keep(self, resource_type: str, resource_id: str) -> None:
        """Do not delete this resource at the end (the scenario deletes it itself)."""
        self._kept.add((resource_type, resource_id))

    def keep_all(self) -> None:
        """Delete nothing at the end: what the trial made stays until the run's cleanup."""
        self._keep_all = True

    def discard_later(self, resource_type: str, resource_id: str) -> None:
        """Delete this resource at the end too (one made outside the trial's client)."""
        self._extra.append((resource_type, resource_id))

    def created(self) -> list[Resource]:
        """What the trial's ok creates made and :meth:`discard_later` added, less the kept."""
        if self._keep_all:
            return []
        made = [
            (op.resource_type, op.resource_id)
            for op in self.trial.ops
            if op.kind == "create" and op.type == "ok" and op.resource_id
        ]
        return [r for r in dict.fromkeys([*made, *self._extra]) if r not in self._kept]

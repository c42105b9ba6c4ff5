"""Reconciliation at a cadence (``--reconcile-every``): what a pass may judge, what it found.

The end-of-run reconciliation (:mod:`loadscim.checks.reconcile`) compares the run's model
with the server once, after the load. A soak wants to see drift when it starts, so with
``--reconcile-every 30s`` each process that runs users also makes a *pass* every 30 s
during the load: a seeded sample of the run's users (at most :data:`PASS_MAX`, for at most
:data:`PASS_TIME_S`), read back by id and by userName filter, judged by the same checker.

A resource being written right now is not drift: a pass judges only resources that were
*settled* when it began (no write in flight, the last write completed at least the
consistency window ago) and that no write was sent to while the pass read them
(:func:`settled`, :func:`unchanged`). Everything else is skipped and counted as skipped.

A finding is named once: a resource a pass found ``zombie-active`` is not counted again
by the next pass or by the end-of-run reconciliation (:class:`Seen`); each pass reports what
it saw (:class:`Pass`: its time, resources checked and skipped, violations, new ones).

Pure: no locust, no gevent, no I/O (the loop is :mod:`loadscim.harness.cadence`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from loadscim.ops import Violation

PASSES_KEY = "reconcile_passes"
"""``RunSummary.extra`` key of the passes made during the run (:meth:`Pass.to_dict` rows)."""
PASS_MAX = 200
"""Resources one pass reads back at most (a seeded sample beyond it)."""
PASS_TIME_S = 10.0
"""Seconds one pass may read at most (and at most half the interval)."""
SEEN_MAX = 10_000
"""Findings remembered for naming each once (beyond it, later ones may count again)."""


class Model(Protocol):
    """What a pass needs of the run's model of one resource
    (:class:`loadscim.resources.Tracked`)."""

    resource_type: str
    id: str
    writes: int
    pending: int
    settled_us: int


def settled(item: Model, now_us: int, window_us: int = 0) -> bool:
    """Whether ``item`` may be judged by a pass beginning at ``now_us``: no write in flight,
    and the last one completed at least ``window_us`` ago (the consistency window)."""
    return item.pending == 0 and item.settled_us <= now_us - window_us


def choose(
    items: Iterable[Model], now_us: int, window_us: int, limit: int, rng: random.Random
) -> tuple[list[Any], int]:
    """The Users a pass judges (settled, a sample of at most ``limit``) and how many it
    skipped because they were not settled."""
    users = [t for t in items if t.resource_type == "User"]
    ready = [t for t in users if settled(t, now_us, window_us)]
    skipped = len(users) - len(ready)
    return (rng.sample(ready, limit) if len(ready) > limit else ready), skipped


def unchanged(
    before: dict[tuple[str, str], int], now: dict[tuple[str, str], Any]
) -> set[tuple[str, str]]:
    """The keys of ``before`` (resource -> writes sent when the pass began) to which no write
    was sent since (and that the model still holds)."""
    return {
        key
        for key, writes in before.items()
        if (item := now.get(key)) is not None and item.writes == writes and item.pending == 0
    }


@dataclass
class Seen:
    """Findings already counted, by kind and resource: each is named once in a run."""

    keys: set[tuple[str, str]] = field(default_factory=set)
    limit: int = SEEN_MAX

    def new(self, violations: list[Violation]) -> list[Violation]:
        """The violations not counted before (and remember them)."""
        fresh = []
        for violation in violations:
            key = (violation.kind, violation.resource)
            if key in self.keys:
                continue
            if len(self.keys) < self.limit:
                self.keys.add(key)
            fresh.append(violation)
        return fresh


@dataclass
class Pass:
    """One reconciliation pass during the run."""

    at_s: float
    """When it began, seconds after the run started."""
    checked: int
    """Resources it judged (read back, and settled all along)."""
    skipped: int
    """Resources it did not judge: a write was in flight, recent, or sent while it read."""
    violations: int
    """Violations it found (a finding an earlier pass found counts here again)."""
    new: int
    """Of those, findings no earlier pass counted."""
    took_s: float
    kinds: dict[str, int] = field(default_factory=dict)
    worker: str = ""
    """``w2`` in a distributed run: each worker judges its own users."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pass:
        return cls(
            at_s=float(data.get("at_s", 0.0)),
            checked=int(data.get("checked", 0)),
            skipped=int(data.get("skipped", 0)),
            violations=int(data.get("violations", 0)),
            new=int(data.get("new", 0)),
            took_s=float(data.get("took_s", 0.0)),
            kinds={str(k): int(v) for k, v in (data.get("kinds") or {}).items()},
            worker=str(data.get("worker", "")),
        )

    def line(self) -> str:
        """``12s reconcile pass: 40 checked, 3 skipped (being written), 2 violations
        (zombie-active 2), 2 new, 0.4 s``."""
        who = f"{self.worker} " if self.worker else ""
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items(), key=lambda i: -i[1]))
        return (
            f"{self.at_s:.0f}s {who}reconcile pass: {self.checked} checked, {self.skipped} "
            f"skipped (being written), {self.violations} violations"
            + (f" ({kinds})" if kinds else "")
            + f", {self.new} new, {self.took_s:.1f} s"
        )


def passes_of(rows: Iterable[dict[str, Any]]) -> list[Pass]:
    """The passes of a summary's ``extra["reconcile_passes"]``, by time."""
    return sorted((Pass.from_dict(r) for r in rows if isinstance(r, dict)), key=lambda p: p.at_s)


def first_violation_note(passes: list[Pass]) -> str | None:
    """``reconciliation passes: 6, 240 resources checked; first violation at 12 s`` or None."""
    if not passes:
        return None
    checked = sum(p.checked for p in passes)
    first = next((p for p in passes if p.violations), None)
    tail = f"first violation at {first.at_s:.0f} s" if first else "no violation"
    return f"reconciliation passes during the run: {len(passes)}, {checked} checks; {tail}"

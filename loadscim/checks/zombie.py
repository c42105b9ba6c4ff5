"""zombie: deprovisioned accounts stay deprovisioned.

The rules it enforces:

- RFC 7644 3.6: "Service providers MAY choose not to permanently delete the resource but
  MUST return a 404 (Not Found) error code for all operations associated with the
  previously deleted resource. Service providers MUST omit the resource from future query
  results." After an ok DELETE, any ``get``, ``replace``, ``patch`` or ``delete`` of the id
  that started after it completed must not succeed, and no ok ``search`` may list the id.
- Okta and Entra ID deprovision by ``active=false`` (docs/scim-reference.md: "unassign, suspend and
  deactivate all become ``active=false``"; Entra: "the user must still be returned by GET
  and filters"): after an ok deactivation, no read (a ``get``, or a ``search`` listing the
  resource) that started after it completed shows ``active: true``, unless a write that
  may set ``active`` true (a PATCH of ``active``, a PUT, ok or info) may have come between:
  it did not complete before the deactivation started and it started before the read
  ended. Reads that omit ``active`` are not judged. When a PATCH that does not write
  ``active`` (a profile update) raced the deactivation (neither completed before the other
  started), and the trial's deactivations that nothing raced held, the server saved the
  whole row it had read before the deactivation: RFC 7644 3.5.2 lets a PATCH change only
  what its operations name, so that is a lost deactivation (a server that ignores
  deactivations altogether is ``zombie-active``, raced or not).

With a consistency window T (``--consistency-window``, ``meta["consistency_window_s"]``;
issue 15: "a stale read inside the window is not a violation"), "after" means started at
least T after the deactivation or DELETE completed: an eventually consistent list view may
show the account for that long.

Trial contract (any ``trial.kind``): ``patch`` ops (any dialect: ``active`` as a path or
inside a path-less value, booleans or Entra's "False") and ``replace`` ops (``value`` the
body) deactivate; ``delete`` ops delete; ``get`` ops (``observed`` the resource) and
``search`` ops (``observed`` the ListResponse, matched by ``resource_type`` and the listed
``id``) read. All name the resource by ``resource_type`` / ``resource_id``.

Violation kinds: ``zombie-active`` (active after an ok deactivation), ``lost-deactivation``
(the same, a profile PATCH racing the deactivation), ``zombie-present`` (an
operation on the id succeeded after an ok DELETE), ``zombie-listed`` (a search listed the id
after an ok DELETE). At most one of each per resource.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loadscim.checks.common import Report, listed, precedes, resource_key, resource_name
from loadscim.checks.register import NO_EFFECT, History, judge, seen_by
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.patch import normalise, read_attribute
from loadscim.visibility import WINDOW_KEY

NAME = "zombie"


def check(trial: Trial) -> list[Violation]:
    """No read sees a deactivated account active, nor a deleted one at all.

    "After an ok deactivation no later read sees ``active: true``; after an ok DELETE, GET is
    404 and the user is absent from filters." (RFC 7644 3.6)
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    history = History(ops)
    window_us = int(float(trial.meta.get(WINDOW_KEY) or 0) * 1e6)
    zombies: list[Zombie] = []
    held = 0  # deactivations no profile write raced, whose reads after them show active false
    for key, writes in history.writes.items():
        deletes = [op for op in writes if op.kind == "delete" and op.type == "ok"]
        if deletes:
            _deleted(report, key, min(deletes, key=lambda op: op.end_us or 0), ops, window_us)
        deactivations = [
            op
            for op in writes
            if op.type == "ok" and history.effect(op).attribute("active") is False
        ]
        if deactivations:
            zombie = _deactivated(history, key, deactivations, ops, window_us)
            if zombie is not None:
                zombies.append(zombie)
            elif not deletes and not _profile_writes_racing(history, key, deactivations):
                held += any(
                    op.kind == "get"
                    and op.type == "ok"
                    and resource_key(op) == key
                    and any(seen_by(d, op, window_us) for d in deactivations)
                    and normalise("active", read_attribute(op.observed, "active")) is False
                    for op in ops
                )
    # Only raced deactivations undone, while unraced ones held: the race undid them.
    unraced_undone = any(not z.racing for z in zombies)
    for z in zombies:
        if z.racing and held and not unraced_undone:
            report.add(
                "lost-deactivation",
                resource_name(z.key),
                "active false after the ok deactivation: a concurrent write that did not "
                "send active must not restore it (RFC 7644 3.5.2: PATCH changes only what "
                f"its operations name; {held} deactivations no write raced held)",
                f"active true in a {z.read.kind} after it, a profile write racing it",
                [*z.deactivations[-1:], *z.racing[:2], z.read],
            )
        else:
            report.add(
                "zombie-active",
                resource_name(z.key),
                "active false after the ok deactivation, no re-activation could come between",
                f"active true in a {z.read.kind} after it",
                [*z.required[-2:], z.read],
            )
    return report.violations


@dataclass(frozen=True)
class Zombie:
    """A read that shows a deactivated account active, unexplained."""

    key: tuple[str, str]
    read: Op
    required: list[Op]
    deactivations: list[Op]
    racing: list[Op]
    """Profile PATCHes racing a deactivation of the account."""


def _deleted(
    report: Report, key: tuple[str, str], delete: Op, ops: list[Op], window_us: int
) -> None:
    present = next(
        (
            op
            for op in ops
            if op is not delete
            and op.type == "ok"
            and op.kind in ("get", "replace", "patch", "delete")
            and resource_key(op) == key
            and seen_by(delete, op, window_us)
        ),
        None,
    )
    if present is not None:
        report.add(
            "zombie-present",
            resource_name(key),
            "404 for every operation on a deleted resource (RFC 7644 3.6)",
            f"{present.kind} answered {present.status} after the DELETE",
            [delete, present],
        )
    listing = next(
        (
            op
            for op in ops
            if op.kind == "search"
            and op.type == "ok"
            and op.resource_type == key[0]
            and seen_by(delete, op, window_us)
            and _listed(op, key[1]) is not None
        ),
        None,
    )
    if listing is not None:
        report.add(
            "zombie-listed",
            resource_name(key),
            "deleted resources omitted from query results (RFC 7644 3.6)",
            "a search after the DELETE lists it",
            [delete, listing],
        )


def _deactivated(
    history: History, key: tuple[str, str], deactivations: list[Op], ops: list[Op], window_us: int
) -> Zombie | None:
    """The first read after an ok deactivation that shows the account active, unexplained."""
    writes = history.attribute(key, "active")
    for read in ops:
        if read.type != "ok" or not any(seen_by(d, read, window_us) for d in deactivations):
            continue
        if read.kind == "get" and resource_key(read) == key:
            resource = read.observed
        elif read.kind == "search" and read.resource_type == key[0]:
            resource = _listed(read, key[1])
        else:
            continue
        active = normalise("active", read_attribute(resource, "active"))
        if active is not True:
            continue
        verdict = judge(read, True, writes, window_us=window_us)
        if verdict.explained:
            continue
        racing = _profile_writes_racing(history, key, deactivations)
        required = [w.op for w in verdict.required]
        return Zombie(key, read, required, deactivations, racing)
    return None


def _profile_writes_racing(
    history: History, key: tuple[str, str], deactivations: list[Op]
) -> list[Op]:
    """PATCHes of the resource that do not write ``active`` and overlap a deactivation in
    time (neither completed before the other started): a server that saves the whole row it
    read before the deactivation undoes it."""
    return [
        op
        for op in history.writes.get(key, [])
        if op.kind == "patch"
        and op.type != "fail"
        and history.effect(op).attribute("active") is NO_EFFECT
        and any(not precedes(op, d) and not precedes(d, op) for d in deactivations)
    ]


def _listed(search: Op, resource_id: str) -> dict[str, Any] | None:
    return next((r for r in listed(search) if r.get("id") == resource_id), None)

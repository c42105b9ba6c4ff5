"""read_your_writes: a verify read after an ok write shows that write.

The behaviour it models is Okta's "CRUD" check (docs/scim-reference.md): "create and assign a user,
verify it on the server, update ``firstName``, verify, deactivate, verify deactivated,
reactivate, reassign, verify reactivated, unassign, verify deactivated"; an identity
provider reads back what it wrote and acts on what it reads. With RFC 7644 3.6 for the end:
a deleted resource "MUST return a 404 (Not Found) error code for all operations".

Every read that started after an ok write completed, with no other write that may come
between, must show that write: the attributes a POST, PUT or PATCH wrote, ``active``, the
members a PATCH added or removed, and 404 after a DELETE. When writes may come between (an
``info`` write, or one in flight during the read), the read may show any of the states they
allow; a PUT that omits an attribute may clear or default it (RFC 7644 3.5.1).

Trial contract (any ``trial.kind``; the lifecycle user sends ``lifecycle``):

- ops on one or more resources, each named by ``resource_type`` / ``resource_id``:
  ``create`` (``value`` the body; ``resource_id`` the id it got), ``replace`` (``value`` the
  body), ``patch`` (``value`` the Operations list, any dialect), ``delete``; and ``get``
  reads: an ok ``get`` is a read of the resource (``observed`` the body), a ``get`` answered
  404 is a read that found nothing; other reads are not judged.
- ``meta["attributes"]`` (optional list of paths): the attributes to judge; default: every
  path a create, replace or patch in the trial wrote.

Violation kinds: ``stale-read`` (an attribute or membership that shows an older value than an
ok write completed before the read), ``not-found-after-write`` (404 though an ok create
completed before the read and no delete could come between), ``found-after-delete`` (the
resource read after an ok DELETE completed); and, named once per trial before any read is
judged, ``not-stored`` and ``create-dropped`` (:mod:`loadscim.checks.stored`).
"""

from __future__ import annotations

from loadscim.checks import stored
from loadscim.checks.common import Report, resource_key, resource_name, short
from loadscim.checks.register import (
    UNKNOWN,
    History,
    describe_values,
    judge,
    same_for,
)
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.parse import member_ids
from loadscim.scim.patch import read_attribute

NAME = "read_your_writes"


def check(trial: Trial) -> list[Violation]:
    """Each verify read shows the last ok write before it (or what an uncertain one allows).

    "Every read that started after an ok write completed (with no other write in between)
    must show that write (attributes written by PUT/PATCH, ``active``, 404 after delete).
    Info writes: the read may show either state."
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    history = History(ops)
    kept = stored.settle(report, history, trial)
    wanted = trial.meta.get("attributes")
    for key, writes in history.writes.items():
        reads = [
            op
            for op in ops
            if op.kind == "get"
            and resource_key(op) == key
            and (op.type == "ok" or op.status == 404)
        ]
        if wanted is not None:
            paths = {str(p).lower(): str(p) for p in wanted}
        else:
            paths = history.attribute_paths(key, ("create", "replace", "patch"))
        paths = {lower: p for lower, p in paths.items() if not kept.skip(key, p)}
        created = any(op.kind == "create" for op in writes)
        for read in reads:
            if _existence(report, history, key, read, created) and read.type == "ok":
                _attributes(report, history, key, read, paths)
                _members(report, history, key, read)
    return report.violations


def _existence(
    report: Report, history: History, key: tuple[str, str], read: Op, created: bool
) -> bool:
    """Judge whether the resource exists; True when that read is explained."""
    found = read.type == "ok"
    verdict = judge(read, found, history.existence(key), initial=False if created else UNKNOWN)
    if verdict.explained:
        return True
    report.add(
        "found-after-delete" if found else "not-found-after-write",
        resource_name(key),
        "404 (RFC 7644 3.6)" if found else "the resource, created before the read",
        f"GET answered {read.status}",
        [*(w.op for w in verdict.required[-2:]), read],
    )
    return False


def _attributes(
    report: Report, history: History, key: tuple[str, str], read: Op, paths: dict[str, str]
) -> None:
    for lower, path in paths.items():
        writes = history.attribute(key, lower)
        if not writes:
            continue
        value = read_attribute(read.observed, path)
        verdict = judge(read, value, writes, same=same_for(path))
        if verdict.explained:
            continue
        report.add(
            "stale-read",
            resource_name(key),
            f"{path}: {describe_values(verdict.allowed)}",
            f"{path}: {short(value, 60)}",
            [*(w.op for w in verdict.required[-2:]), read],
            subject=path,
        )


def _members(report: Report, history: History, key: tuple[str, str], read: Op) -> None:
    observed = member_ids(read.observed)
    for member in sorted(history.member_universe(key) | observed):
        writes = history.member(key, member)
        if not writes:
            continue
        present = member in observed
        verdict = judge(read, present, writes)
        if verdict.explained:
            continue
        state = "a member" if present else "not a member"
        report.add(
            "stale-read",
            resource_name(key),
            f"members: {member} {'not a member' if present else 'a member'}",
            f"members: {member} {state}",
            [*(w.op for w in verdict.required[-2:]), read],
            subject="members",
        )

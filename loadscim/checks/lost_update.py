"""lost_update: concurrent writes to one resource must not lose each other.

The rules it enforces:

- Membership (the failure Entra ID's parallel member PATCHes expose,
  docs/scim-reference.md: "Several SCIM servers have lost members that way (read the whole
  group, change it, write it back, with no version check)"): the final membership contains
  every member of an ok ``add`` and none of an ok ``remove``, per member, unless a
  conflicting write on the same member may have come after it (it did not complete before
  that write started); an ``info`` write may have gone either way.
- Attributes: the final value is one of the written values, and not an older value
  overwritten by an ok write that started after the older write completed.
- RFC 7644 3.14: "the client MAY supply an If-Match header ... for PUT and PATCH
  operations to ensure that the requested operation succeeds only if the supplied ETag
  matches the latest service provider resource": of the writes sent with the same
  If-Match, at most one succeeds (the others get 412, which ``conflict_status`` checks).
- A member is listed once: RFC 7644 3.5.2.1, "If the target location already contains the
  value specified, no changes SHOULD be made to the resource", so no write makes a second
  copy, and any read (by id or in a search) listing a member twice shows a duplicated row.
  A 412 to a write without If-Match is a ``fail``: it did not happen, and is no violation.

Trial contract (any ``trial.kind``):

- ops: ``create`` (its ``value`` the body, its ``resource_id`` the id given), ``replace``
  (``value`` the body), ``patch`` (``value`` the Operations list, any dialect) on
  resources named by ``resource_type`` / ``resource_id``; then a ``get`` of each resource
  after the writes: the **last ok get** of a resource is its final state.
- ``meta["initial_members"]`` (optional, list of ids): the group's members before the trial,
  when the trial did not create the group (a group it created starts with the create's
  members). Without either, a member no write names is not judged.
- ``meta["attributes"]`` (optional, list of attribute paths such as ``displayName`` or
  ``name.givenName``): the attributes to judge; default: every path a ``patch`` or
  ``replace`` in the trial writes. A PUT that omits a path may clear or default it (RFC
  7644 3.5.1), so any final value is allowed after it.
- A resource with a non-failed ``delete`` in the trial is not judged for its final state.
- Writers racing with If-Match should write different values (a write that changes
  nothing need not change the version).

Violation kinds: ``lost-member`` (an ok add is not in the final membership), ``lost-remove``
(an ok remove is undone: the member is back though no add could come after the remove),
``phantom-member`` (a member no ok or info write added), ``lost-write`` (the final value is
an older value an ok write overwrote), ``unwritten-value`` (a final value nobody wrote),
``if-match-ignored`` (two ok writes sent with the same If-Match), ``duplicate-member`` (a
member listed twice in any one read of a group, once per group); named once per trial
before the race is judged, ``not-stored`` and ``create-dropped`` (:mod:`.stored`): the
trial's starting state is what the server answered to the create, not what it was sent.
"""

from __future__ import annotations

from typing import Any

from loadscim.checks import stored
from loadscim.checks.common import Report, last, listed, resource_key, resource_name, short
from loadscim.checks.register import (
    UNKNOWN,
    History,
    Judgement,
    describe_values,
    judge,
    same_for,
)
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.parse import member_ids
from loadscim.scim.patch import read_attribute

NAME = "lost_update"


def check(trial: Trial) -> list[Violation]:
    """Membership and attribute values survive concurrent writes; If-Match admits one writer.

    "Final membership contains every member of an ok ``add`` and none of an ok ``remove``,
    per member, where those ops did not overlap in time; an ``info`` op may have gone either
    way. Attribute replace: the final value is one of the written values; with If-Match on
    the same ETag, at most one writer succeeds and the others get 412 (RFC 7644 3.14)."
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    history = History(ops)
    kept = stored.settle(report, history, trial)
    for key, writes in history.writes.items():
        _if_match(report, key, writes)
        if any(op.kind == "delete" and op.type != "fail" for op in writes):
            continue
        final = last(
            op for op in ops if op.kind == "get" and op.type == "ok" and resource_key(op) == key
        )
        if final is None:
            continue
        _members(report, history, key, final, trial.meta)
        _attributes(report, history, key, final, trial.meta, kept)
    _listed_twice(report, ops)
    return report.violations


def _listed_twice(report: Report, ops: list[Op]) -> None:
    """A member listed twice in one read of a group (by id or in a search), once per group."""
    reported: set[str] = set()
    for op in ops:
        if op.type != "ok" or op.kind not in ("get", "search"):
            continue
        resources = [op.observed] if op.kind == "get" else listed(op)
        for resource in resources:
            if not isinstance(resource, dict) or not isinstance(resource.get("members"), list):
                continue
            where = resource_name((op.resource_type, str(resource.get("id") or op.resource_id)))
            values = [m.get("value") for m in resource["members"] if isinstance(m, dict)]
            twice = sorted({str(v) for v in values if v is not None and values.count(v) > 1})
            if twice and where not in reported:
                reported.add(where)
                report.add(
                    "duplicate-member",
                    where,
                    "each member once in a group's members (RFC 7644 3.5.2.1: \"If the "
                    "target location already contains the value specified, no changes SHOULD "
                    "be made\")",
                    f"{twice[0]} listed {values.count(twice[0])} times in a {op.kind}",
                    [op],
                    subject="members",
                )


def _if_match(report: Report, key: tuple[str, str], writes: list[Op]) -> None:
    by_etag: dict[str, list[Op]] = {}
    for op in writes:
        if op.type == "ok" and op.if_match and op.if_match.strip() != "*":
            by_etag.setdefault(op.if_match, []).append(op)
    for etag, winners in by_etag.items():
        if len(winners) > 1:
            report.add(
                "if-match-ignored",
                resource_name(key),
                f"at most one ok write with If-Match {etag}, the others 412 (RFC 7644 3.14)",
                f"{len(winners)} ok writes with If-Match {etag}",
                winners,
            )


def _members(
    report: Report, history: History, key: tuple[str, str], final: Op, meta: dict[str, Any]
) -> None:
    observed = member_ids(final.observed)
    created = any(op.kind == "create" for op in history.writes[key])
    initial: set[str] | None = None
    if not created and meta.get("initial_members") is not None:
        initial = set(meta["initial_members"])
    universe = history.member_universe(key) | observed | (initial or set())
    for member in sorted(universe):
        writes = history.member(key, member)
        if not writes and initial is None:
            continue
        value = member in observed
        start = UNKNOWN if initial is None else member in initial
        verdict = judge(final, value, writes, initial=start)
        if verdict.explained:
            continue
        if not value:
            kind = "lost-member"
        else:
            # Present though unexplained: a remove was undone, whether the member came
            # from a write or was there before the trial (then no write explains it).
            was_there = initial is not None and member in initial
            kind = "lost-remove" if verdict.overwritten or was_there else "phantom-member"
        report.add(
            kind,
            resource_name(key),
            f"{member} {_membership(not value)}{_because(verdict)}",
            f"{member} {_membership(value)} in the final read",
            [w.op for w in (*verdict.required[-2:], *verdict.overwritten[-2:])] + [final],
            subject="members",
        )


def _attributes(
    report: Report,
    history: History,
    key: tuple[str, str],
    final: Op,
    meta: dict[str, Any],
    kept: stored.Kept,
) -> None:
    wanted = meta.get("attributes")
    if wanted is not None:
        paths = {str(p).lower(): str(p) for p in wanted}
    else:
        paths = history.attribute_paths(key, ("patch", "replace"))
    for lower, path in paths.items():
        writes = history.attribute(key, lower)
        if not writes or kept.skip(key, path):
            continue
        value = read_attribute(final.observed, path)
        verdict = judge(final, value, writes, same=same_for(path))
        if verdict.explained:
            continue
        report.add(
            "lost-write" if verdict.overwritten else "unwritten-value",
            resource_name(key),
            f"{path}: {describe_values(verdict.allowed)}{_because(verdict)}",
            f"{path}: {short(value, 60)} in the final read",
            [w.op for w in (*verdict.required[-2:], *verdict.overwritten[-2:])] + [final],
            subject=path,
        )


def _membership(present: bool) -> str:
    return "a member" if present else "not a member"


def _because(verdict: Judgement) -> str:
    if not verdict.required:
        return ""
    seqs = ", ".join(f"#{w.op.seq}" for w in verdict.required[-3:])
    return f" (ok {seqs} completed before the read)"

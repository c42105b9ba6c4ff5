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
  ended. Reads that omit ``active`` are not judged.

Trial contract (any ``trial.kind``): ``patch`` ops (any dialect: ``active`` as a path or
inside a path-less value, booleans or Entra's "False") and ``replace`` ops (``value`` the
body) deactivate; ``delete`` ops delete; ``get`` ops (``observed`` the resource) and
``search`` ops (``observed`` the ListResponse, matched by ``resource_type`` and the listed
``id``) read. All name the resource by ``resource_type`` / ``resource_id``.

Violation kinds: ``zombie-active`` (active after an ok deactivation), ``zombie-present`` (an
operation on the id succeeded after an ok DELETE), ``zombie-listed`` (a search listed the id
after an ok DELETE). At most one of each per resource.
"""

from __future__ import annotations

from typing import Any

from loadscim.checks.common import Report, listed, precedes, resource_key, resource_name
from loadscim.checks.register import History, judge
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.patch import normalise, read_attribute

NAME = "zombie"


def check(trial: Trial) -> list[Violation]:
    """No read sees a deactivated account active, nor a deleted one at all.

    "After an ok deactivation no later read sees ``active: true``; after an ok DELETE, GET is
    404 and the user is absent from filters." (RFC 7644 3.6)
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    history = History(ops)
    for key, writes in history.writes.items():
        deletes = [op for op in writes if op.kind == "delete" and op.type == "ok"]
        if deletes:
            _deleted(report, key, min(deletes, key=lambda op: op.end_us or 0), ops)
        deactivations = [
            op
            for op in writes
            if op.type == "ok" and history.effect(op).attribute("active") is False
        ]
        if deactivations:
            _deactivated(report, history, key, deactivations, ops)
    return report.violations


def _deleted(report: Report, key: tuple[str, str], delete: Op, ops: list[Op]) -> None:
    present = next(
        (
            op
            for op in ops
            if op is not delete
            and op.type == "ok"
            and op.kind in ("get", "replace", "patch", "delete")
            and resource_key(op) == key
            and precedes(delete, op)
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
            and precedes(delete, op)
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
    report: Report, history: History, key: tuple[str, str], deactivations: list[Op], ops: list[Op]
) -> None:
    writes = history.attribute(key, "active")
    for read in ops:
        if read.type != "ok" or not any(precedes(d, read) for d in deactivations):
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
        verdict = judge(read, True, writes)
        if verdict.explained:
            continue
        report.add(
            "zombie-active",
            resource_name(key),
            "active false after the ok deactivation, no re-activation could come between",
            f"active true in a {read.kind} after it",
            [*(w.op for w in verdict.required[-2:]), read],
        )
        return


def _listed(search: Op, resource_id: str) -> dict[str, Any] | None:
    return next((r for r in listed(search) if r.get("id") == resource_id), None)

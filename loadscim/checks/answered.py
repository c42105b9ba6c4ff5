"""answered: a write the server applied got an answer.

RFC 7644 3.3: "When the service provider successfully creates the new resource, an HTTP
response SHALL be returned with HTTP status code 201 (Created)"; RFC 7644 3.6: "In response
to a successful DELETE, the server SHALL return a successful HTTP status code 204 (No
Content)." A server (or a proxy in front of it) that applies a write and then closes the
connection without answering leaves the identity provider blind: it retries, hears 409 or
404, and marks a provisioning that worked as failed.

An unanswered write is ``info``, so it may or may not have been applied; this checker
reports it only where a later outcome proves it was applied:

- a create that got no answer (the connection closed; not a timeout on the client's side)
  is followed by a create of the same ``userName`` (or ``displayName`` for a group),
  started after it ended, answered 409, and no other create of that name was ok or ``info``
  before that 409 (so only the unanswered one can have made the account);
- a delete of a resource known to exist (an ok op on it completed before the delete
  started) that got no answer is followed by a delete of the same id, started after it
  ended, answered 404, with no other delete of that id that may have come between.

Trial contract (any ``trial.kind``): ``create`` ops (``value`` the body sent), ``delete``
ops and any ok op naming the resource by ``resource_type`` / ``resource_id``. The
``retries`` scenario sends them: an identity provider retrying after a lost answer.

Violation kinds: ``applied-without-answer``.
"""

from __future__ import annotations

from collections import defaultdict

from loadscim.checks.common import Report, precedes, resource_key, resource_name
from loadscim.ops import Op, Trial, Violation, completions

NAME = "answered"


def unanswered(op: Op) -> bool:
    """The server closed the connection without an answer (not a client-side timeout)."""
    if op.type != "info" or op.status is not None or op.end_us is None:
        return False
    error = (op.error or "").lower()
    return "timeout" not in error and "timed out" not in error


def created_name(op: Op) -> str | None:
    body = op.value if isinstance(op.value, dict) else {}
    name = body.get("userName") or body.get("displayName")
    return name.lower() if isinstance(name, str) else None


def _proven(group: list[Op], status: int) -> list[tuple[Op, Op]]:
    """(unanswered write, later retry) pairs where only the unanswered one explains the
    retry's ``status``: the retry started after it ended, and no other write of the group
    that may have happened (ok or info) started before the retry ended."""
    pairs = []
    for lost in (op for op in group if unanswered(op)):
        for later in group:
            if later.status != status or not precedes(lost, later):
                continue
            others = [
                o
                for o in group
                if o is not lost
                and o is not later
                and o.type in ("ok", "info")
                and o.start_us < (later.end_us or 0)
            ]
            if not others:
                pairs.append((lost, later))
                break
    return pairs


def check(trial: Trial) -> list[Violation]:
    """Writes proven applied by what followed must not have gone unanswered.

    "an HTTP response SHALL be returned with HTTP status code 201 (Created)" (RFC 7644 3.3);
    "the server SHALL return a successful HTTP status code 204 (No Content)" (RFC 7644 3.6).
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    creates: dict[tuple[str, str], list[Op]] = defaultdict(list)
    for op in ops:
        name = created_name(op) if op.kind == "create" else None
        if name is not None:
            creates[(op.resource_type, name)].append(op)
    for (rtype, name), group in creates.items():
        for lost, later in _proven(group, 409):
            report.add(
                "applied-without-answer",
                f"{rtype} {name}",
                "an answer (201) to the create that made the account",
                "no answer, yet a retry heard 409: the account had been created",
                (lost, later),
            )
    by_resource: dict[tuple[str, str], list[Op]] = defaultdict(list)
    for op in ops:
        key = resource_key(op)
        if key is not None:
            by_resource[key].append(op)
    for key, group in by_resource.items():
        existing = [op for op in group if op.type == "ok" and op.kind != "delete"]
        deletes = [op for op in group if op.kind == "delete"]
        for lost, later in _proven(deletes, 404):
            if any(precedes(op, lost) for op in existing):
                report.add(
                    "applied-without-answer",
                    resource_name(key),
                    "an answer (204) to the DELETE that removed it",
                    "no answer, yet a retry heard 404: the resource had been deleted",
                    (lost, later),
                )
    return report.violations

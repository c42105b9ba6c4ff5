"""conflict_status: contention is answered with 409 or 412 and a SCIM Error, never a 5xx.

The rules it enforces:

- RFC 7644 3.3: a create that conflicts "MUST return HTTP status code 409 (Conflict) with a
  "scimType" error code of "uniqueness", as per Section 3.12". A 409 to any other write must
  still carry the SCIM Error body (RFC 7644 3.12: ``schemas`` holds
  ``urn:ietf:params:scim:api:messages:2.0:Error``); its scimType is not judged.
- RFC 7644 3.14: If-Match makes "the requested operation succeed only if the supplied ETag
  matches the latest service provider resource", and 3.12 lists "412 (Precondition
  Failed) ... Failed to update. Resource has changed on the server." When two writes to a
  resource carry the same If-Match and one of them is ok, the refused others must be 412
  (429 is not judged), and every 412 carries the Error body. A 412 to a write without
  If-Match is allowed: it is a definite no-effect ``fail``.
- RFC 7644 3.14: "When supported, SCIM ETags MUST be specified as an HTTP header and
  SHOULD be specified within the 'version' attribute contained in the resource's 'meta'
  attribute." In a trial whose ``meta["etag_advertised"]`` is true (the
  ServiceProviderConfig says ``etag.supported``), an ok ``get`` with neither an ``ETag``
  header nor ``meta.version`` leaves the client nothing to send as If-Match.
- No 5xx caused by contention: a write answered 5xx (not 501) while another write to the
  same resource was in flight (for creates: another create of the same userName,
  externalId or displayName) is a violation: ``5xx-on-conflict`` for a create (a taken
  unique value, or a group displayName a server makes unique, must get 409),
  ``5xx-under-contention`` for a PUT, PATCH or DELETE racing another write to the resource
  (a deadlock or a failed optimistic lock answered 500: RFC 7644 3.12 gives 409 for a
  conflict and 412 for a failed If-Match). A 503 to a create or an update sheds load and is
  not judged (RFC 9110 15.6.4: "a temporary overload or scheduled maintenance"). A timeout
  without an answer is not judged.

Trial contract (any ``trial.kind``): ``create`` / ``replace`` / ``patch`` / ``delete`` ops,
with ``resource_type`` / ``resource_id`` (creates: ``value`` the body), ``if_match`` the
If-Match header sent, ``status``, ``scim_type`` and ``observed`` the Error body.

Violation kinds: ``no-error-schema`` (a 409 or 412 without the Error body),
``no-uniqueness-scimtype`` (a 409 to a create whose scimType is not uniqueness), ``not-412``
(a write that lost an If-Match race refused with another status), ``5xx-on-conflict``,
``5xx-under-contention``,
``etag-missing`` (an ok read without an ETag although the server advertises ETags).
"""

from __future__ import annotations

from loadscim.checks.common import (
    OVERLOAD_STATUSES,
    Report,
    error_problem,
    is_contention_5xx,
    resource_key,
    resource_name,
    same_text,
)
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.parse import is_error
from loadscim.scim.patch import read_attribute

NAME = "conflict_status"
WRITES = ("create", "replace", "patch", "delete")
IDENTIFYING = ("userName", "externalId", "displayName")


def check(trial: Trial) -> list[Violation]:
    """Conflicts get 409 / 412 with an Error body; contention never gets a 5xx.

    "Conflicts answered with the documented status and an Error body; no 5xx caused by
    contention." (RFC 7644 3.3, 3.12, 3.14)
    """
    report = Report(NAME, trial)
    writes = [op for op in completions(trial.ops) if op.kind in WRITES]
    for op in writes:
        where = _where(op)
        if op.type == "fail" and op.status in (409, 412):
            uniqueness = op.status == 409 and op.kind == "create"
            problem = error_problem(op, "uniqueness" if uniqueness else None)
            if problem:
                report.add(
                    "no-error-schema" if not is_error(op.observed) else "no-uniqueness-scimtype",
                    where,
                    f"{op.status} with a SCIM Error body"
                    + (' and scimType "uniqueness" (RFC 7644 3.3)' if uniqueness else "")
                    + " (RFC 7644 3.12)",
                    f"{op.status} with {problem}",
                    [op],
                )
        creating = op.kind == "create"
        if is_contention_5xx(op):
            rivals = [other for other in writes if other is not op and _contend(op, other)]
            if rivals:
                report.add(
                    "5xx-on-conflict" if creating else "5xx-under-contention",
                    where,
                    "409, 412 or success under contention, never a 5xx (RFC 7644 3.12: "
                    "conflicts are 409, failed preconditions 412)",
                    f"{op.status} while {len(rivals)} other write(s) were in flight",
                    [op, *rivals[:3]],
                )
    _if_match_losers(report, writes)
    if trial.meta.get("etag_advertised"):
        _etag_missing(report, trial.ops)
    return report.violations


def _etag_missing(report: Report, ops: list[Op]) -> None:
    read = next((op for op in ops if op.kind == "get" and op.type == "ok" and not op.etag), None)
    if read is not None:
        report.add(
            "etag-missing",
            _where(read),
            "an ETag header on every resource answer once etag is supported (RFC 7644 3.14)",
            "a read answered 200 with neither an ETag header nor meta.version",
            [read],
        )


def _if_match_losers(report: Report, writes: list[Op]) -> None:
    races: dict[tuple[str, str, str], list[Op]] = {}
    for op in writes:
        key = resource_key(op)
        if key and op.if_match and op.if_match.strip() != "*":
            races.setdefault((*key, op.if_match), []).append(op)
    for (rtype, rid, etag), race in races.items():
        winners = [op for op in race if op.type == "ok"]
        if not winners:
            continue
        for op in race:
            if (
                op.type == "fail"
                and op.status is not None
                and op.status != 412
                and op.status not in OVERLOAD_STATUSES
            ):
                report.add(
                    "not-412",
                    resource_name((rtype, rid)),
                    f"412 for a write with If-Match {etag} after another with it was ok "
                    "(RFC 7644 3.14)",
                    f"{op.status} {op.scim_type or ''}".strip(),
                    [op, winners[0]],
                )


def _where(op: Op) -> str:
    key = resource_key(op)
    if key and op.kind != "create":
        return resource_name(key)
    for attribute in IDENTIFYING:
        value = read_attribute(op.value, attribute)
        if isinstance(value, str):
            return value if attribute == "userName" else f"{op.resource_type} {value}"
    return op.resource_type


def _contend(op: Op, other: Op) -> bool:
    """Whether two writes were in flight together on the same resource."""
    if not op.overlaps(other) or op.resource_type != other.resource_type:
        return False
    if op.kind == "create" or other.kind == "create":
        if op.kind != other.kind:
            return False
        for attribute in IDENTIFYING:
            mine = read_attribute(op.value, attribute)
            if isinstance(mine, str) and same_text(
                attribute, mine, read_attribute(other.value, attribute)
            ):
                return True
        return False
    return resource_key(op) is not None and resource_key(op) == resource_key(other)

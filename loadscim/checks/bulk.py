"""bulk: a BulkResponse tells the truth, bulkIds resolve, and the limits give 413.

The rules it enforces (RFC 7644 3.7):

- "The service provider MUST continue performing as many changes as possible and disregard
  partial failures": every operation of the request has a result (matched by ``bulkId``),
  unless ``failOnErrors`` errors were reached and processing stopped.
- A result's ``status`` is "the HTTP response status code for the requested operation" and
  "when indicating an error, the "response" attribute MUST contain the detail error
  response as per Section 3.12"; ``location`` is "REQUIRED in a response, except in the
  event of a POST failure".
- No operation reported ok that did not apply: a resource a 2xx result created, replaced
  or patched is found by a later GET and shows the data sent; one a 2xx DELETE removed is
  404. A resource is judged only when exactly one ok bulk operation and no other write in
  the trial touched it.
- bulkId references: "The bulkId serves as a surrogate resource id enabling clients to
  uniquely identify newly created resources in the response and cross-reference new
  resources in and across operations within a bulk request": a ``bulkId:<id>`` in the data
  of an ok operation is read back as the id the referenced POST created, never literally.
- 3.7.4: "If either limit is exceeded, the service provider MUST return HTTP response code
  413 (Payload Too Large)", with an Error body. A request well within the limits (size at
  most 90% of ``maxPayloadSize``: the client's serialisation may differ from the compact
  JSON measured here) must not get 413.

Trial contract (any ``trial.kind``):

- ``bulk`` ops: ``value`` the BulkRequest body as sent (``{"Operations": [...],
  "failOnErrors": n}``; each operation with ``method``, ``path``, ``bulkId``, ``data``). A
  value of only ``{"operations": n}`` (what ``ScimClient.bulk`` records; ``bulk_burst``
  records the whole request) lets the
  checker judge the limits by count and what the BulkResponse and the GETs show, but not
  missing results, the data applied or bulkId references. ``observed`` the BulkResponse:
  ``Operations`` each with ``method``, ``bulkId``, ``location``, ``status`` (string or int),
  ``response``.
- ``get`` ops of the resources the response names (``resource_type`` / ``resource_id``),
  after the bulk ended: the last one of each resource is judged.
- ``meta["max_operations"]``, ``meta["max_payload_size"]`` (optional ints, from
  ServiceProviderConfig ``bulk``): the limits. Without them the 413 rules are not judged.

Violation kinds: ``no-413`` (over a limit but not 413), ``413-within-limits``,
``no-error-schema`` (a 413 without an Error body), ``bulk-missing-result``,
``bulk-no-location``, ``bulk-error-no-detail``, ``bulk-unapplied`` (reported ok, but the
GET shows it did not apply), ``bulk-mismatch`` (the GET shows other data than was sent),
``bulk-unresolved-ref`` (a ``bulkId:`` reference not resolved to the created id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from loadscim.checks.common import (
    Report,
    error_problem,
    last,
    precedes,
    resource_key,
    resource_name,
    short,
    status_number,
)
from loadscim.checks.register import History, same_for
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.parse import is_error, member_ids
from loadscim.scim.patch import (
    REPLACE_ALL,
    attribute_writes,
    member_changes,
    read_attribute,
    resource_members,
    resource_writes,
)

NAME = "bulk"
BULK_ID = "bulkId:"
SIZE_SLACK = 0.9
TYPES = {"users": "User", "groups": "Group"}


@dataclass
class Applied:
    """One operation a BulkResponse reported ok, with what was sent for it."""

    bulk: Op
    method: str
    key: tuple[str, str]
    data: Any
    created: dict[str, str]
    """bulkId -> id, for the POSTs of the same request the response reported created."""


def check(trial: Trial) -> list[Violation]:
    """Per-operation results match what happened; bulkIds resolve; 413 over the limits.

    "Per-operation results match what happened; bulkId references resolved; 413 over the
    limits; no operation reported ok that did not apply." (RFC 7644 3.7)
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    applied: list[Applied] = []
    for op in ops:
        if op.kind == "bulk" and not _limits(report, op, trial.meta) and op.type == "ok":
            applied.extend(_results(report, op))
    _verify(report, applied, ops)
    return report.violations


def _request(op: Op) -> list[dict[str, Any]] | None:
    value = op.value
    operations = value.get("Operations") if isinstance(value, dict) else None
    return [o for o in operations if isinstance(o, dict)] if isinstance(operations, list) else None


def _limits(report: Report, op: Op, meta: dict[str, Any]) -> bool:
    """Judge the request against the limits; True when it was over one (nothing to verify)."""
    max_ops, max_size = meta.get("max_operations"), meta.get("max_payload_size")
    if max_ops is None and max_size is None:
        return False
    request = _request(op)
    if request is not None:
        count: int | None = len(request)
        size: int | None = len(orjson.dumps(op.value))
    else:
        count = op.value.get("operations") if isinstance(op.value, dict) else None
        size = None
    over = (max_ops is not None and count is not None and count > max_ops) or (
        max_size is not None and size is not None and size > max_size
    )
    within = (max_ops is None or (count is not None and count <= max_ops)) and (
        max_size is None or (size is not None and size <= max_size * SIZE_SLACK)
    )
    sent = f"{count} operations, {size if size is not None else '?'} bytes"
    limits = f"maxOperations {max_ops}, maxPayloadSize {max_size}"
    if over:
        if op.status != 413 and op.status is not None:
            report.add(
                "no-413",
                "Bulk",
                f"413 over {limits} (RFC 7644 3.7.4)",
                f"{op.status} for {sent}",
                [op],
            )
        elif op.status == 413 and error_problem(op):
            report.add(
                "no-error-schema",
                "Bulk",
                "413 with a SCIM Error body naming the limit",
                f"413 with {error_problem(op)}",
                [op],
            )
        return True
    if within and op.status == 413:
        report.add("413-within-limits", "Bulk", f"no 413 within {limits}", f"413 for {sent}", [op])
    return False


def _results(report: Report, op: Op) -> list[Applied]:
    body = op.observed if isinstance(op.observed, dict) else {}
    results = [r for r in body.get("Operations") or () if isinstance(r, dict)]
    request = _request(op) or []
    sent = {o["bulkId"]: o for o in request if isinstance(o.get("bulkId"), str)}
    created: dict[str, str] = {}
    errors = 0
    for result in results:
        status = status_number(result.get("status"))
        location = result.get("location")
        if status is not None and status >= 400:
            errors += 1
            if not is_error(result.get("response")):
                report.add(
                    "bulk-error-no-detail",
                    _name(result),
                    "an error result's response holds a SCIM Error (RFC 7644 3.7)",
                    f"status {status}, response {short(result.get('response'), 60)}",
                    [op],
                )
        elif status is not None and 200 <= status < 300:
            if not isinstance(location, str) or not location:
                report.add(
                    "bulk-no-location",
                    _name(result),
                    "location in every result but a failed POST (RFC 7644 3.7)",
                    f"status {status} without location",
                    [op],
                )
            elif str(result.get("method", "")).upper() == "POST" and result.get("bulkId"):
                created[str(result["bulkId"])] = location.rstrip("/").rsplit("/", 1)[-1]
    _missing(report, op, request, results, errors)
    applied = []
    for index, result in enumerate(results):
        status = status_number(result.get("status"))
        location = result.get("location")
        if status is None or not 200 <= status < 300 or not isinstance(location, str):
            continue
        key = _key(location)
        if key is None:
            continue
        sent_op = sent.get(str(result.get("bulkId")))
        if sent_op is None and index < len(request) and not request[index].get("bulkId"):
            sent_op = request[index]
        method = str(result.get("method") or (sent_op or {}).get("method") or "").upper()
        applied.append(Applied(op, method, key, (sent_op or {}).get("data"), created))
    return applied


def _missing(
    report: Report,
    op: Op,
    request: list[dict[str, Any]],
    results: list[dict[str, Any]],
    errors: int,
) -> None:
    fail_on = op.value.get("failOnErrors") if isinstance(op.value, dict) else None
    if isinstance(fail_on, int) and errors >= fail_on:
        return  # processing stopped on purpose
    answered = {str(r.get("bulkId")) for r in results if r.get("bulkId") is not None}
    missing = [
        o for o in request if o.get("bulkId") is not None and str(o["bulkId"]) not in answered
    ]
    if missing:
        report.add(
            "bulk-missing-result",
            "Bulk",
            "a result for every operation (RFC 7644 3.7)",
            "no result for bulkId " + ", ".join(str(o["bulkId"]) for o in missing[:5]),
            [op],
        )


def _verify(report: Report, applied: list[Applied], ops: list[Op]) -> None:
    touched: dict[tuple[str, str], list[Applied]] = {}
    for item in applied:
        touched.setdefault(item.key, []).append(item)
    others = History(ops).writes
    for key, items in touched.items():
        if len(items) != 1 or key in others:
            continue
        item = items[0]
        read = last(
            op
            for op in ops
            if op.kind == "get"
            and resource_key(op) == key
            and precedes(item.bulk, op)
            and (op.type == "ok" or op.status == 404)
        )
        if read is None:
            continue
        if item.method == "DELETE":
            if read.type == "ok":
                report.add(
                    "bulk-unapplied",
                    resource_name(key),
                    "404 after the DELETE the BulkResponse reported ok",
                    f"GET answered {read.status}",
                    [item.bulk, read],
                )
            continue
        if read.type != "ok":
            report.add(
                "bulk-unapplied",
                resource_name(key),
                f"the resource the {item.method} reported ok",
                "GET answered 404",
                [item.bulk, read],
            )
            continue
        _compare(report, item, read)


def _compare(report: Report, item: Applied, read: Op) -> None:
    resource = resource_name(item.key)
    members = member_ids(read.observed)
    literal = sorted(m for m in members if m.startswith(BULK_ID))
    unresolved: list[str] = list(literal)
    if item.data is None:
        _report_unresolved(report, resource, unresolved, item, read)
        return
    data = _resolve(item.data, item.created)
    if item.method == "PATCH":
        writes = attribute_writes(data)
        changes = member_changes(data)
        wanted = {m: change != "remove" for change, m in changes if change != REPLACE_ALL}
    else:
        writes = resource_writes(data)
        wanted = dict.fromkeys(resource_members(data) or [], True)
    for member, present in wanted.items():
        if member.startswith(BULK_ID):
            continue  # its POST failed: nothing to resolve it to
        if present and member not in members:
            original = _reference(item.data, member, item.created)
            if original:
                unresolved.append(f"{original} -> {member}")
            else:
                writes[f"members {member}"] = "a member"
        elif not present and member in members:
            writes[f"members {member}"] = "not a member"
    _report_unresolved(report, resource, unresolved, item, read)
    differ = []
    for path, value in writes.items():
        if path.startswith("members "):
            differ.append(f"{path}: {value}")
            continue
        if _has_reference(value):
            continue
        seen = read_attribute(read.observed, path)
        if not same_for(path)(value, seen):
            differ.append(f"{path}: sent {short(value, 30)}, read {short(seen, 30)}")
    if differ:
        report.add(
            "bulk-mismatch",
            resource,
            f"what the {item.method} sent",
            "; ".join(differ[:3]),
            [item.bulk, read],
        )


def _report_unresolved(
    report: Report, resource: str, unresolved: list[str], item: Applied, read: Op
) -> None:
    if unresolved:
        report.add(
            "bulk-unresolved-ref",
            resource,
            "bulkId references replaced by the created ids (RFC 7644 3.7)",
            "unresolved: " + ", ".join(unresolved[:3]),
            [item.bulk, read],
        )


def _resolve(value: Any, created: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith(BULK_ID):
        return created.get(value[len(BULK_ID) :], value)
    if isinstance(value, list):
        return [_resolve(v, created) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, created) for k, v in value.items()}
    return value


def _has_reference(value: Any) -> bool:
    return BULK_ID in orjson.dumps(value).decode() if value is not None else False


def _reference(data: Any, member: str, created: dict[str, str]) -> str | None:
    """The ``bulkId:x`` in ``data`` that resolves to ``member``, if any."""
    for bulk_id, resource_id in created.items():
        if resource_id == member and f"{BULK_ID}{bulk_id}" in orjson.dumps(data).decode():
            return f"{BULK_ID}{bulk_id}"
    return None


def _key(location: str) -> tuple[str, str] | None:
    parts = location.rstrip("/").split("/")
    if len(parts) < 2:
        return None
    rtype = TYPES.get(parts[-2].lower())
    return (rtype, parts[-1]) if rtype else None


def _name(result: dict[str, Any]) -> str:
    target = result.get("bulkId") or result.get("location") or ""
    return f"Bulk {result.get('method', '?')} {target}".strip()

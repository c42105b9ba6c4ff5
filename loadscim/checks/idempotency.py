"""idempotency: an identity provider's retry converges to the same state, never a duplicate.

Identity providers retry a request whose answer they did not get. What a replay must do:

- PATCH, RFC 7644 3.5.2.1: "If the target location already contains the value specified,
  no changes SHOULD be made to the resource, and a success response SHOULD be returned."
  A replayed PATCH or PUT leaves the state it describes, and adds no second copy of a
  member or a multi-valued attribute value.
- DELETE, RFC 7644 3.6: the service provider "MUST return a 404 (Not Found) error code for
  all operations associated with the previously deleted resource": a DELETE replayed after
  an ok DELETE completed gets 404 (429 and 503 are not judged), and the resource stays
  gone.
- POST, RFC 7644 3.3: a create of a taken userName "MUST return HTTP status code 409
  (Conflict) with a "scimType" error code of "uniqueness"": a create replayed after it was
  ok gets that 409, and the lookup finds exactly one (see ``duplicate_create``).

Trial contract (any ``trial.kind``):

- ops: a *replay* is two or more write ops of one kind with the same ``value`` (compared
  as JSON) on the same ``resource_type`` / ``resource_id`` (for ``create``: the same body).
  A write sent once is setup, not a replay. ``patch`` ``value`` is the Operations list;
  ``create`` / ``replace`` ``value`` the body; ``delete`` ``value`` None.
- final reads: ``get`` ops of the resource (ok with ``observed`` the body, or 404), judged
  when they started after every completed op of a replay ended; for a replayed create, the
  last ok ``search`` whose ``value["filter"]`` is ``userName eq "<userName>"`` (Users) or
  ``displayName eq "<displayName>"`` (Groups).
- ``meta["attribute"]`` / ``meta["unique"]`` (optional): the lookup attribute of replayed
  creates and whether it is unique, as in ``duplicate_create`` (default: userName, unique,
  for Users; displayName, not unique, for Groups).
- ``meta["consistency_window_s"]`` (optional): the consistency window, which the lookup of a
  replayed create takes into account as in ``duplicate_create``.

Violation kinds: ``replay-status`` (a DELETE replayed after an ok DELETE not answered 404),
``replay-final-state`` (a final read does not show the state the replayed op describes),
``duplicate-member`` / ``duplicate-value`` (a member or multi-valued value listed twice
after a replayed add); for replayed creates the ``duplicate_create`` kinds:
``duplicate-201``, ``no-uniqueness-scimtype``, ``wrong-status``, ``5xx-on-conflict``,
``lookup-count``, ``lookup-missing``.
"""

from __future__ import annotations

from typing import Any

import orjson

from loadscim.checks.common import (
    OVERLOAD_STATUSES,
    Report,
    precedes,
    resource_key,
    resource_name,
    short,
)
from loadscim.checks.duplicate_create import judge_race
from loadscim.checks.register import (
    History,
    Write,
    describe_values,
    judge,
    same_for,
    same_value,
)
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.patch import read_attribute
from loadscim.visibility import WINDOW_KEY

NAME = "idempotency"
WRITES = ("create", "replace", "patch", "delete")
NOT_JUDGED = OVERLOAD_STATUSES | {503}


def check(trial: Trial) -> list[Violation]:
    """A replayed operation converges to the same state, never a duplicate.

    "The same PATCH twice, the same PUT twice, DELETE twice (second -> 404), POST retried
    after it succeeded (-> 409, then a lookup finds exactly one). Final reads must show the
    state the op describes."
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    history = History(ops)
    for replay in replays(ops):
        first = replay[0]
        if first.kind == "create":
            default = "userName" if first.resource_type == "User" else "displayName"
            attribute = str(trial.meta.get("attribute") or default)
            unique = bool(trial.meta.get("unique", attribute.lower() == "username"))
            window_us = int(float(trial.meta.get(WINDOW_KEY) or 0) * 1e6)
            judge_race(report, replay, ops, attribute, unique, window_us)
            continue
        key = resource_key(first)
        if key is None:
            continue
        if first.kind == "delete":
            _delete_statuses(report, key, replay)
        _final_state(report, history, key, replay, ops)
    return report.violations


def replays(ops: list[Op]) -> list[list[Op]]:
    """Groups of two or more writes of one kind, one target and the same value."""
    groups: dict[tuple[Any, ...], list[Op]] = {}
    for op in ops:
        if op.kind not in WRITES:
            continue
        target = None if op.kind == "create" else op.resource_id
        value = orjson.dumps(op.value, option=orjson.OPT_SORT_KEYS)
        groups.setdefault((op.kind, op.resource_type, target, value), []).append(op)
    return [group for group in groups.values() if len(group) > 1]


def _delete_statuses(report: Report, key: tuple[str, str], replay: list[Op]) -> None:
    for op in replay:
        earlier = next((d for d in replay if d.type == "ok" and precedes(d, op)), None)
        if earlier is None or op.status == 404 or op.status is None or op.status in NOT_JUDGED:
            continue
        report.add(
            "replay-status",
            resource_name(key),
            "404 for a DELETE replayed after an ok DELETE (RFC 7644 3.6)",
            f"{op.status} {op.type}",
            [earlier, op],
        )


def _final_state(
    report: Report, history: History, key: tuple[str, str], replay: list[Op], ops: list[Op]
) -> None:
    ended = [op.end_us for op in replay if op.end_us is not None]
    if not ended:
        return
    reads = [
        op
        for op in ops
        if op.kind == "get"
        and resource_key(op) == key
        and op.start_us >= max(ended)
        and (op.type == "ok" or op.status == 404)
    ]
    effect = history.effect(replay[0])
    reported: set[str] = set()

    def judged(what: str, read: Op, observed: Any, writes: list[Write], same: Any = None) -> None:
        if what in reported:
            return
        verdict = judge(read, observed, writes, same=same)
        if not verdict.explained:
            reported.add(what)
            report.add(
                "replay-final-state",
                resource_name(key),
                f"{what}: {describe_values(verdict.allowed)}",
                f"{what}: {short(observed, 60)}",
                [*(w.op for w in verdict.required[-2:]), read],
            )

    for read in reads:
        if replay[0].kind == "delete":
            judged("exists", read, read.type == "ok", history.existence(key))
            continue
        if read.type != "ok":
            continue
        for lower, path in effect.spelled.items():
            value = read_attribute(read.observed, path)
            judged(path, read, value, history.attribute(key, lower), same_for(path))
            twice = _duplicated(effect.attributes[lower], value)
            if twice is not None and f"duplicate {path}" not in reported:
                reported.add(f"duplicate {path}")
                report.add(
                    "duplicate-value",
                    resource_name(key),
                    f"{path}: {short(twice, 50)} once after the replayed write",
                    f"{path}: listed {sum(1 for v in value if same_value(twice, v))} times",
                    [*replay[:2], read],
                )
        body = read.observed if isinstance(read.observed, dict) else {}
        members = [m.get("value") for m in body.get("members") or () if isinstance(m, dict)]
        for member in effect.members:
            judged(f"member {member}", read, member in members, history.member(key, member))
            copies = members.count(member)
            if effect.members[member] and copies > 1 and "members" not in reported:
                reported.add("members")
                report.add(
                    "duplicate-member",
                    resource_name(key),
                    f"{member} listed once after the replayed add",
                    f"listed {copies} times",
                    [*replay[:2], read],
                )


def _duplicated(written: Any, value: Any) -> Any:
    """An item of a written list that the list read holds more than once, or None."""
    if not isinstance(written, list) or not isinstance(value, list):
        return None
    for item in written:
        if sum(1 for seen in value if same_value(item, seen)) > 1:
            return item
    return None

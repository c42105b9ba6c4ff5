"""duplicate_create: racing creates of one userName make one account, and the losers hear 409.

RFC 7644 3.3: "If the service provider determines that the creation of the requested
resource conflicts with existing resources (e.g., a "User" resource with a duplicate
"userName"), the service provider MUST return HTTP status code 409 (Conflict) with a
"scimType" error code of "uniqueness", as per Section 3.12." RFC 7643 4.1.1 makes
``userName`` unique for the server, and case-insensitive ("Alice" and "alice" are one).

What is enforced, per contested value:

- unique attribute (``userName`` by default): at most one create is ok (201); every
  refused create is a 409 whose body is a SCIM Error with ``scimType`` ``uniqueness``; and
  the lookup finds exactly one resource once a create was ok (or a 409 proved one exists),
  the one the ok create was given. A create that is ``info`` may have made the one.
- non-unique attribute (``externalId``, a group's ``displayName``: RFC 7643 requires no
  uniqueness for them, so several 201 are distinct resources): the lookup finds every ok
  create, and at most one more per ``info`` create; a 409, if the server gives one, still
  carries the ``uniqueness`` Error. Make ``externalId`` unique with
  ``meta["unique"] = True``.
- case (RFC 7643 4.1.1: userName is ``caseExact: false``, "Alice" and "alice" are one
  userName): a create of a userName written otherwise than an account created before it
  (``ALICE`` after ``alice``) must be refused like the same value; and RFC 7644 3.4.2.2:
  "When comparing attributes of type String, the case sensitivity for String type
  attributes SHALL be determined by the attribute's caseExact characteristic", so a lookup
  of ``userName eq "ALICE"`` finds ``alice``. Each way a lookup writes the value is
  judged (its last lookup).
- in a race (more than one create), a 5xx is its own violation: RFC 7644 answers contention
  with 409, and an ``info`` create leaves the count uncertain.

Trial contract (any ``trial.kind``):

- ops: ``create`` ops (``value`` the body sent, ``resource_type`` User or Group) racing
  for one value of ``meta["attribute"]``; creates with different values are separate
  races in one trial. Then a lookup: an ok ``search`` whose ``value["filter"]`` is
  ``<attribute> eq "<value>"`` (what ``ScimClient.search`` records); the last one is judged,
  counting what ok creates completed before it started and what creates started before it
  ended.
- ``meta["attribute"]`` (optional): ``userName`` (default), ``externalId`` or
  ``displayName``; ``meta["unique"]`` (optional bool): default true for ``userName`` only.

With a consistency window T (``--consistency-window``, ``meta["consistency_window_s"]``;
issue 15), a lookup need find only the creates (and the 409s) completed T before it started:
a lookup inside the window may not find a new account yet; too many is judged all the same.

Violation kinds: ``duplicate-201`` (more than one ok create of a unique value, racing),
``case-duplicate`` (an ok create of a userName written otherwise than one created before
it), ``case-sensitive-filter`` (a lookup written otherwise than the account finds none),
``no-uniqueness-scimtype`` (a 409 without an Error body or without scimType uniqueness),
``wrong-status`` (a refused create of a taken unique value answered with another 4xx than
409; 429 is not judged), ``5xx-on-conflict`` (not 503: it sheds load, RFC 9110 15.6.4),
``lookup-count`` (the lookup found too many or
too few), ``lookup-missing`` (an ok create's id is not among the resources found).
"""

from __future__ import annotations

from typing import Any

from loadscim.checks.common import (
    OVERLOAD_STATUSES,
    Report,
    error_problem,
    filter_value,
    found_count,
    is_contention_5xx,
    last,
    listed,
    precedes,
    same_text,
)
from loadscim.checks.register import seen_by
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.patch import read_attribute
from loadscim.visibility import WINDOW_KEY

NAME = "duplicate_create"


def check(trial: Trial) -> list[Violation]:
    """At most one 201 per unique value; losers get 409 uniqueness; the lookup finds one.

    "At most one 201 per userName / externalId in a race; the losers get 409 with
    ``scimType`` "uniqueness" and the Error schema (RFC 7644 3.3); a 5xx in place of a 409
    is its own violation class; the lookup finds exactly one."
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    attribute = str(trial.meta.get("attribute") or "userName")
    unique = bool(trial.meta.get("unique", attribute.lower() == "username"))
    window_us = int(float(trial.meta.get(WINDOW_KEY) or 0) * 1e6)
    for race in races([op for op in ops if op.kind == "create"], attribute).values():
        judge_race(report, race, ops, attribute, unique, window_us)
    return report.violations


def races(creates: list[Op], attribute: str) -> dict[str, list[Op]]:
    """Creates grouped by the value of ``attribute`` they send (userName case-folded)."""
    groups: dict[str, list[Op]] = {}
    for op in creates:
        value = read_attribute(op.value, attribute)
        if isinstance(value, str):
            key = value.lower() if attribute.lower() == "username" else value
            groups.setdefault(key, []).append(op)
    return groups


def judge_race(
    report: Report,
    race: list[Op],
    ops: list[Op],
    attribute: str,
    unique: bool,
    window_us: int = 0,
) -> None:
    """Report what is wrong with one race of creates for one value and its lookups (which,
    with a consistency window, need show only the creates completed that long before)."""
    value: Any = read_attribute(race[0].value, attribute)
    resource = value if attribute.lower() == "username" else f"{attribute} {value}"
    oks = [op for op in race if op.type == "ok"]
    # An ok create of a value written otherwise than one already created (ALICE after
    # alice): a server comparing case, not a race.
    variants = [
        op
        for op in oks
        if any(precedes(o, op) and _written(o, attribute) != _written(op, attribute) for o in oks)
    ]
    if variants:
        first = next(o for o in oks if o not in variants)
        report.add(
            "case-duplicate",
            resource,
            f"409 uniqueness for a create of {_written(variants[0], attribute)!r} while "
            f"{_written(first, attribute)!r} exists: userName is caseExact false "
            "(RFC 7643 4.1.1, RFC 7644 3.3)",
            f"{len(variants)} more accounts created for it",
            [first, *variants],
        )
    racing = [op for op in oks if op not in variants]
    if unique and len(racing) > 1:
        report.add(
            "duplicate-201",
            resource,
            f"at most one create of {attribute} {value!r} ok, the others 409 (RFC 7644 3.3)",
            f"{len(racing)} creates ok",
            racing,
        )
    for op in race:
        if op.type == "fail" and op.status == 409:
            problem = error_problem(op, "uniqueness")
            if problem:
                report.add(
                    "no-uniqueness-scimtype",
                    resource,
                    '409 with a SCIM Error body and scimType "uniqueness" (RFC 7644 3.3, 3.12)',
                    f"409 with {problem}",
                    [op],
                )
        elif (
            unique
            and op.type == "fail"
            and op.status is not None
            and 400 <= op.status < 500
            and op.status not in OVERLOAD_STATUSES
            and any(other.type != "fail" and other is not op for other in race)
        ):
            report.add(
                "wrong-status",
                resource,
                f'409 "uniqueness" for a create of a taken {attribute} (RFC 7644 3.3)',
                f"{op.status} {op.scim_type or ''}".strip(),
                [op],
            )
        elif len(race) > 1 and is_contention_5xx(op):
            report.add(
                "5xx-on-conflict",
                resource,
                "201 or 409 for racing creates (RFC 7644 3.3)",
                f"{op.status}",
                [op],
            )
    lookups = [
        op
        for op in ops
        if op.kind == "search"
        and op.type == "ok"
        and same_text(attribute, filter_value(op, attribute), value)
    ]
    for asked in dict.fromkeys(filter_value(op, attribute) for op in lookups):
        lookup = last(op for op in lookups if filter_value(op, attribute) == asked)
        if lookup is not None:
            _lookup(report, race, variants, lookup, attribute, unique, resource, window_us)


def _written(op: Op, attribute: str) -> Any:
    """The value of ``attribute`` a create sent, as written (case and all)."""
    return read_attribute(op.value, attribute)


def _lookup(
    report: Report,
    race: list[Op],
    variants: list[Op],
    lookup: Op,
    attribute: str,
    unique: bool,
    resource: str,
    window_us: int = 0,
) -> None:
    """Judge one lookup (the last one for each way the value is written)."""
    value = filter_value(lookup, attribute)
    done = [op for op in race if op.type == "ok" and seen_by(op, lookup, window_us)]
    end = lookup.end_us if lookup.end_us is not None else 1 << 62
    may = [op for op in race if op.type != "fail" and op.start_us < end]
    if unique:
        taken = any(op.status == 409 and seen_by(op, lookup, window_us) for op in race)
        low = 1 if done or taken else 0
        # The accounts a case-duplicate made are reported as such, not again here.
        high = max(low, min(1, len(may)) + sum(1 for op in variants if op.start_us < end))
    else:
        low, high = len(done), len(may)
    found = found_count(lookup)
    if found == 0 and done and all(_written(op, attribute) != value for op in done):
        report.add(
            "case-sensitive-filter",
            resource,
            f"filter {attribute} eq {value!r} finds the account created as "
            f"{_written(done[0], attribute)!r}: string comparisons follow caseExact, false "
            "for userName (RFC 7644 3.4.2.2, RFC 7643 4.1.1)",
            "it finds none",
            [*done[:2], lookup],
        )
        return
    if not low <= found <= high:
        span = str(low) if low == high else f"{low} to {high}"
        report.add(
            "lookup-count",
            resource,
            f"filter {attribute} eq {value!r} finds {span} "
            f"({len(done)} ok creates before it, {len(may) - len(done)} that may have applied)",
            f"it finds {found}",
            [*done[:2], *[op for op in may if op not in done][:2], lookup],
        )
        return
    ids = {r.get("id") for r in listed(lookup)}
    missing = [op for op in done if op.resource_id not in ids]
    if missing and (ids or found == 0):
        report.add(
            "lookup-missing",
            resource,
            f"filter {attribute} eq {value!r} finds the ok create's id "
            + ", ".join(str(op.resource_id) for op in missing[:3]),
            f"it finds {sorted(str(i) for i in ids)[:3]}",
            [*missing[:3], lookup],
        )

"""read_your_writes' shortest way: a sequential trial of plain shapes, judged without effects.

The bench's trial and a scenario's verify steps (create, read, PATCH a named attribute, read)
are one resource, calls one after another, and a few named attribute paths (``title``,
``name.givenName``) written by bodies and PATCH operations of plain names. For such a trial
:func:`clean` computes what :func:`loadscim.checks.register.effect_of` would give for the
named paths alone (no :class:`~loadscim.checks.register.History`), asks the ``stored``
questions as :func:`loadscim.checks.stored.settle` asks them, and replays the writes as
:mod:`loadscim.checks.sequential` does. It answers True only when ``read_your_writes``
finds nothing; False when a read or a stored question does not hold (the general way then
names the findings); None when the trial is not of plain shapes (the other ways judge it).

Plain shapes, where the flattening of :mod:`loadscim.scim.patch` is simple:

- every named path is ``name`` or ``name.sub`` (names without ``.``, ``[``, ``]``, ``:``),
  none of ``members`` or an ignored attribute, no two in the same top-level attribute;
- every op addresses the same resource by id (creates, replaces, PATCHes, deletes, GETs);
- a POST or PUT body is an object of plain names, none ``members``, no two the same in
  another case; the value of a named attribute is no list (a sub-attribute under a named
  ``name.sub`` is in an object);
- a PATCH is a list of ``add`` / ``replace`` / ``remove`` operations, each with a plain
  path outside ``members`` and the ignored attributes, and a value that is no object or
  list, no two paths the same in another case;
- no read shows members.

``tests/unit/test_checks_plain.py`` compares the three ways over generated trials.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

from loadscim.checks import sequential, stored
from loadscim.checks.register import ANY, NO_EFFECT, UNKNOWN, Same, same_value
from loadscim.checks.stored import shown as _shown
from loadscim.ops import Op, Trial
from loadscim.scim.patch import IGNORED_ATTRIBUTES, MEMBERS, normalise, read_attribute

_NAME = re.compile(r"[A-Za-z_$][\w$-]*\Z")
_KINDS = frozenset({"create", "replace", "patch", "delete", "get"})
_OPS = frozenset({"add", "replace", "remove"})
_NOT_PLAIN = frozenset(IGNORED_ATTRIBUTES | {MEMBERS})


class _Plan(NamedTuple):
    named: frozenset[str]
    """Lower-cased named paths (as :class:`~loadscim.checks.stored.Kept` has them)."""
    items: tuple[tuple[str, str, str | None], ...]
    """(lower-cased path, its top-level attribute, its sub-attribute or None)."""
    bases: frozenset[str]
    unjudged: frozenset[str]
    paths: dict[str, str]
    """The judged paths (lower-cased -> as named)."""
    same: dict[str, Same]


class _Write(NamedTuple):
    op: Op
    values: dict[str, Any]
    """Lower-cased named path -> what the write leaves there (ANY, NO_EFFECT)."""
    written: list[tuple[str, str]]
    """(lower-cased, spelled) settled paths the write gives a value that shows."""


def clean(trial: Trial, ops: list[Op], wanted: Any) -> bool | None:
    """True: nothing to report; False: judge the general way; None: not of plain shapes."""
    if not isinstance(wanted, list) or not ops:
        return None
    plan = _plan(tuple(wanted), stored.unjudged_of(tuple(trial.meta.get("unjudged") or ())))
    if plan is None:
        return None
    first = ops[0]
    rtype, rid = first.resource_type, first.resource_id
    if not rid:
        return None
    if not sequential.one_after_another(ops):
        return None
    steps: list[tuple[Op, _Write | None]] = []  # each op, with what it writes
    for op in ops:
        if op.kind not in _KINDS or op.resource_id != rid or op.resource_type != rtype:
            return None
        if op.kind != "get":
            write = _write(op, plan)
            if write is None:
                return None
            steps.append((op, write))
        elif op.type == "ok" and isinstance(op.observed, dict) and op.observed.get("members"):
            return None  # (whenever member_ids(op.observed) has one, and more often)
        else:
            steps.append((op, None))
    return _holds(steps, plan)


@functools.lru_cache(maxsize=256)
def _plan(wanted: tuple[Any, ...], unjudged: frozenset[str]) -> _Plan | None:
    items = []
    for path in wanted:
        if not isinstance(path, str):
            return None
        base, dot, sub = path.partition(".")
        if not _NAME.match(base) or (dot and not _NAME.match(sub)):
            return None
        if base.lower() in _NOT_PLAIN:
            return None
        items.append((path.lower(), base.lower(), sub.lower() if dot else None))
    bases = frozenset(base for _, base, _ in items)
    if len(bases) != len(items):
        return None
    paths, same = sequential.judged_of(wanted, unjudged)
    named = frozenset(lower for lower, _, _ in items)
    return _Plan(named, tuple(items), bases, unjudged, paths, same)


@functools.lru_cache(maxsize=1024)
def _keys(keys: tuple[Any, ...], bases: frozenset[str]) -> dict[str, str] | None:
    """Top-level attribute -> key, of the named ones, for a body of plain names (no
    ``members``, no two the same in another case); None for another body."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for key in keys:
        if not isinstance(key, str) or not _NAME.match(key):
            return None
        lower = key.lower()
        if lower in seen or lower == MEMBERS:
            return None
        seen.add(lower)
        if lower in bases:
            found[lower] = key
    return found


def _write(op: Op, plan: _Plan) -> _Write | None:
    if op.kind == "delete":
        return _Write(op, dict.fromkeys(plan.named, NO_EFFECT), [])
    if op.kind == "patch":
        return _patch(op, plan)
    body = op.value
    if not isinstance(body, dict):
        return None
    keys = _keys(tuple(body), plan.bases)
    if keys is None:
        return None
    values: dict[str, Any] = {}
    written: list[tuple[str, str]] = []
    for lower, base, sub in plan.items:
        key = keys.get(base)
        if key is None:
            values[lower] = ANY  # left out of a POST or PUT body
            continue
        value = body[key]
        if isinstance(value, list):
            return None
        if not isinstance(value, dict):
            if sub is not None:
                return None  # the named sub-attribute's holder set to a value
            values[lower] = value = normalise(key, value)
            if _shown(value):
                written.append((lower, key))
            continue
        values[lower] = ANY  # until its sub-attribute is found
        seen: set[str] = set()
        for name, item in value.items():
            if not isinstance(name, str) or not _NAME.match(name) or name.lower() in seen:
                return None
            seen.add(name.lower())
            if isinstance(item, list):
                return None
            spelled = f"{key}.{name}"
            item = normalise(spelled, item)
            if sub is not None and name.lower() == sub:
                values[lower] = item
            if stored.related(plan.named, spelled.lower()) and _shown(item):
                written.append((spelled.lower(), spelled))
    return _Write(op, values, written)


def _patch(op: Op, plan: _Plan) -> _Write | None:
    operations = op.value
    if not isinstance(operations, list):
        return None
    attributes: dict[str, Any] = {}
    spellings: dict[str, str] = {}
    bases: set[str] = set()
    for operation in operations:
        if not isinstance(operation, dict):
            return None
        name, path, value = operation.get("op"), operation.get("path"), operation.get("value")
        if not isinstance(name, str) or name.lower() not in _OPS or not isinstance(path, str):
            return None
        base, dot, sub = path.partition(".")
        if not _NAME.match(base) or (dot and not _NAME.match(sub)):
            return None
        lower = path.lower()
        if base.lower() in _NOT_PLAIN or lower in attributes:
            return None
        if name.lower() == "remove":
            value = None
        elif isinstance(value, dict | list):
            return None
        else:
            value = normalise(path, value)
        attributes[lower], spellings[lower] = value, path
        bases.add(base.lower())
    values = {
        lower: attributes.get(lower, ANY if base in bases else NO_EFFECT)
        for lower, base, _ in plan.items
    }
    written = [
        (lower, spellings[lower])
        for lower, value in attributes.items()
        if stored.related(plan.named, lower) and _shown(value)
    ]
    return _Write(op, values, written)


def _holds(steps: list[tuple[Op, _Write | None]], plan: _Plan) -> bool:
    """The stored questions (:func:`stored.all_shown`, :func:`stored.create_shown`), then
    the replay of :class:`loadscim.checks.sequential._Replay`, on the writes' values."""
    answers = [
        op for op, _ in steps
        if op.type == "ok" and op.kind != "delete" and isinstance(op.observed, dict)
        and op.observed.get("id")
    ]  # fmt: skip
    writes = [write for _, write in steps if write is not None]
    unjudged = plan.unjudged
    hides = stored.hides
    shows: dict[tuple[int, str], bool] = {}  # (answer, path): whether the answer shows it
    first: dict[str, str] = {}
    for write in writes:
        if write.op.type == "ok":
            for lower, spelled in write.written:
                if lower not in first:
                    first[lower] = spelled
    for lower, spelled in first.items():
        if unjudged and hides(unjudged, lower):
            continue
        for answer in answers:
            found = shows[(id(answer), spelled)] = _shown(read_attribute(answer.observed, spelled))
            if found:
                break
        else:
            return False  # maybe not stored: the general way
    for write in writes:
        create = write.op
        if create.kind == "create" and create.type == "ok":
            if not any(a is create for a in answers):
                return False
            for lower, spelled in write.written:
                known = shows.get((id(create), spelled))
                if known is None:
                    known = _shown(read_attribute(create.observed, spelled))
                if not known and not (unjudged and hides(unjudged, lower)):
                    return False  # maybe dropped by the create: the general way
    created = any(w.op.kind == "create" for w in writes)
    exists: Any = False if created else UNKNOWN
    state: dict[str, Any] = {}
    paths, same = plan.paths, plan.same
    for op, made in steps:
        if made is not None:
            if op.type == "ok":
                if op.kind == "create":
                    exists = True
                elif op.kind == "delete":
                    exists = False
                for lower in paths:
                    value = made.values[lower]
                    if value is not NO_EFFECT:
                        state[lower] = value
            continue
        if op.type != "ok" and op.status != 404:
            continue
        found = op.type == "ok"
        if exists is not UNKNOWN and not same_value(exists, found):
            return False
        if found:
            observed = op.observed
            for lower, path in paths.items():
                if lower in state and not same[lower](state[lower], read_attribute(observed, path)):
                    return False
    return True


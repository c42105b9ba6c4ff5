"""The JSONL history: one line per trial (:func:`dumps_trial`, :func:`loads_trial`).

Lossless but compact: re-encoding a history read back gives the same trials, field for field
and byte for byte. Formats 2 and 3 (and the full form of older versions) read back too.
This module imports neither locust nor gevent: histories are checked offline too.
"""

from __future__ import annotations

import operator
import os
from typing import Any

import orjson

from loadscim.ops import _OP_FIELDS, Op, Trial

_REPEATED = frozenset(
    {
        "kind",
        "trial",
        "process",
        "resource_type",
        "resource_id",
        "value",
        "if_match",
        "start_us",
        "endpoint",
    }
)
"""The fields a completion repeats from its invocation (:func:`complete` in the client)."""


_SHORT = {
    "type": "t",
    "kind": "k",
    "seq": "s",
    "trial": "tr",
    "process": "p",
    "resource_type": "rt",
    "resource_id": "id",
    "value": "v",
    "if_match": "im",
    "status": "st",
    "scim_type": "sc",
    "etag": "e",
    "observed": "o",
    "error": "er",
    "start_us": "b",
    "end_us": "z",
    "endpoint": "ep",
    "headers": "h",
}
"""Field names in a history line (:func:`dumps_trial`)."""
_LONG = {short: name for name, short in _SHORT.items()}
_INTERNED = frozenset({"value", "observed", "resource_id", "endpoint", "process", "headers"})
"""Fields whose values repeat within a trial (a race's bodies, ids): written once per line."""
_TIMES = frozenset({"start_us", "end_us"})
HISTORY_FORMAT = 4
"""``4``: ``3`` and the items of a listing (``Resources``) written as values of their own
(``r``), each a difference from the last state of the same id when that is shorter.
``3``: ``2`` and answers and bodies written as differences (``d``)."""
_READ = frozenset({2, 3, HISTORY_FORMAT})
_DELTA_SAVES = 24
"""Bytes a difference must save over the whole value to be written instead of it."""


def dumps_trial(trial: Trial) -> bytes:
    """One JSONL line (with its newline) for a trial's history.

    Lossless but compact (``"v": 4``; measured in bench/README.md): an op leaves out the
    fields that hold their default (None, "", 0) and its ``trial`` when it is the trial's; a
    completion leaves out what it repeats of its invocation (same ``seq``); field names are
    short (``t`` type, ``s`` seq, ``o`` observed ...); times and ``seq`` count from the
    trial's first (``t0``, ``s0``); an invocation leaves out its type and the process,
    resource type and id of the previous invocation; a value, body or id that appears more
    than once in the trial is written once in ``values`` and referred to as
    ``{"@": index}``; an object (an answer, a body, the header fields) that differs little
    from the last body or answer before it, or from the last one about the same resource
    (the same User read after a PATCH: ``active``, ``meta.version``, ``meta.lastModified``;
    a create's answer: its body with ``id`` and ``meta``) is written as that difference:
    ``values[i]`` is null and ``d`` maps ``i`` to ``[base index, difference]``
    (:func:`_diff`); a listing's items (``Resources``, each the last state of a resource
    with a few changes) are values of their own: the listing's ``Resources`` is null and
    ``r`` maps its index to the items' indices.
    :func:`loads_trial` restores every field, and reads the full form (every field of every
    op, as older versions wrote) and formats 2 and 3 too.
    """
    ops = _compact_ops(trial)
    t0 = min((op.start_us for op in trial.ops), default=0)
    s0 = min((op.seq for op in trial.ops), default=0)
    plan = _Plan()
    keys = [
        [
            plan.see(name, value, op.resource_id)
            for name, value in fields.items()
            if name in _INTERNED
        ]
        for op, fields in zip(trial.ops, ops, strict=True)
    ]  # in the order written below: bases come first
    lines = []
    for fields, op_keys in zip(ops, keys, strict=True):
        short: dict[str, Any] = {}
        interned = iter(op_keys)
        for name, value in fields.items():
            if name in _INTERNED:
                key = next(interned)
                if plan.interned(key) or _looks_like_ref(value):
                    value = {"@": plan.index(key, value)}
            elif name in _TIMES and isinstance(value, int):
                value -= t0
            elif name == "seq":
                value -= s0
            short[_SHORT[name]] = value
        lines.append(short)
    data: dict[str, Any] = {"trial": trial.id, "kind": trial.kind, "checks": list(trial.checks)}
    data.update(meta=trial.meta, v=HISTORY_FORMAT, t0=t0, s0=s0, values=plan.values, ops=lines)
    if plan.differences:
        data["d"] = plan.differences
    if plan.listings:
        data["r"] = plan.listings
    return orjson.dumps(data) + b"\n"


_DIFFED = {"value": "body", "observed": "body", "headers": "headers"}
"""Fields whose objects are written as a difference from an earlier one of the same group
(a body sent or answered, the header fields kept) when that is shorter."""
_FIELDS = {"body": ("value", "observed"), "headers": ("headers",)}
"""The fields of each group, whose last objects are a new one's bases."""
_LISTED = "Resources"
"""The key of a listing's items (RFC 7644 3.4.2: a ListResponse)."""


def _listing(value: dict[str, Any]) -> bool:
    items = value.get(_LISTED)
    return isinstance(items, list) and bool(items) and all(isinstance(i, dict) for i in items)


class _Plan:
    """What :func:`dumps_trial` writes once (``values``), and how: whole, as a difference
    (``d``) or as a listing of values (``r``).

    :meth:`see` is called for every interned field in the order written, first; then
    :meth:`index` gives a value its place (its bases and items first)."""

    def __init__(self) -> None:
        self.seen: dict[bytes, int] = {}
        self.deltas: dict[bytes, tuple[bytes, dict[str, Any]]] = {}
        self.bases: set[bytes] = set()
        self.items: dict[bytes, tuple[list[bytes], dict[str, Any]]] = {}
        """A listing's key: its items' keys and the listing with ``Resources`` null."""
        self.last: dict[tuple[str, ...], tuple[bytes, dict[str, Any]]] = {}
        """The last object of a group (``body``, ``headers``) in a field (``("body", "f",
        "value")``), about a resource (``("body", "id", id)``) and listed (``("body",)``)."""
        self.values: list[Any] = []
        self.differences: dict[str, list[Any]] = {}
        self.listings: dict[str, list[int]] = {}
        self._index: dict[bytes, int] = {}

    def see(self, name: str, value: Any, about: str | None) -> bytes:
        """Plan a field's value; its key (its JSON)."""
        group = _DIFFED.get(name)
        if group is None or not isinstance(value, dict):
            key = orjson.dumps(value)
            self.seen[key] = self.seen.get(key, 0) + 1
            return key
        return self._object(value, group, name, about)

    def _object(self, value: dict[str, Any], group: str, name: str | None, about: Any) -> bytes:
        """Plan an object of ``group`` in field ``name`` (None: listed), about a resource."""
        key = orjson.dumps(value)
        count = self.seen[key] = self.seen.get(key, 0) + 1
        listed = None
        if count == 1 and group == "body" and _listing(value):
            keys = [self._object(item, group, None, item.get("id")) for item in value[_LISTED]]
            listed = self.items[key] = (keys, {**value, _LISTED: None})
        elif key in self.items:
            listed = self.items[key]
        form = value if listed is None else listed[1]
        if group == "body" and isinstance(value.get("id"), str):
            about = value["id"]
        own: tuple[str, ...] = (group,) if name is None else (group, "f", name)
        mine = (group, "id", about) if isinstance(about, str) else None
        slots: list[tuple[str, ...]] = (
            [own] if name is None else [(group, "f", field) for field in _FIELDS[group]]
        )
        if mine is not None:
            slots.append(mine)
        if count == 1:
            self._choose_base(key, form, listed is None, slots)
        self.last[own] = (key, form)
        if mine is not None:
            self.last[mine] = (key, form)
        return key

    def _choose_base(
        self, key: bytes, form: dict[str, Any], whole: bool, slots: list[tuple[str, ...]]
    ) -> None:
        """A difference from the last object of a slot, when it is the shortest and saves."""
        size = len(key) if whole else len(orjson.dumps(form))
        best: tuple[int, bytes, dict[str, Any]] | None = None
        tried = {key}
        for slot in reversed(slots):  # the same resource first
            candidate = self.last.get(slot)
            if candidate is None or candidate[0] in tried:
                continue
            tried.add(candidate[0])
            diff = _diff(candidate[1], form)
            length = len(orjson.dumps(diff))
            if best is None or length < best[0]:
                best = (length, candidate[0], diff)
        if best is not None and best[0] + _DELTA_SAVES < size:
            self.deltas[key] = (best[1], best[2])
            self.bases.add(best[1])

    def interned(self, key: bytes) -> bool:
        return self.seen[key] > 1 or key in self.bases or key in self.deltas or key in self.items

    def index(self, key: bytes, value: Any) -> int:
        """The place of ``value`` in ``values``: given on first use, after its items'."""
        position = self._index.get(key)
        if position is not None:
            return position
        listed = self.items.get(key)
        if listed is not None:
            places = [
                self.index(k, item) for k, item in zip(listed[0], value[_LISTED], strict=True)
            ]
            value = listed[1]
        position = self._index[key] = len(self.values)
        delta = self.deltas.get(key)
        if delta is None or delta[0] not in self._index:
            self.values.append(value)
        else:
            self.values.append(None)
            self.differences[str(position)] = [self._index[delta[0]], delta[1]]
        if listed is not None:
            self.listings[str(position)] = places
        return position


_PREFIX = 8
"""A string shares at least this many first characters with the one it replaces: written
as the length shared and the rest (``x``)."""


def _diff(base: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """What turns ``base`` into ``value``: ``s`` keys set (changed or new), ``p`` keys whose
    objects differ (a difference of their own), ``l`` keys whose lists of objects differ
    item by item (same length: a difference per item), ``x`` keys whose strings share a
    beginning (``[length shared, rest]``), ``r`` keys removed, ``k`` the key order when it
    is not base's order with new keys last (:func:`_patched`)."""
    diff: dict[str, Any] = {}
    for key, item in value.items():
        if key not in base:
            diff.setdefault("s", {})[key] = item
            continue
        old = base[key]
        if old is item or (type(old) is str and type(item) is str and old == item):
            continue
        if old == item and orjson.dumps(old) == orjson.dumps(item):
            continue  # the same JSON (1 == True == 1.0, and objects in another order, are not)
        if isinstance(old, dict) and isinstance(item, dict):
            diff.setdefault("p", {})[key] = _diff(old, item)
        elif (
            isinstance(old, list)
            and isinstance(item, list)
            and len(old) == len(item)
            and all(isinstance(x, dict) for x in (*old, *item))
        ):
            diff.setdefault("l", {})[key] = [_diff(a, b) for a, b in zip(old, item, strict=True)]
        elif (
            isinstance(old, str)
            and isinstance(item, str)
            and old[:_PREFIX] == item[:_PREFIX]
            and (shared := _shared(old, item)) >= _PREFIX
        ):
            diff.setdefault("x", {})[key] = [shared, item[shared:]]
        else:
            diff.setdefault("s", {})[key] = item
    removed = [key for key in base if key not in value]
    if removed:
        diff["r"] = removed
    keys = list(value)
    if keys != list(base) and _order(base, diff) != keys:
        diff["k"] = keys
    return diff


def _shared(a: str, b: str) -> int:
    """How many first characters ``a`` and ``b`` share."""
    return len(os.path.commonprefix([a, b]))  # noqa: RUF071 (characters, not paths)


def _order(base: dict[str, Any], diff: dict[str, Any]) -> list[str]:
    removed = set(diff.get("r", ()))
    keys = [key for key in base if key not in removed]
    known = set(keys)
    keys += [key for key in diff.get("s", {}) if key not in known]
    return keys


def _patched(base: dict[str, Any], diff: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``diff`` (:func:`_diff`) applied: a new object, ``base`` unchanged."""
    changed: dict[str, Any] = {**diff.get("s", {})}
    for key, sub in diff.get("p", {}).items():
        changed[key] = _patched(base[key], sub)
    for key, subs in diff.get("l", {}).items():
        changed[key] = [_patched(a, sub) for a, sub in zip(base[key], subs, strict=True)]
    for key, (shared, rest) in diff.get("x", {}).items():
        changed[key] = base[key][:shared] + rest
    order = diff.get("k") or _order(base, diff)
    return {key: changed[key] if key in changed else base[key] for key in order}


def _looks_like_ref(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and "@" in value


_CARRIED = ("process", "resource_type", "resource_id")
"""Fields an invocation leaves out when they are the previous invocation's (format 3)."""


_DEFAULTS = tuple((f.name, f.default) for f in _OP_FIELDS)
_VALUES = operator.attrgetter(*(f.name for f in _OP_FIELDS))
"""Every written field of an Op, in order (a tuple)."""


def _compact_ops(trial: Trial) -> list[dict[str, Any]]:
    invocations: dict[int, tuple[Any, ...]] = {}
    carried: dict[str, Any] = {f.name: f.default for f in _OP_FIELDS if f.name in _CARRIED}
    out = []
    for op in trial.ops:
        invoke = op.type == "invoke"
        values = _VALUES(op)
        base = None if invoke else invocations.get(op.seq)
        fields: dict[str, Any] = {}
        for i, (name, default) in enumerate(_DEFAULTS):
            value = values[i]
            if invoke:
                if name in carried:
                    if value != carried[name]:
                        fields[name] = carried[name] = value
                    continue
                if name == "type":
                    continue  # an op without a type is an invocation (format 3)
            if base is not None and name in _REPEATED:
                reference = base[i]
                if value is reference or value == reference:
                    continue
            elif name == "trial":
                if value == trial.id:
                    continue
            elif name != "type" and name != "kind" and value == default:
                continue
            fields[name] = value
        if invoke:
            invocations[op.seq] = values
        out.append(fields)
    return out


def loads_trial(line: bytes | str) -> Trial:
    """Read back one line written by :func:`dumps_trial` (or the full form of older ones)."""
    data = orjson.loads(line)
    raw_ops = data.get("ops", ())
    version = data.get("v")
    if version in _READ:
        values = data.get("values", [])
        for position, (base, diff) in sorted(
            ((int(i), d) for i, d in data.get("d", {}).items()), key=lambda x: x[0]
        ):
            values[position] = _patched(values[base], diff)
        for position, places in sorted(
            ((int(i), p) for i, p in data.get("r", {}).items()), key=lambda x: x[0]
        ):  # after every difference: those of a listing are of it without its items
            values[position] = {**values[position], _LISTED: [values[p] for p in places]}
        raw_ops = [_expand(o, data) for o in raw_ops]
    if version in (3, HISTORY_FORMAT):
        carried: dict[str, Any] = {}
        for fields in raw_ops:
            fields.setdefault("type", "invoke")
            if fields["type"] == "invoke":
                for name in _CARRIED:
                    if name in fields:
                        carried[name] = fields[name]
                    elif name in carried:
                        fields[name] = carried[name]
    invocations: dict[int, dict[str, Any]] = {}
    ops = []
    for fields in raw_ops:
        seq = fields.get("seq", 0)
        base = invocations.get(seq) if fields.get("type") != "invoke" else None
        full: dict[str, Any] = {"trial": data["trial"]}
        if base is not None:
            full.update((k, v) for k, v in base.items() if k in _REPEATED)
        full.update(fields)
        if full.get("type") == "invoke":
            invocations[seq] = full
        ops.append(Op.from_dict(full))
    trial = Trial.from_dict({**data, "ops": ()})
    trial.ops = ops
    return trial


def _expand(short: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """An op of a compact line with its field names, values and times restored."""
    fields: dict[str, Any] = {}
    for key, value in short.items():
        name = _LONG.get(key, key)
        if name in _INTERNED and _looks_like_ref(value):
            value = data["values"][value["@"]]
        elif name in _TIMES and isinstance(value, int):
            value += data.get("t0", 0)
        elif name == "seq":
            value += data.get("s0", 0)
        fields[name] = value
    return fields

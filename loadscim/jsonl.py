"""The JSONL history: one line per trial (:func:`dumps_trial`, :func:`loads_trial`).

Lossless but compact: re-encoding a history read back gives the same trials, field for field
and byte for byte. Formats 2, 3 and 4 (and the full form of older versions) read back too.
This module imports neither locust nor gevent: histories are checked offline too.
"""

from __future__ import annotations

import operator
from typing import Any

import orjson

from loadscim.jsondiff import difference, patched
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
    "headers_but_etag": "H",
}
"""Field names in a history line (:func:`dumps_trial`)."""
_LONG = {short: name for name, short in _SHORT.items()}
_INTERNED = frozenset(
    {"value", "observed", "resource_id", "endpoint", "process", "headers", "headers_but_etag"}
)
"""Fields whose values repeat within a trial (a race's bodies, ids): written once per line."""
_TIMES = frozenset({"start_us", "end_us"})
HISTORY_FORMAT = 5
"""``5``: ``4``, a difference's key order as places (``k``), and the header fields of an
answer whose last one is its ETag written without it (``H``).
``4``: ``3`` and the items of a listing (``Resources``) written as values of their own
(``r``), each a difference from the last state of the same id when that is shorter.
``3``: ``2`` and answers and bodies written as differences (``d``)."""
_READ = frozenset({2, 3, 4, HISTORY_FORMAT})
_DELTA_SAVES = 24
"""Bytes a difference must save over the whole value to be written instead of it."""


def dumps_trial(trial: Trial) -> bytes:
    """One JSONL line (with its newline) for a trial's history.

    Lossless but compact (``"v": 5``; measured in bench/README.md): an op leaves out the
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
    (:func:`~loadscim.jsondiff.difference`); a listing's items (``Resources``, each the
    last state of a resource with a few changes) are values of their own: the listing's
    ``Resources`` is null and ``r`` maps its index to the items' indices; header fields that
    end with the answer's ETag are written without it (``H`` instead of ``h``).
    :func:`loads_trial` restores every field, and reads the full form (every field of every
    op, as older versions wrote) and formats 2, 3 and 4 too.
    """
    ops = _compact_ops(trial)
    t0 = min((op.start_us for op in trial.ops), default=0)
    s0 = min((op.seq for op in trial.ops), default=0)
    plan = _Plan()
    seen, bases, deltas, items = plan.seen, plan.bases, plan.deltas, plan.items
    keys = []  # every interned field's, in the order written below: bases come first
    for op, fields in zip(trial.ops, ops, strict=True):
        for name, value in fields.items():
            if name in _INTERNED:
                group = _DIFFED.get(name)
                if group is not None and isinstance(value, dict):
                    keys.append(plan.see(value, group, name, op.resource_id))
                else:
                    key = orjson.dumps(value)
                    seen[key] = seen.get(key, 0) + 1
                    keys.append(key)
    interned = iter(keys)
    lines = []
    for fields in ops:
        short: dict[str, Any] = {}
        for name, value in fields.items():
            if name in _INTERNED:
                key = next(interned)
                if (
                    seen[key] > 1
                    or key in bases
                    or key in deltas
                    or key in items
                    or _looks_like_ref(value)
                ):
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


_DIFFED = {"value": "body", "observed": "body", "headers": "headers", "headers_but_etag": "headers"}
"""Fields whose objects are written as a difference from an earlier one of the same group
(a body sent or answered, the header fields kept) when that is shorter."""
_SLOTS: dict[str, tuple[str, ...]] = {name: (group, "f", name) for name, group in _DIFFED.items()}
"""The slot of the last object of a field (``("body", "f", "value")``); the last listed one
is ``("body",)``, the last one about a resource ``("body", id)``, the last one of a schema
``("body", "s", URN)``."""
_LISTED_SLOT: tuple[str, ...] = ("body",)
_CANDIDATES = {
    group: tuple(_SLOTS[name] for name, of in _DIFFED.items() if of == group)
    for group in _DIFFED.values()
}
"""The fields whose last objects are a new one's bases."""
_LISTED = "Resources"
"""The key of a listing's items (RFC 7644 3.4.2: a ListResponse)."""


def _listing(value: dict[str, Any]) -> bool:
    items = value.get(_LISTED)
    return isinstance(items, list) and bool(items) and all(isinstance(i, dict) for i in items)


def _shape(value: dict[str, Any], group: str) -> tuple[str, ...] | None:
    """The slot of the last object of the same schema (a User, an Error, a ListResponse)."""
    schemas = value.get("schemas")
    if isinstance(schemas, list) and schemas and isinstance(schemas[0], str):
        return (group, "s", schemas[0])
    return None


class _Plan:
    """What :func:`dumps_trial` writes once (``values``), and how: whole, as a difference
    (``d``) or as a listing of values (``r``).

    :meth:`see` is called for every object to diff in the order written, first; then
    :meth:`index` gives a value its place (its bases and items first)."""

    __slots__ = ("_facts", "_index", "bases", "deltas", "differences", "items", "last",
                 "listings", "seen", "values")  # fmt: skip

    def __init__(self) -> None:
        self.seen: dict[bytes, int] = {}
        self.deltas: dict[bytes, tuple[bytes, dict[str, Any]]] = {}
        self.bases: set[bytes] = set()
        self.items: dict[bytes, tuple[list[bytes], dict[str, Any]]] = {}
        """A listing's key: its items' keys and the listing with ``Resources`` null."""
        self.last: dict[tuple[str, ...], tuple[bytes, dict[str, Any]]] = {}
        """The last object (key, form) of each slot (:data:`_SLOTS`)."""
        self.values: list[Any] = []
        self.differences: dict[str, list[Any]] = {}
        self.listings: dict[str, list[int]] = {}
        self._index: dict[bytes, int] = {}
        self._facts: dict[bytes, tuple[dict[str, Any], tuple[str, ...] | None, str | None]] = {}

    def see(self, value: dict[str, Any], group: str, name: str | None, about: Any) -> bytes:
        """Plan an object of ``group`` in field ``name`` (None: listed), about a resource."""
        key = orjson.dumps(value)
        count = self.seen[key] = self.seen.get(key, 0) + 1
        facts = self._facts.get(key) or self._learn(key, value, group)  # once per key
        form, shape, ident = facts
        if ident is not None:
            about = ident
        mine = (group, about) if type(about) is str else None
        own = _LISTED_SLOT if name is None else _SLOTS[name]
        last = self.last
        if count == 1 and last:  # the same resource first, the last of the fields, the schema
            slots: tuple[tuple[str, ...], ...] = _CANDIDATES[group] if name else (own,)
            if mine is not None:
                slots = (mine, *slots)
            if shape is not None:
                slots = (*slots, shape)
            self._choose_base(key, form, key not in self.items, slots)
        entry = (key, form)
        last[own] = entry
        if shape is not None:
            last[shape] = entry
        if mine is not None:
            last[mine] = entry
        return key

    def _learn(
        self, key: bytes, value: dict[str, Any], group: str
    ) -> tuple[dict[str, Any], tuple[str, ...] | None, str | None]:
        """What an object's difference depends on: the form it is written in (a listing
        without its items, planned first), the slot of its schema, the id it states."""
        form = value
        if group == "body" and _listing(value):
            keys = [self.see(item, group, None, item.get("id")) for item in value[_LISTED]]
            form = {**value, _LISTED: None}
            self.items[key] = (keys, form)
        ident = value.get("id") if group == "body" else None
        facts = self._facts[key] = (
            form,
            _shape(value, group),
            ident if type(ident) is str else None,
        )
        return facts

    def _choose_base(
        self,
        key: bytes,
        form: dict[str, Any],
        whole: bool,
        slots: tuple[tuple[str, ...], ...],
    ) -> None:
        """A difference from the last object of a slot, when it is the shortest and saves."""
        best: tuple[int, bytes, dict[str, Any]] | None = None
        tried = {key}
        for slot in slots:
            candidate = self.last.get(slot)
            if candidate is None or candidate[0] in tried:
                continue
            tried.add(candidate[0])
            diff = difference(candidate[1], form)
            length = len(orjson.dumps(diff))
            if best is None or length < best[0]:
                best = (length, candidate[0], diff)
        if best is None:
            return
        size = len(key) if whole else len(orjson.dumps(form))
        if best[0] + _DELTA_SAVES < size:
            self.deltas[key] = (best[1], best[2])
            self.bases.add(best[1])

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


def _looks_like_ref(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and "@" in value


_CARRIED = ("process", "resource_type", "resource_id")
"""Fields an invocation leaves out when they are the previous invocation's (format 3)."""


_DEFAULTS = tuple((f.name, f.default) for f in _OP_FIELDS)
_VALUES = operator.attrgetter(*(f.name for f in _OP_FIELDS))
"""Every written field of an Op, in order (a tuple)."""


def _etag_last(headers: Any, etag: str | None) -> bool:
    """Whether the header fields end with ``etag`` (written without it: ``H``, format 5)."""
    return (
        etag is not None
        and isinstance(headers, dict)
        and next(reversed(headers), None) == "etag"
        and headers["etag"] == etag
    )


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
            if name == "headers" and _etag_last(value, op.etag):
                name, value = "headers_but_etag", {k: v for k, v in value.items() if k != "etag"}
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
            values[position] = patched(values[base], diff)
        for position, places in sorted(
            ((int(i), p) for i, p in data.get("r", {}).items()), key=lambda x: x[0]
        ):  # after every difference: those of a listing are of it without its items
            values[position] = {**values[position], _LISTED: [values[p] for p in places]}
        raw_ops = [_expand(o, data) for o in raw_ops]
    if version in (3, 4, HISTORY_FORMAT):
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
    headers = fields.pop("headers_but_etag", None)
    if headers is not None:
        fields["headers"] = {**headers, "etag": fields.get("etag")}
    return fields

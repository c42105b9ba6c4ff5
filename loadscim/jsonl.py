"""The JSONL history: one line per trial (:func:`dumps_trial`, :func:`loads_trial`).

Lossless but compact: re-encoding a history read back gives the same trials, field for field
and byte for byte. Formats 2 and 3 (and the full form of older versions) read back too.
This module imports neither locust nor gevent: histories are checked offline too.
"""

from __future__ import annotations

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
HISTORY_FORMAT = 3
"""``3``: ``2`` (below) and answers and bodies written as differences (``d``)."""
_DELTA_SAVES = 24
"""Bytes a difference must save over the whole value to be written instead of it."""


def dumps_trial(trial: Trial) -> bytes:
    """One JSONL line (with its newline) for a trial's history.

    Lossless but compact (``"v": 3``; measured in bench/README.md): an op leaves out the
    fields that hold their default (None, "", 0) and its ``trial`` when it is the trial's; a
    completion leaves out what it repeats of its invocation (same ``seq``); field names are
    short (``t`` type, ``s`` seq, ``o`` observed ...); times and ``seq`` count from the
    trial's first (``t0``, ``s0``); an invocation leaves out its type and the process,
    resource type and id of the previous invocation; a value, body or id that appears more
    than once in the trial is written once in ``values`` and referred to as
    ``{"@": index}``; an object (an answer, a body) that differs little from the last body
    or the last answer before it (the same User read after a PATCH: ``active``,
    ``meta.version``, ``meta.lastModified``; a create's answer: its body with ``id`` and
    ``meta``) is written as that difference: ``values[i]`` is null and ``d`` maps ``i`` to
    ``[base index, difference]`` (:func:`_diff`).
    :func:`loads_trial` restores every field, and reads the full form (every field of every
    op, as older versions wrote) and format 2 too.
    """
    ops = _compact_ops(trial)
    t0 = min((op.start_us for op in trial.ops), default=0)
    s0 = min((op.seq for op in trial.ops), default=0)
    seen: dict[bytes, int] = {}
    deltas: dict[bytes, tuple[bytes, dict[str, Any]]] = {}
    bases: set[bytes] = set()
    previous: dict[str, tuple[bytes, dict[str, Any]]] = {}
    for fields in ops:
        for name, value in fields.items():  # in the order written below: bases come first
            if name not in _INTERNED:
                continue
            key = orjson.dumps(value)
            count = seen[key] = seen.get(key, 0) + 1
            group = _DIFFED.get(name)
            if group is None or not isinstance(value, dict):
                continue
            candidates = [v for n, v in previous.items() if _DIFFED[n] == group]
            previous[name] = (key, value)
            if count > 1:
                continue
            best: tuple[int, bytes, dict[str, Any]] | None = None
            for base_key, base in candidates:  # the last body and the last answer
                if base_key != key:
                    diff = _diff(base, value)
                    size = len(orjson.dumps(diff))
                    if best is None or size < best[0]:
                        best = (size, base_key, diff)
            if best is not None and best[0] + _DELTA_SAVES < len(key):
                deltas[key] = (best[1], best[2])
                bases.add(best[1])
    index: dict[bytes, int] = {}
    values: list[Any] = []
    differences: dict[str, list[Any]] = {}
    lines = []
    for fields in ops:
        short: dict[str, Any] = {}
        for name, value in fields.items():
            if name in _INTERNED:
                key = orjson.dumps(value)
                if seen[key] > 1 or key in bases or key in deltas or _looks_like_ref(value):
                    if key not in index:
                        index[key] = len(values)
                        delta = deltas.get(key)
                        if delta is None or delta[0] not in index:
                            values.append(value)
                        else:
                            values.append(None)
                            differences[str(index[key])] = [index[delta[0]], delta[1]]
                    value = {"@": index[key]}
            elif name in _TIMES and isinstance(value, int):
                value -= t0
            elif name == "seq":
                value -= s0
            short[_SHORT[name]] = value
        lines.append(short)
    data = trial.to_dict()
    data.update(v=HISTORY_FORMAT, t0=t0, s0=s0, values=values, ops=lines)
    if differences:
        data["d"] = differences
    return orjson.dumps(data) + b"\n"


_DIFFED = {"value": "body", "observed": "body", "headers": "headers"}
"""Fields whose objects are written as a difference from the last one of the same group
(a body sent or answered, the header fields kept) when that is shorter."""
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
        elif isinstance(old, str) and isinstance(item, str) and _shared(old, item) >= _PREFIX:
            shared = _shared(old, item)
            diff.setdefault("x", {})[key] = [shared, item[shared:]]
        else:
            diff.setdefault("s", {})[key] = item
    removed = [key for key in base if key not in value]
    if removed:
        diff["r"] = removed
    if list(_order(base, diff)) != list(value):
        diff["k"] = list(value)
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


def _compact_ops(trial: Trial) -> list[dict[str, Any]]:
    invocations: dict[int, Op] = {}
    carried: dict[str, Any] = {f.name: f.default for f in _OP_FIELDS if f.name in _CARRIED}
    out = []
    for op in trial.ops:
        base = invocations.get(op.seq) if op.type != "invoke" else None
        fields: dict[str, Any] = {}
        for f in _OP_FIELDS:
            name = f.name
            value = getattr(op, name)
            if op.type == "invoke" and name in carried:
                if value != carried[name]:
                    fields[name] = carried[name] = value
                continue
            if name == "type" and value == "invoke":
                continue  # an op without a type is an invocation (format 3)
            if base is not None and name in _REPEATED:
                reference = getattr(base, name)
                if value is reference or value == reference:
                    continue
            elif name == "trial":
                if value == trial.id:
                    continue
            elif name not in ("type", "kind") and value == f.default:
                continue
            fields[name] = value
        if op.type == "invoke":
            invocations[op.seq] = op
        out.append(fields)
    return out


def loads_trial(line: bytes | str) -> Trial:
    """Read back one line written by :func:`dumps_trial` (or the full form of older ones)."""
    data = orjson.loads(line)
    raw_ops = data.get("ops", ())
    if data.get("v") in (2, HISTORY_FORMAT):
        values = data.get("values", [])
        for position, (base, diff) in sorted(
            ((int(i), d) for i, d in data.get("d", {}).items()), key=lambda x: x[0]
        ):
            values[position] = _patched(values[base], diff)
        raw_ops = [_expand(o, data) for o in raw_ops]
    if data.get("v") == HISTORY_FORMAT:
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

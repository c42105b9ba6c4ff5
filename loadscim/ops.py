"""The plain data that flows from the client to the checkers: Op, Trial, Violation.

The op model is Jepsen's: every SCIM call is an *invocation* followed by exactly one
*completion*, which is one of

- ``ok``: the server says it happened (2xx);
- ``fail``: the server says it did not happen (3xx, 4xx, 501, a connection refused before
  anything was sent);
- ``info``: nobody knows (5xx, a timeout after the request was sent, a reset connection,
  an answer that cannot be read). An ``info`` write may or may not have been applied, and
  every checker treats it that way.

An invocation and its completion share ``seq``. A completion repeats the invocation's
fields (``kind``, ``value``, ``start_us`` ...) so that a checker can read completions alone;
:func:`completions` pairs them and turns an invocation that never completed into ``info``.

This module imports neither locust nor gevent: histories are checked offline too.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

OpType = Literal["invoke", "ok", "fail", "info"]
OP_TYPES: frozenset[str] = frozenset({"invoke", "ok", "fail", "info"})
KINDS: frozenset[str] = frozenset(
    {"create", "get", "search", "replace", "patch", "delete", "bulk", "config"}
)


@dataclass(slots=True)
class Op:
    """One invocation or completion of a SCIM call.

    Times are monotonic integer microseconds of the process that made the call, so ops of
    one trial (always made by one process) compare; ops of different processes do not.
    """

    type: str
    """``invoke``, ``ok``, ``fail`` or ``info``."""
    kind: str
    """``create``, ``get``, ``search``, ``replace``, ``patch``, ``delete``, ``bulk``, ``config``."""
    seq: int = 0
    """Pairs an invocation with its completion; unique within a process."""
    trial: str = ""
    """The trial the op belongs to ("" for background traffic)."""
    process: str = ""
    """The logical client that made the call (a user, or one racer of a trial)."""
    resource_type: str = ""
    """``User``, ``Group``, or "" (bulk, discovery)."""
    resource_id: str | None = None
    """The id the call addressed, or the id a create was given."""
    value: Any = None
    """What was sent that matters to a check (small): attributes, PATCH operations ..."""
    if_match: str | None = None
    """The ``If-Match`` header sent, if any."""
    status: int | None = None
    """HTTP status of the answer; None when there was none."""
    scim_type: str | None = None
    """``scimType`` of a SCIM Error answer."""
    etag: str | None = None
    """``ETag`` header (or ``meta.version``) of the answer."""
    observed: Any = None
    """The parsed answer body (a dict), when it was JSON."""
    error: str | None = None
    """Why an answer is missing or unreadable (timeout, reset, bad JSON ...)."""
    start_us: int = 0
    end_us: int | None = None
    endpoint: str = ""
    """Normalised endpoint name: ``PATCH /Groups/{id}``."""
    headers: dict[str, str] | None = None
    """A sampled answer's ``content-type``, ``location`` and ``etag`` header fields (lower
    case names; those present), for the ``conformance`` checker; None when not sampled
    (:mod:`loadscim.client`: every op of a trial, every Nth otherwise)."""
    parsed: Any = field(default=None, compare=False, repr=False)
    """A write's value as read once (:func:`loadscim.scim.patch.parsed`), for every reader
    of this Op; not part of the op: not compared, not written to the history."""

    @property
    def is_write(self) -> bool:
        """Whether the call can change the server's state."""
        return self.kind in ("create", "replace", "patch", "delete", "bulk")

    @property
    def latency_us(self) -> int | None:
        return None if self.end_us is None else self.end_us - self.start_us

    def overlaps(self, other: Op) -> bool:
        """Whether the two calls were in flight at the same time (an open end never ends)."""
        self_end = self.end_us if self.end_us is not None else 1 << 62
        other_end = other.end_us if other.end_us is not None else 1 << 62
        return self.start_us < other_end and other.start_us < self_end

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in _OP_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Op:
        names = {f.name for f in _OP_FIELDS}
        return cls(**{k: v for k, v in data.items() if k in names})


_OP_FIELDS: tuple[dataclasses.Field[Any], ...] = tuple(
    f for f in dataclasses.fields(Op) if f.name != "parsed"
)
"""The fields of an Op (what is written and read back): all but ``parsed``."""


def classify_status(status: int) -> str:
    """The completion type of an HTTP answer: ``ok``, ``fail`` or ``info``.

    2xx happened; 3xx and 4xx did not (a redirect or a refusal is not applied); 501 says
    the feature does not exist; any other 5xx may or may not have been applied.
    """
    if 200 <= status < 300:
        return "ok"
    if status >= 500 and status != 501:
        return "info"
    return "fail"


def completions(ops: list[Op]) -> list[Op]:
    """The completion of every call in ``ops``, in invocation order.

    An invocation without a completion (the process died, the trial was cut short) becomes
    an ``info`` completion with an open end.
    """
    done: dict[int, Op] = {op.seq: op for op in ops if op.type != "invoke"}
    invoked = {op.seq for op in ops if op.type == "invoke"}
    result: list[Op] = []
    for op in ops:
        if op.type != "invoke":
            if op.seq not in invoked:
                result.append(op)  # completion whose invocation was not recorded
            continue
        completion = done.get(op.seq)
        if completion is None:
            completion = dataclasses.replace(op, type="info", error="no completion", end_us=None)
        result.append(completion)
    return result


@dataclass(slots=True)
class Trial:
    """A small independent experiment on resources only it touches.

    ``checks`` names the checkers (see :mod:`loadscim.checks`) that judge it; ``meta`` holds
    what the scenario planned that the ops do not show (the values written, the fan-out ...).
    """

    id: str
    kind: str
    checks: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    ops: list[Op] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.id,
            "kind": self.kind,
            "checks": list(self.checks),
            "meta": self.meta,
            "ops": [op.to_dict() for op in self.ops],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trial:
        return cls(
            id=data["trial"],
            kind=data["kind"],
            checks=tuple(data.get("checks", ())),
            meta=dict(data.get("meta") or {}),
            ops=[Op.from_dict(o) for o in data.get("ops", ())],
        )


@dataclass(frozen=True, slots=True)
class Violation:
    """One breach of an invariant: who, where, what was expected and what was seen."""

    checker: str
    """The checker that found it: ``lost_update``, ``zombie`` ..."""
    kind: str
    """The class of breach within the checker: ``lost-member``, ``5xx-on-conflict`` ..."""
    trial: str
    resource: str
    """``Group/3f2a...`` or a userName."""
    expected: str
    observed: str
    ops: tuple[str, ...] = ()
    """The ops involved, described by :func:`describe`."""
    subject: str = ""
    """What the finding is about, for grouping with its kind: an attribute path
    (``title``), ``members``, an endpoint; "" when the kind says it all."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "checker": self.checker,
            "kind": self.kind,
            "trial": self.trial,
            "resource": self.resource,
            "expected": self.expected,
            "observed": self.observed,
            "ops": list(self.ops),
            "subject": self.subject,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Violation:
        return cls(
            checker=data["checker"],
            kind=data["kind"],
            trial=data.get("trial", ""),
            resource=data.get("resource", ""),
            expected=data.get("expected", ""),
            observed=data.get("observed", ""),
            ops=tuple(data.get("ops", ())),
            subject=data.get("subject", ""),
        )


def describe(op: Op, t0_us: int = 0) -> str:
    """One short line for an op, for violation examples.

    ``#12 p3 PATCH /Groups/{id} [{"op":"add",...}] -> 204 ok @10.2-14.5ms``
    """
    sent = ""
    if op.value is not None:
        text = orjson.dumps(op.value, option=orjson.OPT_SORT_KEYS).decode()
        sent = " " + (text if len(text) <= 120 else text[:117] + "...")
    if op.if_match:
        sent += f" If-Match {op.if_match}"
    status = "-" if op.status is None else str(op.status)
    extra = f" {op.scim_type}" if op.scim_type else ""
    if op.error:
        extra += f" ({op.error})"
    start = (op.start_us - t0_us) / 1000
    end = "?" if op.end_us is None else f"{(op.end_us - t0_us) / 1000:.1f}"
    name = op.endpoint or f"{op.kind} {op.resource_type}"
    who = op.process or "-"
    return f"#{op.seq} {who} {name}{sent} -> {status} {op.type}{extra} @{start:.1f}-{end}ms"


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

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
    """A write's value as read once (:func:`loadscim.scim.parsed.parsed`), for every reader
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

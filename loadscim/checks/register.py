"""Can some order of the writes explain what a read saw? One register at a time.

A resource is cut into independent *registers*: its existence, each attribute path, and,
for a group, each member's presence. Every write has, for each register, an *effect*: a
value it leaves there, :data:`ANY` (it wrote the register, but what it leaves is not
known: a PUT that omits the attribute, which RFC 7644 3.5.1 lets the server clear or
default), or :data:`NO_EFFECT`.

:func:`judge` decides whether a value read is explainable, Jepsen style:

- an ``ok`` write happened, a ``fail`` write did not, an ``info`` write may have;
- a write that completed before another started precedes it in every order (real time);
- the read sees every ``ok`` write that completed before it started, may see a write
  that was in flight while it was, and sees nothing that started after it ended.

So a value ``v`` is explained iff some ok or info write ``w`` of ``v`` (or the initial
value, when no completed ok write changed it) can be ordered after every ok write that
completed before the read and left another value, i.e. ``w`` did not complete before such a
write started. Reads are judged one at a time, which never reports a violation that an
order of the writes could explain.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple

from loadscim.checks.common import precedes, short
from loadscim.ops import Op
from loadscim.scim.patch import (
    REPLACE_ALL,
    PatchError,
    attribute_writes,
    base_attribute,
    member_changes,
    resource_members,
    resource_writes,
)


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN: Any = _Marker("unknown")
"""An initial value nobody knows."""
ANY: Any = _Marker("any value")
"""The effect of a write that touched a register in a way that cannot be predicted."""
NO_EFFECT: Any = _Marker("no effect")
"""The effect of a write that does not touch a register."""

Same = Callable[[Any, Any], bool]


class Write(NamedTuple):
    """One write's effect on one register (a named tuple: made for every write of every
    register judged, bench/README.md)."""

    op: Op
    value: Any


@dataclass(frozen=True, slots=True)
class Judgement:
    """Whether a read is explained, and the writes that tell why not."""

    explained: bool
    allowed: tuple[Write, ...]
    """Writes that could be the last one before the read: their values are what it may show."""
    overwritten: tuple[Write, ...]
    """Writes of the value read that an ok write, completed before the read, overwrote."""
    required: tuple[Write, ...]
    """Ok writes completed before the read, with another value, that it should show: those
    that came after the value read, or the last ones if that value was never written."""
    initial_allowed: bool
    """Whether the initial value is still a value the read may show."""


def judge(
    read: Op,
    observed: Any,
    writes: Iterable[Write],
    *,
    initial: Any = UNKNOWN,
    same: Same | None = None,
    window_us: int = 0,
) -> Judgement:
    """Judge ``observed``, the value ``read`` saw in one register written by ``writes``.

    ``window_us`` is the consistency window: an ok write the read must show is one that
    completed at least that long before the read started (0: read-your-writes); a write
    completed later may or may not be seen, like one in flight.
    """
    same = same or same_value
    end = read.end_us
    relevant: list[Write] = []
    mandatory: list[Write] = []  # ok writes the read must show (the window)
    overwritten: list[Write] = []  # writes of the value read
    others: list[Write] = []  # mandatory writes of another value
    for w in writes:
        op = w.op
        if op.type == "fail" or op is read or (end is not None and op.start_us >= end):
            continue
        relevant.append(w)
        shown = same(w.value, observed)
        if shown:
            overwritten.append(w)
        if op.type == "ok" and op.end_us is not None and op.end_us + window_us <= read.start_us:
            mandatory.append(w)
            if not shown:
                others.append(w)
    initial_allowed = initial is not UNKNOWN and all(same(x.value, initial) for x in mandatory)
    explained = (
        any(not any(precedes(w.op, x.op) for x in others) for w in overwritten)
        or (initial_allowed and same(initial, observed))
        or (initial is UNKNOWN and not mandatory)
    )
    if explained:
        return _EXPLAINED[initial_allowed]

    def can_be_last(w: Write) -> bool:
        return not any(not same(x.value, w.value) and precedes(w.op, x.op) for x in mandatory)

    if overwritten:  # the writes that came after the value read
        required = [x for x in others if any(precedes(w.op, x.op) for w in overwritten)]
    else:  # the last writes, which the read should show
        required = [x for x in others if not any(precedes(x.op, y.op) for y in others)]
    return Judgement(
        explained=False,
        allowed=tuple(w for w in relevant if can_be_last(w)),
        overwritten=tuple(overwritten),
        required=tuple(sorted(required, key=lambda x: x.op.end_us or 0)),
        initial_allowed=initial_allowed,
    )


def seen_by(write: Op, read: Op, window_us: int = 0) -> bool:
    """Whether ``read`` must show ``write``: it completed at least ``window_us`` before the
    read started (the consistency window; 0: before it started)."""
    return write.end_us is not None and write.end_us + window_us <= read.start_us


def goes_back(
    reads: Iterable[tuple[Op, Any]],
    writes: Iterable[Write],
    *,
    initial: Any = UNKNOWN,
    same: Same | None = None,
) -> list[tuple[Op, Op]]:
    """Pairs of reads of one view of a register, the later showing an older state than the
    earlier one saw (monotonic reads broken): for each such later read, the first earlier
    one.

    Judged only when the register's writes are all ok and one after another in real time
    (their order is known): the states are numbered 0 (``initial``) to n, a read may show
    state k if the k-th write started before it ended and k holds the value it saw; reads
    ``r1`` then ``r2`` (``r1`` completed before ``r2`` started) flap when every state ``r1``
    may show is newer than every state ``r2`` may show.
    """
    same = same or same_value
    chain = sorted((w for w in writes if w.op.type != "fail"), key=lambda w: w.op.start_us)
    if any(w.op.type != "ok" for w in chain) or any(
        not precedes(a.op, b.op) for a, b in pairwise(chain)
    ):
        return []
    values = [initial, *(w.value for w in chain)]

    def states(read: Op, observed: Any) -> list[int]:
        known = 1 + sum(1 for w in chain if read.end_us is None or w.op.start_us < read.end_us)
        return [k for k in range(known) if values[k] is not UNKNOWN and same(values[k], observed)]

    judged = sorted(
        ((read, states(read, observed)) for read, observed in reads),
        key=lambda item: item[0].start_us,
    )
    judged = [(read, ks) for read, ks in judged if ks]
    pairs = []
    for i, (later, later_states) in enumerate(judged):
        for earlier, earlier_states in judged[:i]:
            if precedes(earlier, later) and min(earlier_states) > max(later_states):
                pairs.append((earlier, later))
                break
    return pairs


_EXPLAINED = {flag: Judgement(True, (), (), (), flag) for flag in (False, True)}
"""The judgements of an explained read (immutable, so shared)."""


def same_value(written: Any, observed: Any, *, case_insensitive: bool = False) -> bool:
    """Whether a value read shows a value written.

    Lenient where servers legitimately add to what was sent: a written object matches an
    object holding at least its keys (names case-insensitive), a written list matches a list
    holding a match for each of its items, and an absent value (None, "", [], {}) matches
    any absent value.
    """
    if written is ANY or observed is ANY:
        return True
    if written is UNKNOWN or observed is UNKNOWN:
        return False
    if _absent(written) or _absent(observed):
        return _absent(written) and _absent(observed)
    if isinstance(written, bool) or isinstance(observed, bool):
        return written is observed
    if isinstance(written, str) and isinstance(observed, str):
        return written.lower() == observed.lower() if case_insensitive else written == observed
    if isinstance(written, list):
        items = observed if isinstance(observed, list) else [observed]
        return all(any(same_value(w, o) for o in items) for w in written)
    if isinstance(written, dict):
        if not isinstance(observed, dict):
            return False
        lowered = {str(k).lower(): v for k, v in observed.items()}
        return all(same_value(v, lowered.get(str(k).lower())) for k, v in written.items())
    return bool(written == observed)


def same_for(attribute: str) -> Same:
    """The comparison for one attribute path: userName is case-insensitive (RFC 7643 4.1.1)."""
    if attribute.lower() in ("username", "urn:ietf:params:scim:schemas:core:2.0:user:username"):
        return lambda w, o: same_value(w, o, case_insensitive=True)
    return same_value


def _absent(value: Any) -> bool:
    """None, "", [] or {} (an attribute the server leaves out or empties)."""
    return value is None or (not value and isinstance(value, str | list | dict))


@dataclass(slots=True)
class Effect:
    """What one write does to each register of the resource it addresses.

    Not changed once made (a create the server dropped parts of gets a new one); not a
    frozen dataclass, whose ``__init__`` costs twice as much (one made per write judged)."""

    exists: Any = NO_EFFECT
    """True for a create, False for a delete."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """Lower-cased attribute path -> value written."""
    spelled: dict[str, str] = field(default_factory=dict)
    """Lower-cased path -> the path as the client wrote it."""
    omitted: Any = NO_EFFECT
    """The effect on attributes a write leaves out: ANY for a POST or PUT body."""
    members: dict[str, bool] = field(default_factory=dict)
    """Member id -> whether the write leaves it a member."""
    other_members: Any = NO_EFFECT
    """The effect on members the write does not name: False after a wholesale replace."""
    bases: frozenset[str] = frozenset()
    """The top-level attributes of ``attributes``."""

    def attribute(self, path: str) -> Any:
        key = path.lower()
        if key in self.attributes:
            return self.attributes[key]
        if base_attribute(key) in self.bases:
            return ANY  # a write to another part of the same attribute
        return self.omitted

    def member(self, member: str) -> Any:
        return self.members.get(member, self.other_members)


def effect_of(op: Op, bases: frozenset[str] | None = None) -> Effect:
    """The effect of a create, replace, patch or delete (NO_EFFECT everywhere for a read).

    With ``bases`` (top-level attributes, lower-cased), a POST or PUT body's attributes are
    those in one of them (and every extension's): the same effect on every path that falls
    in one of ``bases``, without flattening the rest of the body.
    """
    if op.kind == "delete":
        return Effect(exists=False)
    if op.kind in ("create", "replace"):
        value = op.value
        if bases is not None and isinstance(value, dict):
            value = {
                k: v
                for k, v in value.items()
                if base_attribute(k) in bases
                or (isinstance(v, dict) and k.lower().startswith("urn:"))
            }
        if value is op.value and op.parsed is not None:
            body = op.parsed.writes()  # read by the run's model already (scim.parsed)
        else:
            body = resource_writes(value)
        listed = resource_members(op.value)
        if listed is None:
            # a new resource has no members; a PUT without members may keep or clear them
            other = False if op.kind == "create" else ANY
            members: dict[str, bool] = {}
        else:
            other, members = False, dict.fromkeys(listed, True)
        attributes, spelled, bases = _paths(body)
        return Effect(
            exists=True if op.kind == "create" else NO_EFFECT,
            attributes=attributes,
            spelled=spelled,
            omitted=ANY,
            members=members,
            other_members=other,
            bases=bases,
        )
    if op.kind == "patch":
        if op.parsed is not None:  # read by the run's model already (scim.parsed)
            writes, changes = op.parsed.writes(), op.parsed.member_changes()
        else:  # the last reader: nothing to keep for others
            writes, changes = attribute_writes(op.value), member_changes(op.value)
        state: dict[str, bool] = {}
        other = NO_EFFECT
        for change, member in changes:
            if change == REPLACE_ALL:
                state = dict.fromkeys(state, False)
                other = False
            else:
                state[member] = change != "remove"
        attributes, spelled, bases = _paths(writes)
        return Effect(
            attributes=attributes, spelled=spelled, members=state, other_members=other, bases=bases
        )
    return Effect()


def _paths(writes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], frozenset[str]]:
    """``(attributes, spelled, bases)`` of an :class:`Effect` from path -> value written."""
    attributes: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    bases: set[str] = set()
    for path, value in writes.items():
        lower, base = _lower_and_base(path)
        attributes[lower] = value
        spelled[lower] = path
        bases.add(base)
    return attributes, spelled, frozenset(bases)


def _bases(named: Iterable[str]) -> frozenset[str] | None:
    """The top-level attributes of ``named`` paths (None, all of them, if one is no path)."""
    try:
        return frozenset(base_attribute(str(p)) for p in named)
    except PatchError:
        return None


@functools.lru_cache(maxsize=4096)
def _lower_and_base(path: str) -> tuple[str, str]:
    return path.lower(), base_attribute(path)


class History:
    """The writes of one trial, by resource, with their effects computed once.

    With ``named`` (attribute paths), only the registers of those paths, of the paths in
    the same top-level attributes, and of extensions are kept from POST and PUT bodies
    (:func:`effect_of`); :meth:`attribute_paths` then lists only those.
    """

    def __init__(self, ops: Iterable[Op], named: Iterable[str] | None = None) -> None:
        bases = None if named is None else _bases(named)
        self.ops = list(ops)
        self.writes: dict[tuple[str, str], list[Op]] = {}
        self.effects: dict[int, Effect] = {}
        self._registers: dict[tuple[str, str, str, str], list[Write]] = {}
        for op in self.ops:
            if op.kind in ("create", "replace", "patch", "delete") and op.resource_id:
                key = (op.resource_type, op.resource_id)
                self.writes.setdefault(key, []).append(op)
                self.effects[id(op)] = effect_of(op, bases)

    def effect(self, op: Op) -> Effect:
        return self.effects[id(op)]

    def reset(self) -> None:
        """Forget the registers computed so far (after an effect was changed)."""
        self._registers.clear()

    def register(
        self, key: tuple[str, str], pick: Callable[[Effect], Any], among: Iterable[Op] | None = None
    ) -> list[Write]:
        """The writes of one register of resource ``key`` (optionally only ``among`` ops)."""
        ops = self.writes.get(key, []) if among is None else among
        result = []
        for op in ops:
            value = pick(self.effects[id(op)])
            if value is not NO_EFFECT:
                result.append(Write(op, value))
        return result

    def attribute(self, key: tuple[str, str], path: str) -> list[Write]:
        """The writes of attribute ``path`` of resource ``key``."""
        return self._cached(key, "attribute", path.lower(), lambda e: e.attribute(path))

    def member(self, key: tuple[str, str], member: str) -> list[Write]:
        """The writes of ``member``'s presence in group ``key``."""
        return self._cached(key, "member", member, lambda e: e.member(member))

    def existence(self, key: tuple[str, str]) -> list[Write]:
        """The creates and deletes of resource ``key``."""
        return self._cached(key, "exists", "", lambda e: e.exists)

    def _cached(
        self, key: tuple[str, str], kind: str, name: str, pick: Callable[[Effect], Any]
    ) -> list[Write]:
        index = (*key, kind, name)
        writes = self._registers.get(index)
        if writes is None:
            writes = self._registers[index] = self.register(key, pick)
        return writes

    def attribute_paths(self, key: tuple[str, str], kinds: Iterable[str]) -> dict[str, str]:
        """Lower-cased path -> spelling, of every attribute written by ops of ``kinds``."""
        wanted = set(kinds)
        paths: dict[str, str] = {}
        for op in self.writes.get(key, []):
            if op.kind in wanted:
                for lower, spelled in self.effects[id(op)].spelled.items():
                    paths.setdefault(lower, spelled)
        return paths

    def member_universe(self, key: tuple[str, str]) -> set[str]:
        """Every member id a write of the resource names."""
        members: set[str] = set()
        for op in self.writes.get(key, []):
            members.update(self.effects[id(op)].members)
        return members


def describe_values(writes: Iterable[Write], initial: Any = UNKNOWN, limit: int = 4) -> str:
    """``'a', 'b' or the initial value``: what a read was allowed to show."""
    texts: list[str] = []
    for w in writes:
        text = "(unknown: " + w.op.kind + ")" if w.value is ANY else short(w.value, 40)
        if text not in texts:
            texts.append(text)
    if initial is not UNKNOWN:
        texts.append(f"{short(initial, 40)} (initial)")
    if not texts:
        return "nothing"
    if len(texts) > limit:
        texts = [*texts[:limit], f"... ({len(texts) - limit} more)"]
    return texts[0] if len(texts) == 1 else "one of " + ", ".join(texts)

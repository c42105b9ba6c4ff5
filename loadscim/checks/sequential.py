"""read_your_writes' short way for a trial whose calls ran one after another.

Most trials (the lifecycle, a verify after each write, the bench's create-read-patch) make
each call after the one before completed. Then the register model of
:mod:`loadscim.checks.register` needs no search for an order: every ok write completed
before every later call started, so a read must show, in each register, the value the last
ok write before it left there (or anything, when it left :data:`ANY`), and a read with no
ok write of the register before it is explained by the initial value, as :func:`judge`
says (proof below). :func:`clean` replays the writes in order and compares each read with
them; when every read and every ``stored`` question holds it answers True, and
``read_your_writes`` finds nothing. On anything else (a read that does not show its
write, an attribute no answer shows, a create whose own answer lacks one, calls that
overlap, an ``info`` outcome, a consistency window) it answers False and the checker
judges the trial the general way, which names the findings. So the short way never changes
a verdict, a violation or its explanation; it only skips work when there is nothing to
report (``tests/unit/test_checks_sequential.py`` compares both ways over generated trials).

Why a read is explained exactly when it shows the last ok write's value: with calls one
after another (each of positive duration), the ok writes before a read are all the writes
:func:`judge` counts as relevant, all of them mandatory and totally ordered by
:func:`precedes`; let ``L`` be the last. If the read shows ``L``'s value, ``L`` is a write
of that value after which no write of another value comes: explained. If it does not,
``L`` is a write of another value that every other write of the value read precedes, so
only the initial value can explain the read, which requires every mandatory write (``L``
too) to hold the initial value: ``L``'s value again. With no ok write before the read, the
read is explained by an unknown initial value, or when it shows the known one (a resource
created in the trial did not exist before).
"""

from __future__ import annotations

import functools
from typing import Any

from loadscim.checks import stored
from loadscim.checks.common import filter_value, listed, resource_key, same_text
from loadscim.checks.register import NO_EFFECT, UNKNOWN, History, Same, same_for, same_value
from loadscim.ops import Op, Trial
from loadscim.scim.parse import member_ids
from loadscim.scim.patch import read_attribute

_WRITES = ("create", "replace", "patch", "delete")


def one_after_another(ops: list[Op]) -> bool:
    """Whether each call completed ok or failed, took time, and started after the one
    before it (in ``ops``' order) completed."""
    previous = None
    for op in ops:
        end = op.end_us
        if (
            end is None
            or end <= op.start_us
            or (op.type != "ok" and op.type != "fail")
            or (previous is not None and op.start_us < previous)
        ):
            return False
        previous = end
    return True


def clean(trial: Trial, ops: list[Op], history: History, wanted: Any) -> bool:
    """True when ``read_your_writes`` finds nothing in the trial (no consistency window;
    ``ops`` its completions, one after another); False when it must judge the general way.
    """
    if not one_after_another(ops):
        return False
    kept = stored.kept_for(trial)
    searches: list[Op] | None = None
    for key, writes in history.writes.items():
        answers = stored.answers_of(ops, key)
        if not stored.all_shown(history, key, writes, answers, kept):
            return False
        created = named = False
        user_name = None
        for op in writes:
            if op.kind == "create":
                if op.type == "ok" and not stored.create_shown(history, key, op, answers, kept):
                    return False
                if not named and isinstance(op.value, dict):
                    user_name, named = op.value.get("userName"), True  # the first body's
                created = True
        if wanted is not None:
            paths, same = _judged(tuple(wanted), kept)
        else:
            paths = history.attribute_paths(key, ("create", "replace", "patch"))
            paths = {lower: p for lower, p in paths.items() if not kept.skip(key, p)}
            same = {lower: same_for(p) for lower, p in paths.items()}
        lists: dict[int, tuple[Op, dict[str, Any] | None]] = {}
        if user_name:
            if searches is None:
                searches = [
                    op for op in ops if op.kind == "search" and op.type == "ok"
                    and isinstance(filter_value(op, "userName"), str)
                ]  # fmt: skip
            for op in searches:
                if op.resource_type == key[0] and same_text(
                    "userName", filter_value(op, "userName"), user_name
                ):
                    listing = next((r for r in listed(op) if r.get("id") == key[1]), None)
                    if listing is None and filter_value(op, "userName") != user_name:
                        return False  # a lookup in another case than the create's
                    lists[id(op)] = (op, listing)
        replay = _Replay(history, key, paths, same, initial=False if created else UNKNOWN)
        if not replay.holds(ops, {id(op) for op in writes}, lists):
            return False
    return True


def _judged(wanted: tuple[Any, ...], kept: stored.Kept) -> tuple[dict[str, str], dict[str, Same]]:
    """The named paths judged (lower-cased -> as named) and their comparisons, when nothing
    was found not stored: the same for every trial of a scenario (remembered)."""
    return judged_of(wanted, kept.unjudged_paths)


@functools.lru_cache(maxsize=256)
def judged_of(
    wanted: tuple[Any, ...], unjudged: frozenset[str]
) -> tuple[dict[str, str], dict[str, Same]]:
    """The named paths judged (lower-cased -> as named) and their comparisons, for the
    unjudged paths ``unjudged`` and nothing found not stored (shared: not to be changed)."""
    kept = stored.Kept(set(unjudged), {})
    paths = {str(p).lower(): str(p) for p in wanted}
    paths = {lower: p for lower, p in paths.items() if not kept.skip(("", ""), p)}
    return paths, {lower: same_for(p) for lower, p in paths.items()}


class _Replay:
    """One resource's registers, the writes applied in order, each read compared."""

    def __init__(self, history: History, key: tuple[str, str], paths: dict[str, str],
                 same: dict[str, Same], initial: Any) -> None:  # fmt: skip
        self.history = history
        self.key = key
        self.paths = paths
        self.same = same
        self.exists: Any = initial
        self.attributes: dict[str, Any] = {}
        """Lower-cased path -> what the last ok write of it left (absent: none yet)."""
        self.universe = history.member_universe(key)
        self.members: dict[str, Any] = {}
        self.other_members: Any = NO_EFFECT
        """What the last ok write that set them left of the members no write names."""

    def holds(self, ops: list[Op], writes: set[int],
              lists: dict[int, tuple[Op, dict[str, Any] | None]]) -> bool:  # fmt: skip
        key = self.key
        for op in ops:
            if id(op) in writes:
                if op.type == "ok":
                    self.apply(op)
            elif op.kind == "get":
                if resource_key(op) != key or (op.type != "ok" and op.status != 404):
                    continue
                found = op.type == "ok"
                if not self.exists_holds(found):
                    return False
                if found and not (
                    self.attributes_hold(op.observed, self.paths)
                    and self.members_hold(op.observed)
                ):
                    return False
            elif id(op) in lists:
                resource = lists[id(op)][1]
                if not self.exists_holds(resource is not None):
                    return False
                if resource:
                    shown = {
                        lower: p for lower, p in self.paths.items()
                        if read_attribute(resource, p) is not None
                    }  # fmt: skip
                    if not self.attributes_hold(resource, shown):
                        return False
        return True

    def apply(self, op: Op) -> None:
        effect = self.history.effect(op)
        if effect.exists is not NO_EFFECT:
            self.exists = effect.exists
        for lower in self.paths:
            value = effect.attribute(lower)
            if value is not NO_EFFECT:
                self.attributes[lower] = value
        other = effect.other_members
        for member in self.universe:
            value = effect.members.get(member, other)
            if value is not NO_EFFECT:
                self.members[member] = value
        if other is not NO_EFFECT:
            self.other_members = other

    def exists_holds(self, found: bool) -> bool:
        return self.exists is UNKNOWN or same_value(self.exists, found)

    def attributes_hold(self, resource: Any, paths: dict[str, str]) -> bool:
        attributes = self.attributes
        for lower, path in paths.items():
            if lower in attributes and not self.same[lower](
                attributes[lower], read_attribute(resource, path)
            ):
                return False
        return True

    def members_hold(self, observed: Any) -> bool:
        shown = member_ids(observed)
        if not shown and not self.universe:
            return True
        for member in self.universe | shown:
            if member in self.universe:
                value = self.members.get(member, NO_EFFECT)
            else:
                value = self.other_members  # what the last write of the unnamed ones left
            if value is not NO_EFFECT and not same_value(value, member in shown):
                return False
        return True

"""What the server kept of what was written: ``not-stored`` and ``create-dropped``.

Two findings that are facts about the server, named once, before any race or verify read is
judged, so that they are not blamed on what follows:

- ``not-stored``: an attribute that ok writes set and that no answer of the server about
  that resource ever shows (not the create's or a PUT's answer, not any read). RFC 7644 3.3:
  "the response body SHOULD contain the service provider's representation of the newly
  created resource", and an ok write that is then never seen is not stored. One violation
  per trial and attribute; the attribute is not judged further in that trial (no
  ``stale-read``, ``lost-write`` or ``unwritten-value`` for it).
- ``create-dropped``: a create answered 2xx whose resource lacks attributes or members the
  body gave, in the create's answer and in the first read after it (before any other write
  of the resource), when another answer shows the attribute is stored. RFC 7644 3.3: a
  create "SHALL" return the "service provider's representation of the newly created
  resource"; a server that drops ``members`` of a ``POST /Groups`` says so there. One
  violation per create; the trial's starting state becomes what the server answered, so the
  race that follows is judged from it (no ``lost-member`` for members never stored).

Paths in ``trial.meta["unjudged"]`` (attributes the pre-flight saw the target does not
store) and their sub-attributes are left out of every judgement. A trial that names the
attributes it judges (``meta["attributes"]``) is settled on those alone: a written path
is looked at when it is a named path, holds one (``name`` for ``name.givenName``), or is in
one (``emails.type`` for ``emails``); members are always looked at. Those are the only
paths whose ``not-stored`` changes what the trial's checker judges, and a scenario names
its attributes to leave the others out (an identity provider's ``locale``, a vendor's
``roles``); settling every written path cost every such trial about half its checking
(bench/README.md).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from loadscim.checks.common import Report, precedes, resource_name
from loadscim.checks.register import Effect, History, judge, same_for
from loadscim.ops import Op, Trial
from loadscim.scim.parse import member_ids
from loadscim.scim.patch import base_attribute, read_attribute, resource_members

NOT_STORED = "not-stored"
CREATE_DROPPED = "create-dropped"


@dataclass
class Kept:
    """What a trial's checker must leave alone, once the stored findings are reported."""

    unjudged: set[str]
    """Lower-cased paths never judged (``meta["unjudged"]``)."""
    unstored: dict[tuple[str, str], set[str]]
    """Per resource, lower-cased paths reported ``not-stored``."""
    named: frozenset[str] | None = None
    """Lower-cased ``meta["attributes"]``: the paths settled (None: every path written)."""
    _shows: dict[tuple[int, str], bool] = dataclasses.field(default_factory=dict)
    _unjudged: frozenset[str] = dataclasses.field(default=frozenset(), init=False)

    def __post_init__(self) -> None:
        unjudged = frozenset(self.unjudged)
        # one object per set of paths: the remembered answers of _hides compare it by identity
        self._unjudged = _SETS.setdefault(unjudged, unjudged) if len(_SETS) < 256 else unjudged

    @property
    def unjudged_paths(self) -> frozenset[str]:
        """``unjudged`` as one shared frozenset (a key for remembered answers)."""
        return self._unjudged

    def shows(self, answer: Op, path: str) -> bool:
        """Whether ``answer`` shows a value at ``path`` (remembered: both findings ask)."""
        index = (id(answer), path)
        shown = self._shows.get(index)
        if shown is None:
            shown = self._shows[index] = _shown(read_attribute(answer.observed, path))
        return shown

    def settles(self, lower: str) -> bool:
        """Whether a written path (lower-cased) is settled in this trial (see the module)."""
        return self.named is None or _related(self.named, lower)

    def settled(self, effect: Effect) -> Iterable[str]:
        """The paths (lower-cased) of a write's effect that are settled in this trial."""
        if self.named is None:
            return effect.attributes
        return _related_of(self.named, tuple(effect.attributes))

    def skip(self, key: tuple[str, str], path: str) -> bool:
        unstored = self.unstored.get(key)
        if not unstored:
            return bool(self._unjudged) and _hides(self._unjudged, path.lower())
        return _hides(self._unjudged | unstored, path.lower())


_SETS: dict[frozenset[str], frozenset[str]] = {}


@functools.lru_cache(maxsize=256)
def unjudged_of(paths: tuple[Any, ...]) -> frozenset[str]:
    """``Kept(...).unjudged_paths`` of a trial's ``meta["unjudged"]`` (remembered)."""
    return frozenset(str(p).lower() for p in paths)


@functools.lru_cache(maxsize=4096)
def _hides(hidden: frozenset[str], lower: str) -> bool:
    """Whether a path (lower-cased) is one of ``hidden``, in one, or holds one."""
    if lower in hidden or base_attribute(lower) in hidden:
        return True
    below = lower + "."
    return any(p.startswith(below) for p in hidden)


@functools.lru_cache(maxsize=1024)
def _related(named: frozenset[str], lower: str) -> bool:
    """Whether path ``lower`` is one of ``named``, holds one, or is in one."""
    if lower in named:
        return True
    for name in named:
        if name.startswith(lower + ".") or lower.startswith(name + "."):
            return True
    return base_attribute(lower) in named or any(base_attribute(n) == lower for n in named)


@functools.lru_cache(maxsize=1024)
def _related_of(named: frozenset[str], lowers: tuple[str, ...]) -> tuple[str, ...]:
    """The paths of ``lowers`` related to ``named`` (one question per body shape written)."""
    return tuple(lower for lower in lowers if _related(named, lower))


def settle(report: Report, history: History, trial: Trial) -> Kept:
    """Report ``not-stored`` and ``create-dropped`` for the trial's resources, and make each
    create's effect what the server answered. Call before judging any register."""
    kept = kept_for(trial)
    for key, writes in history.writes.items():
        answers = answers_of(history.ops, key)
        unstored = _not_stored(report, history, key, writes, answers, kept)
        kept.unstored[key] = unstored
        for create in writes:
            if create.kind == "create" and create.type == "ok":
                _create_dropped(report, history, key, create, writes, answers, kept)
    return kept


def kept_for(trial: Trial) -> Kept:
    """A trial's :class:`Kept` before anything is settled: its unjudged and named paths."""
    named = trial.meta.get("attributes")
    return Kept(
        {str(p).lower() for p in trial.meta.get("unjudged") or ()},
        {},
        None if named is None else frozenset(str(p).lower() for p in named),
    )


def all_shown(
    history: History, key: tuple[str, str], writes: list[Op], answers: list[Op], kept: Kept
) -> bool:
    """Whether some answer shows every path ok writes of the resource set (or the path is
    left alone): then :func:`settle` finds no ``not-stored`` there."""
    return all(
        kept.skip(key, path) or _shown_by_any(kept, answers, path)
        for path, _, _ in _written(history, writes, kept).values()
    )


def create_shown(
    history: History, key: tuple[str, str], create: Op, answers: list[Op], kept: Kept
) -> bool:
    """The common case of a create, decided by its own answer: it shows every attribute
    (nothing can be missing from all the evidence) and no members were sent; then
    :func:`settle` finds no ``create-dropped`` for it."""
    effect = history.effect(create)
    # effect.members: the members the body sent (resource_members), until settle changes it
    if not any(a is create for a in answers) or effect.members:
        return False
    spellings = effect.spelled
    return all(
        kept.shows(create, spellings.get(lower, lower))
        or not _shown(effect.attributes[lower])
        or kept.skip(key, lower)
        for lower in kept.settled(effect)
    )


def answers_of(ops: list[Op], key: tuple[str, str]) -> list[Op]:
    """Ok answers of the server that show the resource (reads, and writes with a body)."""
    rtype, rid = key  # resource_key(op) == key, for an id that is never empty
    return [
        op
        for op in ops
        if op.type == "ok"
        and op.resource_id == rid
        and op.resource_type == rtype
        and op.kind in ("get", "create", "replace", "patch")
        and isinstance(op.observed, dict)
        and op.observed.get("id")
    ]


def _shown(value: Any) -> bool:
    if isinstance(value, list):
        return any(_shown(v) for v in value)
    return value is not None and value != "" and value != {}


shown = _shown
"""Whether an answer's value shows something (not absent, "" or {})."""
related = _related
"""Whether path ``lower`` is settled for ``named`` paths: one of them, holds one, or is in
one (see the module)."""
hides = _hides
"""Whether a path (lower-cased) is one of ``hidden``, in one, or holds one."""


def _shown_by_any(kept: Kept, answers: list[Op], path: str) -> bool:
    """``any(kept.shows(a, path) for a in answers)`` without a generator per path."""
    for answer in answers:  # noqa: SIM110
        if kept.shows(answer, path):
            return True
    return False


def _leaves(path: str, value: Any) -> list[str]:
    """``path``, and for a list of objects (``emails``) each sub-attribute written
    (``emails.type``): a server may keep the values but drop one sub-attribute."""
    paths = [path]
    if isinstance(value, list):
        subs = {k for item in value if isinstance(item, dict) for k in item}
        paths += [f"{path}.{k}" for k in sorted(subs)]
    return paths


def _written(history: History, writes: list[Op], kept: Kept) -> dict[str, tuple[str, Op, str]]:
    """Lower-cased path -> (spelling, the first ok write that set it, the attribute written)
    of every settled path that ok writes of one resource gave a value."""
    written: dict[str, tuple[str, Op, str]] = {}
    for op in writes:
        if op.type != "ok" or op.kind == "delete":
            continue
        effect = history.effect(op)
        for lower in kept.settled(effect):
            value = effect.attributes[lower]
            if not _shown(value):
                continue
            spelled = effect.spelled.get(lower, lower)
            if not isinstance(value, list):
                written.setdefault(lower, (spelled, op, spelled))
                continue
            for leaf in _leaves(spelled, value):
                leaf_lower = leaf.lower()
                if kept.settles(leaf_lower):
                    written.setdefault(leaf_lower, (leaf, op, spelled))
    return written


def _not_stored(
    report: Report,
    history: History,
    key: tuple[str, str],
    writes: list[Op],
    answers: list[Op],
    kept: Kept,
) -> set[str]:
    written = _written(history, writes, kept)
    unstored: set[str] = set()
    for lower, (path, first, attribute) in written.items():
        if kept.skip(key, path) or (unstored and any(lower.startswith(p + ".") for p in unstored)):
            continue
        if _shown_by_any(kept, answers, path):
            continue  # stored (the common case: asked first)
        later = [a for a in answers if a is first or precedes(first, a)]
        if not later:
            continue
        # Only what a read would otherwise be blamed for: a read that the writes cannot
        # explain without the attribute (a later write may have removed it legitimately).
        registers = history.attribute(key, attribute)
        same = same_for(attribute)
        if not any(
            not judge(a, read_attribute(a.observed, attribute), registers, same=same).explained
            for a in later
            if a.kind == "get"
        ):
            continue
        unstored.add(lower)
        report.add(
            NOT_STORED,
            resource_name(key),
            f"{path} as written by the ok {first.kind} (RFC 7644 3.3)",
            f"{path} absent from all {len(later)} answers after it",
            [first, later[-1]],
            subject=path,
        )
    return unstored


def _create_dropped(
    report: Report,
    history: History,
    key: tuple[str, str],
    create: Op,
    writes: list[Op],
    answers: list[Op],
    kept: Kept,
) -> None:
    """Compare a create's body with the server's first account of the new resource."""
    if create_shown(history, key, create, answers, kept):
        return
    evidence: list[Op] = [a for a in answers if a is create][:1]
    effect = history.effect(create)
    sent = resource_members(create.value) or []
    others = [w for w in writes if w is not create]
    reads = [a for a in answers if a.kind == "get" and precedes(create, a)]
    first_read = next(
        (
            a
            for a in sorted(reads, key=lambda op: op.start_us)
            if not any(w.start_us < a.end_us for w in others if a.end_us is not None)
        ),
        None,
    )
    if first_read is not None:
        evidence.append(first_read)
    if not evidence:
        return
    dropped_paths = []
    for lower in kept.settled(effect):
        spelled = effect.spelled.get(lower, lower)
        if (
            _shown(effect.attributes[lower])
            and not kept.skip(key, lower)
            and not _shown_by_any(kept, evidence, spelled)
        ):
            dropped_paths.append(spelled)
    member_evidence = [e for e in evidence if e.kind == "get" or "members" in e.observed]
    dropped_members: list[str] = []
    if member_evidence:
        seen = set().union(*(member_ids(e.observed) for e in member_evidence))
        dropped_members = [m for m in sent if m not in seen]
    if not dropped_paths and not dropped_members:
        return
    attributes = {p.lower(): None for p in dropped_paths}
    members = dict.fromkeys(dropped_members, False)
    history.effects[id(create)] = dataclasses.replace(
        effect,
        attributes={**effect.attributes, **attributes},
        members={**effect.members, **members},
    )
    history.reset()
    what = [*dropped_paths, *([f"members ({len(dropped_members)})"] if dropped_members else [])]
    observed = ", ".join(dropped_paths)
    if dropped_members:
        shown = ", ".join(dropped_members[:3]) + (" ..." if len(dropped_members) > 3 else "")
        observed = (observed + "; " if observed else "") + (
            f"{len(dropped_members)} of {len(sent)} members missing: {shown}"
        )
    report.add(
        CREATE_DROPPED,
        resource_name(key),
        "the created resource as sent: " + ", ".join(what) + " (RFC 7644 3.3)",
        "absent from " + " and ".join(f"the {e.kind}'s answer" for e in evidence) + f": {observed}",
        [create, *evidence[1:]],
        subject=f"{create.endpoint or 'create ' + key[0]}: "
        + ", ".join([*dropped_paths, *(["members"] if dropped_members else [])]),
    )

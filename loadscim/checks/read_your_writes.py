"""read_your_writes: a verify read after an ok write shows that write.

The behaviour it models is Okta's "CRUD" check (docs/scim-reference.md): "create and assign a user,
verify it on the server, update ``firstName``, verify, deactivate, verify deactivated,
reactivate, reassign, verify reactivated, unassign, verify deactivated"; an identity
provider reads back what it wrote and acts on what it reads. With RFC 7644 3.6 for the end:
a deleted resource "MUST return a 404 (Not Found) error code for all operations".

Every read that started after an ok write completed, with no other write that may come
between, must show that write: the attributes a POST, PUT or PATCH wrote, ``active``, the
members a PATCH added or removed, and 404 after a DELETE. When writes may come between (an
``info`` write, or one in flight during the read), the read may show any of the states they
allow; a PUT that omits an attribute may clear or default it (RFC 7644 3.5.1).

With a consistency window (``--consistency-window T``, kept in ``meta``; issue 15 and the
guides' "watch for propagation delays"): an eventually consistent service may answer a read
from a view that lags, so a write the read must show is one that completed at least T before
the read started; a read that misses a later one is not a violation. A write still not shown
by a read started after the window is ``not-visible``. And reads of one view (by id; by the
``userName`` filter) must not go back: once a read showed a write, a later read showing the
state before it is ``flapping`` (monotonic reads; judged when the writes' order is known).

Trial contract (any ``trial.kind``; the lifecycle user sends ``lifecycle``):

- ops on one or more resources, each named by ``resource_type`` / ``resource_id``:
  ``create`` (``value`` the body; ``resource_id`` the id it got), ``replace`` (``value`` the
  body), ``patch`` (``value`` the Operations list, any dialect), ``delete``; and ``get``
  reads: an ok ``get`` is a read of the resource (``observed`` the body), a ``get`` answered
  404 is a read that found nothing; other reads are not judged. An ok ``search`` whose
  filter is ``userName eq "<the userName a create of the trial sent>"`` is a read of that
  resource: listed or not, and the attributes its listing shows.
- ``meta["attributes"]`` (optional list of paths): the attributes to judge; default: every
  path a create, replace or patch in the trial wrote.
- ``meta["consistency_window_s"]`` (optional, seconds): the consistency window (default 0).

Violation kinds: ``case-sensitive-filter`` (a ``userName`` lookup written in another case
than the create misses the resource that a lookup written as created listed before it:
RFC 7644 3.4.2.2 compares strings by ``caseExact``, false for userName),
``stale-read`` (an attribute, a membership or, for a filter, the listing
itself shows an older value than an ok write completed before the read),
``not-found-after-write`` (404 though an ok create completed before the read and no delete
could come between), ``found-after-delete`` (the resource read or listed after an ok DELETE
completed); with a window, ``not-visible`` in place of those three (an ok write not shown
after the window) and ``flapping``; and, named once per trial before any read is judged,
``not-stored`` and ``create-dropped`` (:mod:`loadscim.checks.stored`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loadscim.checks import plain, sequential, stored
from loadscim.checks.common import (
    Report,
    filter_value,
    listed,
    precedes,
    resource_key,
    resource_name,
    same_text,
    short,
)
from loadscim.checks.register import (
    UNKNOWN,
    History,
    Write,
    describe_values,
    goes_back,
    judge,
    same_for,
    same_value,
)
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.parse import member_ids
from loadscim.scim.patch import read_attribute
from loadscim.visibility import WINDOW_KEY

NAME = "read_your_writes"
NOT_VISIBLE = "not-visible"
FLAPPING = "flapping"
Key = tuple[str, str]


def check(trial: Trial) -> list[Violation]:
    """Each verify read shows the last ok write before it (or what an uncertain one allows).

    "Every read that started after an ok write completed (with no other write in between)
    must show that write (attributes written by PUT/PATCH, ``active``, 404 after delete).
    Info writes: the read may show either state." With a consistency window T: "a stale read
    inside the window is not a violation; a write not visible after the window is
    ``not-visible``; a read that goes back to an older state after the newer one was seen is
    ``flapping``" (issue 15).
    """
    ops = completions(trial.ops)
    wanted = trial.meta.get("attributes")
    window_us = int(float(trial.meta.get(WINDOW_KEY) or 0) * 1e6)
    short = None if window_us else _short(plain.clean, trial, ops, wanted)
    if short:
        return []  # calls one after another, of plain shapes, each read showing its writes
    history = History(ops, wanted)  # only the registers of the named paths (their bases)
    if short is None and not window_us and _short(sequential.clean, trial, ops, history, wanted):
        return []  # calls one after another, each read showing its writes: nothing to name
    report = Report(NAME, trial)
    kept = stored.settle(report, history, trial)
    judge_ = _Judge(report, history, window_us)
    searches = [
        op
        for op in ops
        if op.kind == "search" and op.type == "ok" and isinstance(filter_value(op, "userName"), str)
    ]
    for key, writes in history.writes.items():
        gets = [
            op
            for op in ops
            if op.kind == "get"
            and resource_key(op) == key
            and (op.type == "ok" or op.status == 404)
        ]
        if wanted is not None:
            paths = {str(p).lower(): str(p) for p in wanted}
        else:
            paths = history.attribute_paths(key, ("create", "replace", "patch"))
        paths = {lower: p for lower, p in paths.items() if not kept.skip(key, p)}
        created = any(op.kind == "create" for op in writes)
        user_name = next(
            (op.value.get("userName") for op in writes if op.kind == "create"
             and isinstance(op.value, dict)),
            None,
        )  # fmt: skip
        lists = [
            (op, _listing(op, key[1]))
            for op in searches
            if user_name and op.resource_type == key[0]
            and same_text("userName", filter_value(op, "userName"), user_name)
        ]  # fmt: skip
        if judge_.window_us:
            judge_.flapping(key, gets, lists, paths, created)
        for read in gets:
            found = read.type == "ok"
            if judge_.existence(key, read, found, created) and found:
                judge_.attributes(key, read, read.observed, paths)
                judge_.members(key, read)
        for read, resource in lists:
            if resource is None and _case_variant_missed(read, lists, user_name):
                report.add(
                    "case-sensitive-filter",
                    resource_name(key),
                    f"listed by userName eq {filter_value(read, 'userName')!r} as by "
                    f"{user_name!r} before it: string comparisons follow caseExact, false for "
                    "userName (RFC 7644 3.4.2.2, RFC 7643 4.1.1)",
                    "the filter in another case does not list it",
                    [read],
                )
                continue
            if judge_.existence(key, read, resource is not None, created) and resource:
                shown = {k: p for k, p in paths.items() if read_attribute(resource, p) is not None}
                judge_.attributes(key, read, resource, shown)
    return report.violations


def _short(way: Callable[..., bool | None], *args: Any) -> bool | None:
    """A short way's answer (:func:`plain.clean`, :func:`sequential.clean`); False (judge
    the general way, which raises its own error) when it cannot read something."""
    try:
        return way(*args)
    except Exception:
        return False


def _case_variant_missed(
    read: Op, lists: list[tuple[Op, dict[str, Any] | None]], user_name: Any
) -> bool:
    """A lookup written in another case than the create that misses the resource, after
    a lookup written as created listed it."""
    if filter_value(read, "userName") == user_name:
        return False
    return any(
        found is not None
        and filter_value(other, "userName") == user_name
        and precedes(other, read)
        for other, found in lists
    )


def _listing(search: Op, resource_id: str) -> dict[str, Any] | None:
    return next((r for r in listed(search) if r.get("id") == resource_id), None)


class _Judge:
    """The judgements of one trial's reads; a read reported once per register and view."""

    def __init__(self, report: Report, history: History, window_us: int) -> None:
        self.report = report
        self.history = history
        self.window_us = window_us
        self._said: set[tuple[Key, str, str, str]] = set()
        self._flapped: set[tuple[int, str]] = set()
        """(read, subject) reported as flapping: not reported again as not visible."""

    def _add(self, kind: str, key: Key, read: Op, expected: str, observed: str,
             writes: list[Write], subject: str = "") -> None:  # fmt: skip
        if (id(read), subject) in self._flapped:
            return
        if self.window_us:
            kind = NOT_VISIBLE
            expected += f" (after the consistency window of {self.window_us / 1000:g} ms)"
        if read.kind == "search":  # polls repeat: one finding per register and view
            said = (key, kind, subject, read.kind)
            if said in self._said:
                return
            self._said.add(said)
        report = self.report
        report.add(kind, resource_name(key), expected, observed,
                   [*(w.op for w in writes[-2:]), read], subject=subject)  # fmt: skip

    def existence(self, key: Key, read: Op, found: bool, created: bool) -> bool:
        """Judge whether the resource exists; True when that read is explained."""
        verdict = judge(
            read, found, self.history.existence(key), initial=False if created else UNKNOWN,
            window_us=self.window_us,
        )  # fmt: skip
        if verdict.explained:
            return True
        if read.kind == "search":
            kind = "found-after-delete" if found else "stale-read"
            expected = "omitted from the userName filter" if found else "listed by the filter"
            observed = "the filter lists it" if found else "the filter does not list it"
        else:
            kind = "found-after-delete" if found else "not-found-after-write"
            expected = "404 (RFC 7644 3.6)" if found else "the resource, created before the read"
            observed = f"GET answered {read.status}"
        self._add(kind, key, read, expected, observed, list(verdict.required))
        return False

    def attributes(self, key: Key, read: Op, resource: Any, paths: dict[str, str]) -> None:
        for lower, path in paths.items():
            writes = self.history.attribute(key, lower)
            if not writes:
                continue
            value = read_attribute(resource, path)
            verdict = judge(read, value, writes, same=same_for(path), window_us=self.window_us)
            if not verdict.explained:
                self._add("stale-read", key, read, f"{path}: {describe_values(verdict.allowed)}",
                          f"{path}: {short(value, 60)}", list(verdict.required), path)  # fmt: skip

    def members(self, key: Key, read: Op) -> None:
        observed = member_ids(read.observed)
        for member in sorted(self.history.member_universe(key) | observed):
            writes = self.history.member(key, member)
            if not writes:
                continue
            present = member in observed
            verdict = judge(read, present, writes, window_us=self.window_us)
            if verdict.explained:
                continue
            state = "a member" if present else "not a member"
            self._add("stale-read", key, read,
                      f"members: {member} {'not a member' if present else 'a member'}",
                      f"members: {member} {state}", list(verdict.required), "members")  # fmt: skip

    def flapping(self, key: Key, gets: list[Op], lists: list[tuple[Op, Any]],
                 paths: dict[str, str], created: bool) -> None:  # fmt: skip
        """Monotonic reads, per view: by id, and by the userName filter."""
        initial = False if created else UNKNOWN
        views = {
            "GET by id": [(op, op.type == "ok", op.observed) for op in gets],
            "the userName filter": [(op, res is not None, res) for op, res in lists],
        }
        for view, reads in views.items():
            registers: list[tuple[str, list[Write], list[tuple[Op, Any]], Any, Any]] = [
                ("", self.history.existence(key),
                 [(op, found) for op, found, _ in reads], initial, same_value),
            ]  # fmt: skip
            for lower, path in paths.items():
                shown = [(op, read_attribute(res, path)) for op, found, res in reads if found]
                if view != "GET by id":
                    shown = [(op, value) for op, value in shown if value is not None]
                registers.append(
                    (path, self.history.attribute(key, lower), shown, UNKNOWN, same_for(path))
                )
            for subject, writes, observed, start, same in registers:
                pairs = goes_back(observed, writes, initial=start, same=same)
                if not pairs:
                    continue
                self._flapped.update((id(later), subject) for _, later in pairs)
                earlier, later = pairs[0]
                report = self.report
                at = ((earlier.end_us or 0) - report.t0) / 1000
                report.add(
                    FLAPPING, resource_name(key),
                    f"{subject or 'existence'} as {view} showed it at {at:.1f} ms, or newer "
                    "(monotonic reads)",
                    f"a later read by {view} shows an older state",
                    [*(w.op for w in writes[-2:]), earlier, later], subject=subject,
                )  # fmt: skip

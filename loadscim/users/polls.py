"""Polling until a write is visible: the time to visibility of :mod:`loadscim.visibility`.

A scenario calls :meth:`ScimUser.await_visible <loadscim.users.base.ScimUser.await_visible>`
after an ok write of a sampled trial (``--visibility-sample``), with the read to repeat and
what that read must show. The reads go through the trial's client, so they are the trial's
ops: the checkers judge them like any other read (a stale one inside the consistency window
is not a violation; one after it is ``not-visible``). Polls are bounded in count and in time
(:class:`loadscim.visibility.PollPlan`: 10 ms apart, doubling to 50 ms, until the window
plus a grace second has passed). A read the scenario makes anyway can be given as the first
poll (``first``), so on a server that shows writes at once the measure costs nothing.

Shown-functions for the usual views are here: :func:`lists` (a search lists a resource),
:func:`listed_with` (... with an attribute value), :func:`not_listed`, :func:`found`,
:func:`has_member`.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)

import time
from collections.abc import Callable
from typing import Any

import gevent

from loadscim.checks.common import listed
from loadscim.ops import Op
from loadscim.recorder import Recorder
from loadscim.scim.parse import member_ids
from loadscim.scim.patch import normalise, read_attribute
from loadscim.visibility import PollPlan

Shows = Callable[[Op], bool]


def await_visible(
    recorder: Recorder,
    kind: str,
    write: Op,
    read: Callable[[], Op],
    shows: Shows,
    plan: PollPlan,
    first: Op | None = None,
) -> Op | None:
    """Read until a read shows ``write`` (an ok write), or the plan gives up; record the
    delay in ``kind``'s histogram (or a write never seen). The read that showed it, or None.
    """
    if write.type != "ok" or write.end_us is None:
        return None
    op = first if first is not None else read()
    polls = 1
    while not shows(op):
        elapsed_s = (time.perf_counter_ns() // 1000 - write.end_us) / 1e6
        if plan.gives_up(polls, elapsed_s):
            recorder.record_visibility(kind, None)
            return None
        gevent.sleep(plan.interval(polls))
        op = read()
        polls += 1
    recorder.record_visibility(kind, (op.end_us or write.end_us) - write.end_us)
    return op


def _listing(op: Op, resource_id: str) -> dict[str, Any] | None:
    if op.type != "ok":
        return None
    return next((r for r in listed(op) if r.get("id") == resource_id), None)


def lists(resource_id: str) -> Shows:
    """A search that lists the resource."""
    return lambda op: _listing(op, resource_id) is not None


def listed_with(resource_id: str, attribute: str, value: Any) -> Shows:
    """A search that lists the resource with ``attribute`` equal to ``value``."""

    def shows(op: Op) -> bool:
        found = _listing(op, resource_id)
        return found is not None and normalise(
            attribute, read_attribute(found, attribute)
        ) == normalise(attribute, value)

    return shows


def not_listed(resource_id: str) -> Shows:
    """An ok search that does not list the resource."""
    return lambda op: op.type == "ok" and _listing(op, resource_id) is None


def found(op: Op) -> bool:
    """A GET that answered the resource."""
    return op.type == "ok"


def has_member(member: str, present: bool = True) -> Shows:
    """A GET of a group that lists (or, ``present`` False, does not list) ``member``."""
    return lambda op: op.type == "ok" and (member in member_ids(op.observed)) == present

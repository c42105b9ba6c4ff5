"""reconcile: at the end of a run, the server holds what the run's model says it wrote.

Background traffic is not checked trial by trial; at the end, the run's model of each
resource it created (DESIGN.md, "Trials") is compared with the server, by id (RFC 7644
3.4.2.4: offset paging "is not stateful", so never by paging alone) and by a
``userName eq`` filter, which is how identity providers match accounts
(docs/scim-reference.md: Okta's existence check and Entra's matching query). The rules:

- RFC 7643 4.1.1: ``userName`` is unique: the filter finds one account, never two.
- RFC 7644 3.6: a deleted resource gets "404 (Not Found) ... for all operations" and is
  omitted "from future query results"; a resource the model says exists is found, by id
  and by filter.
- Deprovisioning by ``active=false`` (Okta, Entra ID) holds: not active again.
- The attributes are those of the last ok write (unless an ``info`` write made them
  uncertain).
- With a consistency window T (``--consistency-window``, issue 15: "a write not visible
  after the window" is a finding), the reads start T after the load's last write (the
  harness waits; ``meta["consistency_window_s"]`` records it), so each finding is a write
  still not visible after its window.

Trial contract: ``trial.kind`` ``reconcile``;

- ``meta["expected"]``: a list, one entry per resource::

      {"resource_type": "User", "id": "<id>", "userName": "<userName>" or None,
       "attributes": {"<path>": <value as last written by an ok write>, ...},
       "active": true | false | None,      # as last written by an ok write, None unknown
       "deactivated": bool,                # an ok write set active false, none set it true
       "deleted": bool,                    # an ok DELETE (or a 404 to one) removed it
       "uncertain": bool}                  # an info write touched it: its state may be either

  (the shape ``loadscim.harness.finish.reconcile`` builds from ``recorder.Tracked``);
- ``meta["unjudged"]`` (optional): attribute paths not judged (the pre-flight saw the target
  does not store them, or a trial found them ``not-stored``: named once, there);
- ops: a ``get`` of each ``id`` (ok, or 404) and a ``search`` whose ``value["filter"]`` is
  ``userName eq "<userName>"``; the last of each is judged. A resource without them is not
  judged: :func:`unread` counts those, and :func:`unread_lines` makes the note, and the
  reason the checker's result is UNKNOWN when more than half of them were never read back
  (a run that lacks evidence is UNKNOWN, never PASS; a few throttled reads are a note).

Violation kinds (one of each at most per resource): ``missing`` (the model says it exists:
GET 404, or the filter finds nothing while GET finds it), ``duplicate`` (the filter finds
more than one), ``stale`` (attributes or ``active`` differ from the last ok write, unless
uncertain), ``zombie-active`` (active after an ok deactivation, unless uncertain),
``zombie-present`` (GET finds, or the filter lists, a deleted resource).
"""

from __future__ import annotations

from typing import Any

from loadscim.checks.common import (
    Report,
    filter_value,
    found_count,
    last,
    listed,
    resource_key,
    same_text,
    short,
)
from loadscim.checks.register import same_for
from loadscim.checks.stored import Kept
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.patch import normalise, read_attribute

NAME = "reconcile"


def check(trial: Trial) -> list[Violation]:
    """Count missing, duplicate, stale and zombie resources against the run's model.

    "The end-of-run comparison of the run's model with the server ... Count classes:
    ``missing`` (model says it exists, GET 404), ``duplicate`` (filter by userName finds more
    than one), ``stale`` (server attributes differ from the last ok write, unless uncertain),
    ``zombie`` (active after ok deactivation / present after ok DELETE)."
    """
    report = Report(NAME, trial)
    ops = completions(trial.ops)
    unjudged = Kept({str(p).lower() for p in trial.meta.get("unjudged") or ()}, {})
    reads = _Reads(ops)
    for entry in trial.meta.get("expected") or ():
        _judge(report, entry, reads, unjudged)
    return report.violations


class _Reads:
    """The reconciliation's reads, indexed once: GETs by resource, searches by userName
    (one pass over the ops, not one per resource: 2,000 resources took seconds)."""

    def __init__(self, ops: list[Op]) -> None:
        self.ops = ops
        self.gets: dict[tuple[str, str], list[Op]] = {}
        self.searches: dict[str, list[Op]] = {}
        self._last: dict[tuple[str, str], Op | None] = {}
        for op in ops:
            if op.kind == "get" and (op.type == "ok" or op.status == 404):
                key = resource_key(op)
                if key is not None:
                    self.gets.setdefault(key, []).append(op)
            elif op.kind == "search" and op.type == "ok":
                value = filter_value(op, "userName")
                if isinstance(value, str):
                    self.searches.setdefault(value.lower(), []).append(op)

    def search(self, resource_type: str, user_name: Any) -> Op | None:
        """The last ok search of ``resource_type`` filtering on this userName."""
        if isinstance(user_name, str):
            index = (resource_type, user_name.lower())
            if index not in self._last:
                self._last[index] = self._search(
                    self.searches.get(user_name.lower(), []), resource_type, user_name
                )
            return self._last[index]
        return self._search(self.ops, resource_type, user_name)

    @staticmethod
    def _search(candidates: list[Op], resource_type: str, user_name: Any) -> Op | None:
        return last(
            op
            for op in candidates
            if op.kind == "search"
            and op.type == "ok"
            and op.resource_type == resource_type
            and same_text("userName", filter_value(op, "userName"), user_name)
        )


UNKNOWN_SHARE = 0.5
"""More than this share of the resources left unread makes the checker's result UNKNOWN."""


def unread(trial: Trial) -> set[tuple[str, str]]:
    """The resources of ``meta["expected"]`` (resource type, id) whose GET
    by id got no answer to judge (ok or 404) or whose userName filter got no ok answer (a
    429 resent until the time budget ran out, a 5xx, a read never sent)."""
    reads = _Reads(completions(trial.ops))
    expected = trial.meta.get("expected") or ()
    missing = set()
    for entry in expected:
        key = (str(entry.get("resource_type") or "User"), str(entry["id"]))
        user_name = entry.get("userName")
        if not reads.gets.get(key) or (user_name and reads.search(key[0], user_name) is None):
            missing.add(key)
    return missing


def unread_lines(resources: int, missing: int, budget_s: float) -> tuple[str | None, str | None]:
    """The note on the resources not read back and, past :data:`UNKNOWN_SHARE`, the reason
    the reconcile result is UNKNOWN (with what to change); ``(None, None)`` when all were."""
    if not missing:
        return None, None
    note = (
        f"reconcile: {missing} of {resources} resources not judged: a read by id or by "
        f"userName got no answer to judge (a 429 resent after Retry-After until the "
        f"{budget_s:.0f} s budget ran out, or an error)"
    )
    if missing <= UNKNOWN_SHARE * resources:
        return note, None
    why = (
        f"reconcile: {missing} of {resources} resources were not read back, so it vouches for "
        "too little; see the throttling note, and lower the load or raise --throttle-retries"
    )
    return note, why


def _judge(report: Report, entry: dict[str, Any], reads: _Reads, unjudged: Kept) -> None:
    key = (str(entry.get("resource_type") or "User"), str(entry["id"]))
    user_name = entry.get("userName")
    resource = f"{key[0]}/{key[1]}" + (f" ({user_name})" if user_name else "")
    get = last(reads.gets.get(key, ()))
    search = None
    if user_name:
        search = reads.search(key[0], user_name)
    listing = (
        None if search is None else next((r for r in listed(search) if r.get("id") == key[1]), None)
    )
    if entry.get("deleted"):
        if get is not None and get.type == "ok":
            report.add(
                "zombie-present",
                resource,
                "404 after the ok DELETE (RFC 7644 3.6)",
                f"GET answered {get.status}",
                [get],
            )
        elif search is not None and listing is not None:
            report.add(
                "zombie-present",
                resource,
                "omitted from query results after the ok DELETE (RFC 7644 3.6)",
                "the userName filter lists it",
                [search],
            )
        return
    found = get is not None and get.type == "ok"
    if search is not None and found_count(search) > 1:
        report.add(
            "duplicate",
            resource,
            "the userName filter finds one (RFC 7643 4.1.1)",
            f"it finds {found_count(search)}",
            [search],
        )
    if entry.get("uncertain"):
        return
    if get is not None and not found:
        report.add(
            "missing",
            resource,
            "the resource the run created and did not delete",
            "GET answered 404",
            [get],
        )
        return
    if found and search is not None and found_count(search) == 0:
        report.add(
            "missing",
            resource,
            "found by the userName filter too",
            "GET finds it, the filter finds nothing",
            [get, search] if get else [search],
        )
    if found and get is not None:
        _state(report, resource, entry, get, unjudged)


def _state(report: Report, resource: str, entry: dict[str, Any], get: Op, unjudged: Kept) -> None:
    active = normalise("active", read_attribute(get.observed, "active"))
    if entry.get("deactivated") and active is True:
        report.add(
            "zombie-active",
            resource,
            "active false after the ok deactivation",
            "active true",
            [get],
        )
        expected_active = None
    else:
        expected_active = entry.get("active")
    differ = []
    if expected_active is not None and active is not None and active is not expected_active:
        differ.append(f"active: wrote {short(expected_active)}, read {short(active)}")
    for path, value in (entry.get("attributes") or {}).items():
        if path.lower() == "active" or unjudged.skip(("", ""), path):
            continue
        seen = read_attribute(get.observed, path)
        if not same_for(path)(value, seen):
            differ.append(f"{path}: wrote {short(value, 30)}, read {short(seen, 30)}")
    if differ:
        report.add(
            "stale", resource, "the attributes of the last ok write", "; ".join(differ[:3]), [get]
        )

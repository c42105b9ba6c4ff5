"""pagination: paging a filtered list lists every resource that stays, and counts it right.

The rules it enforces, RFC 7644 3.4.2 and 3.4.2.4:

- "totalResults: The total number of results returned by the list or query operation.
  The value may be larger than the number of resources returned, such as when returning a
  single page". Each page's ``totalResults`` lies between the resources that certainly
  matched while it was served (created ok before it started, no delete begun before it
  ended) and those that may have (a create begun before it ended, not failed: a deleted
  resource still counted is ``zombie-listed``, the zombie checker's finding, which the pages
  need not show, so deletes do not lower this bound).
- "startIndex: The 1-based index of the first query result." Paging is not stateful:
  "Clients MUST be prepared to handle inconsistent results", so a resource that moves
  between pages (an update or a delete reorders or shifts them) may be missed, and one
  inserted may repeat another. But when no update or delete of a matching resource could
  take effect during the paging (creates only insert: they shift later results right,
  repeating one, never skipping one), every resource that existed throughout the paging
  is on some page.

With a consistency window T (``--consistency-window``, ``meta["consistency_window_s"]``;
issue 15: "a stale read inside the window is not a violation"), a create or DELETE counts as
certainly seen by a page only once it completed T before the page started, and an update
or delete completed less than T before the paging may still move resources between pages.

Trial contract (any ``trial.kind``):

- ``meta["paging"]``: ``{"prefix": "<userName prefix>", "processes": [...]}``: the
  trial's Users are the ``create`` ops whose ``userName`` starts with the prefix (any case);
  each process named pages once: ``search`` ops (``value`` the query, ``startIndex`` and
  ``count`` strings; ``observed`` the ListResponse) from ``startIndex`` 1 on.
- ``replace`` / ``patch`` / ``delete`` ops of those Users (by ``resource_id``).

Violation kinds: ``paging-skipped`` (a resource there throughout a paging with no update or
delete in flight is on no page), ``wrong-total`` (a page's ``totalResults`` outside the
bounds), each once per paging.
"""

from __future__ import annotations

from typing import Any

from loadscim.checks.common import Report, listed
from loadscim.checks.register import seen_by
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.patch import read_attribute
from loadscim.visibility import WINDOW_KEY

NAME = "pagination"
NEVER = 1 << 62


def check(trial: Trial) -> list[Violation]:
    """Pages list every resource that stays; totalResults counts what matches.

    "totalResults: The total number of results returned by the list or query operation"
    (RFC 7644 3.4.2); "startIndex: The 1-based index of the first query result" (3.4.2.4).
    """
    report = Report(NAME, trial)
    paging: dict[str, Any] = dict(trial.meta.get("paging") or {})
    prefix = str(paging.get("prefix") or "").lower()
    if not prefix:
        return report.violations
    ops = completions(trial.ops)
    creates = {
        op.resource_id: op
        for op in ops
        if op.kind == "create"
        and op.resource_id
        and str(read_attribute(op.value, "userName") or "").lower().startswith(prefix)
    }
    changes = [
        op
        for op in ops
        if op.kind in ("replace", "patch", "delete") and op.resource_id in creates
    ]
    window_us = int(float(trial.meta.get(WINDOW_KEY) or 0) * 1e6)
    for process in paging.get("processes") or ():
        pages = [op for op in ops if op.kind == "search" and op.process == process]
        if pages:
            _judge(report, process, pages, creates, changes, window_us)
    return report.violations


def _judge(
    report: Report,
    process: str,
    pages: list[Op],
    creates: dict[str, Op],
    changes: list[Op],
    window_us: int = 0,
) -> None:
    deletes = [op for op in changes if op.kind == "delete" and op.type != "fail"]
    for page in pages:
        total = page.observed.get("totalResults") if isinstance(page.observed, dict) else None
        if page.type != "ok" or not isinstance(total, int) or isinstance(total, bool):
            continue
        end = page.end_us if page.end_us is not None else NEVER
        certain = [
            rid
            for rid, create in creates.items()
            if create.type == "ok"
            and seen_by(create, page, window_us)
            and not any(d.resource_id == rid and d.start_us < end for d in deletes)
        ]
        # A deleted resource still counted is zombie's finding (zombie-listed), not a total:
        # the pages need not show it, so deletes do not lower the upper bound.
        possible = [
            rid
            for rid, create in creates.items()
            if create.type != "fail" and create.start_us < end
        ]
        if not len(certain) <= total <= len(possible):
            low, high = len(certain), len(possible)
            span = str(low) if low == high else f"{low} to {high}"
            report.add(
                "wrong-total",
                f"GET /Users paged by {process}",
                f"totalResults {span}: the resources matching while the page was served "
                "(RFC 7644 3.4.2)",
                f"totalResults {total} on the page at startIndex {_start(page)}",
                [page],
            )
            return  # the paging went by that total: what it missed is not judged again
    if not all(page.type == "ok" for page in pages):
        return
    first, last = pages[0], pages[-1]
    end = last.end_us if last.end_us is not None else NEVER
    moving = [
        op
        for op in changes
        if op.type != "fail"
        and op.start_us < end
        and (op.end_us or NEVER) + window_us > first.start_us
    ]
    if moving:
        return  # an update or a delete may reorder the pages: a miss is not judged
    seen = {rid for page in pages for rid in _ids(page)}
    throughout = [
        rid
        for rid, create in creates.items()
        if create.type == "ok"
        and seen_by(create, first, window_us)
        and not any(
            op.resource_id == rid and op.kind == "delete" and op.start_us < end for op in changes
        )
    ]
    skipped = [rid for rid in throughout if rid not in seen]
    if skipped:
        report.add(
            "paging-skipped",
            f"GET /Users paged by {process}",
            f"every one of the {len(throughout)} resources there throughout the paging on a "
            "page, startIndex 1-based (RFC 7644 3.4.2.4), nothing updated or deleted meanwhile",
            f"{len(skipped)} on no page of {len(pages)}, e.g. {skipped[0]}",
            [creates[skipped[0]], *pages[:3]],
        )


def _ids(page: Op) -> set[Any]:
    return {r.get("id") for r in listed(page)}


def _start(page: Op) -> Any:
    return page.value.get("startIndex") if isinstance(page.value, dict) else None

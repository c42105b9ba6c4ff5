"""Removing a run's resources: by the ids it recorded, and by sweeping its namespace.

Used by the end of every run (:mod:`loadscim.harness.finish`, through Locust's session) and by
``loadscim cleanup --run-id ID --target URL`` (through :class:`loadscim.http.HttpTransport`:
this module imports neither locust nor gevent).

The rules that keep a shared tenant safe:

- A resource is a candidate only if its name carries the run's namespace: ``userName`` of a
  User, ``displayName`` of a Group, starting with ``loadscim-<run id>-`` (case-insensitive,
  RFC 7643 4.1.1). Other attributes (``externalId``) never make a candidate.
- Candidates are found with ``filter=userName sw "loadscim-<run id>-"`` (``displayName`` for
  groups), page by page (``startIndex``/``count``). Where the target does not filter
  (ServiceProviderConfig ``filter.supported`` false, or 400 ``invalidFilter`` / 501 to the
  filter) the whole collection is paged and each resource judged by its name.
- Before each DELETE, the candidate is read again by id and its name re-checked; if the read
  does not show the run's namespace, it is not deleted. Nothing else is ever deleted.
- A DELETE whose outcome is unknown (5xx, timeout, unreadable answer), throttled (429: the
  client waits Retry-After) or redirected is retried, a few times with backoff; 404 means
  already gone. Whatever could not be removed is reported, with why.
- Groups go first (deleting a group never fails on its members), then users; the sweep is
  repeated until it finds nothing new (offset paging skips resources under churn, RFC 7644
  3.4.2.4), a bounded number of times.
"""

from __future__ import annotations

import copy
import functools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from loadscim.client import ScimClient
from loadscim.ops import Op
from loadscim.scim import payloads
from loadscim.scim.namespace import Namespace
from loadscim.scim.parse import parse_list
from loadscim.throttle import Throttle

T = TypeVar("T")
R = TypeVar("R")
MapFn = Callable[[Callable[[T], R], Iterable[T]], Iterable[R]]

NAME_ATTRIBUTE = {"User": "userName", "Group": "displayName"}
ORDER = ("Group", "User")
"""Groups first: deleting a group never fails because of its members."""
PARALLEL = 8
RETRIES = 5
PAGE_SIZE = 100
MAX_PAGES = 10_000
"""At most a million resources listed per collection and round."""
MAX_ROUNDS = 20
ATTEMPTS = 3
"""Rounds in which one candidate is re-checked and deleted before it is reported."""


def retry_delay(attempt: int) -> float:
    """Seconds before retry ``attempt`` (0-based): exponential from 0.2 s, at most 5 s."""
    return min(0.2 * 2**attempt, 5.0)


def unsettled(op: Op) -> bool:
    """Whether a call is worth repeating: outcome unknown, throttled, or redirected."""
    status = op.status or 0
    return op.type == "info" or status == 429 or 300 <= status < 400


def _why(op: Op) -> str:
    if op.status is None:
        return op.error or "no answer"
    return f"HTTP {op.status}" + (f" {op.scim_type}" if op.scim_type else "")


@dataclass(frozen=True)
class Found:
    """A resource of the run's namespace on the target."""

    resource_type: str
    id: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.resource_type} {self.id} {self.name}".rstrip()


@dataclass
class CleanupResult:
    """What a cleanup removed, found, and could not remove."""

    removed: list[Found] = field(default_factory=list)
    gone: list[Found] = field(default_factory=list)
    """Already absent when deleted (404)."""
    found: list[Found] = field(default_factory=list)
    """Candidates of the sweep whose namespace the re-check confirmed."""
    failed: list[str] = field(default_factory=list)
    """``User/<id> (HTTP 500)``, ``listing Users (HTTP 403)`` ..."""
    notes: list[str] = field(default_factory=list)

    def count(self, items: Sequence[Found], resource_type: str) -> int:
        return sum(1 for f in items if f.resource_type == resource_type)

    def line(self, dry_run: bool = False) -> str:
        """``cleanup: removed 3 users and 1 group`` (and what could not be removed)."""
        items = self.found if dry_run else self.removed
        users, groups = self.count(items, "User"), self.count(items, "Group")
        what = f"{users} user{'s' * (users != 1)} and {groups} group{'s' * (groups != 1)}"
        line = f"cleanup (dry run): would remove {what}" if dry_run else f"cleanup: removed {what}"
        if self.failed:
            line += f"; could not remove {len(self.failed)}: {', '.join(self.failed[:5])}"
            if len(self.failed) > 5:
                line += f" and {len(self.failed) - 5} more"
        return line


def _thread_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(fn, items))


class Cleaner:
    """Deletes a run's resources through ``client`` (any transport), never anything else.

    :param subprefix: sweep only names that continue the namespace with this (``w3u``: the
        names one worker of a distributed run made); recorded ids are deleted regardless.
    :param filter_supported: False when the target announced ``filter.supported: false``.
    :param page_size: ``count`` per listing page (the target's ``filter.maxResults`` caps it).
    :param map_fn: runs a function over items, maybe concurrently (default: 8 threads; a
        Locust process passes a gevent pool's ``map``).
    """

    def __init__(
        self,
        client: ScimClient,
        namespace: Namespace,
        *,
        subprefix: str = "",
        filter_supported: bool = True,
        page_size: int = PAGE_SIZE,
        map_fn: MapFn[Any, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = RETRIES,
    ) -> None:
        if client.throttle is None:
            client = copy.copy(client)
            client.throttle = Throttle(sleep=sleep)
        self.client = client
        self.namespace = namespace
        self.prefix = namespace.prefix + subprefix
        """What a candidate's name starts with: the namespace, or a part of it (a worker's)."""
        self.filter_supported = filter_supported
        self.page_size = max(1, page_size)
        self.map: MapFn[Any, Any] = map_fn or _thread_map
        self.sleep = sleep
        self.retries = retries
        self.notes: list[str] = []
        """Findings worth a line in the report (a filter the target refused)."""

    # -- single calls -------------------------------------------------------------------

    def _settled(self, call: Callable[[], Op]) -> Op:
        op = call()
        for attempt in range(self.retries):
            if not unsettled(op):
                break
            if op.status != 429:  # after a 429 the client's throttle waits Retry-After
                self.sleep(retry_delay(attempt))
            op = call()
        return op

    def owned(self, resource_type: str, resource: Any) -> bool:
        """Whether a resource as the target shows it carries the namespace in its name
        (case-insensitively: ``userName`` is ``caseExact: false``, RFC 7643 4.1.1)."""
        if not isinstance(resource, dict) or not isinstance(resource.get("id"), str):
            return False
        name = resource.get(NAME_ATTRIBUTE[resource_type])
        return isinstance(name, str) and name.lower().startswith(self.prefix.lower())

    def delete(self, resource_type: str, resource_id: str) -> Op:
        """DELETE, retried while its outcome is unknown; the last completion."""
        return self._settled(lambda: self.client.delete(resource_type, resource_id, expect=(404,)))

    def remove_recorded(
        self, resources: Iterable[tuple[str, str]], result: CleanupResult | None = None
    ) -> CleanupResult:
        """Delete resources whose ids the run recorded when it created them (no re-check)."""
        result = result if result is not None else CleanupResult()
        by_type: dict[str, list[str]] = {}
        for resource_type, resource_id in resources:
            by_type.setdefault(resource_type, []).append(resource_id)
        for resource_type in sorted(by_type, key=_order):
            found = [Found(resource_type, rid) for rid in by_type[resource_type]]
            list(self.map(lambda f: self._delete_into(f, result), found))
        return result

    def _delete_into(self, found: Found, result: CleanupResult) -> None:
        op = self.delete(found.resource_type, found.id)
        if op.type == "ok":
            result.removed.append(found)
        elif op.status == 404:
            result.gone.append(found)
        else:
            result.failed.append(f"{found.resource_type}/{found.id} ({_why(op)})")

    def _recheck(self, found: Found) -> str:
        """``ours``, ``gone`` (404), or why the candidate must not be deleted."""
        op = self._settled(lambda: self.client.get(found.resource_type, found.id, expect=(404,)))
        if op.status == 404:
            return "gone"
        if op.type != "ok":
            return f"could not re-check its namespace ({_why(op)})"
        if not self.owned(found.resource_type, op.observed) or op.observed.get("id") != found.id:
            return NOT_OURS
        return "ours"

    # -- the sweep ----------------------------------------------------------------------

    def listing(self, resource_type: str) -> tuple[list[Found], str | None]:
        """The resources of the namespace the target lists now; and a problem, if any."""
        attribute = NAME_ATTRIBUTE[resource_type]
        query = payloads.sw_filter(attribute, self.prefix)
        if self.filter_supported:
            found, problem, refused = self._pages(resource_type, query)
            if not refused:
                return found, problem
            self.filter_supported = False
            self.notes.append(
                f"the target refused the filter '{query}' ({refused}); listed every "
                f"{resource_type} page by page instead"
            )
        found, problem, refused = self._pages(resource_type, None)
        return found, problem or refused

    def _pages(
        self, resource_type: str, query: str | None
    ) -> tuple[list[Found], str | None, str | None]:
        """Page through a listing: (owned resources, a problem, why a filter was refused)."""
        attribute = NAME_ATTRIBUTE[resource_type]
        found: dict[str, Found] = {}

        def page_at(start: int) -> Op:
            return self.client.search(resource_type, query, start_index=start, count=self.page_size)

        index = 1
        for _ in range(MAX_PAGES):
            op = self._settled(functools.partial(page_at, index))
            if op.type != "ok":
                if query is not None and index == 1 and _refuses_filter(op):
                    return [], None, _why(op)
                return list(found.values()), f"listing {resource_type}s ({_why(op)})", None
            try:
                page = parse_list(op.observed)
            except ValueError as e:
                return list(found.values()), f"listing {resource_type}s (not a list: {e})", None
            for resource in page.resources:
                if self.owned(resource_type, resource):
                    rid = resource["id"]
                    found[rid] = Found(resource_type, rid, str(resource.get(attribute)))
            if not page.resources:
                break
            index += len(page.resources)
            if index > page.total:
                break
        return list(found.values()), None, None

    def sweep(self, dry_run: bool = False, result: CleanupResult | None = None) -> CleanupResult:
        """Find the namespace's resources, re-check each, delete them (unless ``dry_run``).

        Rounds repeat until a listing shows nothing left to try; a candidate that could not
        be re-checked or deleted is tried again in a later round, :data:`ATTEMPTS` times in all.
        """
        result = result if result is not None else CleanupResult()
        for resource_type in ORDER:
            attempts: Counter[str] = Counter()
            settled: set[str] = set()
            failures: dict[str, str] = {}
            problem: str | None = None
            for _ in range(1 if dry_run else MAX_ROUNDS):
                listed, problem = self.listing(resource_type)
                batch = [f for f in listed if f.id not in settled and attempts[f.id] < ATTEMPTS]
                if not batch:
                    break
                attempts.update(f.id for f in batch)
                for found, (done, failure) in zip(
                    batch,
                    self.map(lambda f: self._sweep_one(f, result, dry_run), batch),
                    strict=True,
                ):
                    if done:
                        settled.add(found.id)
                    if failure is None:
                        failures.pop(found.id, None)
                    else:
                        failures[found.id] = failure
            result.failed.extend(failures.values())
            if problem:
                result.failed.append(problem)
        result.notes.extend(n for n in self.notes if n not in result.notes)
        return result

    def _sweep_one(
        self, found: Found, result: CleanupResult, dry_run: bool
    ) -> tuple[bool, str | None]:
        """(settled: nothing more to try, why it failed or None)."""
        where = f"{found.resource_type}/{found.id}"
        verdict = self._recheck(found)
        if verdict == "gone":
            result.gone.append(found)
            return True, None
        if verdict == NOT_OURS:
            return True, f"{where} ({verdict})"
        if verdict != "ours":
            return False, f"{where} ({verdict})"
        if dry_run:
            result.found.append(found)
            return True, None
        op = self.delete(found.resource_type, found.id)
        if op.type == "ok":
            result.found.append(found)
            result.removed.append(found)
            return True, None
        if op.status == 404:
            result.gone.append(found)
            return True, None
        return not unsettled(op), f"{where} ({_why(op)})"


def _refuses_filter(op: Op) -> bool:
    """400 invalidFilter (or 400 without a scimType) or 501 to a filtered listing."""
    if op.status == 501:
        return True
    return op.status == 400 and op.scim_type in (None, "invalidFilter")


NOT_OURS = "not in the namespace when read by id"


def _order(resource_type: str) -> int:
    return ORDER.index(resource_type) if resource_type in ORDER else len(ORDER)


# -- loadscim cleanup ---------------------------------------------------------------------


def run_command(
    url: str,
    run_id: str,
    headers: dict[str, str],
    *,
    transport: Any,
    dry_run: bool = False,
    write: Callable[[str], object] = print,
) -> int:
    """``loadscim cleanup``: pre-flight, sweep, print; 0 when nothing of the run is left.

    :raises TargetError: when the pre-flight fails (exit code 3, one line).
    :returns: 0 (all removed, or a dry run), 1 (something could not be removed).
    """
    from loadscim.preflight import check_target

    capabilities = check_target(transport, url, headers, schemas=False)
    namespace = Namespace(run_id)
    client = ScimClient(transport, process="cleanup", headers=headers)
    page_size = PAGE_SIZE
    if capabilities.filter_max_results > 0:
        page_size = min(page_size, capabilities.filter_max_results)
    cleaner = Cleaner(client, namespace, filter_supported=capabilities.filter, page_size=page_size)
    write(
        f"loadscim cleanup: run {run_id} on {url}: looking for users and groups named "
        f"{namespace.prefix}...{' (dry run: nothing will be deleted)' if dry_run else ''}"
    )
    result = cleaner.sweep(dry_run=dry_run)
    listed = result.found if dry_run else result.removed
    for found in sorted(listed, key=lambda f: (_order(f.resource_type), f.name, f.id)):
        write(f"  {'would remove' if dry_run else 'removed'} {found}")
    for note in result.notes:
        write(f"  note: {note}")
    for failure in result.failed:
        write(f"  could not remove {failure}")
    write(result.line(dry_run))
    return 1 if result.failed else 0

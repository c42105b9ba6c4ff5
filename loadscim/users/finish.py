"""The end of a run on a process that ran users: reconciliation, then cleanup.

Reconciliation compares the run's model of every resource it created (``Tracked``) with the
server, by id (RFC 7644 3.4.2.4: offset paging is not stateful, so paging alone is not
trusted) and by a userName filter (duplicates). Cleanup then deletes what the run created
and has not deleted, and sweeps the run's namespace for resources whose create was never
acknowledged (an ``info`` create), re-checking the namespace of each before deleting it.
Neither appears in Locust's statistics.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)

import logging
import random
from typing import TYPE_CHECKING, Any

import gevent
import gevent.pool

from loadscim.client import ScimClient
from loadscim.ops import Trial
from loadscim.scim import payloads
from loadscim.scim.parse import parse_list
from loadscim.users.transport import quiet_session

if TYPE_CHECKING:
    from loadscim.plugin import Runtime

log = logging.getLogger("loadscim")

RECONCILE_MAX = 2000
"""Reconcile at most this many resources (a seeded sample beyond it)."""
PARALLEL = 8
RETRIES = 5
"""Cleanup retries a DELETE whose outcome is unknown (5xx, timeout) or throttled (429)."""


def retry_delay(op: Any, attempt: int) -> float:
    """Seconds to wait before retrying: exponential backoff from 0.2 s, at most 5 s."""
    return min(0.2 * 2**attempt, 5.0)


def quiet_client(rt: Runtime) -> ScimClient:
    options = {"connection_timeout": 10.0, "network_timeout": 30.0, **rt.session_options()}
    session = quiet_session(rt.environment.host or "", concurrency=PARALLEL, **options)
    return rt.client(session, process="finish")


def finish_run(rt: Runtime) -> None:
    """Reconcile, then clean up (unless --no-cleanup)."""
    client = quiet_client(rt)
    reconcile(rt, client)
    if not getattr(rt.options, "no_cleanup", False):
        cleanup(rt, client)


def reconcile(rt: Runtime, client: ScimClient) -> None:
    """Check the run's model against the server with the ``reconcile`` checker."""
    tracked = [t for t in rt.recorder.tracked.values() if t.resource_type == "User"]
    if not tracked:
        return
    if len(tracked) > RECONCILE_MAX:
        tracked = random.Random(rt.seed).sample(tracked, RECONCILE_MAX)
        rt.recorder.notes.append(
            f"reconciliation checked a seeded sample of {RECONCILE_MAX} of the run's users"
        )
    expected = [
        {
            "resource_type": t.resource_type,
            "id": t.id,
            "userName": t.name,
            "attributes": dict(t.attributes),
            "active": t.active,
            "deactivated": t.deactivated,
            "deleted": t.deleted,
            "uncertain": t.uncertain,
        }
        for t in tracked
    ]
    trial = Trial(
        id="reconcile", kind="reconcile", checks=("reconcile",), meta={"expected": expected}
    )
    scim = client.for_trial(trial)

    def look(t: Any) -> None:
        scim.get(t.resource_type, t.id, expect=(404,))
        scim.search(t.resource_type, payloads.eq_filter("userName", t.name))

    pool = gevent.pool.Pool(PARALLEL)
    pool.map(look, tracked)
    rt.recorder.finish_trial(trial)


def cleanup(rt: Runtime, client: ScimClient) -> None:
    """Delete the run's resources; report what was removed and what could not be."""
    removed = {"User": 0, "Group": 0}
    failed: list[str] = []
    pool = gevent.pool.Pool(PARALLEL)

    def delete(resource_type: str, resource_id: str) -> None:
        op = client.delete(resource_type, resource_id, expect=(404,))
        for attempt in range(RETRIES):
            if op.type != "info" and op.status != 429:
                break
            gevent.sleep(retry_delay(op, attempt))
            op = client.delete(resource_type, resource_id, expect=(404,))
        if op.type == "ok":
            removed[resource_type] += 1
            rt.recorder.forget(resource_type, resource_id)
        elif op.status == 404:
            rt.recorder.forget(resource_type, resource_id)
        else:
            failed.append(f"{resource_type}/{resource_id} ({op.status or op.error})")

    # Groups first: deleting a group never fails on its members.
    for resource_type in ("Group", "User"):
        live = [t.id for t in rt.recorder.live() if t.resource_type == resource_type]
        pool.map(lambda rid, rtype=resource_type: delete(rtype, rid), live)
    for resource_type, attribute in (("Group", "displayName"), ("User", "userName")):
        seen: set[str] = set()
        for _ in range(100):  # bounded, even against a server that never forgets
            batch = [r for r in sweep(rt, client, resource_type, attribute) if r["id"] not in seen]
            if not batch:
                break
            seen.update(r["id"] for r in batch)
            pool.map(lambda r, rtype=resource_type: delete(rtype, r["id"]), batch)
    message = f"cleanup: removed {removed['User']} users and {removed['Group']} groups"
    if failed:
        message += f"; could not remove {len(failed)}: {', '.join(failed[:5])}"
        log.warning("%s", message)
    rt.recorder.notes.append(message)


def sweep(
    rt: Runtime, client: ScimClient, resource_type: str, attribute: str
) -> list[dict[str, Any]]:
    """The first page (up to 100) of the run's namespace still on the server (``sw`` filter).

    Only resources whose namespace is re-checked on the answer are returned.
    """
    from loadscim.users.base import process_prefix

    namespace = rt.namespace
    prefix = namespace.prefix + process_prefix(rt.environment)
    op = client.search(resource_type, payloads.sw_filter(attribute, prefix), count=100)
    if op.type != "ok":
        return []
    try:
        page = parse_list(op.observed)
    except ValueError:
        return []
    return [
        r
        for r in page.resources
        if isinstance(r.get("id"), str)
        and namespace.owns_resource(r)
        and str(r.get(attribute, "")).lower().startswith(prefix.lower())
    ]

"""The end of a run on a process that ran users: reconciliation, then cleanup.

Reconciliation compares the run's model of every resource it created (``Tracked``) with the
server, by id (RFC 7644 3.4.2.4: offset paging is not stateful, so paging alone is not
trusted) and by a userName filter (duplicates); with ``--consistency-window T`` it waits T
first, so the last writes of the load have had their window. Cleanup then deletes what the
run created and has not deleted, and sweeps the run's namespace for resources whose create was never
acknowledged (an ``info`` create), re-checking the namespace of each before deleting it
(:mod:`loadscim.cleanup`, shared with ``loadscim cleanup``). Neither appears in Locust's
statistics.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)

import copy
import logging
import random
import time

import gevent
import gevent.pool

from loadscim.checks.reconcile import unread, unread_lines
from loadscim.cleanup import PAGE_SIZE, Cleaner
from loadscim.client import ScimClient
from loadscim.fallback import with_fallbacks
from loadscim.harness.runtime import Runtime, process_prefix
from loadscim.harness.transport import quiet_session
from loadscim.ops import Trial
from loadscim.recorder import Tracked
from loadscim.scim import payloads
from loadscim.throttle import Throttle, ThrottleStats
from loadscim.visibility import WINDOW_KEY

log = logging.getLogger("loadscim")

RECONCILE_MAX = 2000
"""Reconcile at most this many resources (a seeded sample beyond it)."""
PARALLEL = 8
MAX_WINDOW_WAIT_S = 60.0
"""With --consistency-window T, reconciliation reads back T after the load (at most this)."""
RECONCILE_BUDGET_S = 30.0
"""Seconds the end-of-run reads may take, resends after 429 included: none starts, and no
429 is resent, after it (well inside a worker's 60 s report timeout)."""


def quiet_client(rt: Runtime) -> ScimClient:
    options = {"connection_timeout": 10.0, "network_timeout": 30.0, **rt.session_options()}
    session = quiet_session(rt.environment.host or "", concurrency=PARALLEL, **options)
    # Its own throttle counts: the report's throttling and outcomes are the load's.
    return rt.client(session, process="finish", throttle=Throttle(ThrottleStats()))


def resending(rt: Runtime, client: ScimClient, deadline: float) -> ScimClient:
    """``client`` resending a 429 after Retry-After like the load does (--throttle-retries,
    --throttle-max-wait), until ``deadline`` (monotonic): a throttled read back is evidence
    lost, not a finding. Its own throttle counts: the report's throttling is the load's."""
    reader = copy.copy(client)
    reader.throttle = Throttle(
        ThrottleStats(),
        retries=rt.opts.throttle_retries,
        max_wait_s=rt.opts.throttle_max_wait,
        deadline=deadline,
    )
    return reader


def finish_run(rt: Runtime) -> None:
    """Reconcile, then clean up (unless --no-cleanup)."""
    rt.recorder.counting_outcomes = False
    client = quiet_client(rt)
    reconcile(rt, client)
    if not rt.opts.no_cleanup:
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
    trial = reconcile_trial(rt, "reconcile", tracked)
    window = float(getattr(rt.opts, "consistency_window", 0.0) or 0.0)
    if window:  # the last writes may take that long to show (--consistency-window)
        trial.meta[WINDOW_KEY] = window
        gevent.sleep(min(window, MAX_WINDOW_WAIT_S))
    deadline = time.monotonic() + RECONCILE_BUDGET_S
    read_back(rt, resending(rt, client, deadline), trial, tracked, deadline)
    note, why = unread_lines(len(tracked), len(unread(trial)), RECONCILE_BUDGET_S)
    if note:
        rt.recorder.notes.append(note)
    if why:  # too little was read back to vouch for the server: UNKNOWN, never PASS
        rt.recorder.checker("reconcile").unknown = why
    # A finding a pass during the run counted (--reconcile-every) is not counted again.
    rt.recorder.finish_trial(trial, select=rt.seen.new)


def reconcile_trial(rt: Runtime, trial_id: str, tracked: list[Tracked]) -> Trial:
    """A ``reconcile`` trial whose expected state is the model of ``tracked`` now."""
    # Attributes the target does not declare or store (one note), or a template does not
    # send, are not judged.
    judged = rt.bodies().judges
    expected = [
        {
            "resource_type": t.resource_type,
            "id": t.id,
            "userName": t.name,
            "attributes": {k: v for k, v in t.attributes.items() if judged(k)},
            "active": t.active,
            "deactivated": t.deactivated,
            "deleted": t.deleted,
            "uncertain": t.uncertain,
        }
        for t in tracked
    ]
    return Trial(
        id=trial_id,
        kind="reconcile",
        checks=("reconcile",),
        meta={"expected": expected, "unjudged": rt.recorder.unstored_attributes()},
    )


def read_back(
    rt: Runtime,
    client: ScimClient,
    trial: Trial,
    tracked: list[Tracked],
    deadline: float | None = None,
) -> None:
    """GET each of ``tracked`` by id and search it by userName into ``trial`` (none started
    after ``deadline``, a monotonic time: those are not judged)."""
    scim = with_fallbacks(client, rt.target_capabilities()).for_trial(trial)

    def look(t: Tracked) -> None:
        if deadline is not None and time.monotonic() > deadline:
            return
        scim.get(t.resource_type, t.id, expect=(404,))
        if deadline is not None and time.monotonic() > deadline:
            return
        scim.search(t.resource_type, payloads.eq_filter("userName", t.name))

    pool = gevent.pool.Pool(PARALLEL)
    pool.map(look, tracked)


def cleanup(rt: Runtime, client: ScimClient) -> None:
    """Delete the run's resources; report what was removed and what could not be.

    The recorded ids first, then a sweep of the namespace for resources whose create was
    never acknowledged: the logic ``loadscim cleanup`` uses (:mod:`loadscim.cleanup`).
    """
    capabilities = rt.capabilities
    page_size = PAGE_SIZE
    if capabilities is not None and capabilities.filter_max_results > 0:
        page_size = min(page_size, capabilities.filter_max_results)
    cleaner = Cleaner(
        client,
        rt.namespace,
        # A worker of a distributed run sweeps only the names its own users made.
        subprefix=process_prefix(rt.environment),
        filter_supported=capabilities.filter if capabilities is not None else True,
        page_size=page_size,
        map_fn=gevent.pool.Pool(PARALLEL).map,
        sleep=gevent.sleep,
    )
    result = cleaner.remove_recorded((t.resource_type, t.id) for t in rt.recorder.live())
    for found in result.removed + result.gone:
        rt.recorder.forget(found.resource_type, found.id)
    cleaner.sweep(result=result)
    message = result.line()
    if result.failed:
        log.warning("%s", message)
    rt.recorder.notes.append(message)
    rt.recorder.notes.extend(f"cleanup: {note}" for note in result.notes)

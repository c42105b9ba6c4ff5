"""Reconciliation passes during the run (``--reconcile-every``), on each process that runs
users: a greenlet that, every interval, reads back a sample of the settled resources of this
process's model and judges them with the ``reconcile`` checker (:mod:`loadscim.cadence` says
what a pass may judge; :mod:`loadscim.harness.finish` holds the reads it shares with the
end-of-run reconciliation).

In a distributed run each worker makes its own passes on its own model: only the process
that sent a write knows whether it is still in flight, and the master holds no model. The
master merges the passes' counts, findings and rows like every other measurement.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust.runners import WorkerRunner

import logging
import random
import sys
import time

import gevent

from loadscim.cadence import PASS_MAX, PASS_TIME_S, Pass, choose, unchanged
from loadscim.checks.reconcile import unread
from loadscim.client import ScimClient
from loadscim.harness.finish import quiet_client, read_back, reconcile_trial, resending
from loadscim.harness.runtime import Runtime
from loadscim.ops import Violation

log = logging.getLogger("loadscim")


def start(rt: Runtime) -> None:
    """Start the passes if ``--reconcile-every`` asks for them."""
    every = rt.opts.reconcile_every
    if every > 0 and rt.cadence is None:
        rt.cadence = gevent.spawn(_loop, rt, every)


def stop(rt: Runtime) -> None:
    """Stop the passes (a pass under way is dropped: the end-of-run reconciliation follows)."""
    greenlet, rt.cadence = rt.cadence, None
    if greenlet is not None:
        greenlet.kill(block=True, timeout=5)


def _loop(rt: Runtime, every: float) -> None:
    client = quiet_client(rt)
    # The passes' reads are not the load: not in its outcomes, and they change no model.
    client.on_complete = client.on_invoke = None
    client.process = "pass"
    number = 0
    while rt.started is not None and rt.stopped is None:
        gevent.sleep(every)
        if rt.stopped is not None:
            return
        number += 1
        try:
            done = run_pass(rt, client, number, budget_s=min(PASS_TIME_S, every / 2))
        except Exception:
            rt.listener_failed("reconcile pass")
            continue
        rt.recorder.passes.append(done.to_dict())
        sys.stderr.write(f"[loadscim] {done.line()}\n")
        sys.stderr.flush()


def run_pass(rt: Runtime, client: ScimClient, number: int, budget_s: float) -> Pass:
    """One pass: choose the settled users, read them back, judge those still settled."""
    began = time.monotonic()
    at_s = began - (rt.started or began)
    window_us = int(rt.opts.consistency_window * 1e6)
    model = rt.recorder.tracked
    chosen, skipped = choose(
        list(model.values()),
        int(began * 1e6),
        window_us,
        PASS_MAX,
        random.Random(rt.seed * 1_000_003 + number),
    )
    writes = {(t.resource_type, t.id): t.writes for t in chosen}
    worker = _worker(rt)
    trial = reconcile_trial(rt, f"reconcile-pass-{worker or 'p'}{number}", chosen)
    deadline = began + budget_s
    read_back(rt, resending(rt, client, deadline), trial, chosen, deadline=deadline)
    # Judge only what no write touched while it was read, and what was read back (a read
    # still throttled when the budget ran out is skipped, not judged).
    still = unchanged(writes, model)
    missed = unread(trial)
    expected = [
        e
        for e in trial.meta["expected"]
        if (e["resource_type"], e["id"]) in still and (e["resource_type"], e["id"]) not in missed
    ]
    skipped += len(chosen) - len(expected)
    trial.meta["expected"] = expected
    counted: list[Violation] = []

    def select(violations: list[Violation]) -> list[Violation]:
        fresh = rt.seen.new(violations)
        counted.extend(fresh)
        return fresh

    found = rt.recorder.finish_trial(trial, select=select)
    kinds: dict[str, int] = {}
    for violation in found:
        kinds[violation.kind] = kinds.get(violation.kind, 0) + 1
    return Pass(
        at_s=round(at_s, 3),
        checked=len(expected),
        skipped=skipped,
        violations=len(found),
        new=len(counted),
        took_s=round(time.monotonic() - began, 3),
        kinds=kinds,
        worker=worker,
    )


def _worker(rt: Runtime) -> str:
    runner = rt.environment.runner
    index = getattr(runner, "worker_index", None)
    if isinstance(runner, WorkerRunner) and index not in (None, -1):
        return f"w{index}"
    return ""

"""The end of a distributed run: the master judges only complete evidence.

Locust's master gives its workers half a second after "quit" and then judges. loadscim's
master instead, when its users stop, tells every worker to stop and waits (at most
``--worker-report-timeout`` seconds) for each worker's **final report**: a message the
worker sends once its reconciliation and cleanup are done, carrying everything it recorded
since its last report (trials, histograms, the reconcile and cleanup notes) and, with
``--history``, its checked trials. A worker that was lost (no heartbeat), quit on a signal
or crashed before the end, or whose final report did not come, makes the run UNKNOWN with a
line naming it and what is missing. The names such a worker made (``loadscim-<run>-w<i>u``,
see :func:`loadscim.harness.runtime.process_prefix`) are swept by the master, or the report says
how many remain and the ``loadscim cleanup --run-id`` command that removes them.

A worker that cannot use the target (its own pre-flight: credentials, TLS, not SCIM) tells
the master, which stops the run with exit code 3 and that line.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import events
from locust.rpc import Message
from locust.runners import (
    STATE_MISSING,
    STATE_RUNNING,
    STATE_SPAWNING,
    MasterRunner,
    WorkerRunner,
)

import io
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import gevent
import gevent.pool

from loadscim.cleanup import Cleaner
from loadscim.errors import EXIT_ERROR, one_line
from loadscim.harness.finish import PARALLEL, quiet_client
from loadscim.harness.runtime import Runtime

log = logging.getLogger("loadscim")

STOP = "loadscim_stop"
"""Master to worker: stop your users, reconcile, clean up, send your final report. (Locust's
own "stop" makes a worker wait --stop-timeout and then block on a master that is gone.)"""
FINAL = "loadscim_final"
FATAL = "loadscim_fatal"
HISTORY = "loadscim_history"
"""Key of a worker's report holding JSONL history lines (bytes) since its last report."""
POLL_S = 0.2
LOST_AFTER_S = 10.0
"""At the end, a worker without heartbeats for this long (after Locust's own 3 s) is lost."""


@dataclass
class WorkerSeen:
    """One worker of the run, as the master knows it."""

    client_id: str
    index: int
    final: dict[str, Any] | None = None
    gone: str = ""
    """Why its final report cannot come (lost, quit), "" while it may."""

    @property
    def name(self) -> str:
        return f"worker {self.index} ({self.client_id})"


@dataclass
class Fleet:
    """The workers the master saw during the run, and the verdict's lines about them."""

    workers: dict[str, WorkerSeen] = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)
    fatal: str = ""
    done: bool = False

    def see(self, runner: MasterRunner, client_id: str) -> WorkerSeen:
        seen = self.workers.get(client_id)
        if seen is None:
            seen = self.workers[client_id] = WorkerSeen(
                client_id, int(runner.get_worker_index(client_id))
            )
        return seen


def fleet(rt: Runtime) -> Fleet:
    found: Fleet | None = getattr(rt, "fleet", None)
    if found is None:
        found = Fleet()
        rt.fleet = found
    return found


# -- worker side ------------------------------------------------------------------------


def install_worker(environment: Any) -> None:
    environment.runner.register_message(
        STOP, lambda environment, msg, **_: environment.runner.stop(), concurrent=True
    )


def worker_fatal(environment: Any, message: str) -> None:
    """Tell the master this worker cannot run (then the caller exits with code 3)."""
    runner: Any = environment.runner
    try:
        runner.send_message(FATAL, {"message": message, "index": runner.worker_index})
        gevent.sleep(0.5)  # let ZeroMQ deliver it before the process ends
    except Exception:
        log.debug("could not tell the master", exc_info=True)


def worker_quitting(rt: Runtime) -> None:
    """On a worker's ``quitting``: still running means the master did not stop it."""
    runner: Any = rt.environment.runner
    if isinstance(runner, WorkerRunner) and runner.state in (STATE_SPAWNING, STATE_RUNNING):
        rt.quit_reason = "quit on a signal before the master ended the run"


def take_history(rt: Runtime, data: dict[str, Any]) -> None:
    """Ship the history lines a worker wrote since its last report (``--history``)."""
    buffer = rt.recorder.history
    if isinstance(rt.environment.runner, WorkerRunner) and hasattr(buffer, "getvalue"):
        lines = buffer.getvalue()  # type: ignore[union-attr]
        if lines:
            data[HISTORY] = lines
            buffer.seek(0)  # type: ignore[union-attr]
            buffer.truncate()  # type: ignore[union-attr]


def send_final(rt: Runtime, completed: bool) -> None:
    """A worker's final report, once its reconciliation and cleanup are done."""
    runner: Any = rt.environment.runner
    data: dict[str, Any] = {
        "loadscim": rt.recorder.drain(),
        "index": runner.worker_index,
        "completed": completed,
        "quit_reason": rt.quit_reason,
    }
    if isinstance(rt.recorder.history, io.BytesIO):
        take_history(rt, data)
    runner.send_message(FINAL, data)


def worker_history(rt: Runtime) -> None:
    """At a worker's test start: keep checked trials in memory for the reports when the
    master was given ``--history`` (Locust passes the master's options to its workers)."""
    if getattr(rt.options, "history", "") and rt.recorder.history is None:
        rt.recorder.history = io.BytesIO()


# -- master side ------------------------------------------------------------------------


def install_master(rt: Runtime) -> None:
    runner: Any = rt.environment.runner
    assert isinstance(runner, MasterRunner)
    runner.register_message(FINAL, lambda environment, msg, **_: _on_final(rt, msg))
    runner.register_message(
        FATAL, lambda environment, msg, **_: _on_fatal(rt, msg), concurrent=True
    )


def absorb_history(rt: Runtime, data: dict[str, Any]) -> None:
    lines = data.get(HISTORY)
    if lines and rt.recorder.history is not None:
        rt.recorder.history.write(lines)


def _on_final(rt: Runtime, msg: Any) -> None:
    runner: Any = rt.environment.runner
    seen = fleet(rt).see(runner, msg.node_id)
    try:
        rt.recorder.absorb(msg.data.get("loadscim") or {})
        absorb_history(rt, msg.data)
    except Exception:
        rt.listener_failed("final report")
    seen.final = msg.data


def _on_fatal(rt: Runtime, msg: Any) -> None:
    runner: Any = rt.environment.runner
    seen = fleet(rt).see(runner, msg.node_id)
    text = f"{seen.name}: {one_line(str(msg.data.get('message', '')))}"
    fleet(rt).fatal = text
    sys.stderr.write(f"loadscim: error: {text}\n")
    sys.stderr.flush()
    rt.environment.process_exit_code = EXIT_ERROR
    if rt.started is None:
        # Nothing ran anywhere: end the master now (Locust would wait for its workers), and
        # never start: its headless loop waits for --expect-workers, which is now out of reach.
        options = rt.environment.parsed_options
        if options is not None:
            options.expect_workers = sys.maxsize
        for client_id in list(runner.clients):
            runner.server.send_to_client(Message("quit", None, client_id))
        gevent.sleep(0.5)  # let ZeroMQ deliver the quits
        if rt.started is None:
            os._exit(EXIT_ERROR)
    runner.quit()


def run_started(rt: Runtime) -> None:
    """A new test (the web UI starts several in one master): every worker reports again."""
    runner: Any = rt.environment.runner
    rt.fleet = Fleet(fatal=fleet(rt).fatal)
    for client_id in list(runner.clients):
        fleet(rt).see(runner, client_id)


def await_final_reports(rt: Runtime) -> None:
    """On the master's ``test_stop``: stop every worker, wait for each final report (bounded),
    name each worker whose report is missing, and sweep what such a worker made."""
    runner: Any = rt.environment.runner
    state = fleet(rt)
    if state.done:
        return
    for client_id in list(runner.clients):
        state.see(runner, client_id)
    for seen in state.workers.values():
        if seen.final is None and seen.client_id in runner.clients:
            runner.send_message(STOP, None, client_id=seen.client_id)
    timeout = rt.opts.worker_report_timeout
    deadline = time.monotonic() + timeout
    # Messages arrive on the runner's own greenlets: waiting on one of them would block them.
    # A load shape's greenlet is one of them but receives nothing: it ends a run with a shape
    # (its tick returns None, it quits), and must wait like the run-time timer does.
    current = gevent.getcurrent()
    can_wait = current not in runner.greenlet or current is runner.shape_greenlet
    missing_since: dict[str, float] = {}
    while True:
        pending = []
        now = time.monotonic()
        for seen in state.workers.values():
            if seen.final is not None or seen.gone:
                continue
            if seen.client_id not in runner.clients:
                seen.gone = "quit before its final report"
            elif runner.clients[seen.client_id].state == STATE_MISSING:
                # A worker busy reconciling may miss a few heartbeats: lost only after a grace.
                since = missing_since.setdefault(seen.client_id, now)
                if not can_wait or now - since >= LOST_AFTER_S:
                    seen.gone = "lost (no heartbeat)"
                else:
                    pending.append(seen)
            else:
                missing_since.pop(seen.client_id, None)
                pending.append(seen)
        if not pending or not can_wait or now >= deadline:
            break
        gevent.sleep(POLL_S)
    state.done = True
    for seen in state.workers.values():
        problem = _problem(seen, timeout)
        if problem:
            state.incomplete.append(f"{seen.name} {problem}")
    if state.incomplete:
        rt.workers_lost = max(rt.workers_lost, len(state.incomplete))
        for line in state.incomplete:
            sys.stderr.write(f"[loadscim] {line}\n")
        sweep_lost(rt, [s for s in state.workers.values() if _problem(s, timeout)])


def _problem(seen: WorkerSeen, timeout: float) -> str:
    if seen.final is None:
        what = "its trials, reconciliation and cleanup are missing"
        if seen.gone:
            return f"{seen.gone}: {what}"
        return f"sent no final report within {timeout:g} s (--worker-report-timeout): {what}"
    reason = str(seen.final.get("quit_reason") or "")
    if reason:
        return f"{reason}: its share of the load was cut short"
    if not seen.final.get("completed", False):
        return "crashed while reconciling or cleaning up: its report is incomplete"
    return ""


def sweep_lost(rt: Runtime, workers: list[WorkerSeen]) -> None:
    """Remove what these workers made (their names' prefix), or say how many remain and the
    command that removes them."""
    command = f"loadscim cleanup --run-id {rt.run_id} --target {rt.environment.host or 'URL'}"
    keep = rt.opts.no_cleanup
    capabilities = rt.capabilities
    for seen in workers:
        prefix = f"w{seen.index}u"
        try:
            cleaner = Cleaner(
                quiet_client(rt),
                rt.namespace,
                subprefix=prefix,
                filter_supported=capabilities.filter if capabilities is not None else True,
                map_fn=gevent.pool.Pool(PARALLEL).map,
                sleep=gevent.sleep,
            )
            result = cleaner.sweep(dry_run=keep)
        except Exception as e:
            log.debug("sweep of %s failed", prefix, exc_info=True)
            rt.recorder.notes.append(
                f"cleanup of {seen.name} failed ({one_line(str(e))}): an unknown number of "
                f"its resources remain; remove them with `{command}`"
            )
            continue
        if keep:
            rt.recorder.notes.append(
                f"cleanup of {seen.name}: --no-cleanup, {len(result.found)} of its resources "
                f"remain; remove them with `{command}`"
            )
            continue
        line = result.line().replace("cleanup:", f"cleanup of {seen.name}:", 1)
        if result.failed:
            line += f"; {len(result.failed)} remain: remove them with `{command}`"
        rt.recorder.notes.append(line)


# -- test mode: raw samples -----------------------------------------------------------------

RAW_SAMPLES_ENV = "LOADSCIM_RAW_SAMPLES_DIR"
"""Test mode: each load-generating process writes every response time it recorded (integer
microseconds, one a line) to ``raw-<pid>.txt`` in this directory, so a test can check the
master's merged percentiles against all workers' raw samples."""

if os.environ.get(RAW_SAMPLES_ENV):
    _RAW: list[int] = []

    @events.request.add_listener
    def _raw_sample(response_time: float, **_kw: Any) -> None:
        _RAW.append(int(response_time * 1000))

    @events.test_stop.add_listener
    def _dump_raw_samples(environment: Any, **_kw: Any) -> None:
        if isinstance(environment.runner, MasterRunner):
            return
        path = os.path.join(os.environ[RAW_SAMPLES_ENV], f"raw-{os.getpid()}.txt")
        with open(path, "w", encoding="ascii") as f:
            f.write("".join(f"{v}\n" for v in _RAW))

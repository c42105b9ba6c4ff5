"""While a run runs (on the master or a local run): a progress line every few seconds with
CPU and memory samples, and ``abort_on_fail``'s watch for a breached gate line."""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust.runners import MasterRunner

import sys
import time

import gevent
import psutil

from loadscim.harness.runtime import PROGRESS_EVERY_S, Runtime, build_summary
from loadscim.verdict import breached_now

ABORT_CHECK_EVERY_S = 1.0


def start(rt: Runtime) -> None:
    """Start the progress lines, and the breach watch if the gate asks for it."""
    gevent.spawn(progress, rt)
    if rt.gate is not None and rt.gate.abort_on_fail:
        gevent.spawn(watch_for_breach, rt)


def watch_for_breach(rt: Runtime) -> None:
    """abort_on_fail: stop the run as soon as a gate line is breached (after the grace)."""
    env = rt.environment
    while rt.started is not None and rt.stopped is None:
        gevent.sleep(ABORT_CHECK_EVERY_S)
        if rt.stopped is not None or env.runner is None:
            return
        try:
            elapsed = time.monotonic() - rt.started
            reason = breached_now(rt.gate, build_summary(rt), elapsed)
        except Exception:
            rt.listener_failed("abort_on_fail")
            return
        if reason:
            message = f"aborted after {elapsed:.0f} s (abort_on_fail): {reason}"
            rt.recorder.notes.append(message)
            sys.stderr.write(f"[loadscim] {message}\n")
            sys.stderr.flush()
            env.runner.quit()
            return


def progress(rt: Runtime) -> None:
    """A progress line every few seconds while the test runs, and CPU samples."""
    env = rt.environment
    last_requests = 0
    while rt.started is not None and rt.stopped is None:
        gevent.sleep(PROGRESS_EVERY_S)
        if rt.stopped is not None or env.runner is None:
            break
        try:
            cpu = env.runner.current_cpu_usage
            if isinstance(env.runner, MasterRunner):
                cpu = max([cpu, *(w.cpu_usage for w in env.runner.clients.values())])
                rt.workers_lost = max(rt.workers_lost, len(env.runner.clients.missing))
            rt.cpu_samples.append(cpu)
            rss = psutil.Process().memory_info().rss / 1e6
            rt.rss_samples.append(rss)
            total = env.runner.stats.total
            elapsed = time.monotonic() - (rt.started or time.monotonic())
            if total.num_requests < last_requests:  # Reset stats (web UI)
                last_requests = 0
            rate = (total.num_requests - last_requests) / PROGRESS_EVERY_S
            last_requests = total.num_requests
            violations = sum(c.violations for c in rt.recorder.checker_stats.values())
            sys.stderr.write(
                f"[loadscim] {elapsed:5.0f}s users={env.runner.user_count} "
                f"requests={total.num_requests} ({rate:.0f}/s) failures={total.num_failures} "
                f"{rt.recorder.trials_line()} violations={violations} cpu={cpu:.0f}% "
                f"rss={rss:.0f}MB\n"
            )
            sys.stderr.flush()
        except Exception:
            rt.listener_failed("progress")

"""The listeners on Locust's global events (registered when :mod:`loadscim.harness` is
imported, which every loadscim user class does):

- ``init_command_line_parser``: loadscim's options (:mod:`loadscim.options`), so
  ``locust -f scenarios/x.py --gate g.toml`` works; the reports are ``--junit``,
  ``--report-json``, ``--report-html``, ``--hdr-log`` (Locust has its own ``--json`` and
  ``--html``; ``loadscim run --json/--html`` map to these);
- ``init``: the options validated (:func:`loadscim.options.validate`, as ``loadscim run``
  does), the per-process :class:`~loadscim.harness.runtime.Runtime`: credentials read (and
  redacted from every log handler, stdout and stderr); on the master (or a local run) the
  gate file is read and the target pre-flighted: a problem ends the process with exit code 3
  and one line;
- ``request``: every request Locust reports goes into the HDR histograms;
- ``test_start`` / ``test_stop``: progress lines (:mod:`~loadscim.harness.monitor`); on
  processes that run users, reconciliation passes during the run (``--reconcile-every``,
  :mod:`~loadscim.harness.cadence`), and at the end reconciliation of the run's resources
  against the server, then cleanup (:mod:`~loadscim.harness.finish`);
- ``report_to_master`` / ``worker_report``: workers hand their measurements to the master;
- ``quitting``: the verdict and the exit code (0 / 1 / 2 / 3), then the report files;
  ``quit``: the text report.

A report file that cannot be written is one line on stderr; it turns a PASS into exit code 3
(a CI job must not go green without the reports it asked for), while FAIL (1) and UNKNOWN (2)
keep their code, which already fails the job and says more. Report paths are checked before
the load starts, so this is rare (a full disk, a directory removed during the run).

So ``loadscim run`` and plain ``locust`` give the same verdict and exit code.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import events
from locust.env import Environment
from locust.runners import STATE_RUNNING, STATE_SPAWNING, MasterRunner, WorkerRunner

import argparse
import logging
import os
import sys
import time
from typing import Any

import gevent

from loadscim import auth, distributed, http, options
from loadscim.cadence import Seen
from loadscim.errors import EXIT_ERROR, LoadscimError, one_line
from loadscim.harness import cadence, monitor, probes, webui, workers
from loadscim.harness.finish import finish_run
from loadscim.harness.runtime import Runtime, build_summary, fatal, preflight, runtime
from loadscim.report import write_reports
from loadscim.report.text import render_text
from loadscim.scim.templates import load_template
from loadscim.summary import RunSummary
from loadscim.verdict import Status, Verdict, evaluate

log = logging.getLogger("loadscim")


# -- options -------------------------------------------------------------------------


def _report_names() -> dict[str, str]:
    """How the user spelled the report options: ``loadscim run``'s or Locust's."""
    return options.report_names("run" if os.environ.get(options.VIA_RUN_ENV) == "1" else "locust")


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    options.add_locust_options(parser)


# -- init ----------------------------------------------------------------------------


@events.init.add_listener
def _on_init(environment: Environment, **_kw: Any) -> None:
    rt = runtime(environment)
    parsed = environment.parsed_options
    if parsed is None:
        return
    if os.environ.get(options.QUIET_ENV):
        # `loadscim run` prints its own tables (exact percentiles): not Locust's rounded ones.
        logging.getLogger("locust.stats_logger").setLevel(logging.WARNING)
    if environment.web_ui is not None:
        webui.install(rt)
    values = argparse.Namespace(**vars(parsed))
    values.host = environment.host or ""
    # In the web UI the start form gives the host (and the run pre-flights it then).
    host_later = environment.web_ui is not None and not getattr(parsed, "autostart", False)
    try:
        rt.opts = options.validate(
            values,
            via="locust",
            worker=isinstance(environment.runner, WorkerRunner),
            host_later=host_later,
        )
    except LoadscimError as e:
        fatal(str(e))
    rt.opts.run_id = parsed.run_id = parsed.run_id or rt.recorder.run_id
    rt.credentials, rt.http_settings, rt.gate = (
        rt.opts.credentials,
        rt.opts.http_settings,
        rt.opts.judge,
    )
    auth.protect(rt.credentials.secrets)
    user, group = rt.opts.user_template, rt.opts.group_template
    rt.user_template = load_template("User", user) if user else None  # checked by validate
    rt.group_template = load_template("Group", group) if group else None
    if rt.opts.history:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(rt.opts.history)), exist_ok=True)
            rt.recorder.history = open(rt.opts.history, "ab")  # noqa: SIM115 (closed at quit)
        except OSError as e:
            fatal(
                f"--history {rt.opts.history!r}: cannot be written ({e.strerror}); give a "
                "file in a directory you can write to"
            )
    if isinstance(environment.runner, WorkerRunner):
        workers.install_worker(environment)
        _worker_preflight(rt)
        return
    if isinstance(environment.runner, MasterRunner):
        workers.install_master(rt)
    host = rt.opts.target
    if rt.http_settings.insecure and host.lower().startswith("https:"):
        sys.stderr.write(http.insecure_warning(host) + "\n")
    if getattr(parsed, "list_commands", False) or not host:
        return
    try:
        rt.capabilities = preflight(rt)
    except LoadscimError as e:
        fatal(str(e))


def _worker_preflight(rt: Runtime) -> None:
    """A worker given the target (``--host``) pre-flights it itself: its own credentials and
    TLS settings; a failure goes to the master (exit code 3 there) and ends this worker."""
    if not rt.environment.host:
        return
    try:
        rt.capabilities = preflight(rt)
    except LoadscimError as e:
        workers.worker_fatal(rt.environment, str(e))
        fatal(str(e))
    rt._capabilities_read = True


# -- measuring -----------------------------------------------------------------------


@events.request.add_listener
def _on_request(
    name: str, response_time: float, exception: Any = None, context: Any = None, **kw: Any
) -> None:
    env = _current_env()
    if env is None:
        return
    rt = runtime(env)
    try:
        late = context.get("loadscim_lateness_us") if isinstance(context, dict) else None
        rt.recorder.record_request(name, response_time, exception is not None, late)
    except Exception:
        rt.listener_failed("request")


_ENV: list[Environment] = []


def _current_env() -> Environment | None:
    return _ENV[0] if _ENV else None


@events.init.add_listener
def _remember_env(environment: Environment, **_kw: Any) -> None:
    _ENV[:] = [environment]


@events.test_start.add_listener
def _on_test_start(environment: Environment, **_kw: Any) -> None:
    rt = runtime(environment)
    _revalidate_web_ui_edits(rt)
    if rt.started is not None and not isinstance(environment.runner, WorkerRunner):
        # A new run after Stop (web UI): its figures start from zero, as Locust's do.
        webui.reset(rt)
    rt.started = time.monotonic()
    rt.stopped = None
    rt.recorder.start_drift(rt.started)
    rt.recorder.counting_outcomes = True
    rt.judged = False
    if isinstance(environment.runner, MasterRunner):
        workers.run_started(rt)
    if isinstance(environment.runner, WorkerRunner):
        # The master's options reached this worker with the spawn (run id, seed, pace ...).
        try:
            options.adopt(rt.opts, rt.options, keep=distributed.WORKER_OWN)
        except Exception:
            rt.listener_failed("test_start/options")
        workers.worker_history(rt)
    else:
        monitor.start(rt)
    if not isinstance(environment.runner, MasterRunner):
        rt.seen = Seen()
        cadence.start(rt)
        try:
            probes.install(rt)
        except Exception:
            rt.listener_failed("test_start/probes")


def _revalidate_web_ui_edits(rt: Runtime) -> None:
    """The web UI's start form edits the options it shows (``web_ui`` in the table): check
    them again, as at init; a broken one stops the test with one line on stderr."""
    parsed = rt.options
    shown = [o.dest for o in options.RUN_OPTIONS if o.web_ui]
    if parsed is None or all(getattr(parsed, d, None) == getattr(rt.opts, d) for d in shown):
        return
    values = argparse.Namespace(**vars(parsed))
    values.host = rt.environment.host or ""
    try:
        fresh = options.validate(
            values, via="locust", worker=isinstance(rt.environment.runner, WorkerRunner)
        )
    except LoadscimError as e:
        sys.stderr.write(f"loadscim: error: {one_line(str(e))}\n")
        if rt.environment.runner is not None:
            gevent.spawn(rt.environment.runner.stop)
        return
    for dest in shown:
        setattr(rt.opts, dest, getattr(fresh, dest))
    rt.gate = fresh.judge


@events.test_stop.add_listener
def _on_test_stop(environment: Environment, **_kw: Any) -> None:
    rt = runtime(environment)
    if rt.stopped is None:
        rt.stopped = time.monotonic()
    if isinstance(environment.runner, MasterRunner):
        try:
            workers.await_final_reports(rt)
        except Exception:
            rt.listener_failed("test_stop/workers")
        if getattr(rt.options, "headless", False):
            # Judge and print now, before the workers are told to quit (a container
            # orchestrator may stop everything as soon as one of them exits).
            _judge(rt)
            _print_summary(rt)
        return
    if rt.started is None:
        return  # a worker told to quit before its test started: nothing to finish
    completed = False
    try:
        cadence.stop(rt)
        if rt.prober is not None:
            rt.prober.finish()
        finish_run(rt)
        completed = True
    except Exception:
        rt.listener_failed("test_stop")
    if isinstance(environment.runner, WorkerRunner):
        try:
            workers.send_final(rt, completed)
        except Exception:
            rt.listener_failed("final report")


# -- distribution ----------------------------------------------------------------------


@events.report_to_master.add_listener
def _on_report_to_master(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
    env = _current_env()
    if env is None:
        return
    rt = runtime(env)
    try:
        data["loadscim"] = rt.recorder.drain()
        workers.take_history(rt, data)
    except Exception:
        rt.listener_failed("report_to_master")


@events.worker_report.add_listener
def _on_worker_report(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
    env = _current_env()
    if env is None:
        return
    rt = runtime(env)
    try:
        if "loadscim" in data:
            rt.recorder.absorb(data["loadscim"])
        workers.absorb_history(rt, data)
    except Exception:
        rt.listener_failed("worker_report")


# -- verdict -------------------------------------------------------------------------


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_kw: Any) -> None:
    rt = runtime(environment)
    if isinstance(environment.runner, WorkerRunner):
        workers.worker_quitting(rt)
        return
    if rt.started is None:
        return  # never ran: nothing to judge
    runner = environment.runner
    if runner is not None and runner.state in (STATE_SPAWNING, STATE_RUNNING):
        # Interrupted (Ctrl-C, SIGTERM): Locust fires quitting before stopping the users;
        # stop them now so that reconciliation and cleanup run before the verdict.
        try:
            runner.stop()
        except Exception:
            rt.listener_failed("quitting/stop")
    if not rt.judged:
        _judge(rt)
    if rt.recorder.history is not None:
        rt.recorder.history.close()


def _judge(rt: Runtime) -> None:
    """The verdict, its exit code, the report files and the verdict file (once per run)."""
    environment = rt.environment
    rt.judged = True
    try:
        summary = build_summary(rt)
        verdict = evaluate(rt.gate, summary)
        rt.summary_text = render_text(summary, verdict)
        environment.process_exit_code = verdict.status.exit_code
        if not _write_reports(rt, summary, verdict) and verdict.status is Status.PASS:
            environment.process_exit_code = EXIT_ERROR
        path = os.environ.get(options.VERDICT_FILE_ENV)
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write(verdict.status.name + "\n")
    except Exception:
        log.exception("loadscim could not reach a verdict")
        rt.summary_text = "verdict: UNKNOWN (loadscim failed while judging the run; see above)"
        environment.process_exit_code = 2
    fatal_line = workers.fleet(rt).fatal
    if fatal_line:
        environment.process_exit_code = EXIT_ERROR
        rt.summary_text = f"verdict: ERROR ({fatal_line})"
        path = os.environ.get(options.VERDICT_FILE_ENV)
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write("ERROR\n")


def _print_summary(rt: Runtime) -> None:
    if rt.summary_text and not rt.printed:
        rt.printed = True
        sys.stdout.write(rt.summary_text.rstrip("\n") + "\n")
        sys.stdout.flush()


def _write_reports(rt: Runtime, summary: RunSummary, verdict: Verdict) -> bool:
    """Write the requested report files; False (after one line on stderr) if one failed."""
    paths = rt.opts.reports
    if not paths:
        return True
    try:
        written = write_reports(summary, verdict, **paths, option_names=_report_names())
    except LoadscimError as e:
        sys.stderr.write(f"loadscim: error: {e}\n")
        return False
    except Exception as e:  # a bug in a renderer: one line, not a traceback
        log.debug("report writing failed", exc_info=True)
        sys.stderr.write(f"loadscim: error: writing the reports failed: {e!r}\n")
        return False
    sys.stderr.write(f"[loadscim] reports: {', '.join(written)}\n")
    return True


@events.quit.add_listener
def _on_quit(exit_code: int, **_kw: Any) -> None:
    env = _current_env()
    if env is None:
        return
    rt = getattr(env, "loadscim", None)
    if rt is not None:
        _print_summary(rt)

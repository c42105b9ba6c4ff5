"""The per-process state of a run (:class:`Runtime`, at ``environment.loadscim``) and what
is built from it: clients wired to the recorder, the pre-flight, the run summary."""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import log as locust_log
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import gevent
import gevent.lock

from loadscim import auth, checks, http
from loadscim.cadence import Seen
from loadscim.client import ScimClient
from loadscim.config import Gate
from loadscim.errors import EXIT_ERROR, LoadscimError, one_line
from loadscim.fallback import with_fallbacks
from loadscim.harness.transport import LocustTransport, quiet_session
from loadscim.options import RunOptions
from loadscim.preflight import Capabilities, check_target
from loadscim.preflight_write import write_preflight
from loadscim.recorder import Recorder
from loadscim.scim.bodies import Bodies
from loadscim.scim.dialects import Dialect, get_dialect
from loadscim.scim.namespace import Namespace, new_run_id
from loadscim.scim.templates import Template
from loadscim.summary import TARGET_LACKS, RunSummary
from loadscim.throttle import Throttle
from loadscim.visibility import WINDOW_KEY

log = logging.getLogger("loadscim")

PROGRESS_EVERY_S = 5.0
"""Seconds between progress lines (and memory and CPU samples)."""


@dataclass
class Runtime:
    """Everything loadscim keeps per Locust process, at ``environment.loadscim``."""

    environment: Environment
    recorder: Recorder
    opts: RunOptions = field(default_factory=RunOptions)
    """The validated options (set at init)."""
    gate: Gate | None = None
    capabilities: Capabilities | None = None
    credentials: auth.Credentials = field(default_factory=auth.Credentials)
    http_settings: http.HttpSettings = field(default_factory=http.HttpSettings)
    started: float | None = None
    stopped: float | None = None
    cpu_samples: list[float] = field(default_factory=list)
    rss_samples: list[float] = field(default_factory=list)
    """Resident memory of this process (MB), sampled with the progress lines."""
    workers_lost: int = 0
    summary_text: str | None = None
    judged: bool = False
    """The verdict of this run is reached (a headless master judges at test_stop)."""
    printed: bool = False
    quit_reason: str = ""
    """A worker: why it stopped before the master ended the run."""
    fleet: Any = None
    """The master: :class:`loadscim.harness.workers.Fleet`, the workers seen."""
    user_template: Template | None = None
    group_template: Template | None = None
    """The checked --user-template / --group-template (:mod:`loadscim.scim.templates`)."""
    preflight_notes: list[str] = field(default_factory=list)
    seen: Seen = field(default_factory=Seen)
    """Reconciliation findings already counted (by a pass or at the end): named once."""
    cadence: Any = None
    prober: Any = None
    """:class:`loadscim.harness.probes.Prober` while downstream probes are on (``--probe``)."""
    """The greenlet making reconciliation passes (``--reconcile-every``), while it runs."""
    _bodies: Bodies | None = None
    _user_index: int = 0
    _capabilities_read: bool = False
    _capabilities_lock: Any = field(default_factory=lambda: gevent.lock.Semaphore())

    @property
    def options(self) -> Any:
        """Locust's parsed options (loadscim's validated ones: :attr:`opts`)."""
        return self.environment.parsed_options

    @property
    def run_id(self) -> str:
        return self.opts.run_id or self.recorder.run_id

    @property
    def namespace(self) -> Namespace:
        return Namespace(self.run_id)

    @property
    def seed(self) -> int:
        return self.opts.seed

    def pace_interval(self) -> float:
        """Seconds between a user's iteration starts in the open model; 0 for a closed loop."""
        return self.opts.pace_interval()

    @property
    def dialect_option(self) -> str:
        """``--dialect`` as given ("" when not given: the scenario decides)."""
        return self.opts.dialect

    def target_capabilities(self) -> Capabilities | None:
        """What the target announces; None when it could not be read (assume it has it).

        The master (or a local run) read it in the pre-flight; a worker, which does not
        pre-flight, reads it here once, for all its users.
        """
        if self.capabilities is None and not self._capabilities_read:
            with self._capabilities_lock:
                if self.capabilities is None and not self._capabilities_read:
                    try:
                        self.capabilities = preflight(self)
                    except LoadscimError as e:
                        log.warning("could not read the target's capabilities: %s", e)
                    self._capabilities_read = True
        return self.capabilities

    def bodies(self) -> Bodies:
        """How this run shapes User and Group bodies (:class:`loadscim.scim.bodies.Bodies`):
        the templates and what the target declares and stores."""
        if self._bodies is None:
            capabilities = self.target_capabilities()
            unjudged = capabilities is not None and (
                capabilities.declared is not None or capabilities.unstored_attributes
            )
            self._bodies = Bodies(
                self.user_template,
                self.group_template,
                declared=capabilities.declared if capabilities is not None else None,
                judged=capabilities.judged if capabilities is not None and unjudged else None,
            )
        return self._bodies

    def next_user_index(self) -> int:
        self._user_index += 1
        return self._user_index

    def auth_headers(self) -> dict[str, str]:
        """The Authorization header of the credentials read at init, if any."""
        return self.credentials.headers()

    def session_options(self) -> dict[str, Any]:
        """FastHttpSession / FastHttpUser settings: TLS verification, timeouts."""
        settings = self.http_settings
        options: dict[str, Any] = {
            "insecure": settings.insecure,
            "ssl_context_factory": lambda *_a, **_kw: settings.context(),
        }
        if settings.timeout is not None:
            options["connection_timeout"] = options["network_timeout"] = settings.timeout
        return options

    def client(
        self, session: Any, process: str = "", throttle: Throttle | None = None
    ) -> ScimClient:
        """A ScimClient over a FastHttpSession, wired to this process's recorder.

        After a 429 the client waits Retry-After and resends (``throttle``: a new one, with
        ``--throttle-retries`` and ``--throttle-max-wait``, unless given).
        """
        prober = self.prober
        return ScimClient(
            LocustTransport(session),
            process=process,
            headers=self.auth_headers(),
            on_complete=self.recorder.on_op if prober is None else prober.on_complete,
            on_invoke=self.recorder.on_invoke if prober is None else prober.on_invoke,
            seq=self.recorder.next_seq,
            throttle=throttle if throttle is not None else self.new_throttle(),
            bodies=self.bodies(),
            sample_every=self.opts.conformance_every,
            on_sample=self.recorder.sample,
        )

    def new_throttle(self) -> Throttle:
        """A simulated client's throttle: the run's resend policy, the recorder's counts."""
        return Throttle(
            self.recorder.throttle,
            retries=self.opts.throttle_retries,
            max_wait_s=self.opts.throttle_max_wait,
        )

    def listener_failed(self, where: str) -> None:
        self.recorder.listener_errors += 1
        log.exception("loadscim listener %s raised; the verdict cannot be PASS", where)


def runtime(environment: Environment) -> Runtime:
    """The process's Runtime (created on first use)."""
    rt: Runtime | None = getattr(environment, "loadscim", None)
    if rt is None:
        run_id = getattr(environment.parsed_options, "run_id", "") or new_run_id()
        rt = Runtime(environment, Recorder(run_id, checkers=dict(checks.CHECKERS)))
        environment.loadscim = rt  # type: ignore[attr-defined]
    return rt


def fatal(message: str, code: int = EXIT_ERROR) -> None:
    """End the process before the load starts: one line, no traceback."""
    sys.stderr.write(f"loadscim: error: {one_line(message)}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def process_prefix(environment: Any) -> str:
    """What every name made by this Locust process starts with, after the run namespace.

    ``w3u`` on worker 3 of a distributed run (so that each worker sweeps only its own
    leftovers at the end), ``u`` otherwise.
    """
    worker = getattr(environment.runner, "worker_index", None)
    if not isinstance(environment.runner, WorkerRunner) or worker in (None, -1):
        return "u"
    return f"w{worker}u"


def preflight(rt: Runtime) -> Capabilities:
    """Pre-flight the target through a quiet session (not in the statistics): what it
    announces and declares (:func:`loadscim.preflight.check_target`), then one create the
    way the scenario creates (:mod:`loadscim.preflight_write`)."""
    host = rt.environment.host or ""
    options = {"connection_timeout": 10.0, "network_timeout": 20.0, **rt.session_options()}
    session = quiet_session(host, **options)
    transport = LocustTransport(session)
    capabilities = check_target(transport, host, rt.auth_headers())
    bodies = Bodies(rt.user_template, rt.group_template, declared=capabilities.declared)
    client = with_fallbacks(  # without filters, its clean-up looks names up by paging
        ScimClient(transport, process="preflight", headers=rt.auth_headers(), bodies=bodies),
        capabilities,
    )
    dialect, group = _scenario_needs(rt)
    if dialect.user_agent:
        client.headers["User-Agent"] = dialect.user_agent
    capabilities, notes = write_preflight(
        client, capabilities, rt.namespace, dialect, url=host, group=group, sleep=gevent.sleep
    )
    rt.preflight_notes = notes
    for note in notes:
        sys.stderr.write(f"[loadscim] {note}\n")
    return capabilities


def _scenario_needs(rt: Runtime) -> tuple[Dialect, bool]:
    """The dialect the scenario's users speak (--dialect, else the first user class's,
    else rfc), and whether one of them creates groups (``creates_groups``)."""
    classes = list(getattr(rt.environment, "user_classes", None) or [])
    chosen: Any = next((c.dialect for c in classes if getattr(c, "dialect", None)), None)
    default = chosen.name if isinstance(chosen, Dialect) else chosen
    dialect = get_dialect(rt.dialect_option or default or "rfc")
    return dialect, any(getattr(c, "creates_groups", False) for c in classes)


def build_summary(rt: Runtime) -> RunSummary:
    """The RunSummary of this process's recorder (the master's holds every worker's)."""
    started = rt.started or time.monotonic()
    stopped = rt.stopped or time.monotonic()
    summary = rt.recorder.summary(
        scenario=os.path.splitext(os.path.basename(str(getattr(rt.options, "locustfile", ""))))[0],
        target=rt.environment.host or "",
        duration_s=max(stopped - started, 1e-9),
    )
    summary.max_cpu_percent = max(rt.cpu_samples, default=0.0)
    window = getattr(rt.opts, "consistency_window", 0.0)
    if window:
        summary.extra[WINDOW_KEY] = window
    capabilities = rt.target_capabilities()
    lacks = {f: capabilities.lacks(f) for f in ("patch", "bulk")} if capabilities else {}
    if any(lacks.values()):
        summary.extra[TARGET_LACKS] = {f: why for f, why in lacks.items() if why}
    summary.started_unix = time.time() - (time.monotonic() - started)
    runner = rt.environment.runner
    if runner is not None:
        errors: Any = runner.exceptions.values()
        summary.task_errors = sum(int(e.get("occurrences", 1)) for e in errors)
    if locust_log.unhandled_greenlet_exception:
        # A listener (loadscim's or the scenario's) raised; Locust logged it and carried on.
        summary.listener_errors = max(summary.listener_errors, 1)
    if isinstance(runner, MasterRunner):
        summary.workers_lost = rt.workers_lost
        incomplete = getattr(rt.fleet, "incomplete", None)
        if incomplete:
            summary.extra["workers_incomplete"] = list(incomplete)
    if rt.rss_samples:
        first, last, peak = rt.rss_samples[0], rt.rss_samples[-1], max(rt.rss_samples)
        summary.extra["rss_mb"] = {"first": first, "last": last, "max": peak}
        summary.notes.append(
            f"load generator memory (RSS): {first:.0f} MB after {PROGRESS_EVERY_S:.0f} s, "
            f"{last:.0f} MB at the end, {peak:.0f} MB at most" + _memory_drift(rt.rss_samples)
        )
    if rt.capabilities is not None:
        summary.notes.append(f"target capabilities: {rt.capabilities.describe()}")
    summary.notes.extend(n for n in rt.preflight_notes if n not in summary.notes)
    return summary


def _memory_drift(samples: list[float]) -> str:
    """``; first third 61 MB, last third 75 MB on average (+14 MB, +28 MB/h)``: from 6
    samples (30 s) on; the rate per hour only from 10 minutes on."""
    if len(samples) < 6:
        return ""
    third = len(samples) // 3
    early = sum(samples[:third]) / third
    late = sum(samples[-third:]) / third
    hours = (len(samples) - third) * PROGRESS_EVERY_S / 3600
    rate = f", {(late - early) / hours:+.0f} MB/h" if hours >= 1 / 6 else ""
    return (
        f"; first third {early:.0f} MB, last third {late:.0f} MB on average "
        f"({late - early:+.0f} MB{rate})"
    )

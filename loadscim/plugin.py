"""Locust glue: loadscim's options, the recorder's event wiring, reconciliation, verdict.

Importing this module (every loadscim user class does) registers, on Locust's global events:

- the command-line options ``--gate``, ``--run-id``, ``--seed``, ``--history``,
  ``--no-cleanup``, ``--throttle-retries``, ``--throttle-max-wait``, the credentials
  (``--token-env``, ``--token-file``, ``--basic-user``, ``--basic-password-env``), the
  connection (``--ca-bundle``, ``--insecure``, ``--request-timeout``) (so
  ``locust -f scenarios/x.py --gate g.toml`` works), and the reports ``--junit``,
  ``--report-json``, ``--report-html``, ``--hdr-log`` (Locust has its own ``--json`` and
  ``--html``; ``loadscim run --json/--html`` map to these);
- ``init``: the per-process :class:`Runtime`: credentials read (and redacted from every log
  handler, stdout and stderr); on the master (or a local run) the gate file is read and the
  target pre-flighted: a problem ends the process with exit code 3 and one line;
- ``request``: every request Locust reports goes into the HDR histograms;
- ``test_start`` / ``test_stop``: progress lines; on processes that ran users, reconciliation
  of the run's resources against the server, then cleanup;
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

from locust import events
from locust import log as locust_log
from locust.env import Environment
from locust.runners import STATE_RUNNING, STATE_SPAWNING, MasterRunner, WorkerRunner

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import gevent
import gevent.lock
import psutil

from loadscim import auth, checks, http, worker_reports
from loadscim.client import ScimClient
from loadscim.errors import EXIT_ERROR, LoadscimError, one_line
from loadscim.preflight import Capabilities, check_target
from loadscim.recorder import Recorder
from loadscim.scim.namespace import Namespace, new_run_id, valid_run_id
from loadscim.throttle import (
    DEFAULT_MAX_WAIT_S,
    DEFAULT_RETRIES,
    Throttle,
    check_retries,
    parse_max_wait,
)

log = logging.getLogger("loadscim")

PROGRESS_EVERY_S = 5.0
DEFAULT_GATE = 'errors = "rate < 1%"\n'
"""The gate of a run without ``--gate``: under 1% failed requests (and every checker holds)."""
VERDICT_FILE_ENV = "LOADSCIM_VERDICT_FILE"
"""If set, the master writes the verdict's status there (``loadscim run`` reads it)."""


@dataclass
class Runtime:
    """Everything loadscim keeps per Locust process, at ``environment.loadscim``."""

    environment: Environment
    recorder: Recorder
    gate: Any = None
    capabilities: Capabilities | None = None
    credentials: auth.Credentials = field(default_factory=auth.Credentials)
    http_settings: http.HttpSettings = field(default_factory=http.HttpSettings)
    started: float | None = None
    stopped: float | None = None
    cpu_samples: list[float] = field(default_factory=list)
    rss_samples: list[float] = field(default_factory=list)
    workers_lost: int = 0
    summary_text: str | None = None
    user_template: Any = None
    group_template: Any = None
    """The checked --user-template / --group-template (:mod:`loadscim.scim.templates`)."""
    preflight_notes: list[str] = field(default_factory=list)
    _bodies: Any = None
    judged: bool = False
    """The verdict of this run is reached (a headless master judges at test_stop)."""
    printed: bool = False
    quit_reason: str = ""
    """A worker: why it stopped before the master ended the run."""
    fleet: Any = None
    """The master: :class:`loadscim.worker_reports.Fleet`, the workers seen."""
    _user_index: int = 0
    _capabilities_read: bool = False
    _capabilities_lock: Any = field(default_factory=lambda: gevent.lock.Semaphore())

    @property
    def options(self) -> Any:
        return self.environment.parsed_options

    @property
    def run_id(self) -> str:
        run_id = getattr(self.options, "run_id", "") or self.recorder.run_id
        return run_id

    @property
    def namespace(self) -> Namespace:
        return Namespace(self.run_id)

    @property
    def seed(self) -> int:
        return int(getattr(self.options, "seed", 0) or 0)

    def pace_interval(self) -> float:
        """Seconds between a user's iteration starts in the open model; 0 for a closed loop.

        ``--pace R`` gives each user R iterations per second; ``--arrival-rate R`` spreads R
        iterations per second over the run's users (``--users``).
        """
        pace = float(getattr(self.options, "pace", 0) or 0)
        rate = float(getattr(self.options, "arrival_rate", 0) or 0)
        if rate:
            users = max(1, int(getattr(self.options, "num_users", 1) or 1))
            pace = rate / users
        return 1.0 / pace if pace > 0 else 0.0

    @property
    def dialect_option(self) -> str:
        """``--dialect`` as given ("" when not given: the scenario decides)."""
        return str(getattr(self.options, "dialect", "") or "")

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

    def bodies(self) -> Any:
        """How this run shapes User and Group bodies (:class:`loadscim.scim.bodies.Bodies`):
        the templates and what the target declares and stores."""
        if self._bodies is None:
            from loadscim.scim.bodies import Bodies

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
        from loadscim.users.transport import LocustTransport

        return ScimClient(
            LocustTransport(session),
            process=process,
            headers=self.auth_headers(),
            on_complete=self.recorder.on_op,
            seq=self.recorder.next_seq,
            throttle=throttle if throttle is not None else self.new_throttle(),
            bodies=self.bodies(),
        )

    def new_throttle(self) -> Throttle:
        """A simulated client's throttle: the run's resend policy, the recorder's counts."""
        retries = getattr(self.options, "throttle_retries", None)
        max_wait = getattr(self.options, "throttle_max_wait", None)
        return Throttle(
            self.recorder.throttle,
            retries=DEFAULT_RETRIES if retries is None else int(retries),
            max_wait_s=DEFAULT_MAX_WAIT_S if max_wait is None else parse_max_wait(max_wait),
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


def _fatal(message: str, code: int = 3) -> None:
    """End the process before the load starts: one line, no traceback."""
    sys.stderr.write(f"loadscim: error: {one_line(message)}\n")
    sys.stderr.flush()
    raise SystemExit(code)


# -- options -------------------------------------------------------------------------

REPORT_OPTIONS = {
    "junit": ("--junit", "the verdict as JUnit XML (a test case per gate line and checker)"),
    "json": ("--report-json", "the whole summary as JSON (`loadscim report` re-renders it)"),
    "html": ("--report-html", "a self-contained HTML report (latency chart, gate, violations)"),
    "hdr_log": ("--hdr-log", "the latency histograms as an HdrHistogram interval log"),
}
"""Per :func:`loadscim.report.write_reports` keyword, its Locust option and help. Locust has
its own ``--json`` and ``--html``, hence ``--report-json`` and ``--report-html`` here
(``loadscim run --json/--html`` pass them on under these names)."""
VIA_RUN_ENV = "LOADSCIM_VIA_RUN"
"""Set by ``loadscim run``: messages name its options (``--json``), not Locust's."""


def _report_option_names() -> dict[str, str]:
    """How the user spelled the report options: ``loadscim run``'s or Locust's."""
    if os.environ.get(VIA_RUN_ENV) == "1":
        from loadscim.report import OPTIONS

        return dict(OPTIONS)
    return {key: option for key, (option, _) in REPORT_OPTIONS.items()}


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    group = parser.add_argument_group("loadscim")
    group.add_argument("--gate", default="", help="Gate file (TOML) that decides the verdict.")
    group.add_argument(
        "--run-id", default="", help="Run id for the namespace loadscim-<run id>- (default: new)."
    )
    group.add_argument("--seed", type=int, default=0, help="Seed of the workload plan.")
    auth.add_options(group)
    http.add_options(group)
    group.add_argument(
        "--history", default="", help="Write every checked trial to this JSONL file."
    )
    group.add_argument(
        "--fan-out",
        type=int,
        default=10,
        help="Concurrent requests of one race in a trial (default 10).",
    )
    group.add_argument(
        "--population",
        type=int,
        default=20,
        help="Accounts a storm trial creates, then deprovisions (default 20).",
    )
    group.add_argument(
        "--bulk-size",
        type=int,
        default=10,
        help="User creates in one bulk request of bulk_burst (default 10).",
    )
    group.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="Open model: iterations per second of each user, on a fixed schedule.",
    )
    group.add_argument(
        "--arrival-rate",
        type=float,
        default=0.0,
        help="Open model: iterations per second across all users (--users of them).",
    )
    group.add_argument(
        "--dialect",
        default="",
        help="Identity-provider dialect of the requests: rfc, okta, entra, entra-compliant "
        "(default: the scenario's own, else rfc).",
    )
    group.add_argument(
        "--throttle-retries",
        type=int,
        default=DEFAULT_RETRIES,
        help="Resends of a request answered 429, after Retry-After (default 5; 0: never).",
    )
    group.add_argument(
        "--throttle-max-wait",
        default=f"{DEFAULT_MAX_WAIT_S:g}s",
        help="A throttled request is not resent once it has waited this long in all "
        "(default 60s).",
    )
    group.add_argument(
        "--no-cleanup",
        action="store_true",
        default=False,
        help="Leave the run's resources on the target at the end.",
    )
    group.add_argument(
        "--user-template",
        default="",
        metavar="FILE",
        help="JSON body of every User create and replace, with placeholders such as "
        "{userName} {externalId} {givenName} {familyName} {email} (README: Pointing it at "
        "your server).",
    )
    group.add_argument(
        "--group-template",
        default="",
        metavar="FILE",
        help="JSON body of every Group create and replace, with {displayName} {externalId}.",
    )
    group.add_argument(
        "--worker-report-timeout",
        type=float,
        default=60.0,
        help="Master: seconds to wait for each worker's final report at the end (default 60).",
    )
    for option, what in REPORT_OPTIONS.values():
        group.add_argument(option, default="", metavar="FILE", help=f"Write {what} to FILE.")


def _report_paths(options: Any) -> dict[str, str]:
    """The requested report files by :func:`loadscim.report.write_reports` keyword."""
    paths = {
        key: getattr(options, option[2:].replace("-", "_"), "")
        for key, (option, _) in REPORT_OPTIONS.items()
    }
    return {key: path for key, path in paths.items() if path}


# -- init ----------------------------------------------------------------------------


@events.init.add_listener
def _on_init(environment: Environment, **_kw: Any) -> None:
    rt = runtime(environment)
    options = environment.parsed_options
    if options is None:
        return
    if os.environ.get("LOADSCIM_QUIET_LOCUST"):
        # `loadscim run` prints its own tables (exact percentiles): not Locust's rounded ones.
        logging.getLogger("locust.stats_logger").setLevel(logging.WARNING)
    if environment.web_ui is not None:
        from loadscim import webui

        webui.install(rt)
    if options.run_id and not valid_run_id(options.run_id):
        _fatal(
            f"--run-id {options.run_id!r}: a run id is 4 to 32 lower-case letters and digits; "
            "leave it out to get a new one"
        )
    if not options.run_id:
        options.run_id = rt.recorder.run_id
    limits = (
        ("fan_out", 2, 1000),
        ("population", 1, 100_000),
        ("bulk_size", 1, 10_000),
        ("pace", 0, 10_000),
        ("arrival_rate", 0, 1_000_000),
    )
    for name, low, high in limits:
        value = getattr(options, name, low)
        if not low <= value <= high:
            flag = "--" + name.replace("_", "-")
            _fatal(f"{flag} {value}: must be from {low} to {high}; write e.g. {flag} {low * 5}")
    try:
        check_retries(getattr(options, "throttle_retries", DEFAULT_RETRIES))
        options.throttle_max_wait = parse_max_wait(
            getattr(options, "throttle_max_wait", DEFAULT_MAX_WAIT_S)
        )
    except LoadscimError as e:
        _fatal(str(e))
    if options.dialect:
        from loadscim.scim.dialects import check_dialect_option

        try:
            check_dialect_option(options.dialect)
        except LoadscimError as e:
            _fatal(str(e))
    try:
        rt.credentials = auth.from_options(options)
        rt.http_settings = http.settings_from_options(options)
    except LoadscimError as e:
        _fatal(str(e))
    auth.protect(rt.credentials.secrets)
    try:
        rt.user_template, rt.group_template = load_templates(options)
    except LoadscimError as e:
        _fatal(str(e))
    if options.history:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(options.history)), exist_ok=True)
            rt.recorder.history = open(options.history, "ab")  # noqa: SIM115 (closed at quit)
        except OSError as e:
            _fatal(
                f"--history {options.history!r}: cannot be written ({e.strerror}); give a "
                "file in a directory you can write to"
            )
    if isinstance(environment.runner, WorkerRunner):
        worker_reports.install_worker(environment)
        _worker_preflight(rt)
        return
    if isinstance(environment.runner, MasterRunner):
        worker_reports.install_master(rt)
    from loadscim.config import load_gate, parse_gate

    try:
        rt.gate = load_gate(options.gate) if options.gate else parse_gate(DEFAULT_GATE, "default")
        _check_report_paths(options)
    except LoadscimError as e:
        _fatal(str(e))
    host = environment.host
    if not host:
        _fatal("no target: pass --host URL to locust, or use `loadscim run` (embedded target)")
        return
    try:
        password = urlparse(host).password
    except ValueError as e:
        _fatal(f"--host {host!r}: not a URL ({e}); write e.g. --host https://scim.example.com/v2")
        return
    if password is not None:
        _fatal(
            "--host: the URL holds a password, which would appear in logs and reports; "
            "remove it and use --basic-user NAME with --basic-password-env VAR"
        )
    if rt.http_settings.insecure and host.lower().startswith("https:"):
        sys.stderr.write(http.insecure_warning(host) + "\n")
    if getattr(options, "list_commands", False):
        return
    try:
        rt.capabilities = preflight(rt)
    except LoadscimError as e:
        _fatal(str(e))


def load_templates(options: Any) -> tuple[Any, Any]:
    """The checked --user-template and --group-template (None when not given)."""
    from loadscim.scim.templates import load_template

    user = getattr(options, "user_template", "") or ""
    group = getattr(options, "group_template", "") or ""
    return (
        load_template("User", user) if user else None,
        load_template("Group", group) if group else None,
    )


def _worker_preflight(rt: Runtime) -> None:
    """A worker given the target (``--host``) pre-flights it itself: its own credentials and
    TLS settings; a failure goes to the master (exit code 3 there) and ends this worker."""
    if not rt.environment.host:
        return
    try:
        rt.capabilities = preflight(rt)
    except LoadscimError as e:
        worker_reports.worker_fatal(rt.environment, str(e))
        _fatal(str(e))
    rt._capabilities_read = True


def _check_report_paths(options: Any) -> None:
    from loadscim.report import check_writable

    names = _report_option_names()
    for key, path in _report_paths(options).items():
        check_writable(names[key], path)


def preflight(rt: Runtime) -> Capabilities:
    """Pre-flight the target through a quiet session (not in the statistics): what it
    announces and declares (:func:`loadscim.preflight.check_target`), then one create the
    way the scenario creates (:mod:`loadscim.preflight_write`)."""
    from loadscim.preflight_write import write_preflight
    from loadscim.scim.bodies import Bodies
    from loadscim.users.transport import LocustTransport, quiet_session

    host = rt.environment.host or ""
    options = {"connection_timeout": 10.0, "network_timeout": 20.0, **rt.session_options()}
    session = quiet_session(host, **options)
    transport = LocustTransport(session)
    capabilities = check_target(transport, host, rt.auth_headers())
    bodies = Bodies(rt.user_template, rt.group_template, declared=capabilities.declared)
    from loadscim.users.fallback import with_fallbacks

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


def _scenario_needs(rt: Runtime) -> tuple[Any, bool]:
    """The dialect the scenario's users speak (--dialect, else the first user class's,
    else rfc), and whether one of them creates groups (``creates_groups``)."""
    from loadscim.scim.dialects import Dialect, get_dialect

    classes = list(getattr(rt.environment, "user_classes", None) or [])
    chosen: Any = next((c.dialect for c in classes if getattr(c, "dialect", None)), None)
    default = chosen.name if isinstance(chosen, Dialect) else chosen
    dialect = get_dialect(rt.dialect_option or default or "rfc")
    return dialect, any(getattr(c, "creates_groups", False) for c in classes)


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
    rt.started = time.monotonic()
    rt.stopped = None
    rt.recorder.drift.start(rt.started)
    rt.recorder.counting_outcomes = True
    rt.judged = False
    if isinstance(environment.runner, MasterRunner):
        worker_reports.run_started(rt)
    if isinstance(environment.runner, WorkerRunner):
        worker_reports.worker_history(rt)
    else:
        gevent.spawn(_progress, rt)
        if rt.gate is not None and rt.gate.abort_on_fail:
            gevent.spawn(_watch_for_breach, rt)


ABORT_CHECK_EVERY_S = 1.0


def _watch_for_breach(rt: Runtime) -> None:
    """abort_on_fail: stop the run as soon as a gate line is breached (after the grace)."""
    from loadscim.verdict import breached_now

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


def _progress(rt: Runtime) -> None:
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


@events.test_stop.add_listener
def _on_test_stop(environment: Environment, **_kw: Any) -> None:
    rt = runtime(environment)
    if rt.stopped is None:
        rt.stopped = time.monotonic()
    if isinstance(environment.runner, MasterRunner):
        try:
            worker_reports.await_final_reports(rt)
        except Exception:
            rt.listener_failed("test_stop/workers")
        if getattr(rt.options, "headless", False):
            # Judge and print now, before the workers are told to quit (a container
            # orchestrator may stop everything as soon as one of them exits).
            _judge(rt)
            _print_summary(rt)
        return
    completed = False
    try:
        from loadscim.users.finish import finish_run

        finish_run(rt)
        completed = True
    except Exception:
        rt.listener_failed("test_stop")
    if isinstance(environment.runner, WorkerRunner):
        try:
            worker_reports.send_final(rt, completed)
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
        worker_reports.take_history(rt, data)
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
        worker_reports.absorb_history(rt, data)
    except Exception:
        rt.listener_failed("worker_report")


# -- verdict -------------------------------------------------------------------------


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_kw: Any) -> None:
    rt = runtime(environment)
    if isinstance(environment.runner, WorkerRunner):
        worker_reports.worker_quitting(rt)
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
    from loadscim.report.text import render_text
    from loadscim.verdict import Status, evaluate

    environment = rt.environment
    rt.judged = True
    try:
        summary = build_summary(rt)
        verdict = evaluate(rt.gate, summary)
        rt.summary_text = render_text(summary, verdict)
        environment.process_exit_code = verdict.status.exit_code
        if not _write_reports(rt, summary, verdict) and verdict.status is Status.PASS:
            environment.process_exit_code = EXIT_ERROR
        path = os.environ.get(VERDICT_FILE_ENV)
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write(verdict.status.name + "\n")
    except Exception:
        log.exception("loadscim could not reach a verdict")
        rt.summary_text = "verdict: UNKNOWN (loadscim failed while judging the run; see above)"
        environment.process_exit_code = 2
    fatal = worker_reports.fleet(rt).fatal
    if fatal:
        environment.process_exit_code = EXIT_ERROR
        rt.summary_text = f"verdict: ERROR ({fatal})"
        path = os.environ.get(VERDICT_FILE_ENV)
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write("ERROR\n")


def _print_summary(rt: Runtime) -> None:
    if rt.summary_text and not rt.printed:
        rt.printed = True
        sys.stdout.write(rt.summary_text.rstrip("\n") + "\n")
        sys.stdout.flush()


def _write_reports(rt: Runtime, summary: Any, verdict: Any) -> bool:
    """Write the requested report files; False (after one line on stderr) if one failed."""
    paths = _report_paths(rt.options)
    if not paths:
        return True
    from loadscim.report import write_reports

    try:
        written = write_reports(summary, verdict, **paths, option_names=_report_option_names())
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


def build_summary(rt: Runtime) -> Any:
    """The RunSummary of this process's recorder (the master's holds every worker's)."""
    started = rt.started or time.monotonic()
    stopped = rt.stopped or time.monotonic()
    summary = rt.recorder.summary(
        scenario=os.path.splitext(os.path.basename(str(getattr(rt.options, "locustfile", ""))))[0],
        target=rt.environment.host or "",
        duration_s=max(stopped - started, 1e-9),
    )
    summary.max_cpu_percent = max(rt.cpu_samples, default=0.0)
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
        incomplete = worker_reports.fleet(rt).incomplete
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

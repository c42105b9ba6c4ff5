"""Every option of a run, once: its name, type, default, help, limits and who shows it.

The same table builds ``loadscim run``'s parser (:func:`add_run_options`) and registers the
options with Locust (:func:`add_locust_options`, so ``locust -f scenarios/x.py --gate g.toml``
works), and :func:`validate` checks the parsed values of either parser in one place, into a
typed :class:`RunOptions`: ``loadscim run --check`` and plain ``locust`` accept and refuse the
same values, with the same one-line message (tests/unit/test_fuzz_run_options.py asserts it).

Adding an option is a one-place change: append an :class:`Option` to :data:`RUN_OPTIONS`
(``both=True`` unless Locust has the option itself), and a field of the same name (its
``dest``) to :class:`RunOptions`. A number with ``low`` / ``high`` is range-checked; any other
rule goes in ``check`` (a function of the value that raises :class:`UsageError`). The value
reaches the Locust process of ``loadscim run`` by itself (:meth:`RunOptions.locust_argv`); in
a user, read it as ``self.rt.opts.<dest>``. Report files are :data:`REPORTS`, load shapes
:data:`SHAPE_OPTIONS`.

Durations, everywhere (``--duration``, ``--shape-*``, a gate's ``abort_grace``) have one
grammar, :func:`loadscim.duration.parse_duration`: ``30``, ``2.5``, ``30s``, ``1h30m``,
``500ms``.

This module imports no Locust: the harness (:mod:`loadscim.harness`) does the registering.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from loadscim import auth, baseline, http
from loadscim.config import Gate, load_gate, parse_gate
from loadscim.duration import parse_duration
from loadscim.errors import UsageError
from loadscim.probe import DEFAULT_EXPECT, DEFAULT_WINDOW_S, check_template, parse_expect
from loadscim.report import check_writable
from loadscim.scim.dialects import check_dialect_option
from loadscim.scim.namespace import valid_run_id
from loadscim.scim.templates import load_template
from loadscim.target.faults import FaultPlan
from loadscim.throttle import DEFAULT_MAX_WAIT_S, DEFAULT_RETRIES, check_retries, parse_max_wait

Via = Literal["run", "locust"]
"""Which parser the values come from: ``loadscim run``'s or Locust's."""

VERDICT_FILE_ENV = "LOADSCIM_VERDICT_FILE"
"""Set for the Locust child of ``loadscim run``: the master writes the verdict's status there."""
QUIET_ENV = "LOADSCIM_QUIET_LOCUST"
"""Set for the Locust child of ``loadscim run``: Locust's own stats tables are not printed."""
VIA_RUN_ENV = "LOADSCIM_VIA_RUN"
"""Set for the Locust child of ``loadscim run``: messages name its options (``--json``)."""

DEFAULT_GATE = 'errors = "rate < 1%"\n'
"""The gate of a run without ``--gate``: under 1% failed requests (and every checker holds)."""

# -- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One command-line option of a run."""

    flag: str
    help: str
    type: Callable[[str], Any] | None = str
    default: Any = ""
    metavar: str | None = None
    short: str = ""
    """A one-letter alias in ``loadscim run`` (``-u``)."""
    action: str | None = None
    """``store_true`` or ``append`` (then ``type`` is unused)."""
    both: bool = True
    """Registered with Locust too; False: Locust has its own (``locust``) or none."""
    locust: str = ""
    """The Locust option that gets the value of ``loadscim run``'s (``--duration`` ->
    ``--run-time``); default: the same flag when ``both``."""
    locust_dest: str = ""
    """Where Locust's parser keeps it (``num_users`` for ``--users``); default: ``dest``."""
    low: float | None = None
    high: float | None = None
    check: Callable[[Any], Any] | None = None
    """Raises UsageError for a value that breaks a rule beyond the range."""
    parse: Callable[[Any], Any] | None = None
    """Turns the parsed value into the typed one (a duration into seconds), raising
    UsageError; applied to Locust's values too unless Locust parses the option itself."""
    web_ui: bool = False
    """Shown (and editable) in Locust's web UI start form."""
    group: str = "run"

    @property
    def dest(self) -> str:
        return self.flag[2:].replace("-", "_")

    @property
    def locust_flag(self) -> str:
        return self.locust or (self.flag if self.both else "")

    @property
    def locust_attr(self) -> str:
        return self.locust_dest or self.dest


def shipped(kind: str) -> tuple[Path, ...]:
    """Where the ``scenarios`` or ``gates`` shipped with loadscim are: in the installed
    package (``loadscim/<kind>``), in a checkout (``<kind>/`` next to the package), and in
    ``./<kind>``."""
    package = Path(__file__).resolve().parent
    return (package / kind, package.parent / kind, Path.cwd() / kind)


def resolve_scenario(name: str) -> Path:
    """The locustfile for a scenario name or path."""
    candidates = [Path(name)]
    if not name.endswith(".py"):
        candidates += [d / f"{name}.py" for d in shipped("scenarios")]
    else:
        candidates += [d / Path(name).name for d in shipped("scenarios")]
    for path in candidates:
        if path.is_file():
            return path.resolve()
    known = sorted(
        {
            p.stem
            for d in shipped("scenarios")
            if d.is_dir()
            for p in d.glob("*.py")
            if not p.name.startswith("_")
        }
    )
    raise UsageError(
        f"scenario {name!r}: no such scenario or file; known scenarios: "
        f"{', '.join(known) or 'none found'}; or give the path of a locustfile"
    )


def resolve_gate(value: str) -> str:
    """``value`` if it is a file, else the shipped gate it names (``ci``, ``ci.toml`` or
    ``gates/ci.toml``, from any directory); unchanged when none matches (reading it then
    says what is wrong)."""
    if not value or Path(value).is_file():
        return value
    name = Path(value).name if value.endswith(".toml") else f"{Path(value).name}.toml"
    found = [d / name for d in shipped("gates") if (d / name).is_file()]
    return str(found[0]) if found else value


def _run_id(value: str) -> None:
    if value and not valid_run_id(value):
        raise UsageError(
            f"--run-id {value!r}: a run id is 4 to 32 lower-case letters and digits; "
            "leave it out to get a new one"
        )


def _dialect(value: str) -> None:
    if value:
        check_dialect_option(value)


def _above_zero(flag: str) -> Callable[[Any], None]:
    def check(value: float | None) -> None:
        if value is not None and not (math.isfinite(value) and 0 < value <= 1_000_000):
            raise UsageError(
                f"{flag} {value:g}: must be above 0 and at most 1000000; write e.g. {flag} 5"
            )

    return check


def _template(resource_type: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if value:
            load_template(resource_type, value)

    return check


def _between(flag: str, low: int, high: int, rule: str) -> Callable[[int], None]:
    def check(value: int) -> None:
        if not low <= value <= high:
            raise UsageError(f"{flag} {value}: {rule}; write e.g. {flag} {max(low, 2)}")

    return check


def _history(value: str) -> None:
    if value:
        check_writable("--history", value)


RUN_OPTIONS: tuple[Option, ...] = (
    # Locust has these itself; `loadscim run` passes them on under Locust's names.
    Option("--target", "SCIM base URL; without it, an embedded target is started",
           both=False, locust="--host", locust_dest="host", metavar="URL"),
    Option("--users", "concurrent users (default 10)", type=int, default=10, short="-u",
           both=False, locust="--users", locust_dest="num_users", low=1, high=1_000_000,
           metavar="N"),
    Option("--spawn-rate", "users started per second (default: all in one second)",
           type=float, default=None, short="-r", both=False, locust="--spawn-rate",
           check=_above_zero("--spawn-rate"), metavar="R"),
    Option("--duration", "run time, e.g. 30s, 2m, 1h30m (default 30s)", default="30s",
           short="-t", both=False, locust="--run-time", locust_dest="run_time", metavar="T",
           parse=lambda v: _seconds(v, "--duration", minimum=1)),
    Option("--stop-timeout", "time users get to finish their iteration at the end "
           "(default 10s)", default="10s", both=False, locust="--stop-timeout", metavar="T",
           parse=lambda v: _seconds(v, "--stop-timeout", minimum=0)),
    Option("--target-fault", "fault of the embedded target (repeatable), e.g. latency=300",
           action="append", default=None, metavar="SPEC", both=False),
    Option("--check", "validate the options, credentials, gate file and scenario, send "
           "nothing, exit 0", action="store_true", default=False, both=False),
    # loadscim's own, in both parsers.
    Option("--gate", "gate file (TOML) that decides the verdict, or the name of a shipped "
           "one (ci, lifecycle, soak ...)", metavar="FILE", parse=lambda v: resolve_gate(v),
           web_ui=True),
    Option("--baseline", "summary of an earlier run (--json FILE) that gate lines such as "
           "'p99 < 1.2 * baseline' compare with (regression gating)", metavar="FILE",
           web_ui=True),
    Option("--seed", "seed of the workload plan (default 0)", type=int, default=0,
           web_ui=True, metavar="N"),
    Option("--run-id", "run id, for the namespace loadscim-<run id>- (default: a new one)",
           check=_run_id, metavar="ID"),
    Option("--history", "write every checked trial to this JSONL file", metavar="FILE",
           check=_history),
    Option("--reconcile-every", "during the run, compare the run's model with the server "
           "every T (a sample of settled resources), e.g. 30s (default: only at the end)",
           default=0.0, metavar="T", parse=lambda v: _interval(v, "--reconcile-every"),
           web_ui=True),
    # Downstream probes (loadscim/probe.py).
    Option("--probe", "URL template of a linked service's access check, e.g. "
           "'https://app.example.com/signin?user={userName}': polled after each "
           "deprovisioning until access ends (downstream-revoke)", metavar="URL",
           check=lambda v: check_template(v) if v else None, group="probe"),
    Option("--probe-expect", "statuses meaning access and no access, e.g. 200,403 (default "
           f"{DEFAULT_EXPECT})", default=DEFAULT_EXPECT, metavar="BEFORE,AFTER",
           check=parse_expect, group="probe"),
    Option("--probe-window", "access must end this long after a deprovisioning's answer "
           f"(default: --consistency-window, else {DEFAULT_WINDOW_S:g}s)", default=0.0,
           metavar="T", parse=lambda v: _interval(v, "--probe-window", minimum=0.0),
           group="probe"),
    Option("--no-cleanup", "leave the run's resources on the target at the end",
           action="store_true", default=False, web_ui=True),
    Option("--arrival-rate", "open model: R iterations per second across all users "
           "(corrects coordinated omission)", type=float, default=0.0, metavar="R",
           low=0, high=1_000_000, web_ui=True),
    Option("--pace", "open model: R iterations per second of each user", type=float,
           default=0.0, metavar="R", low=0, high=10_000, web_ui=True),
    Option("--dialect", "identity-provider dialect: rfc, okta, entra, entra-compliant "
           "(default: the scenario's own, else rfc)", metavar="NAME", check=_dialect,
           web_ui=True, group="bodies"),
    # The bodies sent (README: Pointing it at your server).
    Option("--user-template", "JSON body of every User create and replace, with placeholders "
           "{userName} {externalId} {givenName} {familyName} {email} ... (README: Pointing it "
           "at your server)", metavar="FILE", check=_template("User"), group="bodies"),
    Option("--group-template", "JSON body of every Group create and replace, with "
           "{displayName} {externalId}", metavar="FILE", check=_template("Group"),
           group="bodies"),
    # Throttling (HTTP 429) of the simulated clients.
    Option("--throttle-retries", "resends of a request answered 429, each after Retry-After "
           f"(default {DEFAULT_RETRIES}; 0: never)", type=int, default=DEFAULT_RETRIES,
           metavar="N", check=check_retries, group="throttle"),
    Option("--throttle-max-wait", "a throttled request is not resent once it has waited T "
           f"in all (default {DEFAULT_MAX_WAIT_S:g}s)", default=f"{DEFAULT_MAX_WAIT_S:g}s",
           metavar="T", parse=parse_max_wait, group="throttle"),
    # Credentials: names of where secrets are, never secrets.
    Option("--token-env", "environment variable holding the bearer token (default "
           f"{auth.DEFAULT_TOKEN_ENV}; unset: no credentials)", default=None, metavar="VAR",
           group="credentials"),
    Option("--token-file", "file holding the bearer token", default=None, metavar="FILE",
           group="credentials"),
    Option("--basic-user", "HTTP Basic user name (not secret)", default=None, metavar="NAME",
           group="credentials"),
    Option("--basic-password-env", "environment variable holding the HTTP Basic password "
           f"(default {auth.DEFAULT_PASSWORD_ENV})", default=None, metavar="VAR",
           group="credentials"),
    # The connection.
    Option("--ca-bundle", "verify the target's TLS certificate against the CAs in this PEM "
           "file only", default=None, metavar="FILE", group="connection"),
    Option("--insecure", "do not verify the target's TLS certificate (prints a warning; "
           "not for production)", action="store_true", default=False, group="connection"),
    Option("--request-timeout", "seconds to connect and to wait for each answer (default "
           f"{http.DEFAULT_TIMEOUT_S:g})", default=None, metavar="SECONDS",
           group="connection"),
    # Distributed runs (loadscim/distributed.py builds the command lines).
    Option("--workers", "run N local Locust worker processes and a master (default 1: one "
           "process)", type=int, default=1, metavar="N", both=False,
           check=_between("--workers", 1, 512, "from 1 to 512 worker processes"),
           group="distributed"),
    Option("--expect-workers", "be the master of N workers started elsewhere "
           "(`loadscim worker`)", type=int, default=0, metavar="N", both=False,
           check=_between("--expect-workers", 0, 100_000, "a number of workers"),
           group="distributed"),
    Option("--master-bind-host", "with --expect-workers: address the master listens on "
           "(default: all)", metavar="ADDR", both=False, group="distributed"),
    Option("--master-port", "with --expect-workers: the master's port (default 5557); with "
           "--workers: a free one", type=int, default=0, metavar="PORT", both=False,
           check=_between("--master-port", 0, 65535, "a port is from 1 to 65535"),
           group="distributed"),
    Option("--worker-report-timeout", "master: seconds to wait for each worker's final "
           "report (reconciliation, cleanup) at the end (default 60)", type=float,
           default=60.0, metavar="SECONDS", low=1e-3, high=86_400, group="distributed"),
    # Options of the trial scenarios.
    Option("--fan-out", "concurrent requests of one race in a trial (default 10)", type=int,
           default=10, low=2, high=1000, web_ui=True, group="scenario", metavar="N"),
    Option("--population", "accounts a storm trial creates, then deprovisions (default 20)",
           type=int, default=20, low=1, high=100_000, web_ui=True, group="scenario", metavar="N"),
    Option("--bulk-size", "user creates in one bulk request of bulk_burst (default 10)",
           type=int, default=10, low=1, high=10_000, web_ui=True, group="scenario", metavar="N"),
    # Eventual consistency (loadscim/visibility.py).
    Option("--consistency-window", "how long after a write's answer a read may still miss "
           "it, e.g. 2s (default 0: read-your-writes); a write unseen after it is not-visible",
           default=0.0, metavar="T", web_ui=True, group="consistency",
           parse=lambda v: parse_duration(v, "--consistency-window")),
    Option("--visibility-sample", "share of writes whose time to visibility is measured by "
           "polling (default 0.25; 0: none)", type=float, default=0.25, low=0, high=1,
           metavar="F", web_ui=True, group="consistency"),
    Option("--conformance-every", "the conformance checker judges every answer of a trial "
           "and every Nth answer outside trials (default 20; 0: trials only)", type=int,
           default=20, low=0, high=1_000_000, group="scenario", metavar="N"),
)  # fmt: skip


@dataclass(frozen=True)
class Report:
    """A report file: its :func:`loadscim.report.write_reports` keyword and option names."""

    key: str
    flag: str
    """As ``loadscim run`` and ``loadscim report`` spell it."""
    locust: str
    """As Locust spells it (Locust has its own ``--json`` and ``--html``)."""
    help: str


REPORTS: tuple[Report, ...] = (
    Report("summary_md", "--summary-md", "--summary-md",
           "write a Markdown verdict, gate table and top findings (for $GITHUB_STEP_SUMMARY "
           "or a pull-request comment)"),
    Report("junit", "--junit", "--junit",
           "write the verdict as JUnit XML (a test case per gate line and checker)"),
    Report("json", "--json", "--report-json",
           "write the whole summary as JSON (`loadscim report` renders it again)"),
    Report("html", "--html", "--report-html",
           "write a self-contained HTML report (latency chart, gate, violations)"),
    Report("hdr_log", "--hdr-log", "--hdr-log",
           "write the latency histograms as an HdrHistogram interval log"),
)  # fmt: skip

SHAPE_OPTIONS: tuple[Option, ...] = (
    Option("--shape", "load shape: flat, spike, steps, storm (default: the scenario's)"),
    Option("--shape-peak", "users at the peak (default --users)", type=int, default=0, low=0),
    Option("--shape-base", "users outside the peaks (default 0)", type=int, default=0, low=0),
    Option("--shape-at", "when the first peak or step starts (0s)"),
    Option("--shape-ramp", "time from base to peak (1s)"),
    Option("--shape-hold", "how long a peak lasts (spike: to the end; storm: 5s)"),
    Option("--shape-every", "storm: a burst every T (20s)"),
    Option("--shape-steps", "steps: how many (4)", type=int, default=0, low=0),
    Option("--shape-step-time", "steps: length of each (10s)"),
)
"""Registered by :mod:`loadscim.users.shapes` (only scenarios with a shape take them)."""


def report_names(via: Via) -> dict[str, str]:
    """How the user spelled each report option: ``{"json": "--json"}`` or Locust's."""
    return {r.key: r.flag if via == "run" else r.locust for r in REPORTS}


# -- registering ----------------------------------------------------------------------------


def _add(parser: Any, option: Option, flag: str, short: bool) -> Any:
    kwargs: dict[str, Any] = {"default": option.default, "help": option.help}
    if option.action:
        kwargs["action"] = option.action
    else:
        kwargs["type"] = option.type
    if option.metavar and option.action != "store_true":
        kwargs["metavar"] = option.metavar
    names = [option.short, flag] if short and option.short else [flag]
    return parser.add_argument(*names, dest=option.dest, **kwargs)


def add_run_options(parser: Any, groups: tuple[str, ...] | None = None) -> None:
    """``loadscim run``'s options (or only those of ``groups``) on an argparse parser."""
    for option in RUN_OPTIONS:
        if groups is None or option.group in groups:
            _add(parser, option, option.flag, short=True)


def add_report_options(parser: Any, via: Via = "run") -> None:
    for report in REPORTS:
        flag = report.flag if via == "run" else report.locust
        parser.add_argument(flag, dest=report.key, default="", metavar="FILE", help=report.help)


def add_locust_options(parser: Any, options: tuple[Option, ...] = RUN_OPTIONS) -> None:
    """Register the options Locust does not have on Locust's parser, in a "loadscim" group;
    those with ``web_ui`` appear in the web UI's start form."""
    group = parser.add_argument_group("loadscim")
    for option in options:
        if option.both:
            action = _add(group, option, option.flag, short=False)
            # Locust's parser reads these attributes (a group's add_argument cannot take them).
            action.include_in_web_ui = option.web_ui
            action.is_secret = action.is_required = action.is_multiple = False
    if options is RUN_OPTIONS:
        add_report_options(group, via="locust")


# -- validating -----------------------------------------------------------------------------


@dataclass
class RunOptions:
    """The validated options of a run (the same from ``loadscim run`` and from Locust)."""

    target: str = ""
    users: int | None = 10
    spawn_rate: float | None = None
    duration: int | None = 30
    """Whole seconds (``--duration``, Locust's ``--run-time``); None: until stopped."""
    stop_timeout: int = 10
    """Whole seconds."""
    target_fault: list[str] = field(default_factory=list)
    check: bool = False
    gate: str = ""
    baseline: str = ""
    seed: int = 0
    run_id: str = ""
    history: str = ""
    no_cleanup: bool = False
    reconcile_every: float = 0.0
    probe: str = ""
    probe_expect: str = DEFAULT_EXPECT
    probe_window: float = 0.0
    """Seconds; 0: the consistency window, else DEFAULT_WINDOW_S."""
    """Seconds between reconciliation passes during the run; 0: none (only at the end)."""
    arrival_rate: float = 0.0
    pace: float = 0.0
    dialect: str = ""
    token_env: str | None = None
    token_file: str | None = None
    basic_user: str | None = None
    basic_password_env: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    request_timeout: str | None = None
    user_template: str = ""
    group_template: str = ""
    throttle_retries: int = DEFAULT_RETRIES
    throttle_max_wait: float = DEFAULT_MAX_WAIT_S
    """Seconds."""
    workers: int = 1
    expect_workers: int = 0
    master_bind_host: str = ""
    master_port: int = 0
    worker_report_timeout: float = 60.0
    """Seconds."""
    fan_out: int = 10
    population: int = 20
    bulk_size: int = 10
    consistency_window: float = 0.0
    """Seconds (``--consistency-window``)."""
    visibility_sample: float = 0.25
    conformance_every: int = 20
    reports: dict[str, str] = field(default_factory=dict)
    """Report files by :func:`loadscim.report.write_reports` keyword."""
    credentials: auth.Credentials = field(default_factory=auth.Credentials)
    http_settings: http.HttpSettings = field(default_factory=http.HttpSettings)
    judge: Gate | None = None
    """The gate read from ``gate`` (or the default gate); None on a worker."""

    def pace_interval(self) -> float:
        """Seconds between a user's iteration starts in the open model; 0 for a closed loop.

        ``--pace R`` gives each user R iterations per second; ``--arrival-rate R`` spreads R
        iterations per second over the run's users (``--users``).
        """
        pace = self.pace
        if self.arrival_rate:
            pace = self.arrival_rate / max(1, self.users or 1)
        return 1.0 / pace if pace > 0 else 0.0

    def locust_argv(self) -> list[str]:
        """The options that give a Locust process of ``loadscim run`` these values."""
        argv = forward(self)
        for report in REPORTS:
            if report.key in self.reports:
                argv += [report.locust, self.reports[report.key]]
        return argv


def adopt(opts: RunOptions, values: Any, keep: tuple[str, ...] = ()) -> None:
    """Take into ``opts`` the values of the options both parsers have from ``values`` (a
    worker: its master's, which Locust sends it with the first spawn), except those of the
    groups in ``keep`` (a worker's own credentials and connection). The master validated
    them; a duration or gate name is parsed as at validation."""
    for option in RUN_OPTIONS:
        if option.both and option.group not in keep and hasattr(values, option.dest):
            value = getattr(values, option.dest)
            setattr(opts, option.dest, option.parse(value) if option.parse else value)


def forward(values: Any, groups: tuple[str, ...] | None = None) -> list[str]:
    """Locust's command-line options for ``values`` (options by ``dest``, typed as in
    :class:`RunOptions`), or only for those of ``groups``: what passes them on to another
    process (never a secret: the credential options name where secrets are)."""
    argv: list[str] = []
    for option in RUN_OPTIONS:
        if groups is not None and option.group not in groups:
            continue
        value = getattr(values, option.dest, None)
        flag = option.locust_flag
        if not flag or value is None or (value == option.default and option.both):
            continue
        if option.dest == "target" and not value:
            continue
        if option.action == "store_true":
            argv += [flag] if value else []
        elif option.dest in ("duration", "stop_timeout"):
            argv += [flag, f"{value}s"]
        else:
            argv += [flag, repr(value) if isinstance(value, float) else str(value)]
    return argv


def _range(option: Option, value: Any, flag: str) -> None:
    if value is None or (option.low is None and option.high is None):
        return
    low = -math.inf if option.low is None else option.low
    high = math.inf if option.high is None else option.high
    if not (math.isfinite(value) and low <= value <= high):
        example = option.default if option.default not in (None, 0, 0.0) else max(low, 1)
        raise UsageError(
            f"{flag} {_num(value)}: must be from {_num(low)} to {_num(high)}; "
            f"write e.g. {flag} {_num(example)}"
        )


def _num(value: float) -> str:
    """``10``, ``0.5``, ``1000000``: as a user would write it."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def check_target_url(url: str, option: str = "--target") -> str:
    """The SCIM base URL without a trailing slash, or a one-line UsageError."""
    rule = (
        f"{option} {url!r}: a target is an http:// or https:// URL of the SCIM base, "
        "e.g. https://scim.example.com/scim/v2"
    )
    try:
        parsed = urlparse(url)
        port = parsed.port
        hostname = parsed.hostname
    except ValueError as e:
        raise UsageError(f"{rule} ({e})") from None
    if parsed.scheme not in ("http", "https") or not hostname:
        raise UsageError(rule)
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise UsageError(f"{rule}; remove the spaces and control characters")
    if parsed.username is not None or parsed.password is not None:
        raise UsageError(
            f"{option}: the URL holds credentials, which would appear in logs and reports; "
            "remove them and use --token-env, --token-file, or --basic-user with "
            "--basic-password-env"
        )
    if port == 0:
        raise UsageError(f"{rule}; port 0 is not a port a server listens on")
    if parsed.query or parsed.fragment:
        raise UsageError(f"{rule}; remove the query string and fragment")
    return url.rstrip("/")


def validate(
    values: Any, via: Via = "run", worker: bool = False, host_later: bool = False
) -> RunOptions:
    """Check the parsed options of ``loadscim run`` (``via="run"``) or of Locust
    (``via="locust"``, the Locust options under Locust's names) and return them typed.

    The first broken rule raises a one-line :class:`UsageError` naming the option as the
    user spelled it. A ``worker`` of a distributed run skips what only the master uses
    (the gate, the report files, the target URL, which its master checked). With
    ``host_later`` (Locust's web UI, where the start form gives the host), a missing
    ``--host`` is no error: the target is "".
    """
    opts = RunOptions()
    for option in RUN_OPTIONS:
        if via == "locust" and not option.locust_flag:
            continue
        flag = option.flag if via == "run" else option.locust_flag
        attr = option.dest if via == "run" else option.locust_attr
        value = getattr(values, attr, option.default)
        if option.parse is not None and (via == "run" or option.both):
            value = option.parse(value)
        elif option.dest == "target_fault":
            value = list(value or [])
        _range(option, value, flag)
        if option.check is not None:
            option.check(value)
        setattr(opts, option.dest, value)
    if via == "run" and opts.spawn_rate is None:
        opts.spawn_rate = float(opts.users or 1)
    if opts.expect_workers and opts.workers > 1:
        raise UsageError(
            "--workers starts local workers, --expect-workers waits for workers started "
            "elsewhere; give one of them"
        )
    if opts.arrival_rate and opts.pace:
        raise UsageError("--arrival-rate and --pace both set the schedule; give one of them")
    opts.target = _target(opts, via, worker or host_later)
    opts.credentials = auth.from_options(opts)
    opts.http_settings = http.settings_from_options(opts)
    if worker:
        return opts
    names = report_names(via)
    for report in REPORTS:
        path = getattr(values, report.key, "") or ""
        if path:
            check_writable(names[report.key], path)
            opts.reports[report.key] = path
    judge = load_gate(opts.gate) if opts.gate else parse_gate(DEFAULT_GATE, "default")
    opts.judge = baseline.resolve(judge, opts.baseline)
    return opts


def _seconds(value: str, flag: str, minimum: int) -> int:
    """Whole seconds (rounded up: Locust takes whole seconds) of a duration option."""
    seconds = parse_duration(value, flag)
    if seconds < minimum:
        raise UsageError(f"{flag} {value!r}: must be at least {minimum}s; write e.g. {flag} 30s")
    return math.ceil(seconds)


def _interval(value: Any, flag: str, minimum: float = 1.0) -> float:
    """Seconds of an optional interval ("" or 0: off); at least ``minimum`` when on."""
    if value in (None, "") or isinstance(value, int | float):
        seconds = float(value or 0.0)
    else:
        seconds = parse_duration(value, flag)
    if 0 < seconds < minimum:
        raise UsageError(
            f"{flag} {value!r}: must be at least 1s (or 0: off); write e.g. {flag} 30s"
        )
    return seconds


def _target(opts: RunOptions, via: Via, worker: bool) -> str:
    if via == "run":
        if opts.target and opts.target_fault:
            raise UsageError(
                "--target-fault applies to the embedded target only; leave out --target, or "
                "configure the faults on your own server"
            )
        if opts.target_fault:
            FaultPlan.parse(opts.target_fault)
        return check_target_url(opts.target) if opts.target else ""
    if worker:
        return opts.target
    if not opts.target:
        raise UsageError(
            "no target: give the SCIM base URL as --host URL (or in the Host field of the web "
            "UI's start form), or use `loadscim run` (embedded target)"
        )
    return check_target_url(opts.target, "--host")


"""The ``loadscim`` command: run | serve | check | report | cleanup.

This is the only module that knows both the harness and the embedded target. ``run`` starts
the embedded target (unless ``--target`` is given) and runs the scenario headless through
Locust in a child process, so that ``loadscim run`` and plain ``locust -f`` share every code
path, verdict and exit code: 0 PASS, 1 FAIL, 2 UNKNOWN, 3 ERROR.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn
from urllib.parse import urlparse

from loadscim import auth, distributed, http
from loadscim.errors import EXIT_ERROR, LoadscimError, UsageError, one_line
from loadscim.scim.namespace import new_run_id, valid_run_id
from loadscim.throttle import check_retries, parse_max_wait

PACKAGE_DIR = Path(__file__).resolve().parent
SCENARIO_DIRS = (PACKAGE_DIR.parent / "scenarios", Path.cwd() / "scenarios")
DEFAULT_SCENARIO = "lifecycle"
VERDICT_FILE_ENV = "LOADSCIM_VERDICT_FILE"
QUIET_ENV = "LOADSCIM_QUIET_LOCUST"
"""Set for the Locust child of `loadscim run`: Locust's own stats tables are not printed."""
VIA_RUN_ENV = "LOADSCIM_VIA_RUN"
"""Set for the Locust child of `loadscim run`: messages name its options (``--json``)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 3 (ERROR)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"loadscim: error: {one_line(message)} (see: {self.prog} --help)\n")
        raise SystemExit(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="loadscim", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and print a verdict")
    run.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        help="scenario name (in scenarios/) or locustfile path (default: lifecycle)",
    )
    run.add_argument(
        "--target", default="", help="SCIM base URL; without it, an embedded target is started"
    )
    run.add_argument(
        "--target-fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="fault of the embedded target (repeatable), e.g. latency=300",
    )
    auth.add_options(run)
    http.add_options(run)
    run.add_argument("--users", "-u", type=int, default=10, help="concurrent users (default 10)")
    run.add_argument(
        "--spawn-rate",
        "-r",
        type=float,
        default=None,
        help="users started per second (default: all in one second)",
    )
    run.add_argument(
        "--duration", "-t", default="30s", help="run time, e.g. 30s, 2m, 1h (default 30s)"
    )
    run.add_argument("--gate", default="", metavar="FILE", help="gate file (TOML)")
    run.add_argument("--seed", type=int, default=0, help="seed of the workload plan (default 0)")
    run.add_argument("--run-id", default="", help="run id (default: a new one)")
    run.add_argument("--history", default="", metavar="FILE", help="write checked trials (JSONL)")
    run.add_argument("--no-cleanup", action="store_true", help="leave the run's resources behind")
    _add_report_options(run, "--junit", "--json", "--html", "--hdr-log")
    run.add_argument(
        "--arrival-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="open model: R iterations per second across all users (corrects coordinated omission)",
    )
    run.add_argument(
        "--pace",
        type=float,
        default=0.0,
        metavar="R",
        help="open model: R iterations per second of each user",
    )
    run.add_argument(
        "--dialect",
        default="",
        metavar="NAME",
        help="identity-provider dialect: rfc, okta, entra, entra-compliant "
        "(default: the scenario's own, else rfc)",
    )
    run.add_argument(
        "--throttle-retries",
        type=int,
        default=None,
        metavar="N",
        help="resends of a request answered 429, each after Retry-After (default 5; 0: never)",
    )
    run.add_argument(
        "--throttle-max-wait",
        default=None,
        metavar="T",
        help="a throttled request is not resent once it has waited T in all (default 60s)",
    )
    run.add_argument(
        "--user-template",
        default="",
        metavar="FILE",
        help="JSON body of every User create and replace, with placeholders {userName} "
        "{externalId} {givenName} {familyName} {email} ... (README: Pointing it at your server)",
    )
    run.add_argument(
        "--group-template",
        default="",
        metavar="FILE",
        help="JSON body of every Group create and replace, with {displayName} {externalId}",
    )
    run.add_argument(
        "--check",
        action="store_true",
        help="validate the options, credentials, gate file and scenario, send nothing, exit 0",
    )
    run.add_argument(
        "--stop-timeout",
        type=float,
        default=10.0,
        help="seconds users get to finish their iteration at the end (default 10)",
    )
    distributed.add_run_options(run)
    run.epilog = "Options after -- go to locust and the scenario (e.g. -- --fan-out 20)."
    distributed.add_worker_parser(sub)

    clean = sub.add_parser(
        "cleanup",
        help="remove what a run left on a target (its namespace only)",
        description="Remove the users and groups of a run's namespace (loadscim-<run id>-) "
        "from a target: found by filter or paging, each re-checked before it is deleted; "
        "nothing else is touched. Exit code 0: nothing of the run is left; 1: some could "
        "not be removed; 3: could not start.",
    )
    clean.add_argument("--run-id", required=True, help="the run whose resources to remove")
    clean.add_argument("--target", required=True, metavar="URL", help="SCIM base URL")
    clean.add_argument("--dry-run", action="store_true", help="list what would be removed")
    auth.add_options(clean)
    http.add_options(clean)

    serve = sub.add_parser("serve", help="serve the embedded SCIM target", add_help=False)
    serve.add_argument("serve_args", nargs=argparse.REMAINDER)

    check = sub.add_parser(
        "check",
        help="re-check a saved history (--history) offline",
        description="Judge the trials of a history written by `loadscim run --history FILE` "
        "again, with the checkers of this version. Exit code: 0 PASS, 1 FAIL, 2 UNKNOWN, "
        "3 when the file cannot be read.",
    )
    check.add_argument("history", metavar="HISTORY.jsonl", help="file written by --history")
    check.add_argument(
        "--checker",
        action="append",
        default=[],
        metavar="NAME",
        help="judge with this checker only (repeatable; default: the ones each trial names)",
    )

    report = sub.add_parser(
        "report",
        help="render a saved summary (--json) again",
        description="Render a summary saved by `loadscim run --json FILE` again, optionally "
        "judged against another gate. Exit code: the verdict's (0 PASS, 1 FAIL, 2 UNKNOWN), "
        "3 when the summary cannot be read.",
    )
    report.add_argument("summary", metavar="SUMMARY.json", help="file written by --json")
    _add_report_options(report, "--html", "--junit", "--hdr-log", "--json")
    report.add_argument(
        "--text", action="store_true", help="print the text report (the default with no output)"
    )
    report.add_argument(
        "--gate", default="", metavar="FILE", help="judge the run again against this gate file"
    )
    return parser


_REPORT_HELP = {
    "--junit": "write the verdict as JUnit XML (a test case per gate line and checker)",
    "--json": "write the whole summary as JSON (`loadscim report` renders it again)",
    "--html": "write a self-contained HTML report (latency chart, gate, violations)",
    "--hdr-log": "write the latency histograms as an HdrHistogram interval log",
}
_LOCUST_REPORT_OPTION = {
    "--junit": "--junit",
    "--json": "--report-json",
    "--html": "--report-html",
    "--hdr-log": "--hdr-log",
}
"""How ``loadscim run`` passes its report options to Locust (which has its own ``--json`` and
``--html``)."""


def _add_report_options(parser: argparse.ArgumentParser, *options: str) -> None:
    for option in options:
        parser.add_argument(option, default="", metavar="FILE", help=_REPORT_HELP[option])


def _report_paths(args: argparse.Namespace) -> dict[str, str]:
    """Requested report files by option (``--junit``: ``j.xml``), checked writable."""
    from loadscim.report import check_writable

    paths = {}
    for option in _REPORT_HELP:
        path = getattr(args, option[2:].replace("-", "_"), "")
        if path:
            check_writable(option, path)
            paths[option] = path
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        from loadscim.target.server import main as serve_main

        return serve_main(argv[1:])
    parser = build_parser()
    for arg in argv:
        if "\x00" in arg:  # no shell can pass one; a caller of main() can
            parser.error(f"argument {arg!r} holds a NUL byte; remove it")
    # Everything after the first "--" goes to Locust; the rest is ours.
    locust_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, locust_args = argv[:cut], argv[cut + 1 :]
    args = parser.parse_args(argv)
    args.locust_args = locust_args
    if locust_args and args.command not in ("run", "worker"):
        parser.error(f"options after -- ({' '.join(locust_args)}) are for `loadscim run` only")
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        if args.command == "run":
            return run(args)
        if args.command == "report":
            return report(args)
        if args.command == "check":
            from loadscim.history import check_history

            code, text = check_history(args.history, args.checker)
            sys.stdout.write(text)
            return code
        if args.command == "cleanup":
            return cleanup(args)
        if args.command == "worker":
            return distributed.worker(args)
    except LoadscimError as e:
        sys.stderr.write(f"loadscim: error: {one_line(str(e))}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("loadscim: interrupted\n")
        return EXIT_ERROR
    parser.error(f"unknown command {args.command!r}")


# -- run -----------------------------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """Seconds in ``30``, ``30s``, ``2m``, ``1h30m``; UsageError otherwise."""
    text = text.strip()
    if text.isascii() and text.isdigit():  # "²".isdigit() is True, int("²") fails
        seconds = int(text)
    else:
        match = _DURATION.match(text)
        if not text or not match or not any(match.groups()):
            raise UsageError(
                f"--duration {text!r}: a duration is a number of seconds or h/m/s parts; "
                "write e.g. 30s, 2m or 1h30m"
            )
        h, m, s = (int(g or 0) for g in match.groups())
        seconds = h * 3600 + m * 60 + s
    if seconds <= 0:
        raise UsageError(f"--duration {text!r}: the run must last at least 1s; write e.g. 30s")
    return seconds


def resolve_scenario(name: str) -> Path:
    """The locustfile for a scenario name or path."""
    candidates = [Path(name)]
    if not name.endswith(".py"):
        candidates += [d / f"{name}.py" for d in SCENARIO_DIRS]
    else:
        candidates += [d / Path(name).name for d in SCENARIO_DIRS]
    for path in candidates:
        if path.is_file():
            return path.resolve()
    known = sorted(
        {
            p.stem
            for d in SCENARIO_DIRS
            if d.is_dir()
            for p in d.glob("*.py")
            if not p.name.startswith("_")
        }
    )
    raise UsageError(
        f"scenario {name!r}: no such scenario or file; known scenarios: "
        f"{', '.join(known) or 'none found'}; or give the path of a locustfile"
    )


def _check_scenario_compiles(path: Path) -> None:
    try:
        compile(path.read_bytes(), str(path), "exec")
    except SyntaxError as e:
        raise UsageError(
            f"scenario {path}: line {e.lineno}: {e.msg}; fix the Python syntax of the file"
        ) from None


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


def _check_seconds(option: str, value: float, minimum: float = 0.0) -> float:
    if not math.isfinite(value) or value < minimum:
        raise UsageError(
            f"{option} {value:g}: must be a finite number of at least {minimum:g}; "
            f"write e.g. {option} 10"
        )
    return value


def run(args: argparse.Namespace) -> int:
    """``loadscim run``: validate everything, start the target if needed, run Locust."""
    scenario = resolve_scenario(args.scenario)
    _check_scenario_compiles(scenario)
    duration = parse_duration(args.duration)
    if args.users < 1:
        raise UsageError(f"--users {args.users}: at least 1 user is needed; write e.g. --users 10")
    spawn_rate = args.spawn_rate if args.spawn_rate is not None else float(args.users)
    if not math.isfinite(spawn_rate) or spawn_rate <= 0:
        raise UsageError(f"--spawn-rate {spawn_rate:g}: must be above 0; write e.g. --spawn-rate 5")
    for flag, value in (("--arrival-rate", args.arrival_rate), ("--pace", args.pace)):
        if value < 0:
            raise UsageError(f"{flag} {value:g}: a rate is 0 or more; write e.g. {flag} 50")
    if args.arrival_rate and args.pace:
        raise UsageError("--arrival-rate and --pace both set the schedule; give one of them")
    if args.throttle_retries is not None:
        check_retries(args.throttle_retries)
    if args.throttle_max_wait is not None:
        parse_max_wait(args.throttle_max_wait)
    if args.dialect:
        from loadscim.scim.dialects import check_dialect_option

        check_dialect_option(args.dialect)
    _check_seconds("--stop-timeout", args.stop_timeout)
    from loadscim.scim.templates import load_template

    for resource_type, path in (("User", args.user_template), ("Group", args.group_template)):
        if path:
            load_template(resource_type, path)
    distributed.check_run_options(args)
    if args.gate:
        from loadscim.config import load_gate

        load_gate(args.gate)
    reports = _report_paths(args)
    run_id = args.run_id or new_run_id()
    if not valid_run_id(run_id):
        raise UsageError(
            f"--run-id {run_id!r}: a run id is 4 to 32 lower-case letters and digits; "
            "leave it out to get a new one"
        )
    if args.target and args.target_fault:
        raise UsageError(
            "--target-fault applies to the embedded target only; leave out --target, or "
            "configure the faults on your own server"
        )
    if args.target_fault:
        from loadscim.target.faults import FaultPlan

        FaultPlan.parse(args.target_fault)
    url = check_target_url(args.target) if args.target else ""
    credentials = auth.from_options(args)
    settings = http.settings_from_options(args)
    if args.history:
        from loadscim.report import check_writable

        check_writable("--history", args.history)
    extra = list(args.locust_args)
    if args.check:
        sys.stdout.write(
            f"loadscim: check: options, {credentials.describe()}, "
            f"{'gate file ' + args.gate if args.gate else 'the default gate'} and scenario "
            f"{scenario.stem} are valid; nothing was sent\n"
        )
        return 0

    with contextlib.ExitStack() as stack:
        if not url:
            from loadscim.target.process import EmbeddedTarget

            token = credentials.secrets[0] if credentials.scheme == "bearer" else None
            target = stack.enter_context(
                EmbeddedTarget(faults=args.target_fault, token=token, seed=args.seed)
            )
            url = str(target.url)
            faults = f" with faults {', '.join(args.target_fault)}" if args.target_fault else ""
            sys.stderr.write(f"[loadscim] embedded target at {url}{faults}\n")
        sys.stderr.write(
            f"[loadscim] run {run_id}: {scenario.stem}, {args.users} users, {duration}s\n"
        )
        sys.stderr.flush()
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(scenario),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            f"{spawn_rate:g}",
            "--run-time",
            f"{duration}s",
            "--host",
            url,
            "--stop-timeout",
            f"{args.stop_timeout:g}",
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--run-id",
            run_id,
            "--seed",
            str(args.seed),
        ]
        # Credentials travel by environment or file, never on this command line.
        command += auth.forward_options(args) + settings.forward_options()
        if args.gate:
            command += ["--gate", str(Path(args.gate).resolve())]
        if args.history:
            command += ["--history", args.history]
        if args.no_cleanup:
            command += ["--no-cleanup"]
        if args.arrival_rate:
            command += ["--arrival-rate", f"{args.arrival_rate:g}"]
        if args.pace:
            command += ["--pace", f"{args.pace:g}"]
        for option, path in reports.items():
            command += [_LOCUST_REPORT_OPTION[option], str(Path(path).resolve())]
        bodies = _body_options(args)
        command += bodies
        if args.throttle_retries is not None:
            command += ["--throttle-retries", str(args.throttle_retries)]
        if args.throttle_max_wait is not None:
            command += ["--throttle-max-wait", f"{parse_max_wait(args.throttle_max_wait):g}"]
        command += extra
        workers: list[list[str]] = []
        if distributed.is_distributed(args):
            port = args.master_port or (
                distributed.free_port() if args.workers > 1 else distributed.DEFAULT_MASTER_PORT
            )
            command += distributed.master_arguments(args, port)
            # Workers pre-flight the target themselves: with the bodies the users send.
            forwarded = auth.forward_options(args) + settings.forward_options() + bodies
            workers = [
                distributed.worker_command(scenario, "127.0.0.1", port, url, forwarded)
                for _ in range(args.workers if args.workers > 1 else 0)
            ]
            sys.stderr.write(
                f"[loadscim] master of {args.expect_workers or args.workers} workers "
                f"on port {port}\n"
            )
        return _run_locust(command, workers)
    return EXIT_ERROR  # pragma: no cover  (the with-block returns)


def _body_options(args: argparse.Namespace) -> list[str]:
    """The options that decide the bodies users send (and the write pre-flight checks)."""
    forwarded = ["--dialect", args.dialect] if args.dialect else []
    for option, path in (
        ("--user-template", args.user_template),
        ("--group-template", args.group_template),
    ):
        if path:
            forwarded += [option, str(Path(path).resolve())]
    return forwarded


# -- report --------------------------------------------------------------------------


def report(args: argparse.Namespace) -> int:
    """``loadscim report``: render a saved summary again; the verdict's exit code."""
    from loadscim.report import render_text, write_reports
    from loadscim.report.json import from_json

    path = Path(args.summary)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(
            f"{args.summary}: cannot read it ({e.strerror or e}); give the file "
            "written by `loadscim run --json FILE`"
        ) from None
    summary, verdict = from_json(data, str(args.summary))
    if args.gate:
        from loadscim.config import load_gate
        from loadscim.verdict import evaluate

        verdict = evaluate(load_gate(args.gate), summary)
    outputs = _report_paths(args)
    written = write_reports(
        summary,
        verdict,
        json=outputs.get("--json"),
        junit=outputs.get("--junit"),
        html=outputs.get("--html"),
        hdr_log=outputs.get("--hdr-log"),
    )
    if args.text or not outputs:
        sys.stdout.write(render_text(summary, verdict))
    for path_written in written:
        sys.stderr.write(f"[loadscim] wrote {path_written}\n")
    return verdict.exit_code


def cleanup(args: argparse.Namespace) -> int:
    """``loadscim cleanup``: validate, pre-flight, then sweep the run's namespace."""
    from loadscim.cleanup import run_command

    if not valid_run_id(args.run_id):
        raise UsageError(
            f"--run-id {args.run_id!r}: a run id is 4 to 32 lower-case letters and digits, "
            "as printed by the run ('[loadscim] run <id>: ...') and in its report"
        )
    url = check_target_url(args.target)
    credentials = auth.from_options(args)
    settings = http.settings_from_options(args)
    auth.protect(credentials.secrets)
    if settings.insecure and url.lower().startswith("https:"):
        sys.stderr.write(http.insecure_warning(url) + "\n")
    transport = http.HttpTransport(
        url, timeout=settings.timeout or http.DEFAULT_TIMEOUT_S, context=settings.context()
    )
    try:
        return run_command(
            url, args.run_id, credentials.headers(), transport=transport, dry_run=args.dry_run
        )
    finally:
        transport.close()


def _run_locust(command: list[str], workers: Sequence[list[str]] = ()) -> int:
    """Run Locust in its own session; forward Ctrl-C / SIGTERM once each; read the verdict.

    ``workers``: the command lines of local worker processes to start next to it.
    """
    fd, verdict_path = tempfile.mkstemp(prefix="loadscim-verdict-")
    os.close(fd)
    os.unlink(verdict_path)
    env = dict(os.environ, **{VERDICT_FILE_ENV: verdict_path, QUIET_ENV: "1", VIA_RUN_ENV: "1"})
    child = subprocess.Popen(command, env=env, start_new_session=True)
    local = contextlib.ExitStack()
    if workers:
        worker_env = {k: v for k, v in env.items() if k != VERDICT_FILE_ENV}
        local.enter_context(distributed.local_workers(list(workers), worker_env))
    signals_seen: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        signals_seen.append(signum)
        if len(signals_seen) == 1:
            sys.stderr.write(
                "\n[loadscim] stopping: cleaning up and judging what was seen "
                "(press Ctrl-C twice more to kill)\n"
            )
            child.send_signal(signal.SIGTERM)
        elif len(signals_seen) >= 3:
            child.kill()

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with local:
            code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    try:
        status = Path(verdict_path).read_text().strip()
    except OSError:
        status = ""
    finally:
        with contextlib.suppress(OSError):
            os.unlink(verdict_path)
    if status:
        return code
    if code == EXIT_ERROR:
        return EXIT_ERROR  # the child already said why, in one line
    sys.stderr.write(
        f"loadscim: error: the scenario did not run to a verdict (locust exited with code "
        f"{code}); see the messages above\n"
    )
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())

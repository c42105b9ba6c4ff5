"""The ``loadscim`` command: run | serve | check | report | cleanup.

This is the only module that knows both the harness and the embedded target. ``run`` starts
the embedded target (unless ``--target`` is given) and runs the scenario headless through
Locust in a child process, so that ``loadscim run`` and plain ``locust -f`` share every code
path, verdict and exit code: 0 PASS, 1 FAIL, 2 UNKNOWN, 3 ERROR.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from loadscim import auth, baseline, distributed, http, options
from loadscim.cleanup import run_command
from loadscim.config import load_gate
from loadscim.errors import EXIT_ERROR, LoadscimError, UsageError, one_line
from loadscim.history import check_history
from loadscim.options import check_target_url, resolve_scenario
from loadscim.report import check_writable, render_text, write_reports
from loadscim.report.json import from_json
from loadscim.scim.namespace import new_run_id, valid_run_id
from loadscim.target.process import EmbeddedTarget
from loadscim.verdict import evaluate

DEFAULT_SCENARIO = "lifecycle"


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
    options.add_run_options(run)
    options.add_report_options(run)
    run.epilog = "Options after -- go to locust and the scenario (e.g. -- --shape spike)."
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
    options.add_run_options(clean, groups=("credentials", "connection"))

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
    check.add_argument(
        "--checkers",
        action="append",
        default=[],
        metavar="FILE.py",
        help="import this file first for the user-written checkers it registers "
        "(@loadscim.checker; the scenario itself, say; repeatable)",
    )

    report = sub.add_parser(
        "report",
        help="render a saved summary (--json) again",
        description="Render a summary saved by `loadscim run --json FILE` again, optionally "
        "judged against another gate. Exit code: the verdict's (0 PASS, 1 FAIL, 2 UNKNOWN), "
        "3 when the summary cannot be read.",
    )
    report.add_argument("summary", metavar="SUMMARY.json", help="file written by --json")
    options.add_report_options(report)
    report.add_argument(
        "--text", action="store_true", help="print the text report (the default with no output)"
    )
    report.add_argument(
        "--gate", default="", metavar="FILE", help="judge the run again against this gate file"
    )
    report.add_argument(
        "--baseline", default="", metavar="FILE",
        help="summary of an earlier run that the gate's relative lines compare with",
    )
    return parser


def _report_paths(args: argparse.Namespace) -> dict[str, str]:
    """Requested report files by :func:`loadscim.report.write_reports` keyword, checked
    writable."""
    paths = {}
    for report in options.REPORTS:
        path = getattr(args, report.key, "")
        if path:
            check_writable(report.flag, path)
            paths[report.key] = path
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        # Imported here: the target's libraries (scim2-server) are not needed by the rest.
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
            code, text = check_history(args.history, args.checker, args.checkers)
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

def _check_scenario_compiles(path: Path) -> None:
    try:
        compile(path.read_bytes(), str(path), "exec")
    except SyntaxError as e:
        raise UsageError(
            f"scenario {path}: line {e.lineno}: {e.msg}; fix the Python syntax of the file"
        ) from None


def run(args: argparse.Namespace) -> int:
    """``loadscim run``: validate everything, start the target if needed, run Locust."""
    scenario = resolve_scenario(args.scenario)
    _check_scenario_compiles(scenario)
    # Options after -- that loadscim knows reach Locust last (so they win): check them too.
    extra = _Parser(prog="loadscim run ... --", add_help=False)
    options.add_locust_options(extra)
    merged, _ = extra.parse_known_args(args.locust_args, namespace=copy.copy(args))
    opts = options.validate(merged, via="run")
    opts.run_id = opts.run_id or new_run_id()
    if opts.check:
        sys.stdout.write(
            f"loadscim: check: options, {opts.credentials.describe()}, "
            f"{'gate file ' + opts.gate if opts.gate else 'the default gate'} and scenario "
            f"{scenario.stem} are valid; nothing was sent\n"
        )
        return 0

    with contextlib.ExitStack() as stack:
        if not opts.target:
            credentials = opts.credentials
            token = credentials.secrets[0] if credentials.scheme == "bearer" else None
            target = stack.enter_context(
                EmbeddedTarget(faults=opts.target_fault, token=token, seed=opts.seed)
            )
            opts.target = str(target.url)
            faults = f" with faults {', '.join(opts.target_fault)}" if opts.target_fault else ""
            sys.stderr.write(f"[loadscim] embedded target at {opts.target}{faults}\n")
        sys.stderr.write(
            f"[loadscim] run {opts.run_id}: {scenario.stem}, {opts.users} users, "
            f"{opts.duration}s\n"
        )
        sys.stderr.flush()
        command = [sys.executable, "-m", "locust", "-f", str(scenario), "--headless"]
        command += ["--only-summary", "--loglevel", "WARNING"]
        # Credentials travel by environment or file, never on this command line.
        command += opts.locust_argv() + list(args.locust_args)
        workers: list[list[str]] = []
        if distributed.is_distributed(opts):
            port = opts.master_port or (
                distributed.free_port() if opts.workers > 1 else distributed.DEFAULT_MASTER_PORT
            )
            command += distributed.master_arguments(opts, port)
            forwarded = options.forward(opts, distributed.WORKER_GROUPS)
            workers = [
                distributed.worker_command(scenario, "127.0.0.1", port, opts.target, forwarded)
                for _ in range(opts.workers if opts.workers > 1 else 0)
            ]
            sys.stderr.write(
                f"[loadscim] master of {opts.expect_workers or opts.workers} workers "
                f"on port {port}\n"
            )
        return _run_locust(command, workers)
    return EXIT_ERROR  # pragma: no cover  (the with-block returns)


# -- report --------------------------------------------------------------------------


def report(args: argparse.Namespace) -> int:
    """``loadscim report``: render a saved summary again; the verdict's exit code."""
    path = Path(args.summary)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(
            f"{args.summary}: cannot read it ({e.strerror or e}); give the file "
            "written by `loadscim run --json FILE`"
        ) from None
    summary, verdict = from_json(data, str(args.summary))
    if args.baseline and not args.gate:
        raise UsageError(
            "--baseline: a saved summary is judged against a baseline only with --gate (a "
            "gate with lines such as 'p99 < 1.2 * baseline'); add --gate FILE"
        )
    if args.gate:
        gate = baseline.resolve(load_gate(options.resolve_gate(args.gate)), args.baseline)
        verdict = evaluate(gate, summary)
    outputs = _report_paths(args)
    written = write_reports(summary, verdict, **outputs, option_names=options.report_names("run"))
    if args.text or not outputs:
        sys.stdout.write(render_text(summary, verdict))
    for path_written in written:
        sys.stderr.write(f"[loadscim] wrote {path_written}\n")
    return verdict.exit_code


def cleanup(args: argparse.Namespace) -> int:
    """``loadscim cleanup``: validate, pre-flight, then sweep the run's namespace."""
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
    env = dict(os.environ)
    env.update({options.VERDICT_FILE_ENV: verdict_path, options.QUIET_ENV: "1"})
    env[options.VIA_RUN_ENV] = "1"
    child = subprocess.Popen(command, env=env, start_new_session=True)
    local = contextlib.ExitStack()
    if workers:
        worker_env = {k: v for k, v in env.items() if k != options.VERDICT_FILE_ENV}
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

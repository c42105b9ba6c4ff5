"""Distributed runs from the command line: ``loadscim run --workers N``, ``--expect-workers N``
and ``loadscim worker``.

Locust's own master/worker mode (ZeroMQ) does the distribution. ``loadscim run`` becomes the
master when it is given ``--workers N`` (it starts N local worker processes itself, so one
command uses every core) or ``--expect-workers N`` (N workers started elsewhere: containers,
other machines, ``loadscim worker``). What the master does with the workers' reports (waiting
for every final one, judging a lost worker) is :mod:`loadscim.harness.workers`' business; this
module only builds command lines and minds local processes. It does not import Locust.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from loadscim import auth, http
from loadscim.errors import UsageError

DEFAULT_MASTER_PORT = 5557
DEFAULT_REPORT_TIMEOUT_S = 60.0


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """``loadscim run``'s options for a distributed run."""
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N local Locust worker processes and a master (default 1: one process)",
    )
    parser.add_argument(
        "--expect-workers",
        type=int,
        default=0,
        metavar="N",
        help="be the master of N workers started elsewhere (`loadscim worker`)",
    )
    parser.add_argument(
        "--master-bind-host",
        default="",
        metavar="ADDR",
        help="with --expect-workers: address the master listens on (default: all)",
    )
    parser.add_argument(
        "--master-port",
        type=int,
        default=0,
        metavar="PORT",
        help=f"with --expect-workers: the master's port (default {DEFAULT_MASTER_PORT}); "
        "with --workers: a free one",
    )
    parser.add_argument(
        "--worker-report-timeout",
        type=float,
        default=DEFAULT_REPORT_TIMEOUT_S,
        metavar="SECONDS",
        help="how long the master waits for each worker's final report (reconciliation, "
        f"cleanup) at the end (default {DEFAULT_REPORT_TIMEOUT_S:g})",
    )


def add_worker_parser(sub: argparse._SubParsersAction) -> None:
    worker = sub.add_parser(
        "worker",
        help="be a worker of a distributed run (`loadscim run --expect-workers N`)",
        description="Run a scenario's users for a master started with `loadscim run "
        "--expect-workers N`. The worker reads its own credentials and pre-flights the "
        "target itself; the master decides users, duration and verdict.",
    )
    worker.add_argument("scenario", nargs="?", default="lifecycle", help="scenario name or file")
    worker.add_argument(
        "--master-host", default="127.0.0.1", metavar="HOST", help="the master (127.0.0.1)"
    )
    worker.add_argument(
        "--master-port",
        type=int,
        default=DEFAULT_MASTER_PORT,
        metavar="PORT",
        help=f"the master's port (default {DEFAULT_MASTER_PORT})",
    )
    worker.add_argument(
        "--target",
        default="",
        metavar="URL",
        help="SCIM base URL to pre-flight before joining (default: the master's, at the start)",
    )
    auth.add_options(worker)
    http.add_options(worker)


def check_run_options(args: argparse.Namespace) -> None:
    """One-line UsageErrors for the distributed options of ``loadscim run``."""
    if not 1 <= args.workers <= 512:
        raise UsageError(
            f"--workers {args.workers}: from 1 to 512 worker processes; write e.g. "
            f"--workers {os.cpu_count() or 2}"
        )
    if args.expect_workers < 0:
        raise UsageError(f"--expect-workers {args.expect_workers}: write e.g. --expect-workers 2")
    if args.expect_workers and args.workers > 1:
        raise UsageError(
            "--workers starts local workers, --expect-workers waits for workers started "
            "elsewhere; give one of them"
        )
    if not 0 <= args.master_port <= 65535:
        raise UsageError(f"--master-port {args.master_port}: a port is from 1 to 65535")
    timeout = args.worker_report_timeout
    if not (timeout == timeout and 0 < timeout <= 86400):  # NaN fails the first test
        raise UsageError(
            f"--worker-report-timeout {timeout:g}: seconds above 0; write e.g. "
            "--worker-report-timeout 60"
        )


def is_distributed(args: argparse.Namespace) -> bool:
    return args.workers > 1 or args.expect_workers > 0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def master_arguments(args: argparse.Namespace, port: int) -> list[str]:
    """Locust's options for the master of this run."""
    workers = args.expect_workers or args.workers
    bind = args.master_bind_host or ("127.0.0.1" if args.workers > 1 else "*")
    return [
        "--master",
        "--expect-workers",
        str(workers),
        "--master-bind-host",
        bind,
        "--master-bind-port",
        str(port),
        "--worker-report-timeout",
        f"{args.worker_report_timeout:g}",
    ]


def worker_command(
    scenario: Path, master_host: str, master_port: int, target: str, forwarded: list[str]
) -> list[str]:
    """The Locust command line of one worker (credentials by environment or file only)."""
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(scenario),
        "--worker",
        "--master-host",
        master_host,
        "--master-port",
        str(master_port),
        "--loglevel",
        "WARNING",
    ]
    if target:
        command += ["--host", target]
    return command + forwarded


@contextlib.contextmanager
def local_workers(
    commands: list[list[str]], env: dict[str, str]
) -> Iterator[list[subprocess.Popen]]:
    """Start the worker processes; at the end wait for them (they quit with the master),
    then stop any left (SIGTERM, then SIGKILL)."""
    procs = [subprocess.Popen(c, env=env, start_new_session=True) for c in commands]
    try:
        yield procs
    finally:
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def worker(args: argparse.Namespace) -> int:
    """``loadscim worker``: run Locust as a worker of a master."""
    from loadscim.cli import check_target_url, resolve_scenario

    scenario = resolve_scenario(args.scenario)
    if not 1 <= args.master_port <= 65535:
        raise UsageError(f"--master-port {args.master_port}: a port is from 1 to 65535")
    target = check_target_url(args.target) if args.target else ""
    auth.from_options(args)  # fail here, in one line, before Locust starts
    settings = http.settings_from_options(args)
    command = worker_command(
        scenario,
        args.master_host,
        args.master_port,
        target,
        auth.forward_options(args) + settings.forward_options() + list(args.locust_args),
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # signals reach Locust itself (PID 1 in a container)

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
from typing import Any

from loadscim import auth, http, options
from loadscim.errors import UsageError

DEFAULT_MASTER_PORT = 5557
WORKER_OWN = ("credentials", "connection")
"""The options a worker reads itself (:mod:`loadscim.options` groups); it adopts the master's
others when the run starts (:func:`loadscim.options.adopt`)."""
WORKER_GROUPS = (*WORKER_OWN, "bodies")
"""The options ``loadscim run --workers N`` gives its local workers on their command line:
their own, and the bodies their write pre-flight sends (--dialect, the templates)."""


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
    options.add_run_options(worker, groups=("credentials", "connection"))


def is_distributed(args: Any) -> bool:
    return args.workers > 1 or args.expect_workers > 0


LOCAL_WORKERS_MAX_WAIT = 120
"""Seconds the master of ``--workers N`` waits for its local workers to connect."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def master_arguments(args: Any, port: int) -> list[str]:
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
        # Workers this command starts itself: one that dies before it connects must not leave
        # the master waiting for ever (Locust's default); workers started elsewhere (containers,
        # pods pulling images) may take as long as they need.
        *(["--expect-workers-max-wait", str(LOCAL_WORKERS_MAX_WAIT)] if args.workers > 1 else []),
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
    scenario = options.resolve_scenario(args.scenario)
    if not 1 <= args.master_port <= 65535:
        raise UsageError(f"--master-port {args.master_port}: a port is from 1 to 65535")
    target = options.check_target_url(args.target) if args.target else ""
    auth.from_options(args)  # fail here, in one line, before Locust starts
    http.settings_from_options(args)
    command = worker_command(
        scenario,
        args.master_host,
        args.master_port,
        target,
        options.forward(args, WORKER_GROUPS) + list(args.locust_args),
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # signals reach Locust itself (PID 1 in a container)

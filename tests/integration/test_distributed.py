"""Distributed runs: Locust's own master and workers; loadscim merges and judges on the master."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from runs import ROOT, count, verdict_line

from loadscim.target.process import EmbeddedTarget

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("fault", ["", "lost-update"])
def test_master_and_two_workers(fault):
    faults = [fault] if fault else []
    port = str(free_port())
    with EmbeddedTarget(faults=faults) as target:
        locust = [sys.executable, "-m", "locust", "-f", "scenarios/racing_patch.py"]
        workers = [
            subprocess.Popen(
                [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", port],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            master = subprocess.run(
                [
                    *locust,
                    "--master",
                    "--master-bind-host",
                    "127.0.0.1",
                    "--master-bind-port",
                    port,
                    "--expect-workers",
                    "2",
                    "--headless",
                    "-u",
                    "4",
                    "-r",
                    "4",
                    "-t",
                    "8s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    target.url,
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            for worker in workers:
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
        output = master.stdout + master.stderr
        line = verdict_line(master.stdout)
        if fault:
            assert master.returncode == 1, output
            assert line.startswith("verdict: FAIL") and "lost_update" in line
        else:
            assert master.returncode == 0, output
            assert line.startswith("verdict: PASS")
        # both workers' measurements reached the master
        assert output.count("cleanup: removed") == 2, output
        assert count(target.url, "Users") == 0
        assert count(target.url, "Groups") == 0

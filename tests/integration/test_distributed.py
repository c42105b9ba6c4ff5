"""Distributed runs: Locust's own master and workers; loadscim merges and judges on the master."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest
from runs import ROOT, count, verdict_line, wait_for_load

from loadscim.target.process import EmbeddedTarget

# One distributed run at a time (on one pytest-xdist worker, scripts/test.sh: --dist
# loadgroup): two at once, on a busy machine, left a master waiting for a killed worker.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("distributed")]


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


# -- the master judges only complete evidence (issue 11) ------------------------------------

TOKEN = "d1str1buted-t0ken"


def start_run(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`loadscim run ARGS` in the background (stdout and stderr as text)."""
    return subprocess.Popen(
        [sys.executable, "-m", "loadscim.cli", "run", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def start_worker(port: str, target: str, env: dict[str, str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "loadscim.cli", "worker", "lifecycle", "--master-port", port,
         "--target", target, *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def local_workers(run: subprocess.Popen, n: int, timeout: float = 30) -> list[psutil.Process]:
    """The worker processes `loadscim run --workers N` started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            p for p in psutil.Process(run.pid).children(recursive=True)
            if "--worker" in p.cmdline()
        ]
        if len(found) == n:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{n} workers did not start")


def finish(run: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str]:
    try:
        out, err = run.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Locust runs in a session of its own: kill it too, or it keeps the pipes open.
        for child in psutil.Process(run.pid).children(recursive=True):
            child.kill()
        run.kill()
        out, err = run.communicate()
    return run.returncode, out, err


def assert_nothing_left(url: str, token: str | None = None) -> None:
    assert count(url, "Users", token) == 0
    assert count(url, "Groups", token) == 0


def run_two_workers(scenario: str = "lifecycle", faults: tuple[str, ...] = ()) -> tuple:
    args = [scenario, "--workers", "2", "--users", "4", "--duration", "5s"]
    for fault in faults:
        args += ["--target-fault", fault]
    return finish(start_run(*args))


@pytest.mark.parametrize("attempt", range(1, 4))
def test_workers_2_lifecycle_judges_after_every_final_report(attempt: int):
    """Three runs, none may misjudge; the module's other runs with workers (plain Locust, a
    load shape, a fault, a history, 4 workers) judge after every final report too."""
    code, out, err = run_two_workers()
    assert code == 0, out + err
    assert verdict_line(out).startswith("verdict: PASS")
    assert "reconcile" in out and "2 trials" in out.split("reconcile", 1)[1].splitlines()[0]
    assert out.count("- cleanup: removed") == 2, out


def test_workers_2_with_a_load_shape_judge_after_every_final_report():
    """deprovision_storm has a load shape (flat): Locust's shape greenlet ends the run. The
    master still waits for each worker's final report; it used not to, and swept the
    workers' names while their storms still paged them (a false wrong-total, UNKNOWN)."""
    code, out, err = run_two_workers("deprovision_storm")
    assert "sent no final report" not in err, out + err
    assert code == 0 and verdict_line(out).startswith("verdict: PASS"), out + err
    assert out.count("- cleanup: removed") == 2, out


def test_workers_2_with_a_fault_fail():
    code, out, err = run_two_workers("racing_patch", ("lost-update",))
    assert code == 1, out + err
    assert verdict_line(out).startswith("verdict: FAIL") and "lost_update" in verdict_line(out)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_worker_killed_mid_run_makes_it_unknown_and_its_names_are_swept(sig):
    with EmbeddedTarget() as target:
        run = start_run("lifecycle", "--target", target.url, "--workers", "2", "--users", "4",
                        "--duration", "10s")
        workers = local_workers(run, 2)
        wait_for_load(target.url)
        time.sleep(3)
        workers[0].send_signal(sig)
        code, out, err = finish(run)
        line = verdict_line(out)
        assert code == 2, out + err
        assert line.startswith("verdict: UNKNOWN") and "worker" in line, line
        if sig == signal.SIGKILL:
            assert "lost (no heartbeat)" in line or "quit before its final report" in line, line
        else:
            assert "quit on a signal" in line, line
        assert "cleanup of worker" in out, out
        assert_nothing_left(target.url)


def test_the_only_worker_killed_makes_it_unknown():
    port = str(free_port())
    with EmbeddedTarget(token=TOKEN) as target:
        env = {"LOADSCIM_TOKEN": TOKEN}
        run = start_run("lifecycle", "--target", target.url, "--expect-workers", "1",
                        "--master-bind-host", "127.0.0.1", "--master-port", port,
                        "--users", "3", "--duration", "20s", env=env)
        worker = start_worker(port, target.url, env)
        try:
            wait_for_load(target.url, token=TOKEN)
            time.sleep(3)
            for child in psutil.Process(worker.pid).children(recursive=True):
                child.kill()
            worker.kill()
            code, out, err = finish(run)
        finally:
            worker.kill()
            worker.wait()
        line = verdict_line(out)
        assert code == 2, out + err
        assert line.startswith("verdict: UNKNOWN") and "worker 0" in line, line
        assert "cleanup of worker 0" in out, out
        assert_nothing_left(target.url, TOKEN)


def test_a_worker_with_a_wrong_token_stops_the_run_with_exit_3():
    port = str(free_port())
    with EmbeddedTarget(token=TOKEN) as target:
        run = start_run("lifecycle", "--target", target.url, "--expect-workers", "2",
                        "--master-bind-host", "127.0.0.1", "--master-port", port,
                        "--users", "4", "--duration", "10s", env={"LOADSCIM_TOKEN": TOKEN})
        good = start_worker(port, target.url, {"LOADSCIM_TOKEN": TOKEN})
        bad = start_worker(port, target.url, {"LOADSCIM_TOKEN": "wrong-token"})
        try:
            code, out, err = finish(run, timeout=120)
            assert bad.wait(timeout=60) == 3
        finally:
            for worker in (good, bad):
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
        assert code == 3, out + err
        assert "loadscim: error: worker" in err and "401" in err, err
        assert "Traceback" not in err
        assert_nothing_left(target.url, TOKEN)


def test_workers_ship_one_history_that_check_rejudges(tmp_path):
    history = tmp_path / "history.jsonl"
    code, out, err = finish(start_run("lifecycle", "--workers", "2", "--users", "4",
                                      "--duration", "5s", "--history", str(history)))
    assert code == 0, out + err
    trials = int(out.split("read_your_writes", 1)[1].split("trials")[0])
    check = subprocess.run([sys.executable, "-m", "loadscim.cli", "check", str(history)],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"read_your_writes {trials:>8} trials" in " ".join(check.stdout.split()) or (
        str(trials) in check.stdout.split("read_your_writes", 1)[1].splitlines()[0]
    ), check.stdout


def test_master_and_4_workers_merge_percentiles_exactly_and_trials_add_up(tmp_path):
    """The master's p50/p95/p99 of all requests equal those of every worker's raw samples
    (each worker dumps them in a test mode) within HdrHistogram's 0.1%."""
    raw = tmp_path / "raw"
    raw.mkdir()
    summary_path, history = tmp_path / "summary.json", tmp_path / "history.jsonl"
    code, out, err = finish(start_run(
        "lifecycle", "--workers", "4", "--users", "8", "--duration", "6s",
        "--json", str(summary_path), "--history", str(history),
        env={"LOADSCIM_RAW_SAMPLES_DIR": str(raw)}), timeout=240)
    assert code in (0, 2), out + err  # 2: 4 workers on a small machine may saturate the CPU
    files = sorted(raw.glob("raw-*.txt"))
    assert len(files) == 4, files
    samples = sorted(int(v) for f in files for v in f.read_text().split())
    summary = json.loads(summary_path.read_text())
    merged = summary["endpoints"]["*"]
    assert merged["requests"] == len(samples)
    for pct in (50, 95, 99):
        # HdrHistogram's rank of a percentile: the nearest integer to pct% of the count
        rank = max(1, int(pct / 100 * len(samples) + 0.5))
        exact = samples[rank - 1]
        got = merged["latency_us"][f"p{pct}"]
        assert abs(got - exact) <= max(1, exact / 1000), (pct, got, exact)
    assert merged["latency_us"]["max"] >= samples[-1] >= merged["latency_us"]["max"] * 0.999
    # The 5 s windows of the four workers add up on the master to every request.
    assert sum(w["requests"] for w in summary["extra"]["windows"]) == len(samples)
    # Trial counts add up: the checker's count on the master is every worker's trials, and
    # the one history the master wrote holds each of them (4 reconciliations among them).
    written = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    for checker in ("read_your_writes", "reconcile"):
        judged = summary["checkers"][checker]["trials"]
        assert judged == sum(1 for t in written if checker in t["checks"]), checker
    assert summary["checkers"]["reconcile"]["trials"] == 4


def test_a_lost_workers_leftovers_are_counted_with_no_cleanup_and_the_command_removes_them():
    with EmbeddedTarget() as target:
        run = start_run("lifecycle", "--target", target.url, "--workers", "2", "--users", "4",
                        "--duration", "8s", "--no-cleanup")
        workers = local_workers(run, 2)
        wait_for_load(target.url)
        time.sleep(3)
        workers[1].kill()
        code, out, err = finish(run)
        assert code == 2, out + err
        notes = " ".join(out.split())
        match = re.search(r"cleanup of worker \d \([^)]*\): --no-cleanup, (\d+) of its "
                          r"resources remain; remove them with `([^`]*)`", notes)
        assert match, out
        assert int(match.group(1)) > 0
        command = match.group(2).split()
        assert command[:2] == ["loadscim", "cleanup"] and target.url in command
        assert count(target.url, "Users") >= int(match.group(1))
        cleanup = subprocess.run([sys.executable, "-m", "loadscim.cli", *command[1:]], cwd=ROOT,
                                 capture_output=True, text=True, timeout=120)
        assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
        assert_nothing_left(target.url)

"""`loadscim run` end to end: real embedded target, real Locust, real HTTP on 127.0.0.1."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from runs import ROOT, count, loadscim, locust, verdict_line, wait_for_load

from loadscim.target.process import EmbeddedTarget

pytestmark = pytest.mark.integration


def test_clean_target_passes_and_is_left_empty():
    with EmbeddedTarget() as target:
        result = loadscim("run", "--target", target.url, "--duration", "6s", "--users", "5")
        assert result.returncode == 0, result.stdout + result.stderr
        assert verdict_line(result.stdout).startswith("verdict: PASS")
        assert "read_your_writes" in result.stdout and "reconcile" in result.stdout
        assert "POST /Users" in result.stdout and "PATCH /Users/{id}" in result.stdout
        assert "[loadscim]" in result.stderr  # progress while running
        assert count(target.url, "Users") == 0
        assert count(target.url, "Groups") == 0


def test_error_rate_fails_with_failures_per_endpoint():
    result = loadscim("run", "--target-fault", "error-rate=0.2", "--duration", "6s", "--users", "5")
    assert result.returncode == 1, result.stdout + result.stderr
    line = verdict_line(result.stdout)
    assert line.startswith("verdict: FAIL") and "errors rate < 1%" in line
    rows = [
        r.split()
        for r in result.stdout.splitlines()
        if r.startswith(("POST /Users ", "GET /Users/{id} "))
    ]
    assert rows and all(int(r[3]) > 0 for r in rows), result.stdout  # failures column


def test_latency_gate_breach_shows_observed_and_limit(tmp_path):
    gate = tmp_path / "gate.toml"
    gate.write_text(
        'min_samples = 5\n[latency]\n"POST /Users" = ["p95 < 100ms"]\n"*" = "p50 < 100ms"\n'
    )
    result = loadscim(
        "run", "--target-fault", "latency=300", "--gate", str(gate), "--duration", "6s",
        "--users", "4",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert '"POST /Users" p95 < 100ms' in verdict_line(result.stdout)
    breached = [r for r in result.stdout.splitlines() if "FAIL" in r and "p95 < 100ms" in r]
    assert breached and "observed" in breached[0] and "limit" in breached[0]


def test_no_server_at_target_is_one_line_exit_3():
    result = loadscim("run", "--target", "http://127.0.0.1:1/", "--duration", "5s")
    assert result.returncode == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("loadscim: error:")]
    assert len(errors) == 1 and "connection refused" in errors[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_gate_file_is_one_line_naming_file_line_and_fix(tmp_path):
    gate = tmp_path / "ci.toml"
    gate.write_text('[latency]\n"POST /Users" = "p95 < 300"\n')
    result = loadscim("run", "--gate", str(gate))
    assert result.returncode == 3
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert str(gate) in result.stderr and '"POST /Users"' in result.stderr
    assert "write 'p95 < 300ms'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--duration", "soon"], "--duration 'soon'"),
        (["--users", "0"], "--users 0"),
        (["no_such_scenario"], "known scenarios: "),
        (["--run-id", "Bad Id"], "--run-id"),
        (["--target", "ftp://x"], "--target 'ftp://x'"),
        (["--target-fault", "latency=abc"], "latency takes milliseconds"),
        (["--frobnicate"], "unrecognized arguments"),
        (["--dialect", "okta2"], "--dialect 'okta2': no such dialect; use one of rfc, okta"),
    ],
)
def test_bad_options_are_one_line_exit_3(args, words):
    result = loadscim("run", *args)
    assert result.returncode == 3, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_plain_locust_gives_the_same_verdict_and_exit_code():
    with EmbeddedTarget() as target:
        result = locust(
            "-f", "scenarios/lifecycle.py", "--headless", "-u", "3", "-r", "3", "-t", "5s",
            "--host", target.url, "--gate", "gates/ci.toml",
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert verdict_line(result.stdout).startswith("verdict: PASS")
        assert count(target.url, "Users") == 0


def test_plain_locust_exit_code_1_on_breach():
    with EmbeddedTarget(faults=["error-rate=0.3"]) as target:
        result = locust(
            "-f", "scenarios/lifecycle.py", "--headless", "-u", "3", "-r", "3", "-t", "5s",
            "--host", target.url,
        )
        assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
        assert verdict_line(result.stdout).startswith("verdict: FAIL")


def test_ctrl_c_cleans_up_and_still_judges():
    with EmbeddedTarget() as target:
        process = subprocess.Popen(
            [sys.executable, "-m", "loadscim.cli", "run", "--target", target.url,
             "--duration", "60s", "--users", "5"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        wait_for_load(target.url)
        time.sleep(2)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode in (0, 2), stdout + stderr
        assert "cleanup: removed" in stdout
        assert verdict_line(stdout)
        assert count(target.url, "Users") == 0

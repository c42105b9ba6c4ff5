"""loadscim in Locust's web UI: its tabs carry exact latency and checks; a live report."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from browser import FLAGS, Trap, chromium_or_skip
from runs import ROOT, verdict_line

from loadscim.target.process import EmbeddedTarget

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def tab_rows(base: str, key: str) -> list[dict]:
    stats = json.loads(fetch(f"{base}/stats/requests"))
    tables = {t["key"]: t["data"] for t in stats.get("extended_stats", [])}
    return tables.get(key, [])


def test_web_ui_tabs_and_live_report(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with EmbeddedTarget(faults=["lost-update"]) as target:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                "scenarios/racing_patch.py",
                "--web-host",
                "127.0.0.1",
                "--web-port",
                str(port),
                "--autostart",
                "-u",
                "2",
                "-r",
                "2",
                "-t",
                "20s",
                "--autoquit",
                "1",
                "--host",
                target.url,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 15
            checks: list[dict] = []
            while time.monotonic() < deadline:
                time.sleep(1)
                try:
                    checks = tab_rows(base, "loadscim-checks")
                except OSError:
                    continue
                if any(row["violations"] > 0 for row in checks):
                    break
            lost = [row for row in checks if row["checker"] == "lost_update"]
            assert lost and lost[0]["violations"] > 0 and lost[0]["status"] == "FAIL", checks
            assert "lost-member" in lost[0]["kinds"]
            assert "lost-member members: " in lost[0]["findings"]
            latency = {row["name"]: row for row in tab_rows(base, "loadscim-latency")}
            assert latency["*"]["requests"] > 0 and float(latency["*"]["p99"]) > 0
            assert "PATCH /Groups/{id}" in latency
            page = fetch(f"{base}/loadscim/report").decode()
            assert 'id="latency-chart"' in page and "lost_update" in page

            executable = chromium_or_skip()
            trap = Trap()
            try:
                shot = tmp_path / "tab.png"
                # The trap catches every request but those to the web UI itself.
                flags = [f for f in FLAGS if not f.startswith("--proxy-bypass-list")]
                common = [
                    executable,
                    *flags,
                    f"--proxy-server=http://127.0.0.1:{trap.port}",
                    f"--proxy-bypass-list=127.0.0.1:{port}",
                    "--virtual-time-budget=5000",
                ]
                dom = subprocess.run(
                    [
                        *common,
                        f"--user-data-dir={tmp_path / 'p1'}",
                        "--dump-dom",
                        f"{base}/?tab=loadscim-checks",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                subprocess.run(
                    [
                        *common,
                        f"--user-data-dir={tmp_path / 'p2'}",
                        f"--screenshot={shot}",
                        "--window-size=1400,900",
                        f"{base}/?tab=loadscim-latency",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            finally:
                trap.close()
            assert "lost_update" in dom.stdout and "loadscim checks" in dom.stdout.lower()
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        finally:
            stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 1, stdout[-2000:] + stderr[-2000:]
        assert verdict_line(stdout).startswith("verdict: FAIL")


def test_the_start_form_shows_loadscim_options_and_checks_them_as_the_command_line(tmp_path):
    """The web UI's start form has the options loadscim marks for it (not the credential
    ones); a value the command line refuses is refused there too: one line, no test runs."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with EmbeddedTarget() as target:
        process = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", "scenarios/racing_patch.py", "--web-host",
             "127.0.0.1", "--web-port", str(port), "--host", target.url],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            page = ""
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not page:
                try:
                    page = fetch(f"{base}/").decode()
                except OSError:
                    time.sleep(0.3)
            assert "fan_out" in page and "pace" in page and "token_env" not in page
            form = {"user_count": "1", "spawn_rate": "1", "host": target.url, "pace": "20000"}
            urllib.request.urlopen(
                f"{base}/swarm", data=urllib.parse.urlencode(form).encode(), timeout=10
            ).read()
            state = ""
            while time.monotonic() < deadline + 10 and state != "stopped":
                time.sleep(0.5)
                state = json.loads(fetch(f"{base}/stats/requests"))["state"]
            assert state == "stopped"
        finally:
            process.terminate()
            _, err = process.communicate(timeout=60)
        assert "loadscim: error: --pace 20000: must be from 0 to 10000" in err, err[-2000:]

"""loadscim in Locust's web UI: its tabs carry exact latency and checks; a live report."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
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

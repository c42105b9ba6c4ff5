"""loadscim in Locust's web UI: its tabs carry exact latency and checks; a live report."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

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


def post(url: str, form: dict[str, str] | None = None) -> dict:
    data = urllib.parse.urlencode(form or {}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as response:
        body = response.read()
    try:
        return json.loads(body)
    except ValueError:
        return {"body": body.decode()}


def tab_rows(base: str, key: str) -> list[dict]:
    stats = json.loads(fetch(f"{base}/stats/requests"))
    tables = {t["key"]: t["data"] for t in stats.get("extended_stats", [])}
    return tables.get(key, [])


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def chromium_dom(base: str, port: int, tmp_path: Path, path: str, *args: str) -> str:
    """The web UI page at ``path`` rendered by headless Chromium (its DOM, or a screenshot
    with ``--screenshot=FILE``); nothing but the web UI is reachable."""
    executable = chromium_or_skip()
    trap = Trap()
    try:
        # The trap catches every request but those to the web UI itself.
        flags = [f for f in FLAGS if not f.startswith("--proxy-bypass-list")]
        result = subprocess.run(
            [executable, *flags, f"--proxy-server=http://127.0.0.1:{trap.port}",
             f"--proxy-bypass-list=127.0.0.1:{port}", "--virtual-time-budget=5000",
             f"--user-data-dir={tmp_path / ('p' + str(time.monotonic_ns()))}",
             *(args or ("--dump-dom",)), f"{base}{path}"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        trap.close()
    return result.stdout


class ChromiumPage:
    """A page in headless Chromium driven through the DevTools protocol (a websocket):
    evaluate JavaScript in it, as a user's clicks would act."""

    def __init__(self, url: str, web_port: int, profile: Path) -> None:
        websocket = pytest.importorskip("websocket")  # websocket-client, of the test extra
        executable = chromium_or_skip()
        self.trap = Trap()
        flags = [f for f in FLAGS if not f.startswith("--proxy-bypass-list")]
        self.process = subprocess.Popen(
            [executable, *flags, f"--proxy-server=http://127.0.0.1:{self.trap.port}",
             f"--proxy-bypass-list=127.0.0.1:{web_port}", "--remote-debugging-port=0",
             "--remote-allow-origins=*", f"--user-data-dir={profile}", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        active = profile / "DevToolsActivePort"
        assert wait_for(lambda: active.exists() and active.read_text().strip(), 30)
        port = int(active.read_text().split()[0])
        targets = json.loads(fetch(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True
        )
        self.calls = 0

    def evaluate(self, expression: str):
        self.calls += 1
        params = {"expression": expression, "returnByValue": True}
        self.ws.send(json.dumps({"id": self.calls, "method": "Runtime.evaluate", "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.calls:
                return message["result"]["result"].get("value")

    def fill_and_start(self, values: dict[str, str]) -> str:
        """Type ``values`` into the start form's fields (by name) and click its button."""
        script = (
            "(() => { const f = document.querySelector('form'); if (!f) return 'no form';"
            f" const values = {json.dumps(values)};"
            " for (const [k, v] of Object.entries(values)) {"
            "   const field = f.querySelector(`[name=\"${k}\"]`);"
            "   if (!field) return 'no field ' + k; field.value = v; }"
            " f.querySelector('button[type=submit]').click(); return 'clicked'; })()"
        )
        return str(self.evaluate(script))

    def text(self) -> str:
        return str(self.evaluate("document.body.innerText"))

    def close(self) -> None:
        self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        self.trap.close()


VERDICT = "loadscim-verdict"
GROUP_WINDOWS = {"PATCH /Groups/{id}", "GET /Groups/{id}"}


def test_run_started_from_the_form_turns_the_verdict_fail_and_resets(tmp_path):
    """No --host at launch; in headless Chromium the form gets the host, a scenario option
    and a gate, and a click starts the run (a bad host is refused in the form, on the
    page); the verdict tab turns FAIL against a target losing updates; Reset and a new run
    after Stop start loadscim's figures from zero."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with EmbeddedTarget(faults=["lost-update"]) as target:
        process = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", "scenarios/racing_patch.py",
             "--web-host", "127.0.0.1", "--web-port", str(port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert wait_for(lambda: fetch(base + "/"), 30), "the web UI did not start"
            page = fetch(base + "/").decode()
            for option in ('"gate"', '"baseline"', '"fan_out"', '"population"', '"dialect"'):
                assert option in page  # in the start form's extra options
            assert "/loadscim/report" in page and "loadscim verdict" in page
            form = {"user_count": "2", "spawn_rate": "2", "fan_out": "4", "gate": "ci"}

            # A user in Chromium: a host nothing listens on is refused in the form; then the
            # embedded target, fan-out 4 and the shipped gate "ci" start the first run.
            browser = ChromiumPage(base + "/", port, tmp_path / "cdp")
            try:
                assert wait_for(lambda: browser.evaluate("!!document.querySelector('form')"), 30)
                clicks = {"userCount": "2", "spawnRate": "2", "fanOut": "4", "gate": "ci"}
                dead = {**clicks, "host": "http://127.0.0.1:1/v2"}
                assert browser.fill_and_start(dead) == "clicked"
                assert wait_for(lambda: "connection refused" in browser.text(), 30)
                assert browser.fill_and_start({**clicks, "host": target.url}) == "clicked"
                # The gate typed in the form judges the run (gates/ci.toml: "*" p99 < 2s).
                assert wait_for(
                    lambda: '"*" p99 < 2s' in {r["line"] for r in tab_rows(base, VERDICT)}, 30
                )
            finally:
                browser.close()
            post(base + "/stop")
            assert wait_for(
                lambda: json.loads(fetch(base + "/stats/requests"))["state"] == "stopped", 30
            )

            refused = post(base + "/swarm", {**form, "host": "http://127.0.0.1:1/v2"})
            assert refused["success"] is False and "connection refused" in refused["message"]
            bad_gate = post(base + "/swarm", {**form, "host": target.url, "gate": "nosuch"})
            assert bad_gate["success"] is False
            assert bad_gate["message"].startswith("gate file nosuch: not found")
            assert "\n" not in refused["message"] + bad_gate["message"]

            def verdict() -> str:
                rows = tab_rows(base, "loadscim-verdict")
                return rows[0]["status"] if rows else ""

            def windows() -> set[str]:
                return {w["endpoint"] for w in tab_rows(base, "loadscim-over-time")}

            for run in (1, 2):
                started = post(base + "/swarm", {**form, "host": target.url})
                assert started["success"] is True, started
                assert wait_for(lambda: verdict() == "FAIL", 30), tab_rows(base, "loadscim-verdict")
                rows = tab_rows(base, "loadscim-verdict")
                assert rows[0]["line"].startswith("verdict: FAIL (")
                lines = {row["line"]: row["status"] for row in rows[1:]}
                assert lines["checker lost_update"] == "FAIL"
                assert '"*" p99 < 2s' in lines  # the gate given in the form (gates/ci.toml)
                banner = json.loads(fetch(base + "/loadscim/verdict"))  # what the banner shows
                assert banner[0]["status"] == "FAIL"
                # The verdict may turn FAIL on a user's If-Match race (racing_patch picks its
                # tasks at random) before any group race ran: wait for the groups' windows.
                assert wait_for(lambda: windows() >= GROUP_WINDOWS, 30), windows()
                if run == 1:
                    dom = chromium_dom(base, port, tmp_path, "/")
                    assert 'id="loadscim-verdict-line">verdict: FAIL (' in dom, dom[-3000:]
                post(base + "/stop")
                assert wait_for(
                    lambda: json.loads(fetch(base + "/stats/requests"))["state"] == "stopped", 30
                )
                assert post(base + "/stats/reset") == {"body": "ok"}
                latency = {r["name"]: r for r in tab_rows(base, "loadscim-latency")}
                assert all(r["requests"] == 0 for r in latency.values()), (run, latency)
                checks = tab_rows(base, "loadscim-checks")
                assert all(r["trials"] == 0 and r["violations"] == 0 for r in checks), checks

            dom = chromium_dom(base, port, tmp_path, "/?tab=loadscim-verdict")
            assert "loadscim verdict" in dom.lower() and "verdict: " in dom
            shot = tmp_path / "verdict.png"
            chromium_dom(base, port, tmp_path, "/?tab=loadscim-verdict",
                         f"--screenshot={shot}", "--window-size=1400,900")  # fmt: skip
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=60)
        assert "Traceback" not in stderr, stderr[-3000:]


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
            # The fault shows as lost-member (membership races) and if-match-ignored (If-Match
            # races, checked against a stale read); either may come first: wait for the one
            # asserted on, not for the first violation.
            deadline = time.monotonic() + 15
            checks: list[dict] = []
            lost: list[dict] = []
            while time.monotonic() < deadline:
                time.sleep(1)
                try:
                    checks = tab_rows(base, "loadscim-checks")
                except OSError:
                    continue
                lost = [row for row in checks if row["checker"] == "lost_update"]
                if lost and "lost-member" in lost[0]["kinds"]:
                    break
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
    ones); a value the command line refuses is refused there too: one line in the form (and
    on stderr), no test runs."""
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
            answer = post(f"{base}/swarm", form)
            assert answer["success"] is False
            assert answer["message"].startswith("--pace 20000: must be from 0 to 10000")
            time.sleep(1)
            assert json.loads(fetch(f"{base}/stats/requests"))["state"] == "ready"
        finally:
            process.terminate()
            _, err = process.communicate(timeout=60)
        assert "loadscim: error: --pace 20000: must be from 0 to 10000" in err, err[-2000:]

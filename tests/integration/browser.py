"""Headless Chromium for the HTML report test: find it (or skip), run it on 127.0.0.1 only.

Debian's ``chromium`` package; ``scripts/test.sh`` installs it when it is missing and the
tests run as root, and then exports ``LOADSCIM_REQUIRE_CHROMIUM=1`` so that a browser that
still is not there fails the test instead of skipping it (CI must run it).

Even with ``--disable-background-networking`` Chromium asks Google for the time, component
updates and accounts. So every run here goes through a proxy that is a trap on 127.0.0.1
(it records the request line and closes), host names never resolve, and nothing leaves the
machine. The trap's record also shows whether the page itself asked for anything.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "/usr/bin/chromium")
CHROMIUM_OWN_HOSTS = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")
"""Hosts Chromium itself calls in the background (time, component updates, accounts)."""
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-features=NetworkTimeServiceQuerying,Translate,MediaRouter,OptimizationHints",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-bypass-list=<-loopback>",
)


def chromium_or_skip() -> str:
    """The chromium executable; skip (or fail, where it is required) when there is none."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    why = (
        "headless Chromium is not installed: `apt-get install -y chromium` (Debian), which "
        "scripts/test.sh does by itself when it runs as root"
    )
    if os.environ.get("LOADSCIM_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"{why}; LOADSCIM_REQUIRE_CHROMIUM=1 says this machine must run it")
    pytest.skip(why)


@dataclass
class Trap:
    """A proxy on 127.0.0.1 that records each request line and answers nothing."""

    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    head = conn.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    continue
                self.requests.append(head.decode("latin-1"))

    def close(self) -> None:
        time.sleep(0.5)  # connections still in the backlog get recorded too
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def page_requests(self) -> list[str]:
        """Requests that were not Chromium's own background calls."""

        def host(line: str) -> str:
            target = line.split(" ")[1] if " " in line else line
            target = target.split("://", 1)[-1]
            return target.split("/", 1)[0].rsplit(":", 1)[0]

        return [
            line for line in self.requests
            if not any(host(line) == h or host(line).endswith("." + h) for h in CHROMIUM_OWN_HOSTS)
        ]


def run_chromium(
    executable: str, page: Path, profile: Path, *args: str, timeout: float = 90
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Open ``page`` with ``args`` (``--dump-dom``, ``--screenshot=...``); the page's requests."""
    trap = Trap()
    try:
        result = subprocess.run(
            [
                executable,
                *FLAGS,
                f"--proxy-server=http://127.0.0.1:{trap.port}",
                f"--user-data-dir={profile}",
                *args,
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        trap.close()
    return result, trap.page_requests()

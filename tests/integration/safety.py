"""Helpers for the safety tests: what a target holds (read through its faults), canaries,
certificates, and the processes of a run."""

from __future__ import annotations

import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
from runs import ROOT

from loadscim.jsonl import loads_trial

CANARIES = ["--canaries", "100,10"]
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.py") if not p.name.startswith("_"))


def fetch_json(
    url: str, token: str | None = None, context: ssl.SSLContext | None = None, tries: int = 80
) -> Any:
    """GET a JSON document, retrying through the target's robustness faults."""
    parts = urlsplit(url)
    assert parts.hostname in ("127.0.0.1", "::1", "localhost"), url
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(tries):
        if parts.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=2, context=context
            )
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
        try:
            connection.request(
                "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
            )
            response = connection.getresponse()
            body = response.read()
            if response.status == 200:
                return json.loads(body)
        except (OSError, ValueError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        time.sleep(0.05)
    raise AssertionError(f"no clean answer from {url} in {tries} tries")


def resources(base: str, kind: str, token: str | None = None, **kw: Any) -> dict[str, dict]:
    """Every resource of /Users or /Groups, by id (paged)."""
    found: dict[str, dict] = {}
    index = 1
    while True:
        page = fetch_json(f"{base}/{kind}?startIndex={index}&count=500", token, **kw)
        for resource in page.get("Resources") or []:
            found[resource["id"]] = resource
        if not page.get("Resources") or index + len(page["Resources"]) > page["totalResults"]:
            return found
        index += len(page["Resources"])


def snapshot(base: str, token: str | None = None, **kw: Any) -> dict[str, dict[str, dict]]:
    return {kind: resources(base, kind, token, **kw) for kind in ("Users", "Groups")}


def name(resource: dict) -> str:
    return resource.get("userName") or resource.get("displayName") or ""


def assert_only_canaries_unchanged(before: dict, after: dict) -> None:
    """``after`` holds exactly the resources of ``before``, each identical (meta.version,
    lastModified, every attribute, members): nothing of a run is left, nothing else touched."""
    for kind in ("Users", "Groups"):
        left = sorted(name(r) for rid, r in after[kind].items() if rid not in before[kind])
        assert not left, f"{len(left)} {kind} left behind: {left[:10]}"
        missing = sorted(name(r) for rid, r in before[kind].items() if rid not in after[kind])
        assert not missing, f"{len(missing)} canary {kind} deleted: {missing[:10]}"
        changed = [name(r) for rid, r in before[kind].items() if after[kind][rid] != r]
        assert not changed, f"canary {kind} changed: {changed[:10]}"
    assert len(before["Users"]) >= 100 and len(before["Groups"]) >= 10


def in_namespace(snap: dict, run_id: str) -> list[str]:
    prefix = f"loadscim-{run_id}-"
    return [
        name(r)
        for kind in snap.values()
        for r in kind.values()
        if name(r).lower().startswith(prefix)
    ]


def loadscim_popen(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "loadscim.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key (openssl)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def read_history(path: Path) -> list[dict]:
    """Every op of every trial in a JSONL history, every field restored (the lines are
    compact: loadscim.jsonl.loads_trial reads them)."""
    ops: list[dict] = []
    for line in path.read_bytes().splitlines():
        ops.extend(op.to_dict() for op in loads_trial(line).ops)
    return ops


OUTCOMES = re.compile(r"outcomes of the load's requests: (\d+) ok; (\d+) fail[^;]*; (\d+) info")


def outcome_counts(report: str) -> tuple[int, int, int]:
    """(ok, fail, info) from the report's outcomes note (possibly wrapped over lines)."""
    text = " ".join(line.strip() for line in report.splitlines())
    match = OUTCOMES.search(text)
    assert match, report
    ok, fail, info = (int(g) for g in match.groups())
    return ok, fail, info


def note(report: str, start: str) -> str:
    """A note of the report, its wrapped lines joined."""
    text = report.replace("\n    ", " ")
    lines = [line for line in text.splitlines() if line.startswith(f"  - {start}")]
    assert lines, f"no note starting {start!r} in:\n{report}"
    return lines[0][4:]

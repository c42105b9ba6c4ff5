"""A credential never appears anywhere: not in the output (progress, report, Locust's
verbose logging), not in any file the run writes (every report format, the JSONL history,
Locust's CSV and HTML), not on any process's command line, not in error messages.

The report options are discovered from `loadscim run --help`, so formats added later are
covered without editing this test.
"""

from __future__ import annotations

import base64
import contextlib
import re
import secrets
from pathlib import Path

import pytest
from runs import loadscim, verdict_line
from safety import descendants, loadscim_popen, wait_for

from loadscim.cli import build_parser
from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

# Options of `loadscim run` that write a report, and the file name each gets.
REPORT_OPTIONS = {
    "--history": "history.jsonl",
    "--json": "report.json",
    "--report-json": "report.json",
    "--junit": "junit.xml",
    "--html": "report.html",
    "--report-html": "report.html",
    "--hdr-log": "latency.hlog",
}


def report_options(directory: Path) -> list[str]:
    run = next(
        action.choices["run"]
        for action in build_parser()._actions
        if getattr(action, "choices", None) and "run" in action.choices
    )
    known = {s for action in run._actions for s in action.option_strings}
    assert "--history" in known
    out: list[str] = []
    for option, file in REPORT_OPTIONS.items():
        if option in known:
            out += [option, str(directory / file)]
    return out


def cmdlines(pids: list[int]) -> str:
    text = []
    for pid in pids:
        with contextlib.suppress(OSError):
            text.append(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"))
    return "\n".join(text)


def files_holding(directory: Path, needles: list[str]) -> list[str]:
    hits = []
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.name}: {n[:6]}..." for n in needles if n.encode() in data]
    return hits


@pytest.mark.parametrize("source", ["env", "file"])
def test_a_token_appears_nowhere(source, tmp_path):
    token = f"tok-{secrets.token_hex(20)}"
    out = tmp_path / "out"
    out.mkdir()
    if source == "env":
        credentials, env = ["--token-env", "MY_SCIM_TOKEN"], {"MY_SCIM_TOKEN": token}
    else:
        token_file = tmp_path / "token"
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        credentials, env = ["--token-file", str(token_file)], {}
    with EmbeddedTarget(token=token) as target:
        run = loadscim_popen(
            "run",
            "--target",
            target.url,
            *credentials,
            "--duration",
            "5s",
            "--users",
            "3",
            *report_options(out),
            "--",
            "--loglevel",
            "DEBUG",
            "--csv",
            str(out / "locust"),
            "--html",
            str(out / "locust.html"),
            env=env,
        )
        try:
            seen: list[str] = []  # the command lines, read until Locust's is among them

            def locust_started() -> bool:
                children = cmdlines([p.pid for p in descendants(run.pid)])
                seen.append(cmdlines([run.pid, target.pid or 0]) + "\n" + children)
                return "-m\0locust\0" in children

            wait_for(locust_started, 60, "the Locust process")
            assert not [lines for lines in seen if token in lines]
            stdout, stderr = run.communicate(timeout=90)
        finally:
            run.kill()
        target_log = target.stderr_text()
    assert run.returncode == 0, stdout[-3000:] + stderr[-3000:]  # the token was used
    assert verdict_line(stdout).startswith("verdict: PASS")
    assert "DEBUG" in stderr  # verbose logging was on
    written = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert "history.jsonl" in written and "locust.html" in written, written
    assert token not in stdout and token not in stderr and token not in target_log
    assert not files_holding(out, [token])
    # No Authorization header in the history (the auth probes' 401 Error bodies do say
    # "Authorization failure", RFC 7644 3.12's wording, which is no credential).
    history = (out / "history.jsonl").read_bytes()
    assert not re.search(rb'"authorization"\s*:|Bearer ', history, re.IGNORECASE)


def test_refused_credentials_are_one_line_without_either_token():
    good, wrong = f"tok-{secrets.token_hex(20)}", f"tok-{secrets.token_hex(20)}"
    with EmbeddedTarget(token=good) as target:
        for env in ({}, {"LOADSCIM_TOKEN": wrong}):
            result = loadscim("run", "--target", target.url, "--duration", "5s", env=env)
            assert result.returncode == 3, result.stdout + result.stderr
            errors = [
                line for line in result.stderr.splitlines() if line.startswith("loadscim: error:")
            ]
            assert len(errors) == 1 and "credentials refused (HTTP 401" in errors[0]
            for secret in (good, wrong):
                assert secret not in result.stdout + result.stderr


def test_basic_password_appears_nowhere_when_refused(tmp_path):
    password = f"pw-{secrets.token_hex(16)}"
    encoded = base64.b64encode(f"alice:{password}".encode()).decode()
    with EmbeddedTarget(token=f"tok-{secrets.token_hex(8)}") as target:
        result = loadscim(
            "run", "--target", target.url, "--basic-user", "alice", "--basic-password-env", "PW",
            "--history", str(tmp_path / "h.jsonl"), "--", "--loglevel", "DEBUG",
            env={"PW": password},
        )
        cleanup = loadscim(
            "cleanup", "--run-id", "abcd1234", "--target", target.url, "--basic-user", "alice",
            env={"LOADSCIM_PASSWORD": password},
        )
    for outcome in (result, cleanup):
        assert outcome.returncode == 3, outcome.stdout + outcome.stderr
        assert "credentials refused" in outcome.stderr
        for secret in (password, encoded):
            assert secret not in outcome.stdout + outcome.stderr
    assert not files_holding(tmp_path, [password, encoded])


LEAKY = '''
import logging
from locust import constant, task
from loadscim.users.base import ScimUser

class LeakyUser(ScimUser):
    """A careless scenario: logs, prints and raises with its request headers."""
    wait_time = constant(0.5)

    @task
    def leak(self):
        logging.getLogger("leaky").warning("sending with headers %s", self.scim.headers)
        print("printed:", self.scim.headers, flush=True)
        raise RuntimeError(f"request failed with {self.scim.headers}")
'''


def test_a_careless_scenario_cannot_leak_the_token_through_logs_prints_or_tracebacks(tmp_path):
    token = f"tok-{secrets.token_hex(20)}"
    scenario = tmp_path / "leaky.py"
    scenario.write_text(LEAKY)
    with EmbeddedTarget(token=token) as target:
        result = loadscim(
            "run", str(scenario), "--target", target.url, "--duration", "3s", "--users", "1",
            env={"LOADSCIM_TOKEN": token},
        )
    output = result.stdout + result.stderr
    assert "sending with headers" in output and "printed:" in output and "RuntimeError" in output
    assert token not in output
    assert "'Authorization': 'Bearer [redacted]'" in output

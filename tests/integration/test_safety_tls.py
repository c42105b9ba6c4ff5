"""TLS: certificates are verified unless the user turns that off.

An https embedded target with a self-signed certificate made here (openssl): refused by
default with one clear line (exit 3), accepted with --ca-bundle, and with --insecure plus a
warning line; the same for `loadscim cleanup`, and for the sessions of loadscim's Locust
users themselves (Locust's FastHttpUser does not verify by default).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from runs import ROOT, loadscim, verdict_line
from safety import make_certificate

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def https_target(certificate):
    cert, key = certificate
    with EmbeddedTarget(extra_args=["--tls-cert", str(cert), "--tls-key", str(key)]) as target:
        assert str(target.url).startswith("https://127.0.0.1:")
        yield str(target.url)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("loadscim: error:")]


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "warning: --insecure" in line]


def test_a_self_signed_certificate_is_refused_by_default(https_target):
    for result in (
        loadscim("run", "--target", https_target, "--duration", "3s"),
        loadscim("cleanup", "--run-id", "tls00001", "--target", https_target),
    ):
        assert result.returncode == 3, result.stdout + result.stderr
        errors = error_lines(result.stderr)
        assert len(errors) == 1 and "Traceback" not in result.stderr
        assert "TLS handshake failed" in errors[0] and "certificate verify failed" in errors[0]
        assert "--ca-bundle FILE" in errors[0] and "--insecure" in errors[0]


def test_ca_bundle_is_trusted(https_target, certificate):
    cert, _ = certificate
    result = loadscim(
        "run",
        "--target",
        https_target,
        "--ca-bundle",
        str(cert),
        "--duration",
        "4s",
        "--users",
        "2",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    assert not warnings(result.stderr)
    cleanup = loadscim(
        "cleanup", "--run-id", "tls00001", "--target", https_target, "--ca-bundle", str(cert)
    )
    assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
    assert cleanup.stdout.splitlines()[-1] == "cleanup: removed 0 users and 0 groups"


def test_insecure_runs_with_a_warning(https_target):
    result = loadscim(
        "run", "--target", https_target, "--insecure", "--duration", "4s", "--users", "2"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    assert len(warnings(result.stderr)) == 1, result.stderr
    assert "is NOT verified" in warnings(result.stderr)[0]
    cleanup = loadscim("cleanup", "--run-id", "tls00001", "--target", https_target, "--insecure")
    assert cleanup.returncode == 0 and len(warnings(cleanup.stderr)) == 1


USER_SESSIONS = """
import locust, sys, argparse
from locust import task
from locust.env import Environment
from loadscim import harness, http
from loadscim.users.base import ScimUser

url, ca_bundle, insecure = sys.argv[1], sys.argv[2] or None, sys.argv[3] == "1"

class User(ScimUser):
    host = url
    @task
    def nothing(self):
        pass

options = argparse.Namespace(run_id="tls00001", ca_bundle=ca_bundle, insecure=insecure)
environment = Environment(user_classes=[User], parsed_options=options, host=url)
harness.runtime(environment).http_settings = http.settings_from_options(options)  # as at init
user = User(environment)
user.on_start()
for session in (user.client, user.racing_session(3)):
    response = session.request("GET", "/ServiceProviderConfig")
    error = getattr(response, "error", None)
    print(response.status_code, type(error).__name__ if error else "-")
"""


@pytest.mark.parametrize(
    ("ca_bundle", "insecure", "expected"),
    [(False, False, "0 SSLCertVerificationError"), (True, False, "200 -"), (False, True, "200 -")],
)
def test_the_users_own_sessions_verify_certificates(
    https_target, certificate, ca_bundle, insecure, expected
):
    cert, _ = certificate
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            USER_SESSIONS,
            https_target,
            str(cert) if ca_bundle else "",
            "1" if insecure else "0",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.stdout.splitlines() == [expected, expected], result.stdout + result.stderr

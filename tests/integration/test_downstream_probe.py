"""Downstream probes on real HTTP: the embedded target's sign-in endpoint (honours existence
and ``active``; the fault ``sessions-survive`` keeps a session past deprovisioning), and
``--probe`` timing the revocation of access after each deprovisioning in a real run."""

from __future__ import annotations

import json

import pytest
from runs import loadscim
from target_http import PATCH_SCHEMA, USER_SCHEMA, call

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def sign_in(origin: str, user: str) -> int:
    return call("GET", f"{origin}/signin?user={user}").status


@pytest.mark.parametrize("faults", [(), ("sessions-survive",)])
def test_sign_in_honours_active_and_existence(faults):
    with EmbeddedTarget(faults=faults, token="t0k3n", seed=1) as target:
        assert target.url is not None
        origin, auth = target.url.removesuffix("/v2"), {"Authorization": "Bearer t0k3n"}
        body = {"schemas": [USER_SCHEMA], "userName": "Ada", "active": True}
        created = call("POST", f"{target.url}/Users", body, headers=auth).json()
        assert sign_in(origin, "nobody") == 403
        assert sign_in(origin, "ada") == 200  # userName ignores case (RFC 7643 4.1.1)
        off = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "value": {"active": False}}],
        }
        assert call("PATCH", f"{target.url}/Users/{created['id']}", off, headers=auth).status in (
            200,
            204,
        )
        survives = bool(faults)
        assert sign_in(origin, "Ada") == (200 if survives else 403)
        assert call("DELETE", f"{target.url}/Users/{created['id']}", headers=auth).status == 204
        assert sign_in(origin, "Ada") == (200 if survives else 403)
        assert sign_in(origin, "") == 400


PROBE = ("--probe-expect", "200,403", "--probe-window", "1s")
GATE = 'errors = "rate < 1%"\n[visibility]\n"downstream-revoke" = "p99 < 5s"\n'


def gate(tmp_path) -> str:
    path = tmp_path / "gate.toml"
    path.write_text(GATE)
    return str(path)


def test_probe_and_reconcile_passes_hold_on_the_clean_target(tmp_path):
    """No false verdict: access ends at once, and the passes during the run skip the
    accounts being written (deactivated, reactivated ...) instead of judging them."""
    report = tmp_path / "run.json"
    result = loadscim(
        "run", "lifecycle", "--users", "3", "--duration", "5s", "--reconcile-every", "1s",
        "--probe", "{origin}/signin?user={userName}", *PROBE, "--json", str(report),
        "--gate", gate(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(report.read_text())
    judged = summary["checkers"]["downstream"]["trials"]
    revoke = summary["visibility"]["downstream-revoke"]
    assert judged > 0 and revoke["requests"] == judged and revoke["failures"] == 0
    assert '[visibility] "downstream-revoke" p99 < 5s' in result.stdout
    passes = summary["extra"]["reconcile_passes"]
    assert len(passes) >= 3 and sum(p["checked"] for p in passes) > 0
    assert all(p["violations"] == 0 for p in passes)


def test_probe_fails_when_sessions_survive_deprovisioning(tmp_path):
    report = tmp_path / "run.json"
    with EmbeddedTarget(faults=("sessions-survive",), seed=1) as target:
        assert target.url is not None
        origin = target.url.removesuffix("/v2")
        result = loadscim(
            "run", "lifecycle", "--target", target.url, "--users", "2", "--duration", "4s",
            "--probe", origin + "/signin?user={userName}", *PROBE, "--json", str(report),
            "--gate", gate(tmp_path),
        )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    summary = json.loads(report.read_text())
    violations = summary["checkers"]["downstream"]["kinds"]["access-after-deprovision"]
    assert violations > 0 and summary["visibility"]["downstream-revoke"]["failures"] == violations
    assert "access granted" in result.stdout

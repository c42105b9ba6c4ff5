"""Data real servers accept (issue 9, items 1-3): real runs against the embedded target with the
faults real servers have, on 127.0.0.1.

- every scenario PASSes on a target that refuses special-use email TLDs and a User without
  ``name.formatted`` (``strict-email``, ``require-formatted``);
- a body the target refuses ends the run in the write pre-flight: exit 3, one line, nothing
  left on the target; ``--user-template`` is the fix, and its extension attribute arrives;
- a template with an unknown placeholder: exit 3, one line, nothing sent;
- an attribute the target accepts but does not store is one capability note, not judged;
- a target without /Schemas keeps today's behaviour.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from runs import Targets, get_json, loadscim, verdict_line

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCENARIOS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "scenarios").glob("*.py"))
QUICK = {"lifecycle", "okta_crud", "racing_patch", "entra_initial_cycle"}
"""Run in every CI job; the others are in the slow sweep."""

TEMPLATE: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
    "userName": "{userName}",
    "externalId": "{externalId}",
    "name": {
        "givenName": "{givenName}",
        "familyName": "{familyName}",
        "formatted": "{givenName} {familyName}",
    },
    "emails": [{"value": "{email}"}],
    "active": "{active}",
    ENTERPRISE: {"employeeNumber": "E-{externalId}"},
}


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("loadscim: error:")]


def in_namespace(url: str, run_id: str) -> list[dict[str, Any]]:
    found = []
    for kind, attribute in (("Users", "userName"), ("Groups", "displayName")):
        scim_filter = quote(f'{attribute} sw "loadscim-{run_id}-"')
        found += get_json(f"{url}/{kind}?filter={scim_filter}&count=1000").get("Resources", [])
    return found


@pytest.mark.parametrize(
    "scenario",
    [s if s in QUICK else pytest.param(s, marks=pytest.mark.slow) for s in SCENARIOS],
)
def test_every_scenario_passes_a_strict_server(targets: Targets, scenario: str) -> None:
    url = targets.url("strict-email", "require-formatted")
    result = loadscim("run", scenario, "--duration", "3s", "--users", "2", "--target", url)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    assert "compatibility" not in verdict_line(result.stdout)


def test_a_refused_body_ends_the_run_in_the_write_preflight(tmp_path: Path) -> None:
    with EmbeddedTarget(faults=["no-email-type"], seed=1) as target:
        url = str(target.url)
        result = loadscim(
            "run", "racing_patch", "--target", url, "--duration", "5s", "--run-id", "refused01"
        )  # fmt: skip
        assert result.returncode == 3, result.stdout + result.stderr
        lines = error_lines(result.stderr)
        assert len(lines) == 1, result.stderr
        line = lines[0]
        assert "write pre-flight's POST /Users was refused (HTTP 400 invalidValue" in line
        assert "emails[0].type: Extra inputs are not permitted" in line  # the server's detail
        assert "give --user-template FILE" in line
        assert "Traceback" not in result.stderr and "verdict" not in result.stdout
        assert in_namespace(url, "refused01") == []  # nothing left on the target

        # The fix: a template without emails[].type and primary; its extension arrives.
        template = tmp_path / "user.json"
        template.write_text(json.dumps(TEMPLATE))
        result = loadscim(
            "run", "lifecycle", "--target", url, "--duration", "3s", "--users", "2",
            "--user-template", str(template), "--run-id", "template01", "--no-cleanup",
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        users = [r for r in in_namespace(url, "template01") if "userName" in r]
        assert users, result.stdout
        for user in users:
            assert user[ENTERPRISE]["employeeNumber"] == "E-" + user["externalId"]
            assert user["emails"] == [{"value": user["userName"] + "@example.com"}]
            name = user["name"]
            assert name["formatted"] == f"{name['givenName']} {name['familyName']}"
        assert not any("preflight" in u["userName"] for u in users)  # the pre-flight's is gone


def test_a_template_with_an_unknown_placeholder_sends_nothing(tmp_path: Path) -> None:
    template = tmp_path / "user.json"
    template.write_text(json.dumps({**TEMPLATE, "nickName": "{nick}"}))
    result = loadscim("run", "lifecycle", "--duration", "3s", "--user-template", str(template))
    assert result.returncode == 3, result.stdout + result.stderr
    assert error_lines(result.stderr) == [
        f"loadscim: error: --user-template {template}: unknown placeholder {{nick}} in "
        "'{nick}'; use one of {userName}, {externalId}, {givenName}, {familyName}, "
        "{formatted}, {displayName}, {email}, {title}, {active}"
    ]
    assert "embedded target" not in result.stderr  # refused before anything started


def test_an_attribute_the_target_does_not_store_is_one_note(tmp_path: Path) -> None:
    template = tmp_path / "user.json"
    template.write_text(json.dumps({**TEMPLATE, "title": "Engineer"}))
    result = loadscim(
        "run", "lifecycle", "--duration", "3s", "--users", "2", "--user-template", str(template),
        "--target-fault", "drop-attribute=title",
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    assert "the target does not store title: not judged" in result.stdout
    assert "stale-read" not in output


def test_a_target_without_schemas_runs_as_before() -> None:
    result = loadscim(
        "run", "racing_patch", "--duration", "3s", "--users", "2", "--target-fault", "no-schemas"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    text = " ".join(result.stdout.split())
    assert "no /Schemas" in text and "writable attribute" not in text


def test_an_unanswered_preflight_create_leaves_nothing_behind() -> None:
    # Every write is applied, then its connection closed: the pre-flight never hears back,
    # goes on with a note, and its exact-name sweep still removes what it made.
    with EmbeddedTarget(faults=["drop-after-commit=1"], seed=1) as target:
        url = str(target.url)
        result = loadscim(
            "run", "lifecycle", "--target", url, "--duration", "2s", "--users", "1",
            "--run-id", "unanswered1", "--no-cleanup", "--request-timeout", "5",
        )  # fmt: skip
        assert "Traceback" not in result.stderr
        assert "write pre-flight: POST /Users got no usable answer" in result.stdout
        left = [r for r in in_namespace(url, "unanswered1") if "preflight" in str(r)]
        assert left == []


@pytest.mark.slow
def test_workers_send_and_preflight_the_template(tmp_path: Path) -> None:
    # Each worker pre-flights the target itself: with the template, or the target's refusal
    # of the default body would end the run.
    template = tmp_path / "user.json"
    template.write_text(json.dumps(TEMPLATE))
    result = loadscim(
        "run", "lifecycle", "--workers", "2", "--users", "2", "--duration", "4s",
        "--target-fault", "no-email-type", "--user-template", str(template),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")


@pytest.mark.parametrize("scenario", ["racing_patch", "lifecycle"])
def test_some_attribute_is_one_the_server_declares(targets: Targets, scenario: str) -> None:
    # A server without title: /Schemas does not declare it, and it stores none. The title
    # race and lifecycle's update write nickName instead, and nothing is blamed on title.
    url = targets.url("undeclared=title", "drop-attribute=title")
    result = loadscim("run", scenario, "--duration", "3s", "--users", "2", "--target", url)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    assert "(writable attribute nickName)" in " ".join(result.stdout.split())

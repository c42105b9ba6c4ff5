"""The scenario library's own behaviours: IdP dialects and compatibility findings, the
capability pre-flight ("not applicable"), a load shape, and the pre-flight of a non-SCIM
target. The mutation matrix (test_mutation_matrix.py) runs every scenario clean and with its
fault.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from runs import count, loadscim, verdict_line
from test_mutation_matrix import checker_rows

from loadscim.preflight import SPC_SCHEMA
from loadscim.target.process import EmbeddedTarget

pytestmark = pytest.mark.integration


def test_entra_group_churn_in_the_entra_dialect_loses_members_and_is_refused_removals():
    """The issue's acceptance command: Entra's default job against a target that loses
    updates. Lost members are found, and scim2-server's refusal of Entra's member removal
    by value is reported per endpoint (it fails the run on the clean target too)."""
    result = loadscim(
        "run", "scenarios/entra_group_churn.py", "--dialect", "entra",
        "--target-fault", "lost-update", "--duration", "5s", "--users", "3", "--seed", "7",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    rows = checker_rows(result.stdout)
    label, _trials, violations, kinds = rows["lost_update"]
    assert label == "FAIL" and violations > 0 and "lost-member" in kinds, output
    assert rows["compatibility"][0] == "FAIL", output
    notes = [n for n in result.stdout.splitlines() if "compatibility: " in n]
    assert notes and notes[0].strip().startswith(
        "- compatibility: PATCH /Groups/{id} answered 400 invalidValue to entra remove_members ("
    ), output
    assert "Traceback" not in output


@pytest.fixture
def target_without_etag_or_bulk(tmp_path) -> Iterator[str]:
    config = {
        "schemas": [SPC_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 200},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [],
    }
    path = tmp_path / "spc.json"
    path.write_text(json.dumps(config))
    with EmbeddedTarget(extra_args=["--service-provider-config", str(path)]) as target:
        assert target.url is not None
        yield target.url


@pytest.mark.parametrize(
    ("scenario", "inapplicable", "judged"),
    [
        ("racing_patch", "if_match", {"lost_update", "conflict_status"}),
        ("bulk_burst", "bulk", set()),
    ],
)
def test_features_the_target_lacks_are_not_applicable_and_the_run_passes(
    target_without_etag_or_bulk, scenario, inapplicable, judged
):
    url = target_without_etag_or_bulk
    result = loadscim("run", scenario, "--target", url, "--duration", "4s", "--users", "3")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert verdict_line(result.stdout).startswith("verdict: PASS"), output
    rows = checker_rows(result.stdout)
    assert rows[inapplicable][0] == "N/A", output
    assert "is not supported (RFC 7644 3." in " ".join(result.stdout.split())
    assert {name for name, row in rows.items() if row[0] == "PASS" and row[1] > 0} >= judged
    assert count(url, "Users") == 0 and count(url, "Groups") == 0


def test_onboarding_burst_follows_its_spike():
    result = loadscim(
        "run", "onboarding_burst", "--users", "4", "--duration", "6s", "--",
        "--shape-base", "1", "--shape-at", "2s", "--shape-hold", "20s",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "load shape: spike: 1 -> 4 users at 2 s within 1 s, for 20 s" in result.stdout
    progress = [line for line in result.stderr.splitlines() if line.startswith("[loadscim]")]
    assert any(" 5s users=4 " in line for line in progress), output  # the spike reached 4
    assert "run time" not in result.stderr  # the shape itself ended the test at --duration


class _Html(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>Welcome to our portal</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_target_answering_html_to_the_pre_flight_is_exit_3_in_one_line():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/scim/v2"
        result = loadscim("run", "lifecycle", "--target", url, "--duration", "5s")
    finally:
        server.shutdown()
        server.server_close()
    errors = [line for line in result.stderr.splitlines() if line.startswith("loadscim: error:")]
    assert result.returncode == 3, result.stdout + result.stderr
    assert len(errors) == 1 and "did not answer SCIM JSON" in errors[0], result.stderr
    assert url in errors[0] and "Traceback" not in result.stderr + result.stdout

"""A run killed with SIGKILL (its Locust child and the loadscim parent) cleans nothing up;
`loadscim cleanup --run-id` then removes all its leftovers and nothing else: not the 100
canary users and 10 canary groups, not look-alikes (another run whose id starts the same,
the namespace in externalId or displayName only, the prefix without its dash).

Both ways of finding the leftovers run against the embedded target: the ``sw`` filter, and
paging the whole collection when the target announces ``filter.supported: false``.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
from runs import ROOT, loadscim
from safety import (
    CANARIES,
    assert_only_canaries_unchanged,
    descendants,
    in_namespace,
    loadscim_popen,
    snapshot,
    wait_for,
)

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]

RUN = "killed1"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
NO_FILTER_SPC = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "patch": {"supported": True},
    "bulk": {"supported": True, "maxOperations": 100, "maxPayloadSize": 1048576},
    "filter": {"supported": False, "maxResults": 200},
    "changePassword": {"supported": False},
    "sort": {"supported": False},
    "etag": {"supported": True},
    "authenticationSchemes": [],
}


def post(base: str, path: str, body: dict) -> None:
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/scim+json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def add_look_alikes(base: str) -> None:
    """Resources that resemble the run's but are not in its namespace."""
    for user in (
        {"userName": f"loadscim-{RUN}2-u1-1"},  # another run: loadscim-killed12-
        {"userName": "decoy-external", "externalId": f"loadscim-{RUN}-x-decoy"},
        {"userName": "decoy-display", "displayName": f"loadscim-{RUN}-u9-9"},
        {"userName": f"x-loadscim-{RUN}-u1-1"},
    ):
        post(base, "/Users", {"schemas": [USER], **user})
    for group in (f"loadscim-{RUN}", f"loadscim-{RUN}x-g1"):
        post(base, "/Groups", {"schemas": [GROUP], "displayName": group})


def settled(url: str) -> list[str]:
    """The run's names once two reads agree: a request the killed run had in flight may still
    be applied by the target just after the kill."""
    previous = None
    while True:
        names = sorted(in_namespace(snapshot(url), RUN))
        if names == previous:
            return names
        previous = names
        time.sleep(0.2)


@pytest.mark.parametrize("listing", ["filter", "paging"])
def test_cleanup_after_sigkill_removes_the_leftovers_and_nothing_else(listing, tmp_path):
    extra = list(CANARIES)
    if listing == "paging":
        spc = tmp_path / "spc.json"
        spc.write_text(json.dumps(NO_FILTER_SPC))
        extra += ["--service-provider-config", str(spc)]
    with EmbeddedTarget(extra_args=extra) as target:
        url = str(target.url)
        add_look_alikes(url)
        before = snapshot(url)

        run = loadscim_popen(
            "run", "--target", url, "--duration", "60s", "--users", "4", "--run-id", RUN
        )
        try:
            wait_for(lambda: len(in_namespace(snapshot(url), RUN)) >= 15, 30, "leftovers")
            children = descendants(run.pid)
            assert any("locust" in " ".join(p.cmdline()) for p in children), children
            for process in children:
                process.kill()
            run.kill()
            run.communicate(timeout=30)
            psutil.wait_procs(children, timeout=30)
        finally:
            run.kill()
        # The run deletes what it made as it goes, so how many are left depends on when the
        # kill lands (15 were there a moment before): what matters is that some are left
        # (nothing cleaned up at the end) and that the command below removes exactly these.
        left = settled(url)
        assert left, "a run killed with SIGKILL left nothing behind"

        # A dry run lists them and removes nothing; it does not import locust or gevent.
        dry = subprocess.run(
            [
                sys.executable, "-c",
                "import sys\nfrom loadscim.cli import main\ncode = main(sys.argv[1:])\n"
                "print('imported:', sorted(m for m in ('locust', 'gevent') if m in sys.modules))\n"
                "raise SystemExit(code)",
                "cleanup", "--run-id", RUN, "--target", url, "--dry-run",
            ],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )
        assert dry.returncode == 0, dry.stdout + dry.stderr
        assert "imported: []" in dry.stdout
        listed = [line for line in dry.stdout.splitlines() if line.startswith("  would remove ")]
        assert sorted(line.split()[-1] for line in listed) == sorted(left)
        assert sorted(in_namespace(snapshot(url), RUN)) == sorted(left)

        result = loadscim("cleanup", "--run-id", RUN, "--target", url)
        assert result.returncode == 0, result.stdout + result.stderr
        users = sum(1 for name in left if name.startswith(f"loadscim-{RUN}-"))
        assert f"cleanup: removed {users} user" in result.stdout, result.stdout
        assert "could not remove" not in result.stdout and "Traceback" not in result.stderr
        assert_only_canaries_unchanged(before, snapshot(url))

        again = loadscim("cleanup", "--run-id", RUN, "--target", url)
        assert again.returncode == 0
        assert again.stdout.splitlines()[-1] == "cleanup: removed 0 users and 0 groups"


def test_cleanup_problems_are_one_line_exit_3():
    for args, words in (
        (["--run-id", "Bad Id", "--target", "http://127.0.0.1:1/v2"], "--run-id 'Bad Id'"),
        (["--run-id", RUN, "--target", "ftp://x"], "--target 'ftp://x'"),
        (["--run-id", RUN], "the following arguments are required: --target"),
        (["--run-id", RUN, "--target", "http://127.0.0.1:1/v2"], "connection refused"),
    ):
        result = loadscim("cleanup", *args)
        assert result.returncode == 3, result.stdout + result.stderr
        assert words in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


CLEANUP_FAULTS = [
    "error-rate=0.1", "reset=0.05", "throttle=0.05", "redirect=0.05", "non-json=0.05",
    "truncated-json=0.05", "timeout=0.02",
]


def test_cleanup_gets_through_a_misbehaving_target():
    """5xx, resets, 429, redirects, HTML, cut bodies and timeouts on about a third of the
    requests: retried, re-checked, and in the end everything of the run is removed and
    nothing else."""
    with EmbeddedTarget(faults=CLEANUP_FAULTS, extra_args=CANARIES, seed=11) as target:
        url = str(target.url)
        before = snapshot(url)
        for number in range(40):
            # A fault: created or not, the cleanup must find out.
            with contextlib.suppress(Exception):
                post(url, "/Users", {"schemas": [USER], "userName": f"loadscim-{RUN}-u1-{number}"})
        left = in_namespace(snapshot(url), RUN)
        assert len(left) >= 20
        result = loadscim("cleanup", "--run-id", RUN, "--target", url, "--request-timeout", "1")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "could not remove" not in result.stdout and "Traceback" not in result.stderr
        assert_only_canaries_unchanged(before, snapshot(url))

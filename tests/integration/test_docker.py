"""docker/ on a real Docker engine: the image builds, and `compose up` with 2 workers gives the
master's verdict as its exit code, with the reports on the volume.

Where the machine allows it (root, Debian's docker.io / docker-compose / debootstrap, which
scripts/test.sh installs): dockerd is started here if none answers (--bridge=none
--iptables=false: every container runs with host networking, all traffic on 127.0.0.1) and
stopped again at the end. No image registry is reachable, so the base image is a Debian
bookworm built with debootstrap (kept as loadscim-test-base:bookworm: built only when
missing). pip reaches its registry through whatever TLS-intercepting proxy the machine has:
the system CA bundle goes to the build as a BuildKit secret, never into the image.
Elsewhere it is skipped, unless LOADSCIM_REQUIRE_DOCKER=1 (set by scripts/test.sh as root),
where a missing engine fails it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from runs import ROOT

# One engine at a time: both tests on one pytest-xdist worker (scripts/test.sh: --dist loadgroup).
pytestmark = [
    pytest.mark.docker,
    pytest.mark.integration,
    pytest.mark.xdist_group("docker"),
    pytest.mark.timeout(1800),  # the image build alone may take 10 min on a busy machine
]

BASE_IMAGE = "loadscim-test-base:bookworm"
IMAGE = "loadscim:test"
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
"""Debian's docker CLI first: another one on PATH may lack the BuildKit it needs."""
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
MIRROR = os.environ.get("LOADSCIM_DEBIAN_MIRROR", "http://deb.debian.org/debian")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
TIMINGS: dict[str, float] = {}


def tool(name: str) -> str | None:
    return shutil.which(name, path=SYSTEM_PATH) or shutil.which(name)


def unavailable(why: str) -> None:
    if os.environ.get("LOADSCIM_REQUIRE_DOCKER") == "1":
        pytest.fail(f"docker test required here (LOADSCIM_REQUIRE_DOCKER=1), but {why}")
    pytest.skip(why)


TRANSIENT = "Error while dialing"
"""dockerd could not reach its containerd in time: containerd starved of CPU while the other
test workers run (seen with `pytest -n 3` on 2 cores). Such a command is tried again."""


def docker(*args: str, timeout: float = 600, **kw) -> subprocess.CompletedProcess[str]:
    for attempt in range(3):
        done = subprocess.run(
            [tool("docker") or "docker", *args], capture_output=True, text=True,
            timeout=timeout, **kw,
        )
        if done.returncode == 0 or TRANSIENT not in done.stderr or attempt == 2:
            return done
        time.sleep(3)
    raise AssertionError("unreachable")


def engine_answers() -> bool:
    try:
        return docker("info", "--format", "{{.ServerVersion}}", timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextlib.contextmanager
def running_engine() -> Iterator[None]:
    """A Docker engine that answers: the one running, or one started (and stopped) here."""
    if engine_answers():
        yield
        return
    dockerd = tool("dockerd")
    if os.geteuid() != 0 or not dockerd or not tool("docker"):
        unavailable("no Docker engine answers and dockerd cannot be started here (root, docker.io)")
    state = Path(tempfile.mkdtemp(prefix="loadscim-dockerd-"))
    pidfile = state / "dockerd.pid"
    log = (state / "dockerd.log").open("w")
    # Above the test workers' priority (children inherit it: containerd, the containers), so
    # the engine answers while the rest of the suite keeps both cores busy.
    proc = subprocess.Popen(
        [tool("nice") or "nice", "-n", "-10", dockerd, "--bridge=none", "--iptables=false",
         "--ip6tables=false", "--pidfile", str(pidfile)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not engine_answers():
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (state / "dockerd.log").read_text()[-2000:]
                unavailable(f"dockerd did not start (exit {proc.poll()}): {tail}")
            time.sleep(0.5)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(state, ignore_errors=True)


def build_base_image() -> None:
    """Debian bookworm with python3 and its venv, from the mirror (only when missing)."""
    if docker("image", "inspect", BASE_IMAGE).returncode == 0:
        return
    debootstrap = tool("debootstrap")
    if not debootstrap:
        unavailable("debootstrap is not installed (apt-get install debootstrap)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="loadscim-rootfs-") as rootfs:
        done = subprocess.run(
            [debootstrap, "--variant=minbase", "--include=python3,python3-venv,python3-pip",
             "bookworm", rootfs, MIRROR],
            capture_output=True, text=True, timeout=1800,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in Path(rootfs, cache).glob("*"):
                if item.is_file():
                    item.unlink()
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            [tool("docker") or "docker", "import", "-", BASE_IMAGE],
            stdin=tar.stdout, capture_output=True, text=True, timeout=600,
        )
        tar.wait()
        assert imported.returncode == 0, imported.stderr
    TIMINGS["base image (debootstrap)"] = time.monotonic() - started


def build_image() -> None:
    started = time.monotonic()
    previous = docker("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()
    args = ["build", "--network", "host", "-f", "docker/Dockerfile", "-t", IMAGE,
            "--build-arg", f"BASE={BASE_IMAGE}"]
    if CA_BUNDLE.is_file():
        args += ["--secret", f"id=ca,src={CA_BUNDLE}"]
    for name in PROXY_VARS:
        if os.environ.get(name):
            args += ["--build-arg", name]
    done = docker(*args, ".", cwd=ROOT, timeout=1800,
                  env={**os.environ, "DOCKER_BUILDKIT": "1"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    TIMINGS["image (pip install)"] = time.monotonic() - started
    now = docker("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()
    if previous and previous != now:
        docker("rmi", previous)  # the last run's image, untagged now: do not pile them up


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    if not tool("docker-compose"):
        unavailable("docker-compose is not installed (apt-get install docker-compose)")
    # One engine at a time, whatever pytest-xdist's scheduling does (the xdist_group mark did
    # not keep the two tests on one worker: two dockerd at once fail on the volume store lock).
    lock = (Path(tempfile.gettempdir()) / "loadscim-docker-test.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    with lock, running_engine():
        build_base_image()
        build_image()
        # The CA bundle was a build secret: it must not be in the image.
        ls = docker("run", "--rm", "--entrypoint", "ls", IMAGE, "-A", "/run/secrets")
        assert ls.stdout.strip() == "", ls.stdout
        yield IMAGE
    print(f"\ndocker test timings: {', '.join(f'{k} {v:.0f} s' for k, v in TIMINGS.items())}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


HOST_NETWORK = """\
services:
  target: {network_mode: host}
  master: {network_mode: host}
  worker: {network_mode: host}
"""


def compose_up(tmp_path: Path, scenario: str, fault: str = "") -> tuple[int, str, dict]:
    """`compose up --scale worker=2 --exit-code-from master`: the exit code, the master's
    output (then compose's), the summary on the reports volume."""
    token = "d0cker-t0ken"
    env_file = tmp_path / "loadscim.env"
    env_file.write_text(f"LOADSCIM_TOKEN={token}\nLOADSCIM_TARGET_TOKEN={token}\n")
    host = tmp_path / "host.yaml"
    host.write_text(HOST_NETWORK)
    target_port, master_port = free_port(), free_port()
    project = f"loadscimtest{os.getpid()}{target_port}"
    env = {
        **os.environ,
        "PATH": f"{SYSTEM_PATH}:{os.environ.get('PATH', '')}",
        "LOADSCIM_IMAGE": IMAGE,
        "LOADSCIM_ENV_FILE": str(env_file),
        "LOADSCIM_SCENARIO": scenario,
        "LOADSCIM_TARGET": f"http://127.0.0.1:{target_port}/v2",
        "LOADSCIM_TARGET_BIND": "127.0.0.1",
        "LOADSCIM_TARGET_PORT": str(target_port),
        "LOADSCIM_TARGET_FAULT": fault or "latency=0",
        "LOADSCIM_MASTER_HOST": "127.0.0.1",
        "LOADSCIM_MASTER_BIND": "127.0.0.1",
        "LOADSCIM_MASTER_PORT": str(master_port),
        "LOADSCIM_WORKERS": "2",
        "LOADSCIM_USERS": "4",
        "LOADSCIM_DURATION": "6s",
    }
    compose = [tool("docker-compose") or "docker-compose", "-p", project,
               "-f", "docker/compose.yaml", "-f", "docker/compose.embedded.yaml",
               "-f", str(host)]
    try:
        up = subprocess.run(
            [*compose, "up", "--no-build", "--no-color", "--scale", "worker=2",
             "--exit-code-from", "master"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        logs = subprocess.run([*compose, "logs", "--no-color", "master"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120).stdout
        cat = docker("run", "--rm", "-v", f"{project}_reports:/reports", "--entrypoint", "cat",
                     IMAGE, "/reports/summary.json")
        assert cat.returncode == 0, cat.stderr
        ls = docker("run", "--rm", "-v", f"{project}_reports:/reports", "--entrypoint", "ls",
                    IMAGE, "/reports")
        assert set(ls.stdout.split()) >= {"summary.json", "junit.xml", "report.html",
                                          "latency.hlog"}, ls.stdout
        assert token not in logs + up.stdout + up.stderr
        return up.returncode, f"{logs}\n---\n{up.stderr}", json.loads(cat.stdout)
    finally:
        subprocess.run([*compose, "down", "-v", "--remove-orphans"], cwd=ROOT, env=env,
                       capture_output=True, timeout=180)


def test_compose_two_workers_pass_against_the_clean_target(image, tmp_path):
    code, output, summary = compose_up(tmp_path, "lifecycle")
    assert code == 0, output
    assert "verdict: PASS" in output, output
    assert output.count("- cleanup: removed") == 2, output
    assert summary["verdict"]["status"] == "PASS"


def test_compose_two_workers_fail_with_a_fault(image, tmp_path):
    code, output, summary = compose_up(tmp_path, "racing_patch", fault="lost-update")
    assert code == 1, output
    assert "verdict: FAIL" in output and "lost_update" in output, output
    assert summary["verdict"]["status"] == "FAIL"

"""docker/: the Kubernetes manifests run the same command lines as the compose file, and the
files hold what a user expects (a non-root image whose entrypoint is loadscim, a token only
from an env file or a Secret)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"
COMPOSE_VAR = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")
K8S_VAR = re.compile(r"\$\((\w+)\)")


def load(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((DOCKER / name).read_text()) if d]


def compose_command(service: str) -> tuple[list[str], dict[str, str]]:
    """The service's command with ${VAR:-default} written as $(VAR), and the defaults."""
    command = load("compose.yaml")[0]["services"][service]["command"]
    defaults: dict[str, str] = {}

    def k8s_form(match: re.Match[str]) -> str:
        defaults[match.group(1)] = match.group(2) or ""
        return f"$({match.group(1)})"

    return [COMPOSE_VAR.sub(k8s_form, str(arg)) for arg in command], defaults


def k8s_container(kind: str) -> dict:
    docs = load("k8s/master.yaml") + load("k8s/workers.yaml")
    (workload,) = [d for d in docs if d["kind"] == kind]
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    return container


def config_map() -> dict[str, str]:
    (config,) = [d for d in load("k8s/config.yaml") if d["kind"] == "ConfigMap"]
    return config["data"]


def test_the_master_job_runs_the_compose_masters_command_line():
    command, _ = compose_command("master")
    assert k8s_container("Job")["args"] == command


def test_the_worker_deployment_runs_the_compose_workers_command_line():
    command, _ = compose_command("worker")
    assert k8s_container("Deployment")["args"] == command


def test_every_variable_is_configured_as_in_compose():
    data = config_map()
    for service in ("master", "worker"):
        _, defaults = compose_command(service)
        for name, default in defaults.items():
            assert name in data, name
            if name != "LOADSCIM_TARGET":  # compose defaults to its embedded target
                assert str(data[name]) == default, name


def test_the_token_comes_from_a_secret_and_an_env_file_never_a_command_line():
    for kind in ("Job", "Deployment"):
        sources = k8s_container(kind)["envFrom"]
        assert {"secretRef": {"name": "loadscim-token"}} in sources
    compose = load("compose.yaml")[0]
    assert "env_file" in compose["x-loadscim"]
    text = "".join((DOCKER / name).read_text() for name in ("compose.yaml", "k8s/master.yaml"))
    assert "--token" not in text and "TOKEN}" not in text and "TOKEN)" not in text


def test_the_master_job_is_not_retried_and_its_exit_code_is_the_runs():
    (job,) = [d for d in load("k8s/master.yaml") if d["kind"] == "Job"]
    assert job["spec"]["backoffLimit"] == 0
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    (service,) = [d for d in load("k8s/master.yaml") if d["kind"] == "Service"]
    assert service["metadata"]["name"] == config_map()["LOADSCIM_MASTER_HOST"]


def test_the_image_is_non_root_with_loadscim_as_entrypoint_and_no_ca_baked_in():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE=", dockerfile, re.M)
    assert 'ENTRYPOINT ["loadscim"]' in dockerfile
    assert re.search(r"^USER 10001$", dockerfile, re.M)
    assert "--mount=type=secret,id=ca" in dockerfile
    assert "COPY scenarios" in dockerfile and "COPY gates" in dockerfile
    assert not re.search(r"^(COPY|ADD|ENV)\b.*(\.crt|\.pem|PIP_CERT)", dockerfile, re.M)

"""The example CI job files (examples/ci/) are the ones docs/gate-reference.md shows, and every
``loadscim run`` they contain is valid as written (``--check``: options, credentials, gate
file and scenario validated, nothing sent)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from runs import ROOT

pytestmark = pytest.mark.integration

EXAMPLES = ROOT / "examples" / "ci"


def doc_blocks() -> list[str]:
    doc = (ROOT / "docs" / "gate-reference.md").read_text()
    return re.findall(r"```(?:yaml|sh)\n(.*?)```", doc[doc.index("## A CI job") :], re.S)


def test_the_docs_show_the_example_files() -> None:
    shown = doc_blocks()
    assert shown[0] == (EXAMPLES / "scim-gate.yml").read_text()
    assert shown[1] == (EXAMPLES / "scim-gate.sh").read_text()
    assert (EXAMPLES / "scim-gate.sh").stat().st_mode & 0o111, "chmod +x examples/ci/scim-gate.sh"


def workflow_commands() -> list[tuple[str, dict[str, str]]]:
    """(command line, environment) of each loadscim step of the GitHub Actions job."""
    job = yaml.safe_load((EXAMPLES / "scim-gate.yml").read_text())["jobs"]["gate"]
    found = []
    for step in job["steps"]:
        command = " ".join(str(step.get("run", "")).split())
        if "loadscim run" in command:
            env = {k: "staging-t0ken" for k in step.get("env", {})}
            found.append((command, env))
    return found


def script_commands() -> list[tuple[str, dict[str, str]]]:
    """The shell script's loadscim command, without and with SCIM_STAGING_URL."""
    text = (EXAMPLES / "scim-gate.sh").read_text().replace("\\\n", " ")
    line = next(raw for raw in text.splitlines() if raw.startswith(".venv/bin/loadscim run"))
    line = " ".join(line.replace('"${DURATION:-1m}"', "1m").replace('"$@"', "").split())
    staging = '--target "https://staging.example.com/scim/v2"'
    return [
        (line.replace('"${target[@]}"', ""), {}),
        (line.replace('"${target[@]}"', staging), {"LOADSCIM_TOKEN": "staging-t0ken"}),
    ]


COMMANDS = workflow_commands() + script_commands()


@pytest.mark.parametrize("command, env", COMMANDS, ids=[f"{i}" for i in range(len(COMMANDS))])
def test_every_example_command_is_valid(command: str, env: dict[str, str], tmp_path: Path):
    shutil.copytree(ROOT / "gates", tmp_path / "gates")
    command = command.replace('"$GITHUB_STEP_SUMMARY"', str(tmp_path / "step-summary.md"))
    args = shlex.split(command)
    assert args[0] == ".venv/bin/loadscim", args
    clean = {k: v for k, v in os.environ.items() if k != "LOADSCIM_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "loadscim.cli", *args[1:], "--check"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env={**clean, **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing was sent" in result.stdout

"""`pip install .` gives a working `loadscim`: the wheel carries the scenarios and the gate
files, so `loadscim run lifecycle` works from any directory, not only from a checkout."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from runs import ROOT, verdict_line

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_wheel_installs_into_a_fresh_venv_and_runs_a_scenario_from_anywhere(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next((tmp_path / "dist").glob("loadscim-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "loadscim/scenarios/lifecycle.py" in names and "loadscim/gates/ci.toml" in names
    assert not any(name.startswith(("tests/", "scenarios/")) for name in names)

    # A fresh venv; the dependencies (not loadscim) come from this one, so nothing is
    # downloaded.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip

    anywhere = tmp_path / "elsewhere"
    anywhere.mkdir()
    result = subprocess.run(
        [str(venv / "bin" / "loadscim"), "run", "lifecycle", "--duration", "3s", "--users", "2",
         "--gate", "ci"],
        cwd=anywhere, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    assert "gate file" not in result.stderr
    where = subprocess.run(
        [str(python), "-c", "import loadscim; print(loadscim.__file__)"],
        cwd=anywhere, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert where.startswith(site), where  # the installed copy, not the checkout

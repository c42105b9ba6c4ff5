"""The complete scenario of the README ("Writing a scenario") runs as written: PASS on the
clean embedded target, FAIL with the fault its checkers exist for."""

from __future__ import annotations

import re

import pytest
from runs import ROOT, Targets, loadscim, verdict_line

pytestmark = pytest.mark.integration


def readme_scenario(tmp_path) -> str:
    text = (ROOT / "README.md").read_text()
    after = text.split("A complete scenario", 1)[1]
    code = re.search(r"```python\n(.*?)```", after, re.S)
    assert code is not None
    assert len(code.group(1).splitlines()) < 30
    path = tmp_path / "deactivate.py"
    path.write_text(code.group(1))
    return str(path)


@pytest.mark.parametrize(("fault", "code"), [("", 0), ("ignore-deactivate", 1)])
def test_the_readme_scenario_runs(targets: Targets, tmp_path, fault, code):
    args = ["run", readme_scenario(tmp_path), "--duration", "3s", "--users", "2"]
    result = loadscim(*args, "--target", targets.url(*([fault] if fault else [])))
    assert result.returncode == code, result.stdout[-2000:] + result.stderr[-2000:]
    line = verdict_line(result.stdout)
    assert line.startswith("verdict: PASS" if code == 0 else "verdict: FAIL"), line
    if fault:
        assert "zombie" in line, line

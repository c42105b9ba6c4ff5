"""CI outputs on real runs: ``--summary-md`` and ``--baseline`` with relative gate lines.

Two short runs of the lifecycle scenario against the embedded target (3 s, 2 users): the
first writes the baseline (``--json``), the second is gated relative to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from runs import loadscim, verdict_line

pytestmark = pytest.mark.integration

RELATIVE = """min_samples = 5
[latency]
"*" = ["p99 < 50 * baseline", "p50 < 0.01 * baseline"]
"""
LOOSE = 'min_samples = 5\n[latency]\n"*" = ["p99 < 50 * baseline"]\n'


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("baseline")
    result = loadscim("run", "lifecycle", "--duration", "3s", "--users", "2",
                      "--json", str(out / "a.json"))  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "a.json"


def test_relative_gate_and_markdown_summary_on_a_real_run(baseline: Path, tmp_path: Path) -> None:
    gate = tmp_path / "rel.toml"
    gate.write_text(RELATIVE)
    md = tmp_path / "summary.md"
    result = loadscim("run", "lifecycle", "--duration", "3s", "--users", "2",
                      "--gate", str(gate), "--baseline", str(baseline),
                      "--summary-md", str(md), "--json", str(tmp_path / "b.json"))  # fmt: skip
    # p50 below a hundredth of the baseline's cannot hold; p99 within 50 times it does.
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert '"*" p50 < 0.01 * baseline observed' in verdict_line(result.stdout)
    text = md.read_text()
    assert text.startswith("## ❌ loadscim: FAIL\n")
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "baseline" in ln]
    assert rows[0].startswith('| ✅ PASS | "\\*" p99 &lt; 50 \\* baseline |')
    assert rows[1].startswith('| ❌ FAIL | "\\*" p50 &lt; 0.01 \\* baseline |')
    assert "### Checkers" in text and "scenario `" in text

    # The saved run judged again against the baseline, offline: the loose line passes.
    loose = tmp_path / "loose.toml"
    loose.write_text(LOOSE)
    again = loadscim("report", str(tmp_path / "b.json"), "--gate", str(loose),
                     "--baseline", str(baseline),
                     "--summary-md", str(tmp_path / "again.md"))  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "again.md").read_text().startswith("## ✅ loadscim: PASS\n")


@pytest.mark.parametrize(
    ("baseline_text", "words"),
    [
        (None, "is relative to a baseline, but no --baseline was given"),
        ('{"format": "k6"}', "not a loadscim summary"),
    ],
)
def test_bad_baseline_input_is_one_line_exit_3(
    tmp_path: Path, baseline_text: str | None, words: str
) -> None:
    gate = tmp_path / "rel.toml"
    gate.write_text(LOOSE)
    args = ["run", "lifecycle", "--gate", str(gate), "--check"]
    if baseline_text is not None:
        (tmp_path / "a.json").write_text(baseline_text)
        args += ["--baseline", str(tmp_path / "a.json")]
    result = loadscim(*args)
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stderr.startswith("loadscim: error: ") and words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr

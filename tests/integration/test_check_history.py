"""`loadscim check`: a saved history is judged again offline, with the same result."""

from __future__ import annotations

import pytest
from runs import Targets, loadscim

pytestmark = pytest.mark.integration


def test_history_of_a_faulty_run_fails_again_offline(targets: Targets, tmp_path):
    history = tmp_path / "h.jsonl"
    run = loadscim(
        "run",
        "racing_patch",
        "--target",
        targets.url("lost-update"),
        "--duration",
        "4s",
        "--users",
        "2",
        "--history",
        str(history),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    result = loadscim("check", str(history))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "lost_update" in result.stdout and "lost-member" in result.stdout
    assert result.stdout.rstrip().endswith("verdict: FAIL")
    only = loadscim("check", str(history), "--checker", "conflict_status")
    assert only.returncode == 0 and "lost_update" not in only.stdout


def test_clean_history_passes_and_bad_files_are_one_line(clean_target: str, tmp_path):
    history = tmp_path / "h.jsonl"
    run = loadscim(
        "run", "duplicate_race", "--duration", "3s", "--users", "2", "--history", str(history),
        "--target", clean_target,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert loadscim("check", str(history)).returncode == 0
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"trial": "t1", "kind": "x", "ops": []}\nnot json\n')
    result = loadscim("check", str(broken))
    assert result.returncode == 3
    assert "line 2" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    missing = loadscim("check", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 3 and "cannot be read" in missing.stderr

"""The requests of one trial really race: they are in flight together, not queued.

One FastHttpSession allows 10 connections by default; a trial's racers share a session
sized to the fan-out. Against a target that holds every answer 200 ms, the K PATCHes of a
membership trial must all be in flight at once (each starts before any ends).
"""

from __future__ import annotations

import pytest
from runs import Targets, loadscim

from loadscim.jsonl import loads_trial
from loadscim.ops import completions

pytestmark = pytest.mark.integration


def test_racers_are_in_flight_together(targets: Targets, tmp_path):
    history = tmp_path / "history.jsonl"
    fan_out = 16  # above FastHttpSession's default of 10 connections
    result = loadscim(
        "run",
        "racing_patch",
        "--target",
        targets.url("latency=200"),
        "--duration",
        "5s",
        "--users",
        "1",
        "--history",
        str(history),
        "--",
        "--fan-out",
        str(fan_out),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    trials = [loads_trial(line) for line in history.read_bytes().splitlines()]
    races = [t for t in trials if t.kind in ("membership-add", "replace", "if-match")]
    assert races, [t.kind for t in trials]
    for trial in races:
        patches = sorted(
            (op for op in completions(trial.ops) if op.kind == "patch"), key=lambda op: op.start_us
        )
        # a replace race is followed by one more PATCH, after it (the last writer alone)
        settle = 1 if trial.kind == "replace" else 0
        assert len(patches) == fan_out + settle
        if settle:
            assert all(op.end_us is not None and op.end_us <= patches[-1].start_us
                       for op in patches[:-1])  # fmt: skip
            patches = patches[:-1]
        latest_start = max(op.start_us for op in patches)
        earliest_end = min(op.end_us for op in patches if op.end_us is not None)
        assert latest_start < earliest_end, f"trial {trial.id}: the PATCHes did not overlap"

"""A handful of real `loadscim run`s with generated options and gate files (valid and
broken): each is a normal run (a verdict, exit 0, 1 or 2) or exit 3 with one line; never a
traceback. The wide search is tests/unit/test_fuzz_run_options.py, on `run --check`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from runs import loadscim, verdict_line

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

GATES = st.sampled_from(
    [
        None,
        'errors = "rate < 5%"\n[latency]\n"*" = ["p99 < 2s"]\n',
        'min_samples = 5\n[latency]\n"POST /Users" = "p95 < 1ms"\n',
        '[latency]\n"POST /Users" = "p95 < 300"\n',
        'errors = "rate < 0%"\n',
        "[violations]\nread_your_writes = -1\n",
        "not toml at all [",
    ]
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    users=st.sampled_from(["1", "2", "3", "2", "0", "x"]),
    duration=st.sampled_from(["2s", "3s", "2s", "0s", "1h2x"]),
    fault=st.sampled_from(
        [None, "latency=20", "error-rate=0.05", "throttle=0.05", "reset=2", "nope"]
    ),
    gate=GATES,
    seed=st.sampled_from(["0", "7", "-3", "seed"]),
    spawn_rate=st.sampled_from([None, "1", "10", "nan", "0"]),
)
@example(users="2", duration="3s", fault="latency=20", gate=None, seed="1", spawn_rate=None)
@example(
    users="3",
    duration="3s",
    fault="throttle=0.05",
    gate='min_samples = 5\n[latency]\n"*" = ["p99 < 2s"]\n',
    seed="-3",
    spawn_rate="10",
)
def test_real_runs_give_a_verdict_or_one_line(
    tmp_path, users, duration, fault, gate, seed, spawn_rate
):
    args = [
        "run",
        "--users",
        users,
        "--duration",
        duration,
        "--seed",
        seed,
        "--request-timeout",
        "3",
    ]
    if fault:
        args += ["--target-fault", fault]
    if spawn_rate:
        args += ["--spawn-rate", spawn_rate]
    if gate is not None:
        path = tmp_path / "gate.toml"
        path.write_text(gate)
        args += ["--gate", str(path)]
    result = loadscim(*args, timeout=120)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    if result.returncode == 3:
        errors = [
            line for line in result.stderr.splitlines() if line.startswith("loadscim: error:")
        ]
        assert len(errors) == 1, result.stderr
    else:
        assert result.returncode in (0, 1, 2), output[-3000:]
        assert verdict_line(result.stdout)

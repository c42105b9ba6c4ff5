"""Bad input never gives a traceback: generated options and gate files for `loadscim run --check`;
and `loadscim run` and plain `locust` agree on which options are valid.

`--check` validates everything `loadscim run` validates before it sends anything (options,
credentials, TLS files, gate file, scenario) and exits 0 without running. Property: for any
mix of valid and broken values, the command exits 0 (valid, nothing on stderr) or 3 with
exactly one line on stderr, and never raises. Valid inputs always give 0.
"""

from __future__ import annotations

from locust.argument_parser import get_parser

import atexit
import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from loadscim import cli, harness, options
from loadscim.errors import LoadscimError, one_line
from loadscim.target.faults import KNOWN_FAULTS

ROOT = Path(__file__).resolve().parents[2]
TMP = Path(tempfile.mkdtemp(prefix="loadscim-fuzz-"))
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
assert harness.listeners  # registers loadscim's options on Locust's parser
ENV_KEYS = ("FUZZ_TOKEN", "FUZZ_PASSWORD", "LOADSCIM_TOKEN", "LOADSCIM_PASSWORD")

junk = st.text(max_size=30)

# -- gate files ---------------------------------------------------------------------------

STATS = ["p50", "p95", "p99", "p99.9", "max", "avg", "p95_corrected", "p0", "p101", "pxx", ""]
UNITS = ["us", "ms", "s", "", "m", "h"]
ENDPOINTS = ["*", "POST /Users", "GET /Users/{id}", "PATCH /Groups/{id}", "FOO /x", "POST", ""]


def toml_string(text: str) -> str:
    escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text)
    return f'"{escaped}"'


latency_rule = st.builds(
    lambda stat, op, n, unit: f"{stat} {op} {n}{unit}",
    st.sampled_from(STATS),
    st.sampled_from(["<", "<=", ">", "="]),
    st.one_of(st.integers(-5, 10_000), st.floats(allow_nan=True, allow_infinity=True)),
    st.sampled_from(UNITS),
)
rate_rule = st.builds(
    lambda op, n: f"rate {op} {n}%",
    st.sampled_from(["<", "<=", ">"]),
    st.one_of(st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True)),
)
toml_value = st.one_of(
    latency_rule.map(toml_string),
    rate_rule.map(toml_string),
    junk.map(toml_string),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["true", "false", "[]", "{}", "inf", "nan"]),
    st.lists(latency_rule.map(toml_string), max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
)
top_key = st.sampled_from(
    ["errors", "min_rps", "min_samples", "abort_on_fail", "abort_grace", "bogus", "Errors"]
)
table = st.sampled_from(["latency", "errors_by_endpoint", "violations", "nonsense"])


@st.composite
def gate_text(draw: st.DrawFn) -> str:
    lines = [f"{draw(top_key)} = {draw(toml_value)}" for _ in range(draw(st.integers(0, 3)))]
    for _ in range(draw(st.integers(0, 2))):
        lines.append(f"[{draw(table)}]")
        for _ in range(draw(st.integers(0, 3))):
            key = draw(
                st.one_of(st.sampled_from(ENDPOINTS), junk, st.sampled_from(["lost_update"]))
            )
            lines.append(f"{toml_string(key)} = {draw(toml_value)}")
    return "\n".join(lines) + "\n"


valid_gate = st.builds(
    lambda rate, p99: f'errors = "rate < {rate}%"\n[latency]\n"*" = ["p99 < {p99}ms"]\n',
    st.integers(1, 100),
    st.integers(1, 10_000),
)
gate_file = st.one_of(
    gate_text(),
    valid_gate,
    junk,
    st.binary(max_size=40),
    st.sampled_from(["[latency\n", 'errors = "rate < 1%"\nerrors = "rate < 2%"\n']),
)

# -- options ------------------------------------------------------------------------------

durations = st.one_of(
    st.sampled_from(["5s", "2m", "1h30m", "10", "0", "0s", "-1s", "1.5s", "5 s", "", "soon"]),
    junk,
)
numbers = st.one_of(
    st.integers(-3, 5000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "0x10", ""]),
    junk,
)
run_ids = st.one_of(st.from_regex(r"[a-z0-9]{4,32}", fullmatch=True), junk)
targets = st.one_of(
    st.sampled_from(
        [
            "http://127.0.0.1:8080/v2",
            "https://scim.example.invalid/scim/v2/",
            "http://[::1]:8080/v2",
            "http://[::1/v2",
            "http://127.0.0.1:99999/v2",
            "http://127.0.0.1:0/v2",
            "http://user:secret@127.0.0.1/v2",
            "ftp://127.0.0.1/",
            "http://",
            "127.0.0.1:8080",
            "http://x/v2?a=1",
            "http://exa mple/v2",
        ]
    ),
    junk,
)
fault_specs = st.one_of(
    st.sampled_from(KNOWN_FAULTS).flatmap(
        lambda name: st.sampled_from([name, f"{name}=0.1", f"{name}=2", f"{name}=x", f"{name}=50"])
    ),
    junk,
)
env_names = st.one_of(
    st.sampled_from(["FUZZ_TOKEN", "FUZZ_PASSWORD", "UNSET_VAR", "1BAD", ""]), junk
)
env_values = st.one_of(
    st.none(),
    st.sampled_from(["tok-abc123", "two words", "line\nbreak", "", "p@ss:w0rd", "\x00x"]),
    junk,
)


VALID = {
    "--duration": st.sampled_from(["5s", "2m", "1h30m", "10"]),
    "--users": st.integers(1, 500).map(str),
    "--spawn-rate": st.floats(0.1, 100).map(repr),
    "--stop-timeout": st.floats(0, 60).map(repr),
    "--seed": st.integers(-(2**40), 2**40).map(str),
    "--run-id": st.from_regex(r"[a-z0-9]{4,32}", fullmatch=True),
    "--request-timeout": st.floats(0.1, 3600).map(repr),
    "--token-env": st.just("FUZZ_TOKEN"),
    "--basic-password-env": st.just("FUZZ_PASSWORD"),
    "--basic-user": st.sampled_from(["alice", "svc-provisioner"]),
    "--target": st.sampled_from(["http://127.0.0.1:8080/v2", "https://[::1]:8443/scim/v2/"]),
    "--target-fault": st.sampled_from(["latency=300", "throttle=0.1", "reset=0.5", "lost-update"]),
}
BROKEN = {
    "--duration": durations,
    "--users": numbers,
    "--spawn-rate": numbers,
    "--stop-timeout": numbers,
    "--seed": numbers,
    "--run-id": run_ids,
    "--request-timeout": numbers,
    "--token-env": env_names,
    "--basic-password-env": env_names,
    "--basic-user": st.one_of(st.sampled_from(["a:b", "", "x\ty"]), junk),
    "--target": targets,
    "--target-fault": fault_specs,
}


def mostly_valid(draw: st.DrawFn, option: str) -> str:
    return draw(VALID[option] if draw(st.integers(0, 3)) else BROKEN[option])


@st.composite
def run_options(draw: st.DrawFn) -> tuple[list[str], dict[str, str | None]]:
    """A command line for `loadscim run --check`, mostly valid, and environment values."""
    args: list[str] = []
    if draw(st.booleans()):
        args.append(
            draw(
                st.one_of(
                    st.sampled_from(["lifecycle", "scenarios/lifecycle.py", "no_such", ""]), junk
                )
            )
        )
    for option in VALID:
        if option == "--target-fault":
            for _ in range(draw(st.integers(0, 2))):
                args += [option, mostly_valid(draw, option)]
        elif draw(st.integers(0, 2)) == 0:
            args += [option, mostly_valid(draw, option)]
    if draw(st.integers(0, 2)) == 0:
        path = TMP / f"gate-{draw(st.integers(0, 10**9))}.toml"
        content = draw(valid_gate if draw(st.booleans()) else gate_file)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
        args += ["--gate", str(path)]
    if draw(st.integers(0, 6)) == 0:
        args += [
            "--gate",
            draw(st.one_of(st.sampled_from([str(TMP), "/no/such/gate.toml", ""]), junk)),
        ]
    if draw(st.integers(0, 4)) == 0:
        path = TMP / f"token-{draw(st.integers(0, 10**9))}"
        path.write_text(
            draw(st.one_of(st.sampled_from(["tok-abc\n", "", "a b\n", "x\ny\n"]), junk))
        )
        args += [
            "--token-file",
            draw(st.one_of(st.sampled_from([str(path), "/no/such/token", str(TMP)]), junk)),
        ]
    if draw(st.integers(0, 5)) == 0:
        bundle = TMP / "not-a-ca.pem"
        bundle.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
        args += [
            "--ca-bundle",
            draw(st.one_of(st.sampled_from([str(bundle), "/no/such/ca.pem", str(TMP)]), junk)),
        ]
    if draw(st.integers(0, 4)) == 0:
        args.append("--insecure")
    if draw(st.integers(0, 4)) == 0:
        args += [
            "--history",
            draw(
                st.one_of(
                    st.sampled_from([str(TMP / "h.jsonl"), "/no/such/dir/h.jsonl", str(TMP)]), junk
                )
            ),
        ]
    if draw(st.integers(0, 6)) == 0:
        args.append(draw(st.sampled_from(["--frobnicate", "-u", "--users=3", "extra"])))
    if draw(st.integers(0, 6)) == 0:
        args += ["--", *draw(st.lists(junk, max_size=3))]
    valid_env = {"FUZZ_TOKEN": "tok-abc123", "FUZZ_PASSWORD": "p@ss:w0rd"}
    env = {
        key: valid_env.get(key) if draw(st.integers(0, 3)) else draw(env_values) for key in ENV_KEYS
    }
    return args, env


@contextlib.contextmanager
def environment(env: dict[str, str | None]) -> Iterator[None]:
    """``env`` in os.environ (None or a NUL byte: unset) for the block, then as it was."""
    saved = {key: os.environ.get(key) for key in env}
    try:
        for key, value in env.items():
            if value is None or "\x00" in value:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def check(args: list[str], env: dict[str, str | None]) -> tuple[int, str, str]:
    """Run `loadscim run --check ARGS` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        environment(env),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        contextlib.chdir(ROOT),
    ):
        try:
            code = cli.main(["run", "--check", *args])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 3
    return code, out.getvalue(), err.getvalue()


def assert_normal_or_one_line(code: int, stdout: str, stderr: str) -> None:
    assert "Traceback" not in stdout + stderr
    if code == 0:
        assert stderr == "" and stdout.startswith("loadscim: check: "), (stdout, stderr)
    else:
        assert code == 3, (code, stdout, stderr)
        assert stderr.startswith("loadscim: error: ") and stderr.count("\n") == 1, stderr


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run_options())
def test_any_options_and_gate_give_a_check_or_one_line_exit_3(case):
    args, env = case
    code, stdout, stderr = check(args, env)
    event(f"exit {code}")
    if code:
        event(stderr.split(":", 3)[2].strip().split(" ")[0][:20])
    assert_normal_or_one_line(code, stdout, stderr)


@settings(max_examples=60, deadline=None)
@given(
    gate=valid_gate,
    users=st.integers(1, 500),
    duration=st.sampled_from(["5s", "2m", "1h30m", "10"]),
    seed=st.integers(0, 2**31),
    run_id=st.from_regex(r"[a-z0-9]{4,32}", fullmatch=True),
    fault=st.sampled_from(["latency=300", "throttle=0.1", "reset=0.5", "lost-update"]),
    timeout=st.floats(0.1, 3600),
)
def test_valid_options_and_gate_always_pass_the_check(
    gate, users, duration, seed, run_id, fault, timeout
):
    path = TMP / "valid.toml"
    path.write_text(gate)
    args = [
        "lifecycle",
        "--gate",
        str(path),
        "--users",
        str(users),
        "--duration",
        duration,
        "--seed",
        str(seed),
        "--run-id",
        run_id,
        "--target-fault",
        fault,
        "--request-timeout",
        repr(timeout),
        "--token-env",
        "FUZZ_TOKEN",
    ]
    code, stdout, stderr = check(args, {"FUZZ_TOKEN": "tok-abc123"})
    assert code == 0, stderr
    assert "a bearer token from $FUZZ_TOKEN" in stdout and "tok-abc123" not in stdout


# -- the two paths agree ------------------------------------------------------------------
#
# `loadscim run` and plain `locust -f` parse the same options (loadscim.options) and validate
# them in one function; these generate values for every option both take and assert that
# both accept, or both refuse with the same message (up to how each spells the option).
# --duration and --stop-timeout are left out: Locust parses its own --run-time and
# --stop-timeout (loadscim run passes whole seconds); --target-fault and --check are
# loadscim run's only.

LOCUST_NAMES = {"--target": "--host", **{r.flag: r.locust for r in options.REPORTS}}
BOTH = {
    "--users": numbers,
    "--spawn-rate": numbers,
    "--seed": numbers,
    "--run-id": run_ids,
    "--pace": numbers,
    "--arrival-rate": numbers,
    "--fan-out": numbers,
    "--population": numbers,
    "--bulk-size": numbers,
    "--consistency-window": st.one_of(numbers, st.sampled_from(["2s", "500ms", "-1s", "2x"])),
    "--visibility-sample": numbers,
    "--dialect": st.one_of(
        st.sampled_from(["rfc", "okta", "entra", "entra-compliant", "aws"]), junk
    ),
    "--request-timeout": numbers,
    "--token-env": env_names,
    "--basic-user": st.one_of(st.sampled_from(["alice", "a:b", ""]), junk),
    "--json": st.sampled_from([str(TMP / "r.json"), str(TMP), "/no/such/dir/x/r.json"]),
    "--history": st.sampled_from([str(TMP / "h.jsonl"), str(TMP)]),
}
GOOD = {
    "--users": st.integers(1, 100).map(str),
    "--spawn-rate": st.floats(0.1, 100).map(repr),
    "--seed": st.integers(0, 2**31).map(str),
    "--run-id": st.from_regex(r"[a-z0-9]{4,32}", fullmatch=True),
    "--pace": st.floats(0, 10_000).map(repr),
    "--arrival-rate": st.floats(0, 1000).map(repr),
    "--fan-out": st.integers(2, 1000).map(str),
    "--population": st.integers(1, 1000).map(str),
    "--bulk-size": st.integers(1, 1000).map(str),
    "--consistency-window": st.sampled_from(["0", "1s", "250ms", "1.5"]),
    "--visibility-sample": st.floats(0, 1).map(repr),
    "--dialect": st.sampled_from(["rfc", "okta", "entra", "entra-compliant"]),
    "--request-timeout": st.floats(0.1, 3600).map(repr),
    "--token-env": st.just("FUZZ_TOKEN"),
    "--basic-user": st.just("alice"),
    "--json": st.just(str(TMP / "r.json")),
    "--history": st.just(str(TMP / "h.jsonl")),
}


@st.composite
def shared_options(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(option as `loadscim run` spells it, value): always a target, then some others."""
    # (Without a target, `loadscim run` starts the embedded one and Locust has none.)
    pairs = [("--target", draw(st.one_of(VALID["--target"], targets).filter(bool)))]
    for option in BOTH:
        if draw(st.integers(0, 2)) == 0:
            pairs.append((option, draw(GOOD[option] if draw(st.booleans()) else BOTH[option])))
    # No shell passes a NUL byte (`loadscim run` refuses one before parsing).
    return [(option, value.replace("\x00", "")) for option, value in pairs]


def via_locust(pairs: list[tuple[str, str]], env: dict[str, str | None]) -> str | None:
    """Parse with Locust's own parser (loadscim's options registered by the harness) and
    validate as the harness does at init: None when accepted, else the one-line message."""
    argv = ["-f", "scenarios/lifecycle.py"]
    for option, value in pairs:
        argv += [LOCUST_NAMES.get(option, option), value]
    with environment(env):
        with contextlib.redirect_stderr(io.StringIO()), contextlib.chdir(TMP):
            try:
                parsed = get_parser().parse_args(argv)
            except SystemExit:
                return "usage"
        try:
            options.validate(parsed, via="locust")
        except LoadscimError as e:
            message = one_line(str(e))  # as the harness prints it
            for ours, locusts in LOCUST_NAMES.items():
                message = message.replace(locusts, ours)
            return message
        return None


def via_run(pairs: list[tuple[str, str]], env: dict[str, str | None]) -> str | None:
    args = ["lifecycle"] + [part for pair in pairs for part in pair]
    code, stdout, stderr = check(args, env)
    assert_normal_or_one_line(code, stdout, stderr)
    if code == 0:
        return None
    message = stderr.removeprefix("loadscim: error: ").rstrip("\n")
    return "usage" if "(see: loadscim run --help)" in message else message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shared_options())
def test_loadscim_run_and_plain_locust_accept_and_refuse_the_same_options(pairs):
    env = {"FUZZ_TOKEN": "tok-abc123", "LOADSCIM_TOKEN": None}
    ours, locusts = via_run(pairs, env), via_locust(pairs, env)
    event("accepted" if ours is None else "refused")
    if "usage" in (ours, locusts):  # a parser refused a value (not a number, say)
        assert ours is not None and locusts is not None, (pairs, ours, locusts)
    else:
        assert ours == locusts, pairs


def test_a_pace_beyond_the_limit_is_refused_by_both():
    pairs = [("--target", "http://127.0.0.1:8080/v2"), ("--pace", "20000")]
    ours = via_run(pairs, {})
    assert ours is not None and ours.startswith("--pace 20000: must be from 0 to 10000")
    assert via_locust(pairs, {}) == ours


def test_pace_and_arrival_rate_together_are_refused_by_both():
    pairs = [("--target", "http://127.0.0.1:8080/v2"), ("--pace", "5"), ("--arrival-rate", "50")]
    ours = via_run(pairs, {})
    assert ours == "--arrival-rate and --pace both set the schedule; give one of them"
    assert via_locust(pairs, {}) == ours


def test_options_after_the_double_dash_are_checked_too():
    code, _, stderr = check(["lifecycle", "--", "--fan-out", "1"], {})
    assert code == 3 and stderr.startswith("loadscim: error: --fan-out 1: must be from 2")

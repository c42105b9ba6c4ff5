"""Gate files: the grammar, round trips, and one-line errors that name file, key, value and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadscim.config import (
    DEFAULT_ABORT_GRACE_S,
    DEFAULT_MIN_SAMPLES,
    Gate,
    LatencyRule,
    load_gate,
    parse_gate,
)
from loadscim.errors import EXIT_ERROR, GateError, UsageError

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "gates/ci.toml"

FULL = """
errors = "rate < 1%"
throttled = "rate <= 5%"
min_rps = 50
min_samples = 20
abort_on_fail = true
abort_grace = "10s"

[latency]
"*" = ["p99 < 2s"]
"POST /Users" = ["p95 < 300ms", "p99 < 1s", "p99_corrected < 1s", "max < 5s", "avg < 100ms"]
"PATCH /Groups/{id}" = "p50 < 50ms"
"GET /Users/{id}" = { rules = ["p99.9 <= 1.5s"], min_samples = 100 }

[errors_by_endpoint]
"POST /Users" = "rate < 2%"

[violations]
lost_update = 0
duplicate_create = 3
"""


def gate_error(text: str) -> str:
    with pytest.raises(GateError) as info:
        parse_gate(text, SOURCE)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"gate file {SOURCE}"), message
    return message


# ---------------------------------------------------------------------------------- valid


def test_full_gate_parses() -> None:
    gate = parse_gate(FULL, SOURCE)
    assert gate.source == SOURCE
    assert gate.errors is not None and gate.errors.text == "rate < 1%"
    assert gate.errors.limit_percent == 1.0
    assert gate.throttled is not None and gate.throttled.text == "rate <= 5%"
    assert gate.min_rps == 50.0
    assert gate.min_samples == 20
    assert gate.abort_on_fail is True
    assert gate.abort_grace_s == 10.0
    endpoints = [line.endpoint for line in gate.latency]
    assert endpoints == ["*", "POST /Users", "PATCH /Groups/{id}", "GET /Users/{id}"]
    post = gate.latency[1]
    assert [r.text for r in post.rules] == [
        "p95 < 300ms", "p99 < 1s", "p99_corrected < 1s", "max < 5s", "avg < 100ms",
    ]
    assert [r.limit_us for r in post.rules] == [300_000, 1_000_000, 1_000_000, 5_000_000, 100_000]
    assert post.rules[2].corrected and post.rules[2].stat == "p99"
    assert post.min_samples is None and gate.samples_needed(post) == 20
    single = gate.latency[2]
    assert single.rules == (LatencyRule("p50", "<", 50_000, "50ms"),)
    table = gate.latency[3]
    assert table.min_samples == 100 and gate.samples_needed(table) == 100
    assert table.rules[0].percentile == 99.9 and table.rules[0].op == "<="
    assert table.rules[0].limit_us == 1_500_000
    assert [(e.endpoint, e.rule.text) for e in gate.errors_by_endpoint] == [
        ("POST /Users", "rate < 2%")
    ]
    assert gate.allowed_violations("duplicate_create") == 3
    assert gate.allowed_violations("lost_update") == 0
    assert gate.allowed_violations("never_listed") == 0


def test_empty_gate_has_defaults() -> None:
    gate = parse_gate("# nothing but a comment\n", SOURCE)
    assert gate == Gate()
    assert gate.min_samples == DEFAULT_MIN_SAMPLES == 20
    assert gate.abort_on_fail is False and gate.abort_grace_s == DEFAULT_ABORT_GRACE_S == 10.0
    assert gate.errors is None and gate.min_rps is None and gate.latency == ()
    assert gate.throttled is None


@pytest.mark.parametrize(
    ("rule", "stat", "op", "limit_us", "corrected"),
    [
        ("p50 < 50ms", "p50", "<", 50_000, False),
        ("p75 < 1s", "p75", "<", 1_000_000, False),
        ("p90<=250us", "p90", "<=", 250, False),
        ("p95 < 300ms", "p95", "<", 300_000, False),
        ("p99 < 0.5s", "p99", "<", 500_000, False),
        ("p99.9 < 2s", "p99.9", "<", 2_000_000, False),
        ("p99.99 <= 3s", "p99.99", "<=", 3_000_000, False),
        ("p99.999 < 1.25ms", "p99.999", "<", 1_250, False),
        ("max < 5s", "max", "<", 5_000_000, False),
        ("avg < 100ms", "avg", "<", 100_000, False),
        ("p99_corrected < 1s", "p99", "<", 1_000_000, True),
        ("max_corrected <= 10s", "max", "<=", 10_000_000, True),
        ("  p95   <   300ms  ", "p95", "<", 300_000, False),
    ],
)
def test_latency_rules(rule: str, stat: str, op: str, limit_us: int, corrected: bool) -> None:
    gate = parse_gate(f'[latency]\n"*" = "{rule}"\n', SOURCE)
    (parsed,) = gate.latency[0].rules
    assert (parsed.stat, parsed.op, parsed.limit_us, parsed.corrected) == (
        stat, op, limit_us, corrected,
    )
    assert isinstance(parsed.limit_us, int)


@pytest.mark.parametrize("rate", ["rate < 1%", "rate <= 0.5%", "rate <= 0%", "rate < 100%"])
def test_rates(rate: str) -> None:
    assert parse_gate(f'errors = "{rate}"', SOURCE).errors.text == rate  # type: ignore[union-attr]


@pytest.mark.parametrize("rate", ["rate < 5%", "rate <= 0%", "rate < 0.5%"])
def test_throttled_rates(rate: str) -> None:
    gate = parse_gate(f'throttled = "{rate}"', SOURCE)
    assert gate.throttled is not None and gate.throttled.text == rate
    assert gate.errors is None  # a separate line: throttling is not an error


@pytest.mark.parametrize("text", [FULL, "", 'min_rps = 0.5\nabort_grace = "250ms"'])
def test_round_trip(text: str) -> None:
    gate = parse_gate(text, SOURCE)
    again = parse_gate(gate.to_toml(), "again.toml")
    assert again == gate
    assert again.to_toml() == gate.to_toml()


@pytest.mark.parametrize("name", ["ci.toml", "lifecycle.toml"])
def test_shipped_gates_load_and_round_trip(name: str) -> None:
    gate = load_gate(ROOT / "gates" / name)
    assert gate.source.endswith(name)
    assert parse_gate(gate.to_toml(), name) == gate


def test_ci_gate_content() -> None:
    gate = load_gate(ROOT / "gates" / "ci.toml")
    assert gate.errors is not None and gate.errors.text == "rate < 1%"
    assert gate.min_samples == 20
    assert [(ln.endpoint, [r.text for r in ln.rules]) for ln in gate.latency] == [
        ("*", ["p95 < 250ms", "p99 < 2s"])
    ]


# ---------------------------------------------------------------------------------- errors

ERRORS = [
    # (gate text, fragments the one-line message must contain: where, value, rule, fix)
    (
        '[latency]\n"POST /Users" = "p95 < 300"',
        ['[latency] "POST /Users"', "'p95 < 300'", "has no unit", "write 'p95 < 300ms'"],
    ),
    (
        '[latency]\n"*" = ["p99 < 2s", "median < 1s"]',
        ['[latency] "*"', "'median < 1s'", "unknown statistic 'median'", "write 'p50 < 1s'"],
    ),
    (
        '[latency]\n"*" = "p95x < 1s"',
        ["'p95x < 1s'", "unknown statistic", "max or avg"],
    ),
    (
        '[latency]\n"*" = "P95 < 1s"',
        ["'P95 < 1s'", "capitals", "write 'p95 < 1s'"],
    ),
    (
        '[latency]\n"*" = "p101 < 1s"',
        ["'p101 < 1s'", "percentile 101", "(0, 100]"],
    ),
    (
        '[latency]\n"*" = "p95 > 300ms"',
        ["'p95 > 300ms'", "'<' or '<='", "write 'p95 < 300ms'"],
    ),
    (
        '[latency]\n"*" = "p95 == 300ms"',
        ["'p95 == 300ms'", "'<' or '<='", "write 'p95 < 300ms'"],
    ),
    (
        '[latency]\n"*" = "p95 300ms"',
        ["'p95 300ms'", "no operator", "write 'p95 < 300ms'"],
    ),
    (
        '[latency]\n"*" = "p95 < -300ms"',
        ["'p95 < -300ms'", "negative", "write 'p95 < 300ms'"],
    ),
    (
        '[latency]\n"*" = "p95 < 0ms"',
        ["'p95 < 0ms'", "limit of 0", "'p95 < 300ms'"],
    ),
    (
        '[latency]\n"*" = "p95 < 2min"',
        ["'p95 < 2min'", "unknown unit 'min'", "us, ms and s", "write 'p95 < 120s'"],
    ),
    (
        '[latency]\n"*" = "p95 < 3sec"',
        ["'p95 < 3sec'", "unknown unit 'sec'", "write 'p95 < 3s'"],
    ),
    (
        '[latency]\n"*" = "p95 < 0.5us"',
        ["'p95 < 0.5us'", "1us resolution", "write 'p95 < 1us'"],
    ),
    (
        '[latency]\n"*" = "p95 < 30%"',
        ["'p95 < 30%'", "not a rate", "write 'p95 < 30ms'"],
    ),
    (
        '[latency]\n"*" = "fast please"',
        ["'fast please'", "not a latency rule", "'p95 < 300ms'"],
    ),
    (
        '[latency]\n"*" = [300]',
        ['[latency] "*"', "300 is an integer, not a string", "write 'p95 < 300ms'"],
    ),
    (
        '[latency]\n"*" = 300',
        ['[latency] "*"', "300 is an integer", '"*" = ["p95 < 300ms", "p99 < 1s"]'],
    ),
    (
        '[latency]\n"*" = []',
        ['[latency] "*"', "[] has no rules", "remove the line"],
    ),
    (
        '[latency]\n"*" = { rulez = ["p95 < 1s"] }',
        ['[latency] "*".rulez', "unknown key 'rulez'", "rules and min_samples"],
    ),
    (
        '[latency]\n"*" = { min_samples = 5 }',
        ['[latency] "*"', "has no rules", '{ rules = ["p95 < 300ms"], min_samples = 100 }'],
    ),
    (
        '[latency]\n"*" = { rules = ["p95 < 1s"], min_samples = 0 }',
        ['[latency] "*".min_samples', "0 is below 1", "write min_samples = 1"],
    ),
    (
        '[latency]\n"post /Users" = "p95 < 1s"',
        ['[latency] "post /Users"', "'METHOD /Path'", "write 'POST /Users'"],
    ),
    (
        '[latency]\n"/Users" = "p95 < 1s"',
        ['[latency] "/Users"', "no method", "write 'GET /Users'"],
    ),
    (
        '[latency]\n"POST" = "p95 < 1s"',
        ['[latency] "POST"', "no path", "write 'POST /Users'"],
    ),
    (
        '[latency]\n"PATCH /Users/2819c223" = "p95 < 1s"',
        ['[latency] "PATCH /Users/2819c223"', "ids as {id}", "write 'PATCH /Users/{id}'"],
    ),
    (
        '[latency]\n"GET /Users?filter=x" = "p95 < 1s"',
        ['"GET /Users?filter=x"', "no query", "write 'GET /Users'"],
    ),
    (
        '[latency]\n"FETCH /Users" = "p95 < 1s"',
        ['[latency] "FETCH /Users"', "unknown method 'FETCH'", "GET", "POST"],
    ),
    (
        '[latency]\n"users fast" = "p95 < 1s"',
        ['[latency] "users fast"', "'METHOD /Path'", "'POST /Users'"],
    ),
    (
        '[latency]\nmin_samples = 5',
        ['[latency] "min_samples"', "top-level key", "move it above the first [table]"],
    ),
    (
        'errors = "rate < 1"',
        ["errors: 'rate < 1'", "has no '%'", "write 'rate < 1%'"],
    ),
    (
        'errors = "rate < 0.01"',
        ["'rate < 0.01'", "no '%'", "write 'rate < 0.01%'", "'rate < 1%' if 0.01 is a fraction"],
    ),
    (
        'errors = "rate < 101%"',
        ["errors: 'rate < 101%'", "outside 0..100%", "'rate <= 100%'"],
    ),
    (
        'errors = "rate < -1%"',
        ["errors: 'rate < -1%'", "outside 0..100%", "'rate <= 0%'"],
    ),
    (
        'errors = "rate < 0%"',
        ["'rate < 0%'", "never hold", "write 'rate <= 0%'"],
    ),
    (
        'errors = "rate > 1%"',
        ["'rate > 1%'", "'<' or '<='", "write 'rate < 1%'"],
    ),
    (
        'errors = "p95 < 1%"',
        ["'p95 < 1%'", "start with 'rate'", "write 'rate < 1%'"],
    ),
    (
        "errors = 1",
        ["errors: 1 is an integer, not a string", 'write errors = "rate < 1%"'],
    ),
    (
        '[errors]\n"POST /Users" = "rate < 1%"',
        ["errors: a table is not a rate", "[errors_by_endpoint]"],
    ),
    (
        '[errors_by_endpoint]\n"POST /Users" = "rate < 2"',
        ['[errors_by_endpoint] "POST /Users"', "'rate < 2'", "write 'rate < 2%'"],
    ),
    (
        '[errors_by_endpoint]\n"POST /Users" = 2',
        ['[errors_by_endpoint] "POST /Users"', "2 is an integer", '"POST /Users" = "rate < 2%"'],
    ),
    (
        '[errors_by_endpoint]\n"Users" = "rate < 2%"',
        ['[errors_by_endpoint] "Users"', "no method", "'GET /Users'"],
    ),
    (
        "min_rp = 50",
        ["min_rp: unknown key 'min_rp'", "abort_grace, abort_on_fail", "did you mean 'min_rps'?"],
    ),
    (
        "latencies = 1",
        ["latencies: unknown key", "did you mean 'latency'?"],
    ),
    (
        '"POST /Users" = ["p95 < 300ms"]',
        ['"POST /Users": an endpoint line outside any table', "under a [latency] header"],
    ),
    (
        'latency = "p99 < 2s"',
        ["latency: 'p99 < 2s' is a string, not a table", "[latency] header"],
    ),
    (
        'min_rps = "50/s"',
        ["min_rps: '50/s' is a string", "write min_rps = 50"],
    ),
    (
        "min_rps = -5",
        ["min_rps: -5 is negative", "write min_rps = 5"],
    ),
    (
        "min_rps = inf",
        ["min_rps: inf is not a finite number", "write min_rps = 50"],
    ),
    (
        'min_samples = "20"',
        ["min_samples: '20' is a string, not an integer", "write min_samples = 20"],
    ),
    (
        "min_samples = 0",
        ["min_samples: 0 is below 1", "write min_samples = 1"],
    ),
    (
        "min_samples = -20",
        ["min_samples: -20 is below 1", "write min_samples = 20"],
    ),
    (
        'abort_on_fail = "true"',
        ["abort_on_fail: 'true' is a string, not a boolean", "write abort_on_fail = true"],
    ),
    (
        "abort_grace = 10",
        ["abort_grace: 10 is an integer", 'write abort_grace = "10s"'],
    ),
    (
        'abort_grace = "10"',
        ["abort_grace: '10' has no unit", 'write abort_grace = "10s"'],
    ),
    (
        'abort_grace = "-10s"',
        ["abort_grace: '-10s' is negative", 'write abort_grace = "10s"'],
    ),
    (
        "[violations]\nlost_update = -1",
        ["[violations] lost_update: -1 is negative", "write lost_update = 0"],
    ),
    (
        '[violations]\nlost_update = "0"',
        ["[violations] lost_update: '0' is a string", "write lost_update = 0"],
    ),
    (
        '[violations]\n"lost update" = 1',
        ['[violations] "lost update"', "not a checker name", "write lost_update = 1"],
    ),
    (
        "violations = 0",
        ["violations: 0 is an integer, not a table", "[violations]"],
    ),
    (
        'throttled = "5%"',
        ["throttled: '5%' is not a throttled rate", "write 'rate < 5%'"],
    ),
    (
        "throttled = 5",
        ["throttled: 5 is an integer, not a string", 'write throttled = "rate < 5%"'],
    ),
    (
        'throttled = "rate < 5"',
        ["throttled: 'rate < 5'", "has no '%'", "write 'rate < 5%'"],
    ),
    (
        "[throttled]\nrate = 1",
        ['throttled', 'a table is not a rate; write throttled = "rate < 5%" at the top'],
    ),
    (
        'throttle = "rate < 5%"',
        ["unknown key 'throttle'", "did you mean 'throttled'?"],
    ),
]


@pytest.mark.parametrize(("text", "fragments"), ERRORS)
def test_error_messages(text: str, fragments: list[str]) -> None:
    message = gate_error(text)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_error_value_on_one_line() -> None:
    message = gate_error('errors = """rate\n< 1"""')
    assert "'rate\\n< 1'" in message


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            'min_samples = 20\nerrors "rate < 1%"\n',
            ["not valid TOML at line 2, column 8", "'errors \"rate < 1%\"'", "Expected '='",
             'key = "value"'],
        ),
        (
            '[latency]\n"POST /Users" = p95 < 300ms\n',
            ["not valid TOML at line 2", "Invalid value", "double quotes"],
        ),
        (
            'errors = "rate < 1%"\nerrors = "rate < 2%"\n',
            ["not valid TOML at line 2", "'errors' appears twice", "keep one of them"],
        ),
        (
            '[latency]\n"*" = "p99 < 2s"\n[latency]\n',
            ["not valid TOML at line 3", "twice", "merge the two tables"],
        ),
    ],
)
def test_invalid_toml(text: str, fragments: list[str]) -> None:
    message = gate_error(text)
    assert message.startswith(f"gate file {SOURCE}: not valid TOML")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


# ---------------------------------------------------------------------------------- files


def file_error(path: Path | str) -> str:
    with pytest.raises(GateError) as info:
        load_gate(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"gate file {path}:")
    return message


def test_missing_file(tmp_path: Path) -> None:
    message = file_error(tmp_path / "nope.toml")
    assert "not found" in message and "check the path given to --gate" in message


def test_directory(tmp_path: Path) -> None:
    message = file_error(tmp_path)
    assert "is a directory" in message and "a .toml file" in message


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.toml"
    path.write_text('errors = "rate < 1%"\n')

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    message = file_error(path)
    assert "permission denied" in message and f"chmod a+r {path}" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('errors = "rate < 1%" # caf\xe9\n'.encode("latin-1"))
    message = file_error(path)
    assert "not UTF-8" in message and "0xe9" in message and "save it as UTF-8" in message


def test_load_names_the_file_in_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[latency]\n"POST /Users" = "p95 < 300"\n')
    with pytest.raises(GateError) as info:
        load_gate(path)
    assert str(info.value) == (
        f"gate file {path}, [latency] \"POST /Users\": 'p95 < 300' has no unit; "
        "write 'p95 < 300ms'"
    )


def test_gate_error_is_a_usage_error_with_exit_3() -> None:
    with pytest.raises(UsageError) as info:
        parse_gate("min_rp = 1", SOURCE)
    assert isinstance(info.value, GateError)
    assert info.value.exit_code == EXIT_ERROR == 3

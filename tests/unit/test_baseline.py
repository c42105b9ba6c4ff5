"""Gate lines relative to a baseline run (``p99 < 1.2 * baseline``) on hand-written summaries."""

from __future__ import annotations

import pytest
from summaries import MS, summary

from loadscim import baseline
from loadscim.config import Gate, parse_gate
from loadscim.errors import GateError, UsageError
from loadscim.report.json import to_json
from loadscim.verdict import Status, evaluate

RELATIVE = 'min_samples = 5\n[latency]\n"*" = ["p99 < 1.2 * baseline"]\n'


def gate(text: str = RELATIVE) -> Gate:
    return parse_gate(text, "rel.toml")


def run(ms: int, n: int = 50, endpoint: str = "POST /Users"):
    return summary({endpoint: [ms * MS] * n})


def test_relative_rule_parses_and_round_trips_through_toml() -> None:
    parsed = gate('[latency]\n"*" = ["p99 < 1.2 * baseline", "p50_corrected <= baseline"]\n')
    rules = parsed.latency[0].rules
    assert [r.text for r in rules] == ["p99 < 1.2 * baseline", "p50_corrected <= 1 * baseline"]
    assert rules[0].factor == "1.2" and rules[1].corrected
    assert parse_gate(parsed.to_toml(), "again.toml") == parsed


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("p99 < 0 * baseline", "factor of 0"),
        ("q99 < 1.2 * baseline", "unknown statistic 'q99'"),
        ("p99 > 1.2 * baseline", "relative latency rule"),
        ("p99 < baseline * 1.2", "relative latency rule"),
    ],
)
def test_broken_relative_rule_is_one_line(rule: str, words: str) -> None:
    with pytest.raises(GateError) as e:
        gate(f'[latency]\n"*" = ["{rule}"]\n')
    assert words in str(e.value) and "\n" not in str(e.value)


def test_within_the_factor_passes_beyond_it_fails() -> None:
    resolved = baseline.apply_baseline(gate(), run(100))
    rule = resolved.latency[0].rules[0]
    assert rule.baseline_us == pytest.approx(100 * MS, rel=1e-3)
    assert rule.limit_us == pytest.approx(120 * MS, rel=1e-3)
    ok = evaluate(resolved, run(110))
    assert ok.status is Status.PASS
    line = next(ln for ln in ok.lines if ln.kind == "latency")
    assert line.text == "p99 < 1.2 * baseline"
    assert line.limit.startswith("120ms (1.2 * baseline 100ms")
    bad = evaluate(resolved, run(130))
    assert bad.status is Status.FAIL
    assert '"*" p99 < 1.2 * baseline observed 130ms' in bad.headline()


def test_limit_is_exact_at_the_boundary() -> None:
    # p99 of 100 ms reads 100.0xx ms from the histogram: 1 * baseline with '<' fails an
    # equal run, with '<=' passes it.
    strict = baseline.apply_baseline(gate(RELATIVE.replace("1.2 * baseline", "baseline")), run(100))
    assert evaluate(strict, run(100)).status is Status.FAIL
    loose = baseline.apply_baseline(
        gate(RELATIVE.replace("< 1.2 * baseline", "<= baseline")), run(100)
    )
    assert evaluate(loose, run(100)).status is Status.PASS


def test_baseline_with_too_few_samples_is_unknown_never_pass() -> None:
    resolved = baseline.apply_baseline(gate(), run(100, n=3))
    verdict = evaluate(resolved, run(50))
    assert verdict.status is Status.UNKNOWN
    assert "the baseline has only 3 samples, fewer than min_samples 5" in verdict.reasons[0]


def test_relative_rule_without_baseline_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as e:
        baseline.resolve(gate(), "")
    assert "no --baseline was given" in str(e.value) and "\n" not in str(e.value)
    assert baseline.resolve(gate('errors = "rate < 1%"\n'), "") is not None


def test_endpoint_the_baseline_lacks_is_a_usage_error() -> None:
    text = 'min_samples = 5\n[latency]\n"GET /Groups/{id}" = "p99 < 2 * baseline"\n'
    with pytest.raises(UsageError) as e:
        baseline.apply_baseline(gate(text), run(100), "--baseline a.json")
    message = str(e.value)
    assert message.startswith('--baseline a.json: the gate line [latency] "GET /Groups/{id}"')
    assert "it saw: POST /Users" in message and "\n" not in message


def test_corrected_rule_on_a_closed_model_baseline_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="corrected histogram, which the baseline lacks"):
        baseline.apply_baseline(gate(RELATIVE.replace("p99", "p99_corrected")), run(100))


def test_baseline_file_that_is_not_a_summary(tmp_path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(UsageError) as e:
        baseline.resolve(gate(), str(bad))
    assert str(e.value).startswith(f"--baseline {bad}: not a loadscim summary")
    with pytest.raises(UsageError, match="cannot read it"):
        baseline.resolve(gate(), str(tmp_path / "missing.json"))


def test_baseline_file_round_trip(tmp_path) -> None:
    path = tmp_path / "a.json"
    base = run(100)
    path.write_bytes(to_json(base, evaluate(None, base)))
    resolved = baseline.resolve(gate(), str(path))
    assert resolved is not None
    assert evaluate(resolved, run(200)).status is Status.FAIL
    assert evaluate(resolved, run(100)).status is Status.PASS

"""The JSON report: a whole summary and verdict that read back equal, histograms included."""

from __future__ import annotations

import dataclasses

import orjson
import pytest
from summaries import GATE, MS, judged, summary

from loadscim.config import parse_gate
from loadscim.errors import UsageError
from loadscim.report import render_text
from loadscim.report.json import from_json, to_json
from loadscim.summary import ALL, RunSummary
from loadscim.verdict import Status, Verdict, evaluate


def same_histogram(a, b) -> None:
    assert a.get_total_count() == b.get_total_count()
    assert a.get_max_value() == b.get_max_value() and a.get_min_value() == b.get_min_value()
    for p in (0, 50, 75, 90, 95, 99, 99.9, 100):
        assert a.get_value_at_percentile(p) == b.get_value_at_percentile(p)
    assert a.encode() == b.encode()


def test_round_trip_gives_back_the_summary_and_the_verdict() -> None:
    run, verdict = judged()
    run.task_errors, run.workers_lost, run.listener_errors = 2, 1, 3
    verdict = evaluate(parse_gate(GATE, "test.toml"), run)
    back, back_verdict = from_json(to_json(run, verdict))
    for f in dataclasses.fields(RunSummary):  # a new field must be carried, or listed here
        if f.name not in ("endpoints", "checkers"):
            assert getattr(back, f.name) == getattr(run, f.name), f.name
    assert list(back.endpoints) == list(run.endpoints)
    for name, stats in run.endpoints.items():
        got = back.endpoints[name]
        assert (got.name, got.requests, got.failures) == (name, stats.requests, stats.failures)
        same_histogram(got.hist, stats.hist)
        assert (got.hist_corrected is None) == (stats.hist_corrected is None)
        if stats.hist_corrected is not None:
            same_histogram(got.hist_corrected, stats.hist_corrected)
    assert back.checkers == run.checkers
    assert back_verdict == verdict
    assert back_verdict.status is Status.FAIL


def test_a_read_back_summary_renders_and_judges_the_same() -> None:
    run, verdict = judged()
    back, back_verdict = from_json(to_json(run, verdict))
    assert render_text(back, back_verdict) == render_text(run, verdict)
    gate = parse_gate(GATE, "test.toml")
    assert evaluate(gate, back) == evaluate(gate, run)


def test_percentile_figures_are_stated_in_microseconds() -> None:
    run, verdict = judged(summary({"GET /Users": [i * MS for i in range(1, 1001)]}))
    doc = orjson.loads(to_json(run, verdict))
    assert doc["format"] == "loadscim-summary" and doc["version"] == 1
    figures = doc["endpoints"]["GET /Users"]["latency_us"]
    hist = run.endpoints["GET /Users"].hist
    assert list(figures) == ["p50", "p75", "p90", "p95", "p99", "p99.9", "max", "avg", "samples"]
    for key, p in (("p50", 50), ("p75", 75), ("p90", 90), ("p95", 95), ("p99", 99),
                   ("p99.9", 99.9)):
        assert figures[key] == hist.get_value_at_percentile(p)
    assert figures["p99"] == pytest.approx(990 * MS, rel=1e-3)
    assert figures["max"] == hist.get_max_value() and figures["samples"] == 1000
    assert figures["avg"] == pytest.approx(500.5 * MS, rel=1e-3)
    assert doc["endpoints"]["GET /Users"]["latency_corrected_us"] is None
    assert doc["endpoints"][ALL]["hist"].startswith("HIST")
    assert doc["verdict"]["headline"] == verdict.headline()
    assert {line["name"] for line in doc["verdict"]["lines"]} == {ln.name for ln in verdict.lines}


def test_corrected_figures_when_open_model() -> None:
    run, verdict = judged()
    doc = orjson.loads(to_json(run, verdict))
    post = doc["endpoints"]["POST /Users"]
    assert post["latency_corrected_us"]["p99"] > post["latency_us"]["p99"]
    assert post["hist_corrected"].startswith("HIST")


def test_empty_and_error_runs_round_trip() -> None:
    empty = RunSummary()
    verdict = evaluate(None, empty)
    assert from_json(to_json(empty, verdict))[1] == verdict
    error = Verdict.error("target unreachable")
    assert from_json(to_json(empty, error))[1] == error


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a loadscim summary"),
        (b'{"format": "k6-summary"}', "not a loadscim summary"),
        (b'{"format": "loadscim-summary", "version": 99}', "version 99"),
        (b'{"format": "loadscim-summary", "version": 1}', "'endpoints' is missing"),
    ],
)
def test_bad_input_is_one_line_naming_the_source(data: bytes, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        from_json(data, "s.json")
    message = str(caught.value)
    assert message.startswith("s.json: ") and words in message and "\n" not in message


def test_a_damaged_histogram_or_field_is_one_line() -> None:
    run, verdict = judged()
    doc = orjson.loads(to_json(run, verdict))
    doc["endpoints"]["POST /Users"]["hist"] = "HISTnot-a-histogram"
    with pytest.raises(UsageError, match="histogram of 'POST /Users' cannot be decoded"):
        from_json(orjson.dumps(doc), "s.json")
    doc = orjson.loads(to_json(run, verdict))
    doc["checkers"]["lost_update"]["violations"] = "two"
    with pytest.raises(UsageError, match="'violations' has the wrong type"):
        from_json(orjson.dumps(doc), "s.json")

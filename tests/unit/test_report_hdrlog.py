"""The HdrHistogram interval log: hdrh's HistogramLogReader reads every histogram back."""

from __future__ import annotations

from pathlib import Path

import pytest
from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogReader
from summaries import MS, rich, summary

from loadscim.report.hdrlog import tag_for, write_hdr_log
from loadscim.summary import ALL, RunSummary, new_histogram


def read_all(path: Path) -> list[HdrHistogram]:
    reader = HistogramLogReader(str(path), new_histogram())
    out = []
    try:
        while (hist := reader.get_next_interval_histogram()) is not None:
            out.append(hist)
    finally:
        reader.close()
    return out


def test_tags_encode_spaces_and_commas() -> None:
    assert tag_for("POST /Users/{id}") == "POST_/Users/{id}"
    assert tag_for("GET /Users,x\ty") == "GET_/Users_x_y"
    assert tag_for(ALL) is None
    assert tag_for(ALL, corrected=True) == "corrected:*"
    assert tag_for("POST /Users", corrected=True) == "corrected:POST_/Users"


def test_reader_gets_every_histogram_back_tagged(tmp_path: Path) -> None:
    run = rich()
    path = tmp_path / "run.hlog"
    write_hdr_log(run, path)
    histograms = read_all(path)
    expected = {tag_for(name): stats.hist for name, stats in run.endpoints.items()}
    expected["corrected:POST_/Users"] = run.endpoints["POST /Users"].hist_corrected
    expected["corrected:*"] = run.endpoints[ALL].hist_corrected
    assert histograms[0].get_tag() is None  # "*" first, untagged
    assert {h.get_tag() for h in histograms} == set(expected)
    assert len(histograms) == len(expected)
    for hist in histograms:
        original = expected[hist.get_tag()]
        assert original is not None
        assert hist.get_total_count() == original.get_total_count()
        for p in (50, 99, 99.9, 100):
            assert hist.get_value_at_percentile(p) == original.get_value_at_percentile(p)
        assert hist.get_start_time_stamp() == 1_700_000_000_250.0
        assert hist.get_end_time_stamp() == 1_700_000_006_250.0


@pytest.mark.parametrize("started", [1_763_841_790.1236, 1_763_841_790.1231, 1_763_841_790.9996])
def test_every_interval_is_read_whatever_the_sub_millisecond_start(
    tmp_path: Path, started: float
) -> None:
    run = summary({"GET /Users": [5 * MS] * 10})
    run.started_unix = started
    path = tmp_path / "run.hlog"
    write_hdr_log(run, path)
    histograms = read_all(path)
    assert [h.get_tag() for h in histograms] == [None, "GET_/Users"]
    assert histograms[0].get_start_time_stamp() == round(started, 3) * 1000


def test_file_has_the_standard_header(tmp_path: Path) -> None:
    path = tmp_path / "run.hlog"
    write_hdr_log(summary({"GET /Users": [5 * MS] * 10}), path)
    lines = path.read_text().splitlines()
    assert lines[0] == "#[Histogram log format version 1.3]"
    assert any(ln.startswith("#[StartTime: 1700000000.250 (seconds since epoch), ") for ln in lines)
    assert "#[BaseTime: 1700000000.250 (seconds since epoch)]" in lines
    legend = '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"'
    assert legend in lines
    interval = next(ln for ln in lines if ln.startswith("Tag=GET_/Users,"))
    start, length, max_ms, payload = interval.split(",")[1:]
    assert (float(start), float(length), float(max_ms)) == (0.0, 6.0, 5.0)
    assert payload.startswith("HIST")


def test_unknown_start_and_no_star_histogram(tmp_path: Path) -> None:
    run = RunSummary(duration_s=2.0)
    stats = run.endpoint("GET /Users")
    stats.requests = 1
    stats.hist.record_value(700)
    path = tmp_path / "run.hlog"
    write_hdr_log(run, path)
    assert "#[StartTime" not in path.read_text()
    histograms = read_all(path)
    assert [h.get_tag() for h in histograms] == [None, "GET_/Users"]
    assert histograms[0].get_total_count() == 1  # "*" merged from the endpoints

"""The run over time: 5 s windows per endpoint, merged across workers, drawn and logged."""

from __future__ import annotations

import re

from hdrh.log import HistogramLogReader

from loadscim.recorder import Recorder
from loadscim.report.hdrlog import write_hdr_log_to
from loadscim.report.html import to_html
from loadscim.summary import new_histogram
from loadscim.verdict import evaluate
from loadscim.windows import Windows, read_rows, with_totals

MS = 1000


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def filled(clock: Clock) -> Windows:
    windows = Windows(clock)
    for second, name, ms, failed in [
        (100.0, "POST /Users", 10, False),
        (101.0, "POST /Users", 30, True),
        (104.9, "GET /Users/{id}", 2, False),
        (105.0, "POST /Users", 50, False),
        (112.0, "GET /Users/{id}", 4, False),
    ]:
        clock.now = second
        windows.record(name, ms * MS, failed)
    return windows


def test_windows_follow_the_clock_and_close_behind_it() -> None:
    rows = filled(Clock(100.0)).rows()
    assert [(r["start_unix"], r["endpoint"], r["requests"], r["failures"]) for r in rows] == [
        (100, "GET /Users/{id}", 1, 0),
        (100, "POST /Users", 2, 1),
        (105, "POST /Users", 1, 0),
        (110, "GET /Users/{id}", 1, 0),
    ]
    assert 10 * MS <= rows[1]["p50_us"] < 10.1 * MS and 30 * MS <= rows[1]["p99_us"] < 30.1 * MS


def test_workers_windows_add_up_on_the_master() -> None:
    master = Windows(Clock(0))
    master.absorb(filled(Clock(100.0)).drain())
    master.absorb(filled(Clock(100.0)).drain())
    rows = master.rows()
    assert [(r["start_unix"], r["requests"]) for r in rows] == [(100, 2), (100, 4), (105, 2),
                                                                  (110, 2)]  # fmt: skip
    totals = [r for r in with_totals(rows) if r["endpoint"] == "*"]
    assert [(r["start_unix"], r["requests"], r["failures"]) for r in totals] == [
        (100, 6, 2), (105, 2, 0), (110, 2, 0)
    ]  # fmt: skip


def summary_with_windows():
    recorder = Recorder("w1")
    recorder.windows = filled(Clock(100.0))
    summary = recorder.summary(duration_s=15.0)
    summary.started_unix = 100.0
    return summary


def test_html_has_one_point_per_window_and_fetches_nothing() -> None:
    summary = summary_with_windows()
    assert len(read_rows(summary.extra)) == 4
    page = to_html(summary, evaluate(None, summary))
    section = page[page.index('<section id="over-time">'):]
    section = section[: section.index("</section>")]
    throughput = section[section.index('id="throughput-chart"'):section.index("</svg>")]
    # three windows: requests/s and failed/s each have a point per window
    assert throughput.count('<circle class="point"') == 6
    assert 'data-name="POST /Users p99"' in section and 'data-name="* p50"' in section
    assert not re.search(r"(?i)(https?:|url\()", section)


def test_hdr_log_is_a_time_series_of_interval_histograms(tmp_path) -> None:
    summary = summary_with_windows()
    path = tmp_path / "w.hlog"
    with open(path, "w") as out:
        write_hdr_log_to(summary, out)
    reader = HistogramLogReader(str(path), new_histogram())
    intervals = []
    while (hist := reader.get_next_interval_histogram()) is not None:
        intervals.append((hist.get_start_time_stamp(), hist.get_tag(), hist.get_total_count()))
    reader.close()
    untagged = [(start, n) for start, tag, n in intervals if tag is None]
    assert [n for _, n in untagged] == [3, 1, 1]
    assert [start for start, _ in untagged] == sorted(start for start, _ in untagged)
    assert sum(n for _, tag, n in intervals if tag == "POST_/Users") == 3


def test_a_request_is_recorded_once_in_each_series_as_each_would_record_it():
    """The recorder keeps where an endpoint's requests go until a window of either series
    ends (loadscim.measurements): its histograms, 5 s windows and drift windows hold exactly
    what recording into each alone gives, across window ends, the drift windows coarsening,
    a drain in the middle, and values beyond the histograms' range."""
    import random

    from loadscim.drift import Drift
    from loadscim.summary import HIST_HIGHEST_US, record_us

    rng = random.Random(3)
    wall, mono = Clock(1000.0), Clock(50.0)
    recorder = Recorder("r")
    recorder.windows, recorder.monotonic = Windows(wall), mono
    recorder.drift.start(mono.now)
    windows, drift = Windows(wall), Drift()
    drift.start(mono.now)
    hists: dict[str, object] = {}
    requests: dict[str, list[int]] = {}
    drained = []
    for i in range(3000):
        wall.now += rng.random() * 0.02
        mono.now += rng.random() * 0.02
        name = rng.choice(["GET /Users/{id}", "POST /Users", "PATCH /Users/{id}"])
        ms = rng.choice([0.0, rng.random() * 50, HIST_HIGHEST_US / 500])
        failed = rng.random() < 0.1
        recorder.record_request(name, ms, failed)
        windows.record(name, int(ms * MS), failed)
        drift.record(name, int(ms * MS), mono.now)
        hist = hists.setdefault(name, new_histogram())
        record_us(hist, int(ms * MS))  # type: ignore[arg-type]
        counts = requests.setdefault(name, [0, 0])
        counts[0] += 1
        counts[1] += failed
        if i == 1500:
            drained.append(recorder.drain())
    assert drift.width > 1.0  # coarsened at least once
    master = Recorder("m")
    for data in [*drained, recorder.drain()]:
        master.absorb(data)
    assert master.windows.rows() == _absorbed(windows.drain()).rows()
    expected = Drift()
    expected.absorb(drift.drain())
    assert master.drift.width == expected.width
    for name, by_index in expected.windows.items():
        ours = master.drift.windows[name]
        assert sorted(ours) == sorted(by_index)
        for index, hist in by_index.items():
            assert list(ours[index].counts) == list(hist.counts)
    for name, hist in hists.items():
        stats = master.endpoints[name]
        assert [stats.requests, stats.failures] == requests[name]
        assert list(stats.hist.counts) == list(hist.counts)  # type: ignore[attr-defined]


def _absorbed(data: list) -> Windows:
    windows = Windows(Clock(0.0))
    windows.absorb(data)
    return windows


def test_a_new_start_moves_the_drift_windows_of_endpoints_already_recorded():
    recorder = Recorder("r")
    mono = Clock(0.0)
    recorder.monotonic = mono
    recorder.start_drift(0.0)
    for now in (0.5, 30.5):  # the windows coarsen to 4 s
        mono.now = now
        recorder.record_request("GET /Users", 1.0, False)
    assert recorder.drift.width == 4.0
    recorder.start_drift(31.0)  # a new run after Stop, inside the same 4 s window
    mono.now = 31.5
    recorder.record_request("GET /Users", 1.0, False)
    counts = {i: h.get_total_count() for i, h in recorder.drift.windows["GET /Users"].items()}
    assert counts == {0: 2, 7: 1}  # counted from the new start: window 0

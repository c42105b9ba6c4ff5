"""The run's latency histograms as an HdrHistogram interval log (``--hdr-log FILE``).

The file is the standard histogram log (format version 1.3) that HdrHistogram's own tools
read: Java's ``HistogramLogProcessor`` and ``HistogramLogAnalyzer``, hdrh's
``HistogramLogReader``, HdrHistogram_c's ``hdr_log_reader``, the online plotter. It is a
time series: one interval per 5 s window of the run (:mod:`loadscim.windows`; a summary
without windows gets one interval covering the measured window), values in integer
microseconds, the ``Interval_Max`` column in milliseconds:

- the untagged intervals are ``*``, every endpoint together (the ones tools read by
  default);
- one interval per endpoint and window, tagged with the endpoint name;
- with an open model, the coordinated-omission-corrected histograms of the whole run,
  tagged ``corrected:`` + the name (``corrected:*`` for all endpoints), last.

A tag cannot hold a space or a comma in this format, so :func:`tag_for` writes every
whitespace character and comma of an endpoint name as ``_``: ``POST /Users/{id}`` is tagged
``POST_/Users/{id}`` (endpoint names never hold ``_`` or ``,`` themselves, so this reads back
unambiguously). For example ``java -cp HdrHistogram.jar org.HdrHistogram.HistogramLogProcessor
-i run.hlog -tag POST_/Users -outputValueUnitRatio 1000`` prints ``POST /Users``'s
percentiles in ms.

When the summary knows the wall-clock start of the run, the log has ``StartTime`` and
``BaseTime`` lines and interval times relative to that start; otherwise times start at 0.
"""

from __future__ import annotations

import os
import re
import time
from typing import IO

from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogWriter

from loadscim import windows
from loadscim.summary import ALL, EndpointStats, RunSummary

LOG_FORMAT_VERSION = "1.3"
"""The first histogram log format version with tags."""
CORRECTED_PREFIX = "corrected:"
_TAG_UNSAFE = re.compile(r"[\s,]")


def tag_for(endpoint: str, corrected: bool = False) -> str | None:
    """The log tag of an endpoint's histogram; None for the untagged raw ``*``."""
    if endpoint == ALL and not corrected:
        return None
    tag = _TAG_UNSAFE.sub("_", endpoint)
    return CORRECTED_PREFIX + tag if corrected else tag


class _TaggedLogWriter(HistogramLogWriter):
    """hdrh's writer, plus the ``Tag=`` field its Python port does not write."""

    log: IO[str]

    def output_tagged_histogram(
        self, histogram: HdrHistogram, tag: str | None, start_ms: float, end_ms: float
    ) -> None:
        # The port takes the interval from the histogram's own time stamps (relative to
        # base_time) and writes one line; the tag goes in front of it, as in Java's writer.
        copy = HdrHistogram.decode(histogram.encode())
        copy.set_start_time_stamp(start_ms)
        copy.set_end_time_stamp(end_ms)
        if tag is not None:
            self.log.write(f"Tag={tag},")
        self.output_interval_histogram(copy, max_value_unit_ratio=1000.0)


def write_hdr_log(summary: RunSummary, path: str | os.PathLike[str]) -> None:
    """Write the summary's histograms to ``path`` as an HdrHistogram interval log."""
    with open(path, "w", encoding="utf-8") as f:
        write_hdr_log_to(summary, f)


def write_hdr_log_to(summary: RunSummary, out: IO[str]) -> None:
    """Write the interval log to an open text stream (see :func:`write_hdr_log`)."""
    writer = _TaggedLogWriter(out)
    writer.output_comment(f"[Histogram log format version {LOG_FORMAT_VERSION}]")
    writer.output_comment(
        f"[loadscim run {summary.run_id or '-'}: latency in microseconds, "
        "an interval per 5 s window and endpoint, tagged with its name (spaces as _)]"
    )
    start_ms = 0.0
    if summary.started_unix > 0:
        # StartTime and BaseTime must be the very same number. Readers skip an interval that
        # starts before StartTime, and an interval at 0.0 after a BaseTime rounded below the
        # StartTime does (hdrh's output_base_time writes 6 decimals: do not mix the two).
        stamp = f"{summary.started_unix:.3f}"
        when = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(summary.started_unix))
        writer.output_comment(f"[StartTime: {stamp} (seconds since epoch), {when}]")
        writer.output_comment(f"[BaseTime: {stamp} (seconds since epoch)]")
        start_ms = float(stamp) * 1000.0
        writer.base_time = start_ms
    writer.output_legend()
    end_ms = start_ms + max(summary.duration_s, 0.0) * 1000.0
    endpoints = dict(summary.endpoints)
    if ALL not in endpoints:
        endpoints[ALL] = merged = EndpointStats(ALL)
        for stats in summary.endpoints.values():
            merged.merge(stats)
    names = [ALL, *sorted(n for n in endpoints if n != ALL)]
    rows = windows.with_totals(windows.read_rows(summary.extra))
    for row in sorted(rows, key=lambda r: (r["start_unix"], r["endpoint"] != ALL)):
        # The first window starts before the run did (windows follow the clock): readers
        # skip an interval that starts before StartTime.
        begin = max(float(row["start_unix"]) * 1000.0, start_ms)
        window_end = (float(row["start_unix"]) + windows.WINDOW_S) * 1000.0
        finish = min(window_end, end_ms) if end_ms > begin else window_end
        hist = windows.decode(row["hist"])
        writer.output_tagged_histogram(hist, tag_for(row["endpoint"]), begin, finish)
    for name in names if not rows else ():
        writer.output_tagged_histogram(endpoints[name].hist, tag_for(name), start_ms, end_ms)
    for name in names:
        corrected = endpoints[name].hist_corrected
        if corrected is not None:
            writer.output_tagged_histogram(corrected, tag_for(name, True), start_ms, end_ms)

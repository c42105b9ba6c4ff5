"""The run over time: requests, failures and latency per endpoint in 5 s windows.

Windows are aligned to the wall clock (window ``k`` covers ``[5k, 5k + 5)`` seconds since the
epoch), so the windows of the workers of a distributed run add up on the master by key. A
window being filled keeps a live HdrHistogram; once a later window starts it is closed:
encoded (about a hundred bytes) and its histogram dropped, so a long run costs little memory
and the request path little time (closing costs about 0.1 ms per endpoint; the p50 and p99
of a closed window are read once, when first asked for, off the request path). Window
histograms have 2 significant digits (1%: enough for a time series, and 7 times faster to
read than the run's 3-digit ones, which stay the source of every gate line).

:meth:`Windows.rows` gives them as plain data, which the recorder puts in the summary
(``extra["windows"]``, so a saved summary renders them again); the HTML report draws them
(:mod:`loadscim.report.overtime`) and the HDR log writes each as an interval histogram.

Pure code: no locust, no gevent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hdrh.histogram import HdrHistogram

from loadscim.summary import ALL, HIST_HIGHEST_US, HIST_LOWEST_US, record_us

WINDOW_S = 5
"""Seconds per window."""
EXTRA_KEY = "windows"
"""Where the rows are in :attr:`loadscim.summary.RunSummary.extra`."""

WINDOW_DIGITS = 2
"""Significant digits of a window's histogram."""

_Closed = list[Any]
"""``[requests, failures, encoded histogram, p50 us or None, p99 us or None]``."""


def new_histogram() -> HdrHistogram:
    """An empty window histogram: 1 us to 1 h, 2 significant digits."""
    return HdrHistogram(HIST_LOWEST_US, HIST_HIGHEST_US, WINDOW_DIGITS)


def encode(hist: HdrHistogram) -> str:
    encoded = hist.encode()
    return encoded.decode("ascii") if isinstance(encoded, bytes) else str(encoded)


def decode(text: str) -> HdrHistogram:
    hist = new_histogram()
    hist.decode_and_add(text.encode("ascii"))
    return hist


class _Open:
    __slots__ = ("failures", "hist", "requests")

    def __init__(self) -> None:
        self.requests = 0
        self.failures = 0
        self.hist = new_histogram()


def _figures(hist: HdrHistogram) -> tuple[int, int]:
    if hist.get_total_count() == 0:
        return 0, 0
    return int(hist.get_value_at_percentile(50.0)), int(hist.get_value_at_percentile(99.0))


class Windows:
    """Requests, failures and latency per (window, endpoint)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._open: dict[tuple[int, str], _Open] = {}
        self._closed: dict[tuple[int, str], _Closed] = {}
        self._current = -1

    def record(self, name: str, value_us: int, failed: bool) -> None:
        window, _ = self.open_window(name, self.clock())
        window.requests += 1
        if failed:
            window.failures += 1
        record_us(window.hist, value_us)

    def open_window(self, name: str, now: float) -> tuple[_Open, float]:
        """The window ``name``'s requests at ``now`` (:attr:`clock`) count in, and when the
        next one starts: a request before then counts in the same window (the recorder
        keeps it until then instead of looking it up per request)."""
        index = int(now // WINDOW_S)
        if index != self._current:
            self._close(before=index)
            self._current = index
        window = self._open.get((index, name))
        if window is None:
            window = self._open[(index, name)] = _Open()
        return window, float((index + 1) * WINDOW_S)

    def _close(self, before: int | None = None) -> None:
        for key in [k for k in self._open if before is None or k[0] < before]:
            window = self._open.pop(key)
            self._add(key, window.requests, window.failures, window.hist)

    def _add(self, key: tuple[int, str], requests: int, failures: int, hist: HdrHistogram) -> None:
        found = self._closed.get(key)
        if found is not None:
            requests += found[0]
            failures += found[1]
            hist.add(decode(found[2]))
        self._closed[key] = [requests, failures, encode(hist), None, None]

    # -- worker -> master

    def drain(self) -> list[list[Any]]:
        """Every window so far as ``[index, endpoint, requests, failures, encoded]``; then
        start from nothing (also the web UI's Reset stats)."""
        self._close()
        data = [[k[0], k[1], c[0], c[1], c[2]] for k, c in self._closed.items()]
        self._closed = {}
        self._current = -1
        return data

    def absorb(self, data: list[list[Any]]) -> None:
        """Add what a worker drained (windows of the same index and endpoint add up)."""
        for index, name, requests, failures, encoded in data:
            self._add((int(index), str(name)), int(requests), int(failures), decode(encoded))

    # -- reading

    def rows(self) -> list[dict[str, Any]]:
        """Every window, oldest first, endpoints sorted: ``start_unix``, ``endpoint``,
        ``requests``, ``failures``, ``p50_us``, ``p99_us``, ``hist`` (encoded)."""
        for c in self._closed.values():
            if c[3] is None:
                c[3], c[4] = _figures(decode(c[2]))
        merged: dict[tuple[int, str], tuple[int, int, str, int, int]] = {
            key: (c[0], c[1], c[2], c[3], c[4]) for key, c in self._closed.items()
        }
        for key, w in self._open.items():
            hist = new_histogram()
            hist.add(w.hist)
            requests, failures = w.requests, w.failures
            found = merged.get(key)
            if found is not None:  # absorbed from a worker and still filling here
                requests, failures = requests + found[0], failures + found[1]
                hist.add(decode(found[2]))
            merged[key] = (requests, failures, encode(hist), *_figures(hist))
        rows = [_row(k[0], k[1], *v) for k, v in merged.items()]
        rows.sort(key=lambda r: (r["index"], r["endpoint"]))
        return rows


def _row(
    index: int, name: str, requests: int, failures: int, encoded: str, p50: int, p99: int
) -> dict[str, Any]:
    return {
        "index": index,
        "start_unix": index * WINDOW_S,
        "endpoint": name,
        "requests": requests,
        "failures": failures,
        "p50_us": p50,
        "p99_us": p99,
        "hist": encoded,
    }


def read_rows(extra: dict[str, Any]) -> list[dict[str, Any]]:
    """The window rows of a summary's ``extra`` (none when the run recorded none); rows
    with a missing field are left out (a summary edited by hand)."""
    rows = extra.get(EXTRA_KEY) or []
    keys = ("start_unix", "endpoint", "requests", "failures", "p50_us", "p99_us", "hist")
    return [r for r in rows if isinstance(r, dict) and all(k in r for k in keys)]


def with_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` plus one ``*`` row per window (every endpoint together), after its
    window's endpoints."""
    out: list[dict[str, Any]] = []
    by_start: dict[float, list[dict[str, Any]]] = {}
    for row in rows:
        if row["endpoint"] != ALL:
            by_start.setdefault(row["start_unix"], []).append(row)
    for start in sorted(by_start):
        group = by_start[start]
        hist = new_histogram()
        for row in group:
            hist.add(decode(row["hist"]))
        p50, p99 = _figures(hist)
        total = {
            "index": group[0].get("index", 0),
            "start_unix": start,
            "endpoint": ALL,
            "requests": sum(r["requests"] for r in group),
            "failures": sum(r["failures"] for r in group),
            "p50_us": p50,
            "p99_us": p99,
            "hist": encode(hist),
        }
        out += [*group, total]
    return out

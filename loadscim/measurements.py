"""What one load-generating process measured: latency and counts per endpoint, over time.

Every request Locust reports (the harness's request listener) is recorded once, by
:meth:`Measurements.record_request`, in three places:

- the endpoint's HdrHistogram (3 significant digits: every gate line and report);
- the endpoint's 5 s window (:mod:`loadscim.windows`: the run over time);
- the endpoint's drift window (:mod:`loadscim.drift`: the start of a run against its end).

All requests together (``*``) are merged from the endpoints when asked for, not recorded.
The window and drift histograms have the same layout (2 significant digits), so one counts
index serves both, and the histograms a request goes to are looked up once per endpoint and
window, not per request (``_Line``): the request path's cost (bench/README.md).

Also time to visibility per kind and the open model's iteration lateness. In a distributed
run each worker drains what it recorded to the master, which absorbs it; histograms merge
exactly. Pure code: no locust, no gevent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hdrh.histogram import HdrHistogram

from loadscim.drift import Drift
from loadscim.summary import (
    ALL,
    HIST_HIGHEST_US,
    HIST_LOWEST_US,
    EndpointStats,
    new_histogram,
    record_us,
)
from loadscim.visibility import new_stats as new_visibility_stats
from loadscim.visibility import record as record_visibility
from loadscim.windows import Windows, encode
from loadscim.windows import new_histogram as new_window_histogram

_Line = tuple[EndpointStats, Any, HdrHistogram | None]
"""Where a request of one endpoint goes now: its stats, its open 5 s window, its drift
window's histogram (None before the test started)."""


def _layout(hist: HdrHistogram) -> tuple[int, int, int, int]:
    """What a histogram's counts index depends on (:func:`loadscim.summary.record_value`)."""
    return (
        hist.sub_bucket_mask,
        hist.unit_magnitude,
        hist.sub_bucket_half_count_magnitude,
        hist.sub_bucket_half_count,
    )


_RUN = _layout(new_histogram())
_RUN_MASK, _RUN_UNIT, _RUN_HALF_MAGNITUDE, _RUN_HALF = _RUN
_RUN_SHIFT = _RUN_UNIT + _RUN_HALF_MAGNITUDE + 1
_WINDOW = _layout(new_window_histogram())
_WINDOW_MASK, _WINDOW_UNIT, _WINDOW_HALF_MAGNITUDE, _WINDOW_HALF = _WINDOW
_WINDOW_SHIFT = _WINDOW_UNIT + _WINDOW_HALF_MAGNITUDE + 1


class Measurements:
    """Latency and counts per endpoint, in windows over time; visibility; lateness."""

    def __init__(self) -> None:
        self.endpoints: dict[str, EndpointStats] = {}
        self.drift = Drift()
        self.windows = Windows()
        """Requests, failures and latency per endpoint in 5 s windows (the run over time)."""
        self.visibility: dict[str, EndpointStats] = {}
        """Time to visibility by kind (:mod:`loadscim.visibility`)."""
        self.iterations = 0
        self.late_iterations = 0
        self.max_lateness_us = 0
        self.monotonic: Callable[[], float] = time.monotonic
        """The drift windows' clock (:meth:`Drift.start` takes the test's start on it)."""
        self._lines: dict[str, _Line] = {}
        self._wall_until = 0.0
        self._mono_until = 0.0

    # -- latency ----------------------------------------------------------------------

    def record_request(
        self, name: str, response_time_ms: float, failed: bool, lateness_us: int | None = None
    ) -> None:
        """One request as Locust saw it: its name, time, and whether it counted as failed.

        ``lateness_us`` (open model) is how late the request's iteration started: the
        corrected latency, from the intended start, is the response time plus it.
        """
        value_us = int(response_time_ms * 1000)
        wall = self.windows.clock()
        mono = self.monotonic()
        line = self._lines.get(name)
        if line is None or wall >= self._wall_until or mono >= self._mono_until:
            line = self._line(name, wall, mono)
        stats, window, drift = line
        stats.requests += 1
        window.requests += 1
        if failed:
            stats.failures += 1
            window.failures += 1
        value = value_us
        if not HIST_LOWEST_US <= value <= HIST_HIGHEST_US:
            value = HIST_LOWEST_US if value < HIST_LOWEST_US else HIST_HIGHEST_US
        # record_value (loadscim.summary) in the run's histogram and in the window and drift
        # histograms, inline: the counts index from the layouts' constants (_RUN, _WINDOW),
        # one index for the two of the same layout; no call, no attribute read per request.
        bucket = (value | _RUN_MASK).bit_length() - _RUN_SHIFT
        run = ((bucket + 1) << _RUN_HALF_MAGNITUDE) + (value >> (bucket + _RUN_UNIT)) - _RUN_HALF
        bucket = (value | _WINDOW_MASK).bit_length() - _WINDOW_SHIFT
        windowed = (
            ((bucket + 1) << _WINDOW_HALF_MAGNITUDE)
            + (value >> (bucket + _WINDOW_UNIT))
            - _WINDOW_HALF
        )
        into = ((stats.hist, run), (window.hist, windowed))
        for hist, index in into if drift is None else (*into, (drift, windowed)):
            hist.counts[index] += 1
            hist.total_count += 1
            if value < hist.min_value:
                hist.min_value = value
            if value > hist.max_value:
                hist.max_value = value
        if lateness_us is not None:
            if stats.hist_corrected is None:
                stats.hist_corrected = new_histogram()
            record_us(stats.hist_corrected, value_us + lateness_us)

    def _line(self, name: str, wall: float, mono: float) -> _Line:
        """Where ``name``'s requests go until the next window starts (of either series);
        every endpoint's is looked up again then."""
        if wall >= self._wall_until or mono >= self._mono_until:
            self._lines.clear()
        window, self._wall_until = self.windows.open_window(name, wall)
        drift, self._mono_until = self.drift.window(name, mono)
        stats = self.endpoint(name)
        assert _layout(stats.hist) == _RUN and _layout(window.hist) == _WINDOW
        assert drift is None or _layout(drift) == _WINDOW
        line = self._lines[name] = (stats, window, drift)
        return line

    def start_drift(self, now: float) -> None:
        """The test started at ``now`` (:attr:`monotonic`): the drift windows count from
        there (:meth:`Drift.start`), also for the endpoints' windows looked up before."""
        self.drift.start(now)
        self._forget_lines()

    def _forget_lines(self) -> None:
        """The windows or endpoints were replaced (drain, absorb, a new start): look them up
        again."""
        self._lines.clear()
        self._wall_until = self._mono_until = 0.0

    def endpoint(self, name: str) -> EndpointStats:
        stats = self.endpoints.get(name)
        if stats is None:
            stats = self.endpoints[name] = EndpointStats(name)
        return stats

    def endpoints_with_total(self) -> dict[str, EndpointStats]:
        """Every endpoint's stats, and ``*`` for all of them together.

        ``*`` is merged here, when asked for, not recorded with every request: histograms
        of the same precision add exactly, so the total is the same and each request costs
        one histogram record instead of two.
        """
        endpoints = {name: s for name, s in self.endpoints.items() if name != ALL}
        if endpoints:
            total = EndpointStats(ALL)
            for stats in endpoints.values():
                total.merge(stats)
            endpoints[ALL] = total
        return endpoints

    def record_visibility(self, kind: str, delay_us: int | None) -> None:
        """One sampled write of visibility ``kind``: the delay from its answer to the answer
        of the first read that showed it, or None when the polls gave up."""
        stats = self.visibility.get(kind)
        if stats is None:
            stats = self.visibility[kind] = new_visibility_stats(kind)
        record_visibility(stats, delay_us)

    def record_iteration(self, lateness_us: int, late: bool) -> None:
        """An open-model iteration started ``lateness_us`` after its intended start."""
        self.iterations += 1
        if late:
            self.late_iterations += 1
        self.max_lateness_us = max(self.max_lateness_us, lateness_us)

    # -- worker -> master -------------------------------------------------------------

    def drain_measurements(self) -> dict[str, Any]:
        """What was measured since the last drain, as plain data, and reset it."""
        data = {
            "endpoints": {
                name: {
                    "requests": s.requests,
                    "failures": s.failures,
                    "hist": encode(s.hist),
                    "hist_corrected": encode(s.hist_corrected) if s.hist_corrected else None,
                }
                for name, s in self.endpoints.items()
            },
            "iterations": [self.iterations, self.late_iterations, self.max_lateness_us],
            "drift": self.drift.drain(),
            "windows": self.windows.drain(),
            "visibility": {
                kind: [s.requests, s.failures, encode(s.hist)]
                for kind, s in self.visibility.items()
            },
        }
        self.visibility = {}
        self.iterations = self.late_iterations = self.max_lateness_us = 0
        self.endpoints = {}
        self._forget_lines()
        return data

    def absorb_measurements(self, data: dict[str, Any]) -> None:
        """Merge what a worker's :meth:`drain_measurements` gave."""
        self._forget_lines()
        for name, e in data.get("endpoints", {}).items():
            if name == ALL:
                continue  # the total is merged when asked for (endpoints_with_total)
            incoming = EndpointStats(
                name,
                requests=e["requests"],
                failures=e["failures"],
                hist=decode(e["hist"]),
                hist_corrected=decode(e["hist_corrected"]) if e.get("hist_corrected") else None,
            )
            self.endpoint(name).merge(incoming)
        iterations, late, lateness = data.get("iterations") or (0, 0, 0)
        self.iterations += int(iterations)
        self.late_iterations += int(late)
        self.max_lateness_us = max(self.max_lateness_us, int(lateness))
        if data.get("drift"):
            self.drift.absorb(data["drift"])
        self.windows.absorb(data.get("windows") or [])
        for kind, (sampled, unseen, hist) in (data.get("visibility") or {}).items():
            incoming = EndpointStats(kind, sampled, unseen, decode(hist))
            if kind in self.visibility:
                self.visibility[kind].merge(incoming)
            else:
                self.visibility[kind] = incoming


def decode(text: str) -> HdrHistogram:
    hist = new_histogram()
    hist.decode_and_add(text.encode("ascii") if isinstance(text, str) else text)
    return hist

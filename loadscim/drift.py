"""Latency drift: the latency of the start of a run against that of its end.

A long run (a soak) can hold its thresholds on the whole while getting slower: a leak, a
growing table, a cache that stops fitting. :class:`Drift` keeps, per endpoint, one latency
histogram per time window since the test started (all requests together are their sum); windows
start 1 s wide and double (merging pairs) whenever there would be more than
:data:`MAX_WINDOWS`, so memory stays bounded for any run length. At the end,
:meth:`Drift.compare` gives each endpoint's p99 over the first third of the run against
the last third.

Histograms here are coarser than the report's (2 significant digits): enough to see a drift,
never used for a gate. Workers send theirs with the rest of their measurements; windows are
counted from each process's own test start. Pure: no locust, no gevent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hdrh.histogram import HdrHistogram

from loadscim.summary import ALL, HIST_HIGHEST_US, HIST_LOWEST_US, record_value
from loadscim.windows import decode, encode, new_histogram

FIRST_WIDTH_S = 1.0
MAX_WINDOWS = 12
MIN_SAMPLES = 20
"""An endpoint needs this many samples in each third to be compared."""
PERCENTILE = 99.0


def _histogram() -> HdrHistogram:
    """A drift window's histogram: the 5 s windows' layout (2 significant digits), so a
    request is counted in both at one index (:mod:`loadscim.measurements`)."""
    return new_histogram()


@dataclass(frozen=True)
class Comparison:
    """One endpoint's latency percentile early in the run and late in it."""

    endpoint: str
    early_us: int
    late_us: int
    early_samples: int
    late_samples: int

    @property
    def ratio(self) -> float:
        return self.late_us / self.early_us if self.early_us else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "p99_first_third_ms": self.early_us / 1000,
            "p99_last_third_ms": self.late_us / 1000,
            "samples": [self.early_samples, self.late_samples],
        }


class Drift:
    """Latency histograms per time window, per endpoint (``*``, all of them, is merged
    from those when compared)."""

    def __init__(self) -> None:
        self.width = FIRST_WIDTH_S
        self.t0: float | None = None
        self.windows: dict[str, dict[int, HdrHistogram]] = {}

    def start(self, now: float) -> None:
        """The test started at ``now`` (seconds, monotonic): windows count from there."""
        self.t0 = now

    def record(self, name: str, value_us: int, now: float) -> None:
        hist, _ = self.window(name, now)
        if hist is not None:
            record_value(hist, min(max(int(value_us), HIST_LOWEST_US), HIST_HIGHEST_US))

    def window(self, name: str, now: float) -> tuple[HdrHistogram | None, float]:
        """The histogram ``name``'s latencies at ``now`` go to (None before :meth:`start`),
        and when the next window starts: until then (unless :meth:`absorb` or
        :meth:`drain` is called) the same histogram. Its layout is the 5 s windows'
        (:func:`loadscim.windows.new_histogram`)."""
        if self.t0 is None:
            return None, now  # not started: ask again next time
        index = int(max(0.0, now - self.t0) / self.width)
        while index >= MAX_WINDOWS:
            self._coarsen()
            index //= 2
        windows = self.windows.get(name)
        if windows is None:
            windows = self.windows[name] = {}
        hist = windows.get(index)
        if hist is None:
            hist = windows[index] = _histogram()
        return hist, self.t0 + (index + 1) * self.width

    def _coarsen(self) -> None:
        """Double the width: windows 2k and 2k+1 become window k."""
        self.width *= 2
        for key, windows in self.windows.items():
            merged: dict[int, HdrHistogram] = {}
            for index, hist in sorted(windows.items()):
                into = merged.get(index // 2)
                if into is None:
                    merged[index // 2] = hist
                else:
                    into.add(hist)
            self.windows[key] = merged

    def _total(self) -> dict[int, HdrHistogram]:
        """Every endpoint's windows added together (``*``): merged here, not recorded."""
        total: dict[int, HdrHistogram] = {}
        for key, windows in self.windows.items():
            if key == ALL:
                continue
            for index, hist in windows.items():
                into = total.get(index)
                if into is None:
                    into = total[index] = _histogram()
                into.add(hist)
        return total

    # -- worker -> master ----------------------------------------------------------------

    def drain(self) -> dict[str, Any]:
        """The windows recorded since the last drain, as plain data; they are reset."""
        data = {
            "width": self.width,
            "windows": {
                key: {str(i): encode(h) for i, h in windows.items()}
                for key, windows in self.windows.items()
            },
        }
        self.windows = {}
        return data

    def absorb(self, data: dict[str, Any]) -> None:
        """Merge what :meth:`drain` gave (another process's windows)."""
        width = float(data.get("width") or FIRST_WIDTH_S)
        while self.width < width:
            self._coarsen()
        for key, windows in (data.get("windows") or {}).items():
            if key == ALL:
                continue  # the total is merged when compared
            mine = self.windows.setdefault(key, {})
            for index_text, encoded in windows.items():
                index = int(int(index_text) * width / self.width)
                hist = decode(encoded)
                if index in mine:
                    mine[index].add(hist)
                else:
                    mine[index] = hist

    # -- the comparison -------------------------------------------------------------------

    def compare(self, duration_s: float) -> list[Comparison]:
        """p99 over the first third of the run against the last third, per endpoint with
        enough samples in both (``*`` first, then by how much worse the end is).

        A window belongs to the third its middle falls in.
        """
        if duration_s <= 0:
            return []
        out: list[Comparison] = []
        for key, windows in [*self.windows.items(), (ALL, self._total())]:
            early, late = _histogram(), _histogram()
            for index, hist in windows.items():
                middle = (index + 0.5) * self.width
                if middle < duration_s / 3:
                    early.add(hist)
                elif middle >= 2 * duration_s / 3:
                    late.add(hist)
            n_early, n_late = early.get_total_count(), late.get_total_count()
            if n_early < MIN_SAMPLES or n_late < MIN_SAMPLES:
                continue
            out.append(
                Comparison(
                    key,
                    early.get_value_at_percentile(PERCENTILE),
                    late.get_value_at_percentile(PERCENTILE),
                    n_early,
                    n_late,
                )
            )
        out.sort(key=lambda c: (c.endpoint != ALL, -c.ratio))
        return out


def describe(comparisons: list[Comparison], duration_s: float) -> str | None:
    """The report's note: all requests, and the endpoint that drifted most."""
    if not comparisons:
        return None
    third = duration_s / 3

    def show(c: Comparison) -> str:
        name = "all requests" if c.endpoint == ALL else c.endpoint
        return (
            f"{name} {_ms(c.early_us)} -> {_ms(c.late_us)} ms (x{c.ratio:.2f}, "
            f"{c.early_samples} / {c.late_samples} samples)"
        )

    text = (
        f"latency drift (p99 of the first third, 0-{third:.0f} s, against the last third, "
        f"{2 * third:.0f}-{duration_s:.0f} s): {show(comparisons[0])}"
    )
    others = [c for c in comparisons if c.endpoint != ALL]
    if others and comparisons[0].endpoint == ALL:
        text += f"; most: {show(others[0])}"
    return text


def _ms(value_us: int) -> str:
    ms = value_us / 1000
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"

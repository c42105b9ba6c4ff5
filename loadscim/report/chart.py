"""The latency percentile distribution chart of the HTML report, as inline SVG.

The chart HdrHistogram's plotter draws: x is the percentile on a log axis of ``1/(1-q)``
(0%, 90%, 99%, 99.9%, 99.99% ... equally spaced), so the tail gets the room; y is the
latency, also on a log scale so that a 1 ms endpoint and a 300 ms one both show. One line
per endpoint (``*`` in black), read from its HdrHistogram; with an open model the
coordinated-omission-corrected histogram is drawn dashed in the same colour.

A line stops at the highest percentile its samples can tell (``1 - 1/count``), where it
reaches the maximum. Pure Python: no JavaScript, nothing fetched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from hdrh.histogram import HdrHistogram

from loadscim.summary import ALL, RunSummary

WIDTH = 960
HEIGHT = 460
_LEFT, _RIGHT, _TOP, _BOTTOM = 76, 24, 18, 58
MIN_DECADES = 4
"""The x axis reaches at least 99.99%."""
MAX_DECADES = 7
STEP = 0.05
"""Points every 1/20 of a decade of ``1/(1-q)``."""
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)
ALL_COLOUR = "#222222"


@dataclass(frozen=True)
class Series:
    """One line of the chart: an endpoint's raw or corrected histogram as (x, us) points."""

    endpoint: str
    corrected: bool
    colour: str
    points: list[tuple[float, int]]
    """x in decades of ``1/(1-q)``, latency in microseconds."""
    samples: int

    @property
    def label(self) -> str:
        kind = "corrected (from intended start)" if self.corrected else "service time"
        return f"{self.endpoint}: {kind}, {self.samples} samples"


def endpoint_order(summary: RunSummary) -> list[str]:
    """Endpoint names sorted, ``*`` last: the order of the chart and the tables."""
    names = sorted(n for n in summary.endpoints if n != ALL)
    return names + ([ALL] if ALL in summary.endpoints else [])


def colours(summary: RunSummary) -> dict[str, str]:
    """A colour per endpoint (``*`` is black), shared by the chart and its legend."""
    names = [n for n in endpoint_order(summary) if n != ALL]
    out = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    out[ALL] = ALL_COLOUR
    return out


def percentile_points(hist: HdrHistogram, decades: float) -> list[tuple[float, int]]:
    """(x, value) at x = 0, STEP, 2 STEP ... below ``log10(count)``, then (log10(count), max)."""
    count = hist.get_total_count()
    if count == 0:
        return []
    last = min(math.log10(count), decades)
    steps = [i * STEP for i in range(int(last / STEP) + 1) if i * STEP < last - 1e-9]
    if not steps:
        return [(0.0, int(hist.get_max_value()))]
    by_percentile = {x: 100.0 * (1.0 - 10.0**-x) for x in steps}
    values = hist.get_percentile_to_value_dict(list(by_percentile.values()))
    points = [(x, int(values[p])) for x, p in by_percentile.items() if p in values]
    points.append((last, int(hist.get_max_value())))
    return points


def build_series(summary: RunSummary) -> tuple[list[Series], int]:
    """The chart's lines (``*`` drawn last, on top) and the decades its x axis spans."""
    counts = [
        h.get_total_count()
        for s in summary.endpoints.values()
        for h in (s.hist, s.hist_corrected)
        if h is not None
    ]
    most = max(counts, default=0)
    decades = min(MAX_DECADES, max(MIN_DECADES, math.ceil(math.log10(most)) if most else 0))
    palette = colours(summary)
    series = []
    for name in endpoint_order(summary):
        stats = summary.endpoints[name]
        for hist, corrected in ((stats.hist, False), (stats.hist_corrected, True)):
            if hist is None or hist.get_total_count() == 0:
                continue
            points = percentile_points(hist, decades)
            series.append(
                Series(name, corrected, palette[name], points, hist.get_total_count())
            )
    return series, decades


def percentile_label(decade: int) -> str:
    """The x tick label of a decade: 0 -> 0%, 1 -> 90%, 3 -> 99.9%."""
    value = 100.0 - 100.0 / 10**decade
    return f"{value:.{max(0, decade - 2)}f}%"


def latency_label(value_us: float) -> str:
    """A y tick label: 500µs, 1ms, 20ms, 1.5s."""
    if value_us < 1000:
        return f"{value_us:g}µs"
    if value_us < 1_000_000:
        return f"{value_us / 1000:g}ms"
    return f"{value_us / 1_000_000:g}s"


def render_chart(summary: RunSummary, element_id: str = "latency-chart") -> str:
    """The chart as an ``<svg>`` element (no XML namespace needed inline in HTML5)."""
    series, decades = build_series(summary)
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    out = [
        f'<svg id="{escape(element_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        'aria-label="latency by percentile, log scales">',
        f'<rect class="plot-area" x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" '
        'fill="#ffffff" stroke="#999999"/>',
    ]
    values = [v for s in series for _, v in s.points]
    if not values:
        out.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">'
            "no latency recorded</text></svg>"
        )
        return "".join(out)
    low = 10 ** math.floor(math.log10(max(min(values), 1)))
    high = 10 ** math.ceil(math.log10(max(values)))
    if high <= low:
        high = low * 10
    span = math.log10(high) - math.log10(low)

    def px(x: float) -> float:
        return _LEFT + x / decades * plot_w

    def py(v: float) -> float:
        return _TOP + (1.0 - (math.log10(max(v, low)) - math.log10(low)) / span) * plot_h

    out.append('<g class="grid x-axis">')
    for decade in range(decades + 1):
        x = px(decade)
        out.append(
            f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_TOP + plot_h}" stroke="#dddddd"/>'
            f'<text x="{x:.1f}" y="{_TOP + plot_h + 18}" text-anchor="middle">'
            f"{escape(percentile_label(decade))}</text>"
        )
    out.append(
        f'<text class="axis-title" x="{_LEFT + plot_w / 2}" y="{HEIGHT - 12}" '
        'text-anchor="middle">percentile (log scale of 1/(1-q))</text></g>'
    )
    out.append('<g class="grid y-axis">')
    multipliers = (1, 2, 5) if span <= 4 else (1,)
    decade_value = low
    while decade_value <= high * 1.0001:
        for m in multipliers:
            v = decade_value * m
            if v > high * 1.0001:
                break
            y = py(v)
            stroke = "#cccccc" if m == 1 else "#eeeeee"
            out.append(
                f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + plot_w}" y2="{y:.1f}" '
                f'stroke="{stroke}"/>'
                f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                f"{escape(latency_label(v))}</text>"
            )
        decade_value *= 10
    out.append(
        f'<text class="axis-title" x="16" y="{_TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {_TOP + plot_h / 2})">latency (log scale)</text></g>'
    )
    for s in series:
        kind = "corrected" if s.corrected else "raw"
        width = 2.5 if s.endpoint == ALL else 1.6
        dash = ' stroke-dasharray="6 4"' if s.corrected else ""
        attrs = (
            f'class="series {kind}" data-endpoint="{escape(s.endpoint)}" '
            f'stroke="{s.colour}" stroke-width="{width}"{dash}'
        )
        title = f"<title>{escape(s.label)}</title>"
        if len(s.points) == 1:
            x, v = s.points[0]
            out.append(
                f'<circle {attrs} cx="{px(x):.1f}" cy="{py(v):.1f}" r="3" fill="{s.colour}">'
                f"{title}</circle>"
            )
            continue
        points = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in s.points)
        out.append(f'<polyline {attrs} fill="none" points="{points}">{title}</polyline>')
    out.append("</svg>")
    return "".join(out)

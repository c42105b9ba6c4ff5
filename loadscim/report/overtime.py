"""The run over time in the HTML report: two inline SVG charts from the 5 s windows
(:mod:`loadscim.windows`), drawn in Python (no script, nothing fetched):

- ``#throughput-chart``: requests per second (every endpoint together, black) and failed
  requests per second (red), one point per window;
- ``#latency-over-time-chart``: p99 (solid) and p50 (dashed) per endpoint, one point per
  window, on a log scale so that a 1 ms endpoint and a 300 ms one both show.

x is seconds since the start of the measured window; each point sits at the start of its
window. The first and last windows are usually partial (windows follow the clock): their
throughput is over the seconds they cover.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from loadscim.report.chart import colours
from loadscim.summary import ALL, RunSummary
from loadscim.verdict import format_sig3
from loadscim.windows import WINDOW_S, read_rows, with_totals

WIDTH = 960
HEIGHT = 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 76, 24, 14, 44
FAIL_COLOUR = "#c62828"
_X_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)
"""Seconds between the x axis labels: the first that gives at most 8 intervals."""


def render_over_time(summary: RunSummary) -> str:
    """The ``<section id="over-time">`` of the report; "" when the run has no windows."""
    rows = with_totals(read_rows(summary.extra))
    if not rows:
        return ""
    origin = summary.started_unix or min(float(r["start_unix"]) for r in rows)
    total = [r for r in rows if r["endpoint"] == ALL]
    xs = [max(0.0, float(r["start_unix"]) - origin) for r in total]
    end = summary.duration_s or max(xs) + WINDOW_S
    x_max = max([*xs, end, float(WINDOW_S)])
    # A window only partly inside the measured window (the first, the last) is a rate over
    # the seconds it covers (at least 1 s, so a sliver does not spike).
    spans = [
        max(1.0, min(float(r["start_unix"]) - origin + WINDOW_S, end) - x)
        for x, r in zip(xs, total, strict=True)
    ]
    rate = [(x, r["requests"] / s) for x, r, s in zip(xs, total, spans, strict=True)]
    fails = [(x, r["failures"] / s) for x, r, s in zip(xs, total, spans, strict=True)]
    throughput = _chart(
        "throughput-chart",
        "requests per second and failed requests per second, per 5 s window",
        [("requests/s", "#222222", "", rate), ("failed/s", FAIL_COLOUR, "", fails)],
        x_max,
        log=False,
        unit="/s",
    )
    palette = colours(summary)
    series = []
    for name in sorted({r["endpoint"] for r in rows}, key=lambda n: (n == ALL, n)):
        mine = [r for r in rows if r["endpoint"] == name and r["requests"]]
        points = [(max(0.0, float(r["start_unix"]) - origin), r) for r in mine]
        colour = palette.get(name, "#888888")
        series.append((f"{name} p99", colour, "", [(x, r["p99_us"] / 1000) for x, r in points]))
        series.append((f"{name} p50", colour, "4 3", [(x, r["p50_us"] / 1000) for x, r in points]))
    latency = _chart(
        "latency-over-time-chart",
        "p99 (solid) and p50 (dashed) latency per endpoint, per 5 s window, in ms",
        series,
        x_max,
        log=True,
        unit="ms",
    )
    legend = "".join(
        f'<li><span class="swatch" style="border-top-color:{c}"></span>{escape(name)}</li>'
        for name, c in palette.items()
    )
    return (
        '<section id="over-time"><h2>Over time (5 s windows)</h2>'
        f"<figure>{throughput}<figcaption>requests/s (black) and failed/s (red)"
        f"</figcaption></figure><figure>{latency}<figcaption>p99 solid, p50 dashed, ms"
        f'<ul class="legend">{legend}</ul></figcaption></figure></section>'
    )


def _chart(
    ident: str,
    title: str,
    series: list[tuple[str, str, str, list[tuple[float, Any]]]],
    x_max: float,
    *,
    log: bool,
    unit: str,
) -> str:
    values = [float(y) for *_, points in series for _, y in points]
    positive = [v for v in values if v > 0]
    if log:
        low = 10 ** math.floor(math.log10(min(positive))) if positive else 0.1
        high = 10 ** math.ceil(math.log10(max(positive))) if positive else 1.0
        high = max(high, low * 10)
    else:
        low, high = 0.0, _nice(max(values, default=0.0))
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def sx(x: float) -> float:
        return _LEFT + plot_w * x / x_max

    def sy(y: float) -> float:
        if log:
            y = max(y, low)
            share = (math.log10(y) - math.log10(low)) / (math.log10(high) - math.log10(low))
        else:
            share = y / high if high else 0.0
        return _TOP + plot_h * (1 - share)

    out = [
        f'<svg id="{ident}" class="chart" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#ccc"/>',
    ]
    ticks = [low * 10**i for i in range(round(math.log10(high / low)) + 1)] if log else [
        high * i / 4 for i in range(5)
    ]
    for tick in ticks:
        y = sy(tick)
        out.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{format_sig3(tick)}{unit}</text>"
        )
    step = next((s for s in _X_STEPS if x_max / s <= 8), _X_STEPS[-1])
    for i in range(int(x_max // step) + 1):
        x = float(step * i)
        out.append(
            f'<text x="{sx(x):.1f}" y="{HEIGHT - _BOTTOM + 16}" text-anchor="middle">'
            f"{x:g} s</text>"
        )
    for name, colour, dash, points in series:
        if not points:
            continue
        coords = " ".join(f"{sx(x):.1f},{sy(float(y)):.1f}" for x, y in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<polyline class="window-line" data-name="{escape(name)}" points="{coords}" '
            f'fill="none" stroke="{colour}" stroke-width="2"{dashed}/>'
        )
        for x, y in points:
            out.append(
                f'<circle class="point" cx="{sx(x):.1f}" cy="{sy(float(y)):.1f}" r="2.5" '
                f'fill="{colour}"><title>{escape(name)} at {format_sig3(x)} s: '
                f"{format_sig3(float(y))}{unit}</title></circle>"
            )
    out.append("</svg>")
    return "".join(out)


def _nice(value: float) -> float:
    """A round upper bound of a linear axis: 1, 2, 5 x 10^n at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)

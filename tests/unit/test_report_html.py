"""The HTML report: self-contained, escaped, with the chart and the tables at stable ids."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from summaries import MS, judged, rich, summary

from loadscim.report.chart import build_series, latency_label, percentile_label, render_chart
from loadscim.report.html import to_html
from loadscim.summary import RunSummary
from loadscim.verdict import evaluate

EXTERNAL = re.compile(r"(?i)(https?:|//|url\s*\(|@import)")


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside each element with an id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def by_id(self, element_id: str) -> tuple[str, dict[str, str]]:
        found = [t for t in self.tags if t[1].get("id") == element_id]
        assert len(found) == 1, element_id
        return found[0]

    def of(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.tags
            if t == tag and all(a.get(k, "").split().count(v) or a.get(k) == v
                                for k, v in attrs.items())
        ]


def test_stable_ids_for_the_chart_and_the_tables() -> None:
    page = Page(to_html(*judged()))
    assert page.by_id("latency-chart")[0] == "svg"
    for table in ("endpoint-table", "gate-table", "checker-table"):
        assert page.by_id(table)[0] == "table"
    for element in ("verdict", "violations", "self-trust", "notes"):
        page.by_id(element)
    assert "status-fail" in page.by_id("verdict")[1]["class"]


def test_nothing_is_fetched_to_view_it() -> None:
    text = to_html(*judged())
    page = Page(text)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base", "use"}
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            if tag == "meta" and name == "content":
                continue
            assert not EXTERNAL.search(value), (tag, name, value)
    style = text[text.index("<style>") : text.index("</style>")]
    assert not EXTERNAL.search(style)
    csp = page.of("meta", **{"http-equiv": "Content-Security-Policy"})
    assert csp and csp[0]["content"].startswith("default-src 'none'")
    assert "http://127.0.0.1:8080/v2" in "".join(page.text)  # the target shows as text only


def test_everything_from_the_run_is_escaped() -> None:
    text = to_html(*judged())
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;" in text and "&lt;/td&gt;" in text and "\x1b" not in text
    run = summary({'GET /a"<b>': [MS] * 10})
    text = to_html(run, evaluate(None, run))
    assert 'data-endpoint="GET /a&quot;&lt;b&gt;"' in text and '"<b>' not in text


def test_gate_table_rows_are_line_observed_limit_status() -> None:
    run, verdict = judged()
    text = to_html(run, verdict)
    table = text[text.index('<table id="gate-table">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr class="(status-[a-z]+)">(.*?)</tr>', table)
    gate_lines = [ln for ln in verdict.lines if ln.kind not in ("checker", "self")]
    assert len(rows) == len(gate_lines)
    for (css, row), line in zip(rows, gate_lines, strict=True):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        assert cells[0] == line.name.replace('"', "&quot;").replace("<", "&lt;")
        assert cells[1:4] == [line.observed, line.limit, line.label]
        assert css == f"status-{line.label.lower()}"


def test_violations_show_resource_expected_observed_and_ops() -> None:
    page = Page(to_html(*judged()))
    assert page.of("div", **{"data-checker": "lost_update"})
    text = "".join(page.text)
    assert "lost_update: first 1 of 2 violations" in text and "lost-member 2" in text
    assert 'members ["u1", "u2"] & <b>' in text and "#5 p2 GET /Groups/{id}" in text


def test_chart_has_a_line_per_endpoint_raw_and_corrected() -> None:
    run = rich()
    page = Page(render_chart(run))
    raw = page.of("polyline", **{"class": "raw"})
    corrected = page.of("polyline", **{"class": "corrected"})
    assert sorted(a["data-endpoint"] for a in raw) == sorted(run.endpoints)
    assert sorted(a["data-endpoint"] for a in corrected) == ["*", "POST /Users"]
    assert all("stroke-dasharray" in a for a in corrected)
    labels = [t for t in Page(render_chart(run)).text if t.endswith("%")]
    assert labels == ["0%", "90%", "99%", "99.9%", "99.99%"]


def test_lines_climb_left_to_right_and_end_at_the_max() -> None:
    run = summary({"GET /Users": [i * MS for i in range(1, 2001)]})
    series, decades = build_series(run)
    assert decades == 4  # at least 99.99%
    for s in series:
        xs = [x for x, _ in s.points]
        values = [v for _, v in s.points]
        assert xs == sorted(xs) and values == sorted(values)
        assert s.points[0] == (0.0, run.endpoints[s.endpoint].hist.get_min_value())
        assert values[-1] == run.endpoints[s.endpoint].hist.get_max_value()
        assert abs(xs[-1] - 3.30103) < 1e-4  # log10(2000): the highest percentile it can tell
    page = Page(render_chart(run))
    for attrs in page.of("polyline"):
        points = [tuple(map(float, p.split(","))) for p in attrs["points"].split()]
        assert [x for x, _ in points] == sorted(x for x, _ in points)
        assert [y for _, y in points] == sorted((y for _, y in points), reverse=True)


def test_many_samples_widen_the_axis_and_one_sample_is_a_dot() -> None:
    run = summary({"GET /Users": [MS] * 200_000, "GET /Groups": [3 * MS]})
    assert build_series(run)[1] == 6
    page = Page(render_chart(run))
    assert [a["data-endpoint"] for a in page.of("circle")] == ["GET /Groups"]


def test_empty_run_still_renders() -> None:
    run = RunSummary()
    text = to_html(run, evaluate(None, run))
    assert "no latency recorded" in text and "no gate lines" in text
    Page(text).by_id("latency-chart")


def test_axis_labels() -> None:
    assert [percentile_label(d) for d in range(6)] == [
        "0%", "90%", "99%", "99.9%", "99.99%", "99.999%"
    ]
    assert [latency_label(v) for v in (1, 500, 1000, 20_000, 1_500_000)] == [
        "1µs", "500µs", "1ms", "20ms", "1.5s"
    ]

"""Reports from real runs: JUnit, JSON, HTML (opened in headless Chromium), HDR log.

Runs are short (5-6 s, a few users) against the embedded target on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import chromium_or_skip, run_chromium
from hdrh.log import HistogramLogReader
from runs import loadscim, locust, verdict_line

from loadscim.report.json import from_json
from loadscim.summary import new_histogram
from loadscim.target.process import EmbeddedTarget

pytestmark = pytest.mark.integration

EXTERNAL = re.compile(r"(?i)(https?:|//|url\s*\()")


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One clean run with every report, shared by the tests below: (its directory, stdout)."""
    out = tmp_path_factory.mktemp("clean")
    result = loadscim(
        "run", "--gate", "gates/ci.toml", "--duration", "5s", "--users", "3",
        "--junit", str(out / "j.xml"), "--json", str(out / "s.json"),
        "--html", str(out / "r.html"), "--hdr-log", str(out / "h.hlog"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    return out, result.stdout


def test_clean_run_exits_0_with_four_files(clean_run: tuple[Path, str]) -> None:
    out, _ = clean_run
    assert sorted(p.name for p in out.iterdir()) == ["h.hlog", "j.xml", "r.html", "s.json"]
    suite = ET.parse(out / "j.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "loadscim"
    summary, verdict = from_json((out / "s.json").read_bytes(), "s.json")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [ln.name for ln in verdict.lines]
    checkers = [c for c in cases if c.get("classname") == "loadscim.checkers"]
    assert {c.get("name") for c in checkers} == {f"checker {n}" for n in summary.checkers}
    assert {'"*" p99 < 2s', "errors rate < 1%"} <= {c.get("name") for c in cases}
    assert suite.get("failures") == "0" and suite.find(".//failure") is None
    assert verdict.status.value == "PASS" and summary.endpoints["*"].requests > 0
    assert summary.started_unix > 1_600_000_000 and 4.0 < summary.duration_s < 10.0


def test_hdr_log_is_read_back_per_endpoint(clean_run: tuple[Path, str]) -> None:
    out, _ = clean_run
    summary, _ = from_json((out / "s.json").read_bytes())
    reader = HistogramLogReader(str(out / "h.hlog"), new_histogram())
    tags: dict[str | None, int] = {}
    windows = 0
    while (hist := reader.get_next_interval_histogram()) is not None:
        tags[hist.get_tag()] = tags.get(hist.get_tag(), 0) + hist.get_total_count()
        windows += hist.get_tag() is None
    reader.close()
    assert windows == len({r["start_unix"] for r in summary.extra["windows"]}) >= 2
    assert tags[None] == summary.endpoints["*"].hist.get_total_count()
    assert tags["POST_/Users"] == summary.endpoints["POST /Users"].hist.get_total_count()
    assert len(tags) == len(summary.endpoints)


def test_report_renders_a_saved_summary_again(clean_run: tuple[Path, str], tmp_path: Path) -> None:
    out, stdout = clean_run
    result = loadscim("report", str(out / "s.json"), "--html", str(tmp_path / "r2.html"),
                      "--junit", str(tmp_path / "j2.xml"), "--text")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r2.html").read_text() == (out / "r.html").read_text()
    assert (tmp_path / "j2.xml").read_bytes() == (out / "j.xml").read_bytes()
    assert verdict_line(result.stdout) == verdict_line(stdout)


def test_report_judges_a_saved_run_against_another_gate(
    clean_run: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = clean_run
    gate = tmp_path / "strict.toml"
    gate.write_text('[latency]\n"*" = "max < 1us"\n')
    result = loadscim("report", str(out / "s.json"), "--gate", str(gate))
    assert result.returncode == 1, result.stdout + result.stderr
    assert '"*" max < 1us' in verdict_line(result.stdout)


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, "cannot read it (No such file or directory)"), ("<html/>", "not JSON"),
     ('{"format": "k6"}', "not a loadscim summary")],
)
def test_report_bad_input_is_one_line_exit_3(
    tmp_path: Path, content: str | None, words: str
) -> None:
    path = tmp_path / "s.json"
    if content is not None:
        path.write_text(content)
    result = loadscim("report", str(path), "--html", str(tmp_path / "r.html"))
    assert result.returncode == 3
    assert result.stderr.startswith(f"loadscim: error: {path}: ") and words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_latency_breach_is_a_junit_failure(tmp_path: Path) -> None:
    gate = tmp_path / "gate.toml"
    gate.write_text('min_samples = 5\n[latency]\n"POST /Users" = ["p95 < 100ms"]\n')
    junit = tmp_path / "out" / "j.xml"
    result = loadscim(
        "run", "--target-fault", "latency=300", "--gate", str(gate), "--duration", "6s",
        "--users", "4", "--junit", str(junit),
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    failures = {c.get("name"): c.find("failure") for c in suite.iter("testcase")}
    failure = failures['"POST /Users" p95 < 100ms']
    assert failure is not None, ET.tostring(suite)
    message = failure.get("message", "")
    assert re.fullmatch(r'"POST /Users" p95 < 100ms: observed \d+(\.\d+)?ms, limit 100ms', message)
    assert int(suite.get("failures", "0")) >= 1
    assert any(c.get("classname") == "loadscim.checkers" for c in suite.iter("testcase"))


def test_unwritable_report_path_stops_before_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = loadscim("run", "--duration", "5s", "--junit", str(blocker / "j.xml"))
    assert result.returncode == 3
    assert result.stderr.startswith(f"loadscim: error: --junit {blocker / 'j.xml'}: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "embedded target" not in result.stderr


def test_a_report_that_fails_after_a_pass_makes_exit_code_3(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: only to root does /proc pass the early writability check")
    html = "/proc/loadscim-cannot-write-here.html"
    result = loadscim(
        "run", "--duration", "5s", "--users", "2", "--html", html,
        "--junit", str(tmp_path / "j.xml"),
    )
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    assert verdict_line(result.stdout).startswith("verdict: PASS")
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("loadscim: error:")]
    assert errors == [
        f"loadscim: error: --html {html}: cannot write it (No such file or directory); "
        "give a path in a writable directory"
    ]
    assert (tmp_path / "j.xml").is_file()  # the others are still written
    assert "Traceback" not in result.stderr


def test_plain_locust_writes_the_reports(tmp_path: Path) -> None:
    with EmbeddedTarget() as target:
        result = locust(
            "-f", "scenarios/lifecycle.py", "--headless", "-u", "2", "-r", "2", "-t", "5s",
            "--host", target.url, "--junit", str(tmp_path / "j.xml"),
            "--report-json", str(tmp_path / "s.json"), "--report-html", str(tmp_path / "r.html"),
            "--hdr-log", str(tmp_path / "h.hlog"),
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.hlog", "j.xml", "r.html", "s.json"]


class Dom(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def ids(self) -> dict[str, str]:
        return {a["id"]: t for t, a in self.tags if "id" in a}


def test_html_report_in_headless_chromium(clean_run: tuple[Path, str], tmp_path: Path) -> None:
    executable = chromium_or_skip()
    page = clean_run[0] / "r.html"
    result, fetched = run_chromium(executable, page, tmp_path / "profile-dom", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = Dom(result.stdout)
    ids = dom.ids()
    assert ids.get("latency-chart") == "svg"
    # over time: a point per 5 s window (requests/s and failed/s) in the throughput chart
    assert ids.get("throughput-chart") == "svg" and ids.get("latency-over-time-chart") == "svg"
    summary, _ = from_json((clean_run[0] / "s.json").read_bytes())
    windows = len({r["start_unix"] for r in summary.extra["windows"]})
    svg = page.read_text().split('id="throughput-chart"', 1)[1].split("</svg>", 1)[0]
    assert svg.count('<circle class="point"') == 2 * windows
    for table in ("gate-table", "endpoint-table", "checker-table"):
        assert ids.get(table) == "table", table
    assert "verdict" in ids and "violations" in ids
    lines = [a for t, a in dom.tags if t in ("polyline", "path") and "series" in a.get("class", "")]
    assert len(lines) >= 5 and all(len(a.get("points", "").split()) > 10 for a in lines)
    assert sum(1 for t, _ in dom.tags if t == "tr") > 10
    for tag, attrs in dom.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed")
        for name, value in attrs.items():
            if not (tag == "meta" and name == "content"):
                assert not EXTERNAL.search(value), (tag, name, value)
    assert fetched == [], fetched  # the page asked for nothing

    shot = tmp_path / "report.png"
    result, fetched = run_chromium(
        executable, page, tmp_path / "profile-shot", f"--screenshot={shot}",
        "--window-size=1280,2000", "--hide-scrollbars",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert int.from_bytes(data[16:20], "big") == 1280  # IHDR width
    assert fetched == [], fetched


def test_timeline_of_a_lost_update_outlines_the_lost_member(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    result = loadscim("run", "racing_patch", "--duration", "4s", "--users", "2", "--fan-out",
                      "4", "--target-fault", "lost-update", "--html", str(html))  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    page = html.read_text()
    timelines = page.count('<svg class="timeline"')
    assert timelines >= 1
    assert 'class="op ok involved"' in page and 'class="op ok final-read"' in page
    assert not EXTERNAL.search(page.split('<svg class="timeline"', 1)[1].split("</svg>", 1)[0])

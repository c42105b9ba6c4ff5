"""The Markdown summary (``--summary-md``): verdict title, gate table, top findings, escaping."""

from __future__ import annotations

from summaries import judged, summary

from loadscim.config import parse_gate
from loadscim.report.markdown import to_markdown
from loadscim.verdict import evaluate


def test_title_verdict_gate_table_and_findings() -> None:
    run, verdict = judged()
    text = to_markdown(run, verdict)
    lines = text.splitlines()
    assert lines[0] == "## ❌ loadscim: FAIL"
    assert lines[2].startswith("`verdict: FAIL (")
    assert "scenario `scenarios/lifecycle.py`" in text and "6.0 s" in text
    assert "| | Line | Observed | Limit | Samples |" in text
    row = next(ln for ln in lines if ln.startswith("| ") and "POST /Users" in ln and "p95" in ln)
    assert row.startswith("| ❌ FAIL |") and "| 100ms |" in row
    assert "### Checkers" in text
    assert "| ⚪ N/A | zombie |" in text
    assert "### Top findings" in text
    finding = next(ln for ln in lines if ln.startswith("1. **lost\\_update**"))
    assert ": 2; e.g. Group/3f2a lost-member" in finding
    assert "### Self-trust" in text and "load generator CPU saturated" in text
    assert "<details><summary>Latency per endpoint (ms)</summary>" in text
    assert text.endswith("</details>\n")


def test_server_text_cannot_break_the_table_or_inject_markup() -> None:
    run, verdict = judged()
    text = to_markdown(run, verdict)
    assert "<b>" not in text and "</td>" not in text and "&lt;b&gt;" in text
    for line in text.splitlines():
        if line.startswith("| "):
            # every table row has as many unescaped pipes as its header
            assert line.replace("\\|", "").count("|") in (6, 8), line


def test_pass_without_findings() -> None:
    run = summary({"GET /Users/{id}": [2000] * 30})
    gate = parse_gate('[latency]\n"*" = "p99 < 1s"\n', "g.toml")
    text = to_markdown(run, evaluate(gate, run))
    assert text.startswith("## ✅ loadscim: PASS\n")
    assert '| ✅ PASS | "\\*" p99 &lt; 1s | 0.00200s | 1s | 30 |' in text
    assert "Top findings" not in text and "Checkers" not in text

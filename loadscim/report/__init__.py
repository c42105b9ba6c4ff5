"""Renderers of a judged run: each takes a :class:`~loadscim.summary.RunSummary` and a
:class:`~loadscim.verdict.Verdict` and only renders (no judging, no locust, no gevent).

- :func:`render_text`: the report printed at the end of a run.
"""

from loadscim.report.text import render_text

__all__ = ["render_text"]

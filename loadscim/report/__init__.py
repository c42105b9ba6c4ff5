"""Renderers of a judged run: each takes a :class:`~loadscim.summary.RunSummary` and a
:class:`~loadscim.verdict.Verdict` and only renders (no judging, no locust, no gevent).

- :func:`render_text`: the report printed at the end of a run.
- :func:`~loadscim.report.json.to_json` / :func:`~loadscim.report.json.from_json`: the whole
  summary and verdict, to keep and to render again (``--json``).
- :func:`~loadscim.report.junit.to_junit`: JUnit XML for CI test reports (``--junit``).
- :func:`~loadscim.report.html.to_html`: one self-contained HTML page (``--html``).
- :func:`~loadscim.report.hdrlog.write_hdr_log`: an HdrHistogram interval log (``--hdr-log``).
- :func:`~loadscim.report.markdown.to_markdown`: a Markdown summary for CI (``--summary-md``).
- :func:`write_reports`: any combination of those files at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from loadscim.errors import UsageError
from loadscim.report.hdrlog import write_hdr_log
from loadscim.report.html import to_html
from loadscim.report.json import to_json
from loadscim.report.junit import to_junit
from loadscim.report.markdown import to_markdown
from loadscim.report.text import render_text
from loadscim.summary import RunSummary
from loadscim.verdict import Verdict

__all__ = ["check_writable", "render_text", "write_reports"]

OPTIONS = {key: "--" + key.replace("_", "-") for key in ("json", "junit", "html", "hdr_log",
                                                        "summary_md")}
"""The option of each report in messages, unless told otherwise (``--json``; the table of
report options is :data:`loadscim.options.REPORTS`)."""


def check_writable(option: str, path: str | os.PathLike[str]) -> None:
    """Fail early, before a run, when ``path`` cannot be written: one-line UsageError.

    The file is not created; its missing parent directories would be created when written.
    """
    target = Path(path).absolute()
    if target.is_dir():
        raise UsageError(f"{option} {path}: is a directory; give the path of a file in it")
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(
            f"{option} {path}: {parent} is not a directory; give a path in a directory"
        )
    blocked = target.exists() and not os.access(target, os.W_OK)
    if blocked or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"{option} {path}: no permission to write there; give a path in a writable "
            "directory"
        )


def write_reports(
    summary: RunSummary,
    verdict: Verdict,
    *,
    json: str | os.PathLike[str] | None = None,
    junit: str | os.PathLike[str] | None = None,
    html: str | os.PathLike[str] | None = None,
    hdr_log: str | os.PathLike[str] | None = None,
    summary_md: str | os.PathLike[str] | None = None,
    option_names: Mapping[str, str] = OPTIONS,
) -> list[str]:
    """Write each requested report (creating parent directories); return the paths written.

    Every report that can be written is; then a path that could not be raises a one-line
    :class:`~loadscim.errors.UsageError` naming the option (as ``option_names`` spells it),
    the path and the fix.
    """
    def writer(render: Callable[[], bytes]) -> Callable[[Path], object]:
        return lambda path: path.write_bytes(render())

    jobs: list[tuple[str, str | os.PathLike[str] | None, Callable[[Path], object]]] = [
        ("json", json, writer(lambda: to_json(summary, verdict))),
        ("junit", junit, writer(lambda: to_junit(summary, verdict))),
        ("html", html, writer(lambda: to_html(summary, verdict).encode("utf-8"))),
        ("hdr_log", hdr_log, lambda path: write_hdr_log(summary, path)),
        ("summary_md", summary_md, writer(lambda: to_markdown(summary, verdict).encode("utf-8"))),
    ]
    written: list[str] = []
    failed: list[str] = []
    for key, path, write in jobs:
        if path is None or str(path) == "":
            continue
        try:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target)
        except OSError as e:
            why = e.strerror or str(e)
            failed.append(
                f"{option_names[key]} {path}: cannot write it ({why}); "
                "give a path in a writable directory"
            )
            continue
        written.append(str(path))
    if failed:
        more = f" (and {len(failed) - 1} more report failed)" if len(failed) > 1 else ""
        raise UsageError(failed[0] + more)
    return written

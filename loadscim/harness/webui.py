"""loadscim in Locust's web UI: two tabs (exact latency, checks) and a live HTML report.

``locust -f scenarios/<name>.py`` shows Locust's own UI; loadscim adds, through Locust's
documented extension points (``extended_tabs`` / ``extended_tables`` template arguments and
``extended_stats`` in the ``/stats/requests`` answer):

- **loadscim latency**: per endpoint, requests, failures and p50/p95/p99/p99.9/max from the
  HDR histograms (exact to 3 significant digits, where Locust's own table rounds to about
  two), and p99 corrected for coordinated omission when the open model runs;
- **loadscim checks**: per checker, the verdict line, trials, violations by kind and the
  first example;
- ``/loadscim/report``: the whole HTML report of the run so far, with the verdict.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request

from loadscim.harness.runtime import Runtime, build_summary
from loadscim.report.html import to_html
from loadscim.verdict import evaluate, format_sig3

LATENCY_TAB = "loadscim-latency"
CHECKS_TAB = "loadscim-checks"

LATENCY_COLUMNS = [
    ("name", "Endpoint"),
    ("requests", "Requests"),
    ("failures", "Failures"),
    ("p50", "p50 ms"),
    ("p95", "p95 ms"),
    ("p99", "p99 ms"),
    ("p999", "p99.9 ms"),
    ("max", "max ms"),
    ("p99c", "p99 corrected ms"),
]
FINDINGS_SHOWN = 5
"""Finding groups in the checks tab's row of a checker (the HTML report has them all)."""
CHECK_COLUMNS = [
    ("checker", "Checker"),
    ("status", "Status"),
    ("trials", "Trials"),
    ("violations", "Violations"),
    ("kinds", "Kinds"),
    ("findings", "Findings (kind subject: count)"),
    ("example", "First example"),
]


def install(rt: Runtime) -> None:
    """Add loadscim's tabs and report route to the environment's web UI, if there is one."""
    web_ui = rt.environment.web_ui
    if web_ui is None or web_ui.app is None:
        return
    app = web_ui.app
    web_ui.template_args["extended_tabs"] = [
        {"title": "loadscim latency", "key": LATENCY_TAB},
        {"title": "loadscim checks", "key": CHECKS_TAB},
    ]
    web_ui.template_args["extended_tables"] = [
        {"key": LATENCY_TAB, "structure": [{"key": k, "title": t} for k, t in LATENCY_COLUMNS]},
        {"key": CHECKS_TAB, "structure": [{"key": k, "title": t} for k, t in CHECK_COLUMNS]},
    ]

    @app.after_request
    def _extend_stats(response: Response) -> Response:
        if request.path != "/stats/requests" or response.status_code != 200:
            return response
        try:
            data = json.loads(response.get_data())
            data["extended_stats"] = extended_stats(rt)
            response.set_data(json.dumps(data))
        except Exception:
            rt.listener_failed("web UI stats")
        return response

    @app.route("/loadscim/report")
    @web_ui.auth_required_if_enabled
    def _report() -> Response:
        summary = build_summary(rt)
        return Response(to_html(summary, evaluate(rt.gate, summary)), mimetype="text/html")


def _ms(value_us: float) -> str:
    return format_sig3(value_us / 1000)


def extended_stats(rt: Runtime) -> list[dict[str, Any]]:
    """The rows of loadscim's two tabs, from what the recorder holds now."""
    summary = build_summary(rt)
    latency = []
    for name in sorted(summary.endpoints, key=lambda n: (n == "*", n)):
        stats = summary.endpoints[name]
        hist = stats.hist
        row = {
            "name": name,
            "requests": stats.requests,
            "failures": stats.failures,
            "p50": _ms(hist.get_value_at_percentile(50)),
            "p95": _ms(hist.get_value_at_percentile(95)),
            "p99": _ms(hist.get_value_at_percentile(99)),
            "p999": _ms(hist.get_value_at_percentile(99.9)),
            "max": _ms(hist.get_max_value()),
            "p99c": "",
        }
        if stats.hist_corrected is not None:
            row["p99c"] = _ms(stats.hist_corrected.get_value_at_percentile(99))
        latency.append(row)
    verdict = evaluate(rt.gate, summary)
    labels = {line.endpoint: line.label for line in verdict.lines if line.kind == "checker"}
    checks = []
    for name, checker in sorted(summary.checkers.items()):
        example = ""
        if checker.examples:
            v = checker.examples[0]
            example = f"{v.resource} {v.kind}: expected {v.expected}, observed {v.observed}"
        checks.append(
            {
                "checker": name,
                "status": labels.get(name, ""),
                "trials": checker.trials,
                "violations": checker.violations,
                "kinds": ", ".join(f"{k} {n}" for k, n in sorted(checker.kinds.items())),
                "findings": "; ".join(
                    f"{g.key}: {g.count}" for g in checker.sorted_groups()[:FINDINGS_SHOWN]
                ),
                "example": example,
            }
        )
    return [{"key": LATENCY_TAB, "data": latency}, {"key": CHECKS_TAB, "data": checks}]

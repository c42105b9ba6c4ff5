"""loadscim in Locust's web UI: the verdict, exact latency and checks tabs, a live HTML
report, and runs started from the form with loadscim's options.

``locust -f scenarios/<name>.py`` shows Locust's own UI; loadscim adds, through Locust's
documented extension points (``extended_tabs`` / ``extended_tables`` /
``extended_csv_files`` template arguments, ``extended_stats`` in the ``/stats/requests``
answer, options registered with ``include_in_web_ui``, the ``reset_stats`` event):

- **loadscim verdict**: the verdict so far (first row: PASS, FAIL or UNKNOWN and its line),
  then every gate line and checker with its status, observed value and limit, live;
- **loadscim latency**: per endpoint (and per visibility kind: writes sampled, never seen,
  the time to visibility), requests, failures and p50/p95/p99/p99.9/max from the
  HDR histograms (exact to 3 significant digits, where Locust's own table rounds to about
  two), and p99 corrected for coordinated omission when the open model runs;
- **loadscim checks**: per checker, the verdict line, trials, violations by kind and the
  first example;
- **loadscim over time**: the last minute of 5 s windows per endpoint (requests/s,
  failed/s, p50, p99), newest first;
- ``/loadscim/report``: the whole HTML report of the run so far, with the verdict (linked
  from the "Download Data" tab and the banner);
- a banner at the foot of the page: the verdict so far, coloured, updated every 2 s from
  ``/loadscim/verdict`` (the verdict tab's rows as JSON).

The start form carries the options marked ``web_ui`` in :mod:`loadscim.options` (gate,
baseline, dialect, seed, pacing, scenario options such as fan-out and population) and the
host, which ``locust`` then need not be given: when a run starts from the form, the options
are validated and a new host pre-flighted before any user starts, and a problem is shown in
the form (one line, as on the command line) instead of starting the run. "Reset stats" and a
new run after "Stop" start loadscim's figures from zero, as Locust's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from flask import Response, jsonify, request

from loadscim import options, windows
from loadscim.errors import LoadscimError, UsageError, one_line
from loadscim.harness.runtime import Runtime, build_summary, preflight
from loadscim.report.html import to_html
from loadscim.summary import RunSummary
from loadscim.verdict import Verdict, evaluate, format_sig3

VERDICT_TAB = "loadscim-verdict"
LATENCY_TAB = "loadscim-latency"
CHECKS_TAB = "loadscim-checks"
OVER_TIME_TAB = "loadscim-over-time"
OVER_TIME_WINDOWS = 12
"""Windows in the over-time tab (the last minute); the report draws them all."""
OVER_TIME_COLUMNS = [
    ("window", "Window start s"),
    ("endpoint", "Endpoint"),
    ("rps", "Requests/s"),
    ("fps", "Failed/s"),
    ("p50", "p50 ms"),
    ("p99", "p99 ms"),
]
REPORT_PATH = "/loadscim/report"
VERDICT_PATH = "/loadscim/verdict"
BANNER_ID = "loadscim-banner"
BANNER = (
    f'<div id="{BANNER_ID}" style="position:fixed;left:0;right:0;bottom:0;z-index:2000;'
    "padding:6px 14px;font:13px/1.4 sans-serif;color:#1d1d1f;background:#eeeeee;"
    'border-top:2px solid #999"><b>loadscim</b> <span id="loadscim-verdict-line">no run yet'
    '</span> <span id="loadscim-not-passing"></span> &middot; '
    '<a href="./?tab=loadscim-verdict">gate lines and checkers</a> &middot; '
    f'<a href=".{REPORT_PATH}" target="_blank">report</a></div>'
    "<script>(function(){var colours={PASS:['#e8f5e9','#66bb6a'],FAIL:['#fdecea','#e53935'],"
    "UNKNOWN:['#fff8e1','#f9a825']};function paint(){fetch('."
    + VERDICT_PATH
    + "').then(function(r){return r.json()}).then(function(rows){if(!rows.length)return;"
    "var b=document.getElementById('loadscim-banner'),c=colours[rows[0].status]||"
    "['#eee','#999'];b.style.background=c[0];b.style.borderTopColor=c[1];"
    "document.getElementById('loadscim-verdict-line').textContent=rows[0].line;"
    "var bad=rows.slice(1).filter(function(r){return r.status==='FAIL'||"
    "r.status==='UNKNOWN'}).length;document.getElementById('loadscim-not-passing')"
    ".textContent=bad?'('+bad+' of '+(rows.length-1)+' lines not passing)':'';})"
    ".catch(function(){})}setInterval(paint,2000);paint();})();</script>"
)
"""A banner at the foot of every page of the web UI: the verdict so far, coloured, updated
every 2 s from ``/loadscim/verdict``, with links to the verdict tab and the report."""

VERDICT_COLUMNS = [
    ("status", "Status"),
    ("line", "Line"),
    ("observed", "Observed"),
    ("limit", "Limit"),
    ("samples", "Samples"),
    ("reason", "Why"),
]

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
        {"title": "loadscim verdict", "key": VERDICT_TAB},
        {"title": "loadscim latency", "key": LATENCY_TAB},
        {"title": "loadscim checks", "key": CHECKS_TAB},
        {"title": "loadscim over time", "key": OVER_TIME_TAB},
    ]
    web_ui.template_args["extended_tables"] = [
        {"key": VERDICT_TAB, "structure": [{"key": k, "title": t} for k, t in VERDICT_COLUMNS]},
        {"key": LATENCY_TAB, "structure": [{"key": k, "title": t} for k, t in LATENCY_COLUMNS]},
        {"key": CHECKS_TAB, "structure": [{"key": k, "title": t} for k, t in CHECK_COLUMNS]},
        {"key": OVER_TIME_TAB, "structure": [{"key": k, "title": t} for k, t in OVER_TIME_COLUMNS]},
    ]
    web_ui.template_args["extended_csv_files"] = [
        {"href": "." + REPORT_PATH, "title": "loadscim report (HTML, the run so far)"},
    ]
    rt.environment.events.reset_stats.add_listener(lambda **_kw: reset(rt))

    @app.before_request
    def _start_from_form() -> Any:
        if request.path != "/swarm" or request.method != "POST":
            return None
        try:
            start_from_form(rt, request.form)
        except LoadscimError as e:
            sys.stderr.write(f"loadscim: error: {one_line(str(e))}\n")
            return jsonify({"success": False, "message": one_line(str(e)), "host": ""})
        except Exception as e:  # a bug: one line in the form, not a stack trace
            rt.listener_failed("web UI start")
            return jsonify({"success": False, "message": f"loadscim: {e!r}", "host": ""})
        return None

    @app.after_request
    def _extend_stats(response: Response) -> Response:
        if request.path == "/" and response.status_code == 200 and response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            if "</body>" in body and BANNER_ID not in body:
                response.set_data(body.replace("</body>", BANNER + "</body>", 1))
            return response
        if request.path != "/stats/requests" or response.status_code != 200:
            return response
        try:
            data = json.loads(response.get_data())
            data["extended_stats"] = extended_stats(rt)
            response.set_data(json.dumps(data))
        except Exception:
            rt.listener_failed("web UI stats")
        return response

    @app.route(VERDICT_PATH)
    @web_ui.auth_required_if_enabled
    def _verdict() -> Response:
        summary = build_summary(rt)
        rows = verdict_rows(evaluate(rt.gate, summary))
        return Response(json.dumps(rows), mimetype="application/json")

    @app.route(REPORT_PATH)
    @web_ui.auth_required_if_enabled
    def _report() -> Response:
        summary = build_summary(rt)
        return Response(to_html(summary, evaluate(rt.gate, summary)), mimetype="text/html")


def reset(rt: Runtime) -> None:
    """Start loadscim's figures from zero (Reset stats; a new run after Stop)."""
    rt.recorder.reset()
    rt.cpu_samples.clear()
    rt.rss_samples.clear()
    if rt.started is not None:
        rt.started = time.monotonic()
        rt.stopped = rt.started if rt.stopped is not None else None
    rt.judged = False


def form_values(rt: Runtime, form: Any) -> argparse.Namespace:
    """Locust's parsed options with the start form's edits, converted as Locust converts
    them (to the type of the option's current value), and the form's host."""
    values = dict(vars(rt.options)) if rt.options is not None else {}
    for key in form:
        if key in ("user_count", "spawn_rate", "run_time", "host", "user_classes", "profile"):
            continue
        if key not in values:
            continue
        value, current = form.get(key), values[key]
        if isinstance(current, bool):
            values[key] = value == "true"
        elif current is None or isinstance(current, str):
            values[key] = value
        elif isinstance(current, int | float):
            try:
                values[key] = type(current)(value)
            except ValueError:
                flag = "--" + key.replace("_", "-")
                kind = "a whole number" if isinstance(current, int) else "a number"
                raise UsageError(
                    f"{flag} {value!r}: is not {kind}; write e.g. {flag} {current}"
                ) from None
    namespace = argparse.Namespace(**values)
    namespace.host = (form.get("host") or rt.environment.host or "").strip()
    return namespace


def start_from_form(rt: Runtime, form: Any) -> None:
    """Validate the start form's options (as at launch) and pre-flight a new host, before
    Locust starts the users; a problem raises a one-line LoadscimError for the form."""
    fresh = options.validate(form_values(rt, form), via="locust")
    fresh.run_id = rt.opts.run_id
    new_host = fresh.target != rt.opts.target or rt.capabilities is None
    rt.opts, rt.gate = fresh, fresh.judge
    if new_host:
        rt.environment.host = fresh.target
        rt._bodies = None
        rt.capabilities = preflight(rt)
        rt._capabilities_read = True


def verdict_rows(verdict: Verdict) -> list[dict[str, Any]]:
    """The verdict tab: the verdict line first, then every gate line and checker."""
    rows: list[dict[str, Any]] = [
        {"status": verdict.status.value, "line": verdict.headline(), "observed": "",
         "limit": "", "samples": "", "reason": ""}
    ]  # fmt: skip
    for line in verdict.lines:
        shown_reason = line.reason if (line.status.value != "PASS" or line.not_applicable) else ""
        rows.append(
            {
                "status": line.label,
                "line": line.name,
                "observed": line.observed,
                "limit": line.limit,
                "samples": "" if line.samples is None else line.samples,
                "reason": shown_reason,
            }
        )
    return rows


def _ms(value_us: float) -> str:
    return format_sig3(value_us / 1000)


def extended_stats(rt: Runtime) -> list[dict[str, Any]]:
    """The rows of loadscim's two tabs, from what the recorder holds now."""
    summary = build_summary(rt)
    names = sorted(summary.endpoints, key=lambda n: (n == "*", n))
    rows = [(n, summary.endpoints[n]) for n in names]
    # Time to visibility per kind (writes sampled, never seen, the delays), under the endpoints.
    rows += [(f"visibility {kind}", stats) for kind, stats in summary.visibility.items()]
    latency = []
    for name, stats in rows:
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
    return [
        {"key": VERDICT_TAB, "data": verdict_rows(verdict)},
        {"key": LATENCY_TAB, "data": latency},
        {"key": CHECKS_TAB, "data": checks},
        {"key": OVER_TIME_TAB, "data": over_time_rows(summary)},
    ]


def over_time_rows(summary: RunSummary) -> list[dict[str, Any]]:
    """The last minute of 5 s windows per endpoint, newest first (the report has them all,
    drawn)."""
    rows = windows.read_rows(summary.extra)
    starts = sorted({r["start_unix"] for r in rows})[-OVER_TIME_WINDOWS:]
    origin = summary.started_unix or (starts[0] if starts else 0)
    out = []
    for row in sorted(rows, key=lambda r: (-r["start_unix"], r["endpoint"])):
        if row["start_unix"] not in starts:
            continue
        out.append(
            {
                "window": format_sig3(max(0.0, row["start_unix"] - origin)),
                "endpoint": row["endpoint"],
                "rps": format_sig3(row["requests"] / windows.WINDOW_S),
                "fps": format_sig3(row["failures"] / windows.WINDOW_S),
                "p50": _ms(row["p50_us"]),
                "p99": _ms(row["p99_us"]),
            }
        )
    return out

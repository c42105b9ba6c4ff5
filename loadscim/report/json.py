"""The whole run as JSON (``--json FILE``): everything needed to render and judge it again.

:func:`to_json` writes a :class:`~loadscim.summary.RunSummary` and its
:class:`~loadscim.verdict.Verdict`; :func:`from_json` reads them back, so that
``loadscim report summary.json --html out.html`` re-renders a saved run, and
``loadscim report summary.json --gate other.toml`` judges it again against another gate.

The document (``"format": "loadscim-summary"``, ``"version": 1``)::

    {
      "format": "loadscim-summary", "version": 1, "loadscim": "0.1.0",
      "run_id": "...", "scenario": "...", "target": "...",
      "started_unix": 1700000000.0, "duration_s": 30.0,
      "listener_errors": 0, "task_errors": 0, "max_cpu_percent": 41.0, "workers_lost": 0,
      "dropped_iterations": 0,
      "endpoints": {
        "POST /Users": {
          "requests": 812, "failures": 0,
          "latency_us": {"p50": 1031, "p75": .., "p90": .., "p95": .., "p99": ..,
                         "p99.9": .., "max": .., "avg": 1102.4, "samples": 812},
          "latency_corrected_us": null,          # or the same keys (open model)
          "hist": "HISTFAAAA...",                 # HdrHistogram encode() (V2, base64)
          "hist_corrected": null
        }, ..., "*": {...}
      },
      "checkers": {"lost_update": {"trials": 12, "violations": 2, "errors": 0,
                                   "not_applicable": null, "kinds": {"lost-member": 2},
                                   "groups": [{"kind": "lost-member", "subject": "members",
                                               "count": 2, "examples": [{violation}]}],
                                   "examples": [{violation}]}},
      "visibility": {"create-by-filter": {"requests": 40, "failures": 0,   # sampled, never seen
                                          "latency_us": {...}, "hist": "HISTF..."}},
      "notes": ["..."],
      "extra": {...},                             # "consistency_window_s": 1.0, ...
      "verdict": {"status": "FAIL", "exit_code": 1, "headline": "verdict: FAIL (...)",
                  "reasons": ["..."], "lines": [{"kind": "latency", "name": .., "text": ..,
                  "endpoint": .., "status": "FAIL", "label": "FAIL", "observed": "312ms",
                  "limit": "100ms", "reason": "...", "samples": 50,
                  "not_applicable": false}]}
    }

Latencies are integer microseconds (``avg`` is a float), read from the HdrHistograms; the
encoded histograms are the source of truth, and the percentile figures are there for people
and for tools such as ``jq`` (``.endpoints["POST /Users"].latency_us.p99``).
"""

from __future__ import annotations

from typing import Any

import orjson
from hdrh.histogram import HdrHistogram

from loadscim import __version__
from loadscim.errors import UsageError
from loadscim.ops import Violation
from loadscim.summary import (
    CheckerStats,
    EndpointStats,
    FindingGroup,
    RunSummary,
    new_histogram,
)
from loadscim.verdict import LineResult, Status, Verdict

FORMAT = "loadscim-summary"
VERSION = 1
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("p50", 50.0),
    ("p75", 75.0),
    ("p90", 90.0),
    ("p95", 95.0),
    ("p99", 99.0),
    ("p99.9", 99.9),
)
"""The percentiles stated in the JSON (and the HTML tables), by key."""


def latency_figures(hist: HdrHistogram) -> dict[str, int | float]:
    """``p50 .. p99.9``, ``max`` (integer us), ``avg`` (us) and ``samples`` of a histogram.

    An empty histogram gives zeros with ``samples`` 0.
    """
    samples = hist.get_total_count()
    if samples == 0:
        figures: dict[str, int | float] = {key: 0 for key, _ in PERCENTILES}
        figures.update(max=0, avg=0.0, samples=0)
        return figures
    values = hist.get_percentile_to_value_dict([p for _, p in PERCENTILES])
    figures = {key: int(values[p]) for key, p in PERCENTILES}
    figures["max"] = int(hist.get_max_value())
    figures["avg"] = round(float(hist.get_mean_value()), 3)
    figures["samples"] = int(samples)
    return figures


def to_json(summary: RunSummary, verdict: Verdict) -> bytes:
    """The summary and its verdict as a JSON document (UTF-8, indented, ending in a newline)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "loadscim": __version__,
        "run_id": summary.run_id,
        "scenario": summary.scenario,
        "target": summary.target,
        "started_unix": summary.started_unix,
        "duration_s": summary.duration_s,
        "listener_errors": summary.listener_errors,
        "task_errors": summary.task_errors,
        "max_cpu_percent": summary.max_cpu_percent,
        "workers_lost": summary.workers_lost,
        "dropped_iterations": summary.dropped_iterations,
        "endpoints": {name: _endpoint(stats) for name, stats in summary.endpoints.items()},
        "checkers": {name: _checker(stats) for name, stats in summary.checkers.items()},
        "visibility": {kind: _visibility(stats) for kind, stats in summary.visibility.items()},
        "notes": list(summary.notes),
        "extra": summary.extra,
        "verdict": _verdict(verdict),
    }
    return orjson.dumps(
        document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str
    ) + b"\n"


def _encode(hist: HdrHistogram) -> str:
    encoded = hist.encode()
    return encoded.decode("ascii") if isinstance(encoded, bytes) else str(encoded)


def _endpoint(stats: EndpointStats) -> dict[str, Any]:
    corrected = stats.hist_corrected
    return {
        "requests": stats.requests,
        "failures": stats.failures,
        "latency_us": latency_figures(stats.hist),
        "latency_corrected_us": latency_figures(corrected) if corrected is not None else None,
        "hist": _encode(stats.hist),
        "hist_corrected": _encode(corrected) if corrected is not None else None,
    }


def _visibility(stats: EndpointStats) -> dict[str, Any]:
    return {
        "requests": stats.requests,
        "failures": stats.failures,
        "latency_us": latency_figures(stats.hist),
        "hist": _encode(stats.hist),
    }


def _checker(stats: CheckerStats) -> dict[str, Any]:
    return {
        "trials": stats.trials,
        "violations": stats.violations,
        "warnings": stats.warnings,
        "errors": stats.errors,
        "not_applicable": stats.not_applicable,
        "unknown": stats.unknown,
        "kinds": dict(stats.kinds),
        "groups": [g.to_dict() for g in stats.sorted_groups()],
        "examples": [v.to_dict() for v in stats.examples],
    }


def _verdict(verdict: Verdict) -> dict[str, Any]:
    return {
        "status": verdict.status.value,
        "exit_code": verdict.exit_code,
        "headline": verdict.headline(),
        "reasons": list(verdict.reasons),
        "lines": [_line(line) for line in verdict.lines],
    }


def _line(line: LineResult) -> dict[str, Any]:
    return {
        "kind": line.kind,
        "name": line.name,
        "text": line.text,
        "endpoint": line.endpoint,
        "status": line.status.value,
        "label": line.label,
        "observed": line.observed,
        "limit": line.limit,
        "reason": line.reason,
        "samples": line.samples,
        "not_applicable": line.not_applicable,
    }


# ---------------------------------------------------------------------------------- reading


class _NotASummary(Exception):
    """Raised while reading; becomes one UsageError naming the source."""


def from_json(data: bytes | str, source: str = "summary") -> tuple[RunSummary, Verdict]:
    """Read back what :func:`to_json` wrote: the summary (histograms decoded) and its verdict.

    Anything else raises :class:`~loadscim.errors.UsageError` with one line naming ``source``.
    """
    fix = "give a file written by `loadscim run --json FILE`"
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise UsageError(f"{source}: not JSON ({e}); {fix}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UsageError(f"{source}: not a loadscim summary (no \"format\": \"{FORMAT}\"); {fix}")
    version = document.get("version")
    if version != VERSION:
        raise UsageError(
            f"{source}: loadscim summary version {version!r}, this loadscim reads version "
            f"{VERSION}; re-render it with the loadscim that wrote it"
        )
    try:
        return _summary(document), _read_verdict(_get(document, "verdict", dict))
    except _NotASummary as e:
        raise UsageError(f"{source}: not a valid loadscim summary: {e}; {fix}") from None


def _get(data: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if key not in data:
        if default is not ...:
            return default
        raise _NotASummary(f"{key!r} is missing")
    value = data[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise _NotASummary(f"{key!r} has the wrong type ({type(value).__name__})")
    return value


_NUMBER = (int, float)


def _summary(doc: dict[str, Any]) -> RunSummary:
    summary = RunSummary(
        run_id=_get(doc, "run_id", str, ""),
        scenario=_get(doc, "scenario", str, ""),
        target=_get(doc, "target", str, ""),
        duration_s=float(_get(doc, "duration_s", _NUMBER, 0.0)),
        started_unix=float(_get(doc, "started_unix", _NUMBER, 0.0)),
        listener_errors=int(_get(doc, "listener_errors", int, 0)),
        task_errors=int(_get(doc, "task_errors", int, 0)),
        max_cpu_percent=float(_get(doc, "max_cpu_percent", _NUMBER, 0.0)),
        workers_lost=int(_get(doc, "workers_lost", int, 0)),
        dropped_iterations=int(_get(doc, "dropped_iterations", int, 0)),
        notes=[str(n) for n in _get(doc, "notes", list, [])],
        extra=dict(_get(doc, "extra", dict, {})),
    )
    for name, data in _get(doc, "endpoints", dict).items():
        if not isinstance(data, dict):
            raise _NotASummary(f"endpoint {name!r} is not an object")
        corrected = _get(data, "hist_corrected", (str, type(None)), None)
        summary.endpoints[name] = EndpointStats(
            name,
            requests=_get(data, "requests", int),
            failures=_get(data, "failures", int),
            hist=_decode(_get(data, "hist", str), name),
            hist_corrected=_decode(corrected, name) if corrected else None,
        )
    for kind, data in _get(doc, "visibility", dict, {}).items():
        if not isinstance(data, dict):
            raise _NotASummary(f"visibility {kind!r} is not an object")
        summary.visibility[kind] = EndpointStats(
            kind,
            requests=_get(data, "requests", int),
            failures=_get(data, "failures", int),
            hist=_decode(_get(data, "hist", str), kind),
        )
    for name, data in _get(doc, "checkers", dict).items():
        if not isinstance(data, dict):
            raise _NotASummary(f"checker {name!r} is not an object")
        try:
            examples = [Violation.from_dict(v) for v in _get(data, "examples", list, [])]
        except (KeyError, TypeError, AttributeError):
            raise _NotASummary(f"checker {name!r} has an unreadable example") from None
        kinds = _get(data, "kinds", dict, {})
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in kinds.values()):
            raise _NotASummary(f"checker {name!r} has a violation kind without a count")
        try:
            groups = [FindingGroup.from_dict(g) for g in _get(data, "groups", list, [])]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _NotASummary(f"checker {name!r} has an unreadable finding group") from None
        summary.checkers[name] = CheckerStats(
            name,
            trials=_get(data, "trials", int),
            violations=_get(data, "violations", int),
            warnings=_get(data, "warnings", int, 0),
            errors=_get(data, "errors", int, 0),
            not_applicable=_get(data, "not_applicable", (str, type(None)), None),
            unknown=_get(data, "unknown", (str, type(None)), None),
            kinds=dict(kinds),
            examples=examples,
            groups={g.key: g for g in groups},
        )
    return summary


def _decode(text: str, endpoint: str) -> HdrHistogram:
    hist = new_histogram()
    try:
        hist.decode_and_add(text.encode("ascii"))
    except Exception:  # hdrh raises TypeError, zlib.error, its own exceptions ...
        raise _NotASummary(f"the histogram of {endpoint!r} cannot be decoded") from None
    return hist


def _read_verdict(data: dict[str, Any]) -> Verdict:
    try:
        status = Status(_get(data, "status", str))
    except ValueError:
        raise _NotASummary(f"verdict status {data.get('status')!r} is unknown") from None
    lines = []
    for raw in _get(data, "lines", list):
        if not isinstance(raw, dict):
            raise _NotASummary("a verdict line is not an object")
        try:
            line_status = Status(_get(raw, "status", str))
        except ValueError:
            raise _NotASummary(f"line status {raw.get('status')!r} is unknown") from None
        lines.append(
            LineResult(
                kind=_get(raw, "kind", str),
                text=_get(raw, "text", str),
                endpoint=_get(raw, "endpoint", (str, type(None)), None),
                status=line_status,
                observed=_get(raw, "observed", str, ""),
                limit=_get(raw, "limit", str, ""),
                reason=_get(raw, "reason", str, ""),
                samples=_get(raw, "samples", (int, type(None)), None),
                not_applicable=_get(raw, "not_applicable", bool, False),
            )
        )
    reasons = [str(r) for r in _get(data, "reasons", list, [])]
    return Verdict(status, reasons, lines)

"""The verdict: a run's summary judged against a gate -> PASS / FAIL / UNKNOWN, with reasons.

Every gate line, every checker and every self-trust condition becomes one
:class:`LineResult`. They combine as follows: any FAIL makes the verdict FAIL (a definite
breach stays a breach even when other lines are unknown); otherwise any UNKNOWN makes it
UNKNOWN; otherwise it is PASS. A line never passes on data the run cannot vouch for: too few
samples, an endpoint never seen, a missing corrected histogram, a checker that raised.

Latency is read only from the HdrHistograms of :mod:`loadscim.summary` (integer microseconds,
3 significant digits). Their percentiles are the highest value equivalent to the recorded
one, so a reading can exceed the true value by up to 0.1%: a line right at its limit fails
rather than passes.

Pure code: no locust, no gevent, no I/O.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from enum import Enum

from hdrh.histogram import HdrHistogram

from loadscim.checks.kinds import SHOULD_KINDS, is_warning
from loadscim.config import Gate, LatencyLine, LatencyRule, RateRule
from loadscim.errors import EXIT_ERROR, EXIT_FAIL, EXIT_PASS, EXIT_UNKNOWN
from loadscim.ops import Violation
from loadscim.summary import ALL, TARGET_LACKS, CheckerStats, EndpointStats, RunSummary

CPU_SATURATED_PERCENT = 90.0
"""Above this CPU use of a load generator, its timings are not trusted."""

SLOW_P50_US = 500_000
"""A p50 from which an endpoint is named as the likely reason a checker finished no trial."""
_MAX_SEEN_LISTED = 8
_MAX_REASONS_SHOWN = 3


class Status(Enum):
    """The outcome of a run or of one line, with the run's exit code."""

    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    ERROR = "ERROR"

    @property
    def exit_code(self) -> int:
        return {
            Status.PASS: EXIT_PASS,
            Status.FAIL: EXIT_FAIL,
            Status.UNKNOWN: EXIT_UNKNOWN,
            Status.ERROR: EXIT_ERROR,
        }[self]


@dataclass(frozen=True)
class LineResult:
    """The judgement of one gate line, one checker or one self-trust condition."""

    kind: str
    """``latency``, ``visibility``, ``errors``, ``throttled``, ``rps``, ``checker`` or
    ``self``."""
    text: str
    """The line as the gate states it: ``p95 < 300ms``, ``rate < 1%``, ``min_rps = 50``."""
    endpoint: str | None
    """The endpoint (or ``*``) of a latency or error line; the checker's name for a checker."""
    status: Status
    """PASS, FAIL or UNKNOWN (never ERROR)."""
    observed: str = ""
    """The observed value in the line's unit, for display (``312ms``); "" when none."""
    limit: str = ""
    """The limit, for display (``300ms``)."""
    reason: str = ""
    """Why the line did not pass (or why it does not apply); "" for a plain PASS."""
    samples: int | None = None
    """Samples the line was judged on (requests, histogram counts, trials)."""
    not_applicable: bool = False
    """A checker that does not apply to this target: neither FAIL nor UNKNOWN (status PASS)."""
    warnings: int = 0
    """A checker's violations of SHOULD kinds that this gate leaves as warnings."""

    @property
    def name(self) -> str:
        """A stable, human name for the line (a JUnit test case name)."""
        if self.kind == "errors":
            where = "" if self.endpoint in (None, ALL) else f'"{self.endpoint}" '
            return f"{where}errors {self.text}"
        if self.kind == "latency":
            return f'"{self.endpoint}" {self.text}'
        if self.kind == "visibility":
            return f'[visibility] "{self.endpoint}" {self.text}'
        if self.kind == "throttled":
            return f"throttled {self.text}"
        if self.kind == "checker":
            return f"checker {self.endpoint}"
        return self.text

    @property
    def label(self) -> str:
        """``PASS``, ``FAIL``, ``UNKNOWN`` or ``N/A``."""
        return "N/A" if self.not_applicable else self.status.value


@dataclass(frozen=True)
class Verdict:
    """The outcome of a run: a status, one reason per non-passing line, and every line."""

    status: Status
    reasons: list[str] = field(default_factory=list)
    lines: list[LineResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return self.status.exit_code

    @classmethod
    def error(cls, message: str) -> Verdict:
        """The verdict of a run that could not run (exit code 3)."""
        return cls(Status.ERROR, [message], [])

    def headline(self) -> str:
        """The one verdict line: ``verdict: FAIL (1 gate line breached: ...)``."""
        if self.status is Status.ERROR:
            return f"verdict: ERROR ({'; '.join(self.reasons)})"
        gate = [ln for ln in self.lines if ln.kind != "checker" and ln.kind != "self"]
        failed_gate = [ln for ln in gate if ln.status is Status.FAIL]
        checks = [ln for ln in self.lines if ln.kind == "checker"]
        failed_checks = [ln for ln in checks if ln.status is Status.FAIL]
        unknown = [ln for ln in self.lines if ln.status is Status.UNKNOWN]
        if self.status is Status.PASS:
            checkers = sum(1 for ln in checks if not ln.not_applicable)
            held = f"{_count(len(gate), 'gate line')}, {_count(checkers, 'checker')} held"
            inapplicable = sum(1 for ln in self.lines if ln.not_applicable)
            if inapplicable:
                held += f", {inapplicable} not applicable"
            warnings = sum(ln.warnings for ln in checks)
            if warnings:
                held += f"; {_count(warnings, 'SHOULD warning')}"
            return f"verdict: PASS ({held})"
        parts = []
        if failed_gate:
            parts.append(_group(f"{_count(len(failed_gate), 'gate line')} breached", failed_gate))
        if failed_checks:
            parts.append(_group(f"{_count(len(failed_checks), 'checker')} violated", failed_checks))
        if unknown and self.status is Status.UNKNOWN:
            parts.append(_group(f"{_count(len(unknown), 'line')} unknown", unknown))
        elif unknown:
            parts.append(f"also {_count(len(unknown), 'line')} unknown")
        return f"verdict: {self.status.value} ({'; '.join(parts)})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _group(title: str, lines: list[LineResult]) -> str:
    shown = [ln.reason for ln in lines[:_MAX_REASONS_SHOWN]]
    more = len(lines) - len(shown)
    if more:
        shown.append(f"and {more} more")
    return f"{title}: {'; '.join(shown)}"


# ---------------------------------------------------------------------------------- evaluate


def evaluate(gate: Gate | None, summary: RunSummary) -> Verdict:
    """Judge ``summary`` against ``gate``; without a gate only checkers and self-trust decide."""
    lines: list[LineResult] = []
    if gate is not None:
        lines += _gate_lines(gate, summary)
    lines += _checker_lines(gate, summary)
    lines += _self_trust_lines(summary)
    return combine(_nothing_applies(lines, summary))


RUN_WIDE_CHECKERS = frozenset({"conformance"})
"""Checkers every run has whatever its scenario does (``conformance``: sampled answers and
the one unknown-id GET per load process): their trials say nothing about whether the
scenario had anything to do on the target."""


def _nothing_applies(lines: list[LineResult], summary: RunSummary) -> list[LineResult]:
    """When every checker of the scenario is not applicable to the target and none judged a
    trial (bulk_burst against a server without Bulk), the lines that are UNKNOWN for want
    of samples are not applicable either: the scenario had nothing to do on that target
    (the run-wide checkers' probe of it aside: :data:`RUN_WIDE_CHECKERS`)."""
    checkers = [c for c in summary.checkers.values() if c.name not in RUN_WIDE_CHECKERS]
    if not checkers or any(not c.not_applicable or c.trials for c in checkers):
        return lines
    why = "; ".join(f"{c.name}: {c.not_applicable}" for c in checkers)
    out = []
    for line in lines:
        if line.status is Status.UNKNOWN and (line.kind != "self" or line.text == "requests > 0"):
            line = dataclasses.replace(
                line,
                status=Status.PASS,
                not_applicable=True,
                reason=f"{line.name}: not applicable: nothing to measure ({why})",
            )
        out.append(line)
    return out


def combine(lines: list[LineResult]) -> Verdict:
    """The verdict of a list of line results (FAIL beats UNKNOWN beats PASS)."""
    failed = [ln for ln in lines if ln.status is Status.FAIL]
    unknown = [ln for ln in lines if ln.status is Status.UNKNOWN]
    if failed:
        status = Status.FAIL
    elif unknown:
        status = Status.UNKNOWN
    else:
        status = Status.PASS
    return Verdict(status, [ln.reason for ln in failed + unknown], list(lines))


def breached_now(gate: Gate | None, summary: RunSummary, elapsed_s: float) -> str | None:
    """For ``abort_on_fail``: the reason to stop the run now, or None to carry on.

    None without a gate, when the gate does not ask to abort, or during its grace period.
    Otherwise the first latency or error line that already fails on enough samples, or the
    first checker above its allowed violations (counts only grow: that breach is final).
    Throughput is not judged before the end.
    """
    if gate is None or not gate.abort_on_fail or elapsed_s < gate.abort_grace_s:
        return None
    for line in _gate_lines(gate, summary, with_rps=False):
        if line.status is Status.FAIL:
            return line.reason
    for line in _checker_lines(gate, summary):
        if line.status is Status.FAIL:
            return line.reason
    return None


def _gate_lines(gate: Gate, summary: RunSummary, with_rps: bool = True) -> list[LineResult]:
    lines: list[LineResult] = []
    for latency in gate.latency:
        lines += _latency_lines(gate, latency, summary)
    for visibility in gate.visibility:
        stats = summary.visibility.get(visibility.endpoint)
        needed = gate.samples_needed(visibility)
        for rule in visibility.rules:
            lines.append(_visibility_rule(rule, visibility.endpoint, stats, needed))
    if gate.errors is not None:
        lines.append(_rate_line(gate, ALL, gate.errors, summary))
    for entry in gate.errors_by_endpoint:
        lines.append(_rate_line(gate, entry.endpoint, entry.rule, summary))
    if gate.throttled is not None:
        lines.append(_throttled_line(gate, gate.throttled, summary))
    if with_rps and gate.min_rps is not None:
        lines.append(_rps_line(gate.min_rps, summary))
    return lines


def _stats(summary: RunSummary, endpoint: str) -> EndpointStats | None:
    """The endpoint's stats; ``*`` is merged from the endpoints when the recorder gave none."""
    stats = summary.endpoints.get(endpoint)
    if stats is not None or endpoint != ALL:
        return stats
    if not summary.endpoints:
        return None
    merged = EndpointStats(ALL)
    for other in summary.endpoints.values():
        merged.merge(other)
    return merged


def _lacked(summary: RunSummary, endpoint: str) -> str | None:
    """Why an endpoint never seen could not be: the target says it lacks PATCH or Bulk
    (RFC 7644 3.5.2, 3.7: optional), so the scenario updated by PUT or sent no bulk."""
    lacks = summary.extra.get(TARGET_LACKS) or {}
    if endpoint.startswith("PATCH "):
        return lacks.get("patch")
    if endpoint.rstrip("/").endswith(" /Bulk"):
        return lacks.get("bulk")
    return None


def _unseen_reason(summary: RunSummary, endpoint: str) -> str:
    seen = sorted(n for n, s in summary.endpoints.items() if n != ALL and s.requests > 0)
    if not seen:
        return "no requests were recorded in this run"
    close = difflib.get_close_matches(endpoint, seen, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    listed = ", ".join(seen[:_MAX_SEEN_LISTED])
    if len(seen) > _MAX_SEEN_LISTED:
        listed += f" and {len(seen) - _MAX_SEEN_LISTED} more"
    return f"endpoint never seen in this run (a typo?); {hint}seen: {listed}"


def _latency_lines(gate: Gate, line: LatencyLine, summary: RunSummary) -> list[LineResult]:
    stats = _stats(summary, line.endpoint)
    needed = gate.samples_needed(line)
    return [_latency_rule(rule, line.endpoint, stats, needed, summary) for rule in line.rules]


def _latency_rule(
    rule: LatencyRule,
    endpoint: str,
    stats: EndpointStats | None,
    needed: int,
    summary: RunSummary,
) -> LineResult:
    label = f'"{endpoint}" {rule.text}'

    def result(status: Status, why: str, samples: int | None = None, shown: str = "") -> LineResult:
        reason = f"{label}: {why}" if status is Status.UNKNOWN else why
        return LineResult("latency", rule.text, endpoint, status, shown, _limit_shown(rule),
                          reason, samples)

    if stats is None or (stats.requests == 0 and stats.hist.get_total_count() == 0):
        lacked = _lacked(summary, endpoint)
        if lacked:
            return dataclasses.replace(
                result(Status.PASS, f"{label}: not applicable: {lacked}", 0), not_applicable=True
            )
        return result(Status.UNKNOWN, _unseen_reason(summary, endpoint), 0)
    hist = stats.hist_corrected if rule.corrected else stats.hist
    if hist is None:
        why = "the scenario did not run an open model, so there is no corrected histogram"
        return result(Status.UNKNOWN, why)
    samples = hist.get_total_count()
    if samples == 0:
        return result(Status.UNKNOWN, f"no samples, fewer than min_samples {needed}", 0)
    observed_us = read_stat(hist, rule)
    shown = format_in_unit(observed_us, rule.unit)
    if samples < needed:
        why = f"only {samples} samples, fewer than min_samples {needed}"
        return result(Status.UNKNOWN, why, samples, shown)
    if rule.factor and rule.baseline_us is None:
        return result(Status.UNKNOWN, "no baseline to compare with (--baseline)", samples, shown)
    if rule.factor and rule.baseline_samples < needed:
        why = (f"the baseline has only {rule.baseline_samples} samples, fewer than "
               f"min_samples {needed}")
        return result(Status.UNKNOWN, why, samples, shown)
    if rule.holds(observed_us):
        return result(Status.PASS, "", samples, shown)
    return result(Status.FAIL, f"{label} observed {shown}", samples, shown)


def _visibility_rule(
    rule: LatencyRule, kind: str, stats: EndpointStats | None, needed: int
) -> LineResult:
    """A ``[visibility]`` rule: a write the polls never saw counts as slower than any limit
    (so a percentile it reaches, ``max`` and ``avg`` fail)."""
    label = f'[visibility] "{kind}" {rule.text}'

    def result(status: Status, why: str, samples: int | None = None, shown: str = "") -> LineResult:
        reason = f"{label}: {why}" if status is Status.UNKNOWN else why
        return LineResult("visibility", rule.text, kind, status, shown, rule.limit_text, reason,
                          samples)

    writes = stats.requests if stats is not None else 0
    if stats is None or writes == 0:
        why = ("no write of this kind was sampled in this run (the scenario does not measure "
               "it, or made no such write)")
        return result(Status.UNKNOWN, why, 0)
    seen = stats.hist.get_total_count()
    unseen = stats.failures
    percentile = rule.percentile
    if unseen and (percentile is None or unseen > writes * (1 - percentile / 100)):
        shown = f"> {format_in_unit(float(stats.hist.get_max_value()), rule.unit)}"
        why = f"{label} observed {unseen} of {writes} writes never seen by the polls"
        return result(Status.FAIL, why, writes, shown)
    if percentile is not None:
        among_seen = min(100.0, percentile * writes / seen)  # the unseen are the slowest
        observed_us = float(stats.hist.get_value_at_percentile(among_seen))
    else:
        observed_us = read_stat(stats.hist, rule)
    shown = format_in_unit(observed_us, rule.unit)
    if writes < needed:
        return result(Status.UNKNOWN, f"only {writes} samples, fewer than min_samples {needed}",
                      writes, shown)
    if rule.holds(observed_us):
        return result(Status.PASS, "", writes, shown)
    return result(Status.FAIL, f"{label} observed {shown}", writes, shown)


def _limit_shown(rule: LatencyRule) -> str:
    """``300ms``; a relative rule: ``312ms (1.2 * baseline 260ms)``."""
    if not rule.factor:
        return rule.limit_text
    if rule.baseline_us is None:
        return f"{rule.factor} * baseline"
    base = format_in_unit(rule.baseline_us, rule.unit)
    return f"{rule.limit_text} ({rule.factor} * baseline {base})"


def read_stat(hist: HdrHistogram, rule: LatencyRule) -> float:
    """The statistic of ``rule`` (``p99``, ``max``, ``avg``) read from ``hist``, in us."""
    if rule.stat == "max":
        return float(hist.get_max_value())
    if rule.stat == "avg":
        return float(hist.get_mean_value())
    percentile = rule.percentile
    assert percentile is not None
    return float(hist.get_value_at_percentile(percentile))


def _rate_line(gate: Gate, endpoint: str, rule: RateRule, summary: RunSummary) -> LineResult:
    name = "errors" if endpoint == ALL else f'"{endpoint}" errors'
    label = f"{name} {rule.text}"
    stats = _stats(summary, endpoint)
    if stats is None or stats.requests == 0:
        lacked = _lacked(summary, endpoint)
        if lacked:
            return LineResult("errors", rule.text, endpoint, Status.PASS, "", rule.limit_text,
                              f"{label}: not applicable: {lacked}", 0, True)
        why = _unseen_reason(summary, endpoint) if endpoint != ALL else "no requests recorded"
        return LineResult("errors", rule.text, endpoint, Status.UNKNOWN, "", rule.limit_text,
                          f"{label}: {why}", 0)
    observed = format_percent(100.0 * stats.failures / stats.requests)
    detail = f"{stats.failures} of {stats.requests} requests failed"
    if stats.requests < gate.min_samples:
        why = f"only {stats.requests} requests, fewer than min_samples {gate.min_samples}"
        return LineResult("errors", rule.text, endpoint, Status.UNKNOWN, observed,
                          rule.limit_text, f"{label}: {why}", stats.requests)
    if rule.holds(stats.failures, stats.requests):
        return LineResult("errors", rule.text, endpoint, Status.PASS, observed, rule.limit_text,
                          "", stats.requests)
    return LineResult("errors", rule.text, endpoint, Status.FAIL, observed, rule.limit_text,
                      f"{label} observed {observed} ({detail})", stats.requests)


def _throttled_line(gate: Gate, rule: RateRule, summary: RunSummary) -> LineResult:
    """``throttled = "rate < 5%"``: answers 429 over the requests sent (those answered 429
    included: each is a request the target received and turned away)."""
    label = f"throttled {rule.text}"
    stats = _stats(summary, ALL)
    requests = stats.requests if stats is not None else 0
    throttled = summary.throttled

    def line(status: Status, observed: str = "", reason: str = "") -> LineResult:
        return LineResult("throttled", rule.text, ALL, status, observed, rule.limit_text,
                          reason, requests)

    if requests == 0:
        return line(Status.UNKNOWN, reason=f"{label}: no requests recorded")
    observed = format_percent(100.0 * throttled / requests)
    if requests < gate.min_samples:
        why = f"only {requests} requests, fewer than min_samples {gate.min_samples}"
        return line(Status.UNKNOWN, observed, f"{label}: {why}")
    if rule.holds(min(throttled, requests), requests):
        return line(Status.PASS, observed)
    detail = f"{throttled} answers 429 (Too Many Requests) to {requests} requests"
    return line(Status.FAIL, observed, f"{label} observed {observed} ({detail})")


def _rps_line(min_rps: float, summary: RunSummary) -> LineResult:
    limit = f"{_plain(min_rps)}/s"
    text = f"min_rps = {_plain(min_rps)}"
    stats = _stats(summary, ALL)
    requests = stats.requests if stats is not None else 0
    if summary.duration_s <= 0:
        why = f"{text}: the length of the measured window is unknown"
        return LineResult("rps", text, None, Status.UNKNOWN, "", limit, why, requests)
    rps = requests / summary.duration_s
    observed = f"{format_sig3(rps)}/s"
    if rps >= min_rps:
        return LineResult("rps", text, None, Status.PASS, observed, limit, "", requests)
    why = f"{text} observed {observed} ({requests} requests in {summary.duration_s:.1f} s)"
    return LineResult("rps", text, None, Status.FAIL, observed, limit, why, requests)


def _checker_lines(gate: Gate | None, summary: RunSummary) -> list[LineResult]:
    return [
        _checker_line(gate, summary.checkers[name], summary) for name in sorted(summary.checkers)
    ]


def no_trials_reason(stats: CheckerStats, summary: RunSummary | None = None) -> str:
    """Why a checker that judged nothing vouches for nothing, and what to change:
    ``okta_group_push: 0 trials of lost_update finished in 15 s; the target's POST /Users
    p50 is 11 s: run longer (--duration)``."""
    if summary is None:
        return f"{stats.name}: judged no trials, so it vouches for nothing"
    who = f"{summary.scenario}: " if summary.scenario else ""
    took = f" in {summary.duration_s:.0f} s" if summary.duration_s > 0 else ""
    head = f"{who}0 trials of {stats.name} finished{took}, so it vouches for nothing"
    answered = [s for n, s in summary.endpoints.items() if n != ALL and s.hist.get_total_count()]
    if not answered:
        return f"{head}; no request was answered: check the target and the log above"
    slowest = max(answered, key=lambda s: s.hist.get_value_at_percentile(50.0))
    p50_us = float(slowest.hist.get_value_at_percentile(50.0))
    if p50_us < SLOW_P50_US:
        return f"{head}; run longer (--duration), and see the log above for errors of the users"
    unit = "s" if p50_us >= 1_000_000 else "ms"
    hint = f"the target's {slowest.name} p50 is {format_in_unit(p50_us, unit)}"
    return f"{head}; {hint}: run longer (--duration)"


def _checker_line(
    gate: Gate | None, stats: CheckerStats, summary: RunSummary | None = None
) -> LineResult:
    allowed = gate.allowed_violations(stats.name) if gate is not None else 0
    text = f"violations <= {allowed}"
    failing_should = gate.should_fail if gate is not None else ()
    should = {k: n for k, n in stats.kinds.items() if k in SHOULD_KINDS and n}
    warned = {k: n for k, n in should.items() if is_warning(k, failing_should)}
    violations = stats.violations + sum(should.values()) - sum(warned.values())
    observed = str(violations)

    def line(status: Status, reason: str = "", not_applicable: bool = False) -> LineResult:
        if warned and status is Status.PASS and not reason:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(warned.items()))
            reason = f"{stats.name}: warnings (SHOULD, not failing this gate): {kinds}"
        # An N/A line judged nothing it applies to: the trials its scenario finished anyway
        # (pagination's, against a target without filter) are not counted as judged.
        samples = 0 if not_applicable else stats.trials
        return LineResult("checker", text, stats.name, status, observed, str(allowed), reason,
                          samples, not_applicable, sum(warned.values()))

    if violations > allowed:
        noun = _count(violations, "violation")
        first = ""
        failing = [v for v in stats.examples if not is_warning(v.kind, failing_should)]
        if failing:
            example = failing[0]
            first = f", first: {example.resource} {example.kind}"
        return line(Status.FAIL, f"{stats.name}: {noun} (allowed {allowed}){first}")
    if stats.errors > 0:
        times = _count(stats.errors, "time")
        return line(Status.UNKNOWN, f"{stats.name}: the checker raised {times}; "
                    "its result cannot be trusted")
    if stats.unknown:
        return line(Status.UNKNOWN, stats.unknown)
    if stats.not_applicable:
        return line(Status.PASS, f"{stats.name}: not applicable: {stats.not_applicable}", True)
    if stats.trials == 0:
        return line(Status.UNKNOWN, no_trials_reason(stats, summary))
    return line(Status.PASS)


def _self_trust_lines(summary: RunSummary) -> list[LineResult]:
    lines = []
    requests = sum(s.requests for s in summary.endpoints.values())
    trials = sum(c.trials for c in summary.checkers.values())
    if requests == 0 and trials == 0:
        why = "the run recorded no requests and judged no trials: nothing to vouch for"
        lines.append(LineResult("self", "requests > 0", None, Status.UNKNOWN, "0", "", why))
    if summary.listener_errors > 0:
        n = summary.listener_errors
        why = (f"{_count(n, 'exception')} in loadscim's event listeners: "
               "the run cannot vouch for itself")
        lines.append(LineResult("self", "listener errors = 0", None, Status.UNKNOWN, str(n),
                                "0", why))
    if summary.task_errors > 0:
        n = summary.task_errors
        why = (f"{_count(n, 'exception')} in the scenario's user tasks: part of the "
               "workload did not run; see the log above")
        lines.append(LineResult("self", "task errors = 0", None, Status.UNKNOWN, str(n), "0",
                                why))
    if summary.max_cpu_percent > CPU_SATURATED_PERCENT:
        cpu = f"{summary.max_cpu_percent:.0f}%"
        why = (f"load generator CPU saturated ({cpu}): timings unreliable; "
               "add workers or lower --users")
        lines.append(LineResult("self", "load generator CPU <= 90%", None, Status.UNKNOWN, cpu,
                                "90%", why))
    if summary.workers_lost > 0:
        n = summary.workers_lost
        why = f"{_count(n, 'worker')} lost during the run: its counts and checks are incomplete"
        named = summary.extra.get("workers_incomplete")
        if named:
            why = "; ".join(str(line) for line in named)
        lines.append(LineResult("self", "workers lost = 0", None, Status.UNKNOWN, str(n), "0",
                                why))
    return lines


# ---------------------------------------------------------------------------------- display


def describe_violation(violation: Violation, width: int = 100) -> str:
    """``Group/3f2a lost-member: expected ..., observed ...`` on one line of ``width``."""
    text = (f"{violation.resource} {violation.kind}: expected {violation.expected}, "
            f"observed {violation.observed}")
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def format_sig3(value: float) -> str:
    """``value`` with 3 significant digits, never in exponent form: 0.0123, 1.23, 312, 1230."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    decimals = 2 - math.floor(math.log10(abs(value)))
    rounded = round(value, decimals)
    if rounded != 0 and 2 - math.floor(math.log10(abs(rounded))) < decimals:
        decimals -= 1  # 999.6 rounds up to 1000: one digit fewer after the point
    if decimals <= 0:
        return str(int(round(value, decimals)))
    return f"{value:.{decimals}f}"


def format_in_unit(value_us: float, unit: str) -> str:
    """Microseconds shown in ``unit`` (``us``, ``ms``, ``s``) with 3 significant digits."""
    per = {"us": 1, "ms": 1_000, "s": 1_000_000}[unit]
    return f"{format_sig3(value_us / per)}{unit}"


def format_percent(value: float) -> str:
    return f"{format_sig3(value)}%"


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)

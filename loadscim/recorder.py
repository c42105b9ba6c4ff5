"""The recorder: what one load-generating process measured and saw.

- latency and counts per endpoint, in HdrHistograms (fed from Locust's request event by the
  harness, so they cover exactly what Locust's statistics cover, but unrounded);
- checker results: a finished trial is checked at once, counted, kept as an example if it
  is among the first few, written to the JSONL history if asked, and dropped;
- the resources this run created and has not deleted (for reconciliation and cleanup);
- compatibility findings: identity-provider requests the target refused
  (:mod:`loadscim.checks.compatibility`), counted per endpoint, status and dialect step;
- latency per time window (:mod:`loadscim.drift`), to compare the start of a run with its end.

In a distributed run every worker has its own recorder; :meth:`drain` hands what was
recorded since the last call to the master, whose recorder :meth:`absorb` s it. Histograms
merge exactly. Nothing here imports locust or gevent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from hdrh.histogram import HdrHistogram

from loadscim import checks
from loadscim.cadence import PASSES_KEY, first_violation_note, passes_of
from loadscim.checks import compatibility, conformance
from loadscim.checks.kinds import SHOULD_KINDS
from loadscim.drift import Drift
from loadscim.drift import describe as describe_drift
from loadscim.ops import Op, Trial, Violation, dumps_trial
from loadscim.scim.patch import PatchError, attribute_writes, resource_writes
from loadscim.summary import (
    ALL,
    MAX_GROUP_EXAMPLES,
    CheckerStats,
    EndpointStats,
    FindingGroup,
    RunSummary,
    new_histogram,
    record_us,
)
from loadscim.throttle import ThrottleStats
from loadscim.visibility import new_stats as new_visibility_stats
from loadscim.visibility import record as record_visibility
from loadscim.windows import EXTRA_KEY as WINDOWS_KEY
from loadscim.windows import Windows

log = logging.getLogger("loadscim")

MAX_EXAMPLES = 5
KEEP_DELETED = 2000
"""Deleted resources kept in the run's model for reconciliation (the latest ones)."""

Checker = Callable[[Trial], list[Violation]]


@dataclass
class Tracked:
    """A resource this run created, as the run believes it is now."""

    resource_type: str
    id: str
    name: str
    """userName (User) or displayName (Group)."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """Attributes as last written by an ok write, for reconciliation (when tracked)."""
    active: bool | None = None
    deactivated: bool = False
    """An ok write set ``active`` false and no later write set it true."""
    deleted: bool = False
    """An ok DELETE (or a 404 to one) removed it."""
    uncertain: bool = False
    """An ``info`` write touched it, or two writes to it overlapped in time (either may
    have been applied last): its state may be either."""
    writes: int = 0
    """Writes sent to it by id so far (a reconciliation pass judges it only if none was sent
    while the pass read it)."""
    pending: int = 0
    """Writes sent to it and not completed yet (in flight)."""
    settled_us: int = 0
    """When its last write (or its create) completed (monotonic microseconds)."""


def fold_create(item: Tracked, op: Op, followed: Iterable[str]) -> None:
    """Start the model of a resource an ok create made: ``active`` and the ``followed``
    attribute paths the create's body sent (scalars), as :func:`fold_write` then follows."""
    if not isinstance(op.value, dict):
        return
    try:
        sent = resource_writes(op.value)
    except PatchError:
        return
    wanted = {path.lower() for path in followed}
    for path, value in sent.items():
        lower = path.lower()
        if lower == "active" and "active" in wanted and isinstance(value, bool):
            item.active = value
            item.deactivated = not value
        elif lower in wanted and isinstance(value, str | int | float | bool):
            item.attributes[path] = value


def fold_write(item: Tracked, op: Op, followed: Iterable[str] = ()) -> None:
    """Fold an ok PUT or PATCH into the model of a resource, for what the model follows
    (the attribute paths in ``item.attributes`` and ``followed``, ``active`` once set): the
    last ok write is what reconciliation expects. Scenarios need not fold by hand."""
    # A PUT's body read as a path-less replace: a declared attribute it leaves out keeps its
    # value in the model (the scenarios' PUTs send the whole resource).
    operations = op.value if op.kind == "patch" else [{"op": "replace", "value": op.value}]
    try:
        writes = attribute_writes(operations)
    except PatchError:
        return
    declared = {path.lower(): path for path in followed if path.lower() != "active"}
    declared.update({path.lower(): path for path in item.attributes})
    for path, value in writes.items():
        if path.lower() == "active":
            if item.active is not None and isinstance(value, bool):
                item.active = value
                item.deactivated = not value
        elif path.lower() in declared:
            item.attributes[declared[path.lower()]] = value


class Recorder:
    """Per-process measurements, trial checking and the run's model of its resources."""

    def __init__(
        self,
        run_id: str,
        checkers: dict[str, Checker] | None = None,
        history: IO[bytes] | None = None,
        max_examples: int = MAX_EXAMPLES,
    ) -> None:
        self.run_id = run_id
        self.checkers: dict[str, Checker] = checkers if checkers is not None else {}
        self.history = history
        self.max_examples = max_examples
        self.lock = threading.Lock()
        self._seq = 0
        self.endpoints: dict[str, EndpointStats] = {}
        self.checker_stats: dict[str, CheckerStats] = {}
        self.listener_errors = 0
        self.notes: list[str] = []
        self.tracked: dict[tuple[str, str], Tracked] = {}
        self.followed: set[str] = set()
        """The attribute paths (and ``active``) the model follows for reconciliation, as
        the scenarios declare them (:meth:`follow`)."""
        self._deleted: deque[tuple[str, str]] = deque()
        self.iterations = 0
        self.late_iterations = 0
        self.max_lateness_us = 0
        self.uncertain_creates = 0
        self.drift = Drift()
        self.findings: dict[str, tuple[compatibility.Finding, int]] = {}
        """Compatibility findings by key: the finding and how many times it was seen."""
        self.server_errors = compatibility.ServerErrors()
        """Sends and 5xx answers per IdP request shape (a 5xx that repeats is a finding)."""
        self.throttle = ThrottleStats()
        """429 answers and the time clients waited after them (Retry-After)."""
        self.windows = Windows()
        """Requests, failures and latency per endpoint in 5 s windows (the run over time)."""
        self.outcomes: Counter[str] = Counter()
        """Completions by :func:`outcome`: ``ok``, ``fail HTTP 429``, ``info timeout`` ..."""
        self.counting_outcomes = True
        """Off once the load is over (reconciliation and cleanup are not the load)."""
        self.passes: list[dict[str, Any]] = []
        """Reconciliation passes during the run (:class:`loadscim.cadence.Pass` as dicts)."""
        self.visibility: dict[str, EndpointStats] = {}
        """Time to visibility by kind (:mod:`loadscim.visibility`)."""

    # -- sequence numbers shared by every client of the process --------------------------

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- latency ----------------------------------------------------------------------

    def record_request(
        self, name: str, response_time_ms: float, failed: bool, lateness_us: int | None = None
    ) -> None:
        """One request as Locust saw it: its name, time, and whether it counted as failed.

        ``lateness_us`` (open model) is how late the request's iteration started: the
        corrected latency, from the intended start, is the response time plus it.
        """
        value_us = int(response_time_ms * 1000)
        stats = self.endpoints.get(name)
        if stats is None:
            stats = self.endpoints[name] = EndpointStats(name)
        stats.requests += 1
        if failed:
            stats.failures += 1
        record_us(stats.hist, value_us)
        self.windows.record(name, value_us, failed)
        if lateness_us is not None:
            if stats.hist_corrected is None:
                stats.hist_corrected = new_histogram()
            record_us(stats.hist_corrected, value_us + lateness_us)
        self.drift.record(name, value_us, time.monotonic())

    def endpoints_with_total(self) -> dict[str, EndpointStats]:
        """Every endpoint's stats, and ``*`` for all of them together.

        ``*`` is merged here, when asked for, not recorded with every request: histograms
        of the same precision add exactly, so the total is the same and each request costs
        one histogram record instead of two.
        """
        endpoints = {name: s for name, s in self.endpoints.items() if name != ALL}
        if endpoints:
            total = EndpointStats(ALL)
            for stats in endpoints.values():
                total.merge(stats)
            endpoints[ALL] = total
        return endpoints

    def record_visibility(self, kind: str, delay_us: int | None) -> None:
        """One sampled write of visibility ``kind``: the delay from its answer to the answer
        of the first read that showed it, or None when the polls gave up."""
        stats = self.visibility.get(kind)
        if stats is None:
            stats = self.visibility[kind] = new_visibility_stats(kind)
        record_visibility(stats, delay_us)

    def record_iteration(self, lateness_us: int, late: bool) -> None:
        """An open-model iteration started ``lateness_us`` after its intended start."""
        self.iterations += 1
        if late:
            self.late_iterations += 1
        self.max_lateness_us = max(self.max_lateness_us, lateness_us)

    # -- trials -----------------------------------------------------------------------

    def checker(self, name: str) -> CheckerStats:
        stats = self.checker_stats.get(name)
        if stats is None:
            stats = self.checker_stats[name] = CheckerStats(name)
        return stats

    def declare(self, names: Iterable[str]) -> None:
        """Checkers the scenario runs: each is reported (UNKNOWN while it judged no trial,
        unless not applicable) even if none of its trials ever finishes."""
        for name in names:
            if name not in self.checker_stats:
                self.checker(name)

    def trials_line(self) -> str:
        """Trials finished per checker, for the progress lines:
        ``trials lost_update=12 conflict_status=12 bulk=n/a``."""
        parts = [
            f"{name}={'n/a' if s.not_applicable and not s.trials else s.trials}"
            for name, s in self.checker_stats.items()
        ]
        return "trials " + " ".join(parts) if parts else "trials none"

    def finish_trial(
        self,
        trial: Trial,
        select: Callable[[list[Violation]], list[Violation]] | None = None,
    ) -> list[Violation]:
        """Check a finished trial with the checkers it names, count, keep examples, drop it.

        ``select`` picks the violations to count (reconciliation passes count a finding an
        earlier pass counted only once); every violation found is returned.
        """
        found: list[Violation] = []
        for name in trial.checks:
            stats = self.checker(name)
            stats.trials += 1
            # A user-written checker registered after this recorder was made: the registry's.
            checker = self.checkers.get(name) or checks.CHECKERS.get(name)
            if checker is None:
                stats.errors += 1
                log.error("trial %s names an unknown checker %r", trial.id, name)
                continue
            try:
                violations = checker(trial)
            except Exception:
                stats.errors += 1
                log.exception("checker %s crashed on trial %s", name, trial.id)
                continue
            self.add_violations(name, select(violations) if select else violations)
            found.extend(violations)
        if self.history is not None:
            self.history.write(dumps_trial(trial))
        trial.ops.clear()
        return found

    def sample(self, op: Op) -> None:
        """A sampled answer outside any trial (:class:`loadscim.client.ScimClient`'s
        ``on_sample``): judged by ``conformance`` at once, as a trial of one op."""
        trial = Trial(f"sample-{op.seq}", conformance.SAMPLE_TRIAL, (conformance.NAME,), ops=[op])
        self.finish_trial(trial)

    def add_violations(self, name: str, violations: list[Violation]) -> None:
        stats = self.checker(name)
        for violation in violations:
            if violation.kind in SHOULD_KINDS:
                stats.warnings += 1
            else:
                stats.violations += 1
            stats.kinds[violation.kind] = stats.kinds.get(violation.kind, 0) + 1
            stats.count(violation)
        room = self.max_examples - len(stats.examples)
        if room > 0:
            stats.examples.extend(violations[:room])

    def unstored_attributes(self) -> list[str]:
        """Attributes found ``not-stored`` so far (by any checker): named once there, not
        judged again (reconciliation)."""
        return sorted(
            {
                g.subject
                for stats in self.checker_stats.values()
                for g in stats.groups.values()
                if g.kind == "not-stored" and g.subject
            }
        )

    def not_applicable(self, name: str, reason: str) -> None:
        self.checker(name).not_applicable = reason

    def judge_request(self, dialect: str, step: str, op: Op) -> None:
        """Count an identity provider's request (built by ``dialect``'s ``step``) for the
        ``compatibility`` check; a refusal is a finding and a violation."""
        stats = self.checker(compatibility.NAME)
        stats.trials += 1
        self.server_errors.add(op, dialect, step)
        finding = compatibility.refusal(op, dialect, step)
        if finding is None:
            return
        self.add_violations(compatibility.NAME, [compatibility.violation(finding, op)])
        self._add_finding(finding, 1)

    def _add_finding(self, finding: compatibility.Finding, count: int) -> None:
        first, seen = self.findings.get(finding.key, (finding, 0))
        self.findings[finding.key] = (first, seen + count)

    def _server_error_findings(self, summary: RunSummary) -> None:
        """IdP request shapes whose 5xx answers repeat: compatibility violations, decided on
        the whole run so far (on a copy of the checker's stats: the counts stay the run's)."""
        repeated = self.server_errors.repeated()
        if not repeated:
            return
        stats = CheckerStats(compatibility.NAME)
        original = summary.checkers.get(compatibility.NAME)
        if original is not None:
            stats.merge(original, self.max_examples)
        extra = summary.extra.setdefault("compatibility", [])
        for tally in repeated:
            assert tally.finding is not None
            stats.violations += tally.errors
            stats.kinds["server-error"] = stats.kinds.get("server-error", 0) + tally.errors
            if tally.example is not None and len(stats.examples) < self.max_examples:
                stats.examples.append(tally.example)
            finding = tally.finding
            group = stats.group(
                "server-error", f"{finding.endpoint} ({finding.dialect} {finding.step})"
            )
            group.count += tally.errors
            if tally.example is not None and len(group.examples) < MAX_GROUP_EXAMPLES:
                group.examples.append(tally.example)
            summary.notes.append(f"compatibility: {compatibility.server_error_line(tally)}")
            extra.append({**vars(tally.finding), "count": tally.errors, "sends": tally.sends})
        summary.checkers[compatibility.NAME] = stats

    # -- the run's resources ------------------------------------------------------------

    def on_invoke(self, op: Op) -> None:
        """A write to a resource by id is about to be sent: it is in flight until its
        completion reaches :meth:`on_op`."""
        item = self.tracked.get((op.resource_type, op.resource_id or ""))
        if item is not None:
            item.writes += 1
            item.pending += 1

    def on_op(self, op: Op) -> None:
        """Keep the registry of created resources up to date from every completion."""
        if op.type == "invoke":
            return
        if self.counting_outcomes:
            self.outcomes[outcome(op)] += 1
        if op.kind == "create":
            if op.type == "ok" and op.resource_id:
                name = ""
                if isinstance(op.observed, dict):
                    name = op.observed.get("userName") or op.observed.get("displayName") or ""
                made = self.track(op.resource_type, op.resource_id, str(name))
                made.settled_us = op.end_us or 0
                if op.resource_type == "User" and self.followed:
                    fold_create(made, op, self.followed)
            elif op.type == "info":
                self.uncertain_creates += 1
        elif op.resource_id and op.is_write:
            item = self.tracked.get((op.resource_type, op.resource_id))
            if item is None:
                return
            item.pending = max(0, item.pending - 1)
            if op.type in ("ok", "info") and op.start_us < item.settled_us:
                item.uncertain = True  # writes that overlapped may apply in either order
            item.settled_us = max(item.settled_us, op.end_us or 0)
            if op.kind == "delete" and (op.type == "ok" or op.status == 404):
                if op.resource_type != "User":
                    # Reconciliation reads Users only: a deleted group is done with.
                    self.tracked.pop((op.resource_type, op.resource_id), None)
                elif not item.deleted:
                    item.deleted = True
                    self._deleted.append((op.resource_type, op.resource_id))
                    self._bound_deleted()
            elif op.type == "info":
                item.uncertain = True  # it may or may not have happened
            elif op.type == "ok" and op.kind in ("replace", "patch"):
                fold_write(item, op, self.followed)

    def follow(self, paths: Iterable[str]) -> None:
        """Follow these User attribute paths (``active`` too) in the run's model: an ok
        create's body starts them, ok PUTs and PATCHes fold into them, reconciliation
        judges them at the end."""
        self.followed.update(paths)

    def track(self, resource_type: str, resource_id: str, name: str) -> Tracked:
        key = (resource_type, resource_id)
        item = self.tracked.get(key)
        if item is None:
            item = self.tracked[key] = Tracked(resource_type, resource_id, name)
        return item

    def _bound_deleted(self) -> None:
        """Keep only the latest :data:`KEEP_DELETED` deleted resources in the model.

        A deleted resource stays in the model so that reconciliation can check it is gone;
        the end of a run checks at most a sample of that size anyway, and forgetting older
        ones keeps a long run's memory flat.
        """
        while len(self._deleted) > KEEP_DELETED:
            key = self._deleted.popleft()
            item = self.tracked.get(key)
            if item is not None and item.deleted:
                del self.tracked[key]

    def forget(self, resource_type: str, resource_id: str) -> None:
        """Drop a resource the run removed and verified, to keep memory flat."""
        self.tracked.pop((resource_type, resource_id), None)

    def live(self) -> list[Tracked]:
        """Resources created by this run and not known to be deleted."""
        return [t for t in self.tracked.values() if not t.deleted]

    # -- worker -> master -------------------------------------------------------------

    def drain(self) -> dict[str, Any]:
        """What was recorded since the last drain, as plain data, and reset it."""
        endpoints = {
            name: {
                "requests": s.requests,
                "failures": s.failures,
                "hist": _encode(s.hist),
                "hist_corrected": _encode(s.hist_corrected) if s.hist_corrected else None,
            }
            for name, s in self.endpoints.items()
        }
        checkers = {
            name: {
                "trials": s.trials,
                "violations": s.violations,
                "warnings": s.warnings,
                "errors": s.errors,
                "kinds": dict(s.kinds),
                "examples": [v.to_dict() for v in s.examples],
                "not_applicable": s.not_applicable,
                "unknown": s.unknown,
                "groups": [g.to_dict() for g in s.groups.values()],
            }
            for name, s in self.checker_stats.items()
        }
        data = {
            "endpoints": endpoints,
            "checkers": checkers,
            "listener_errors": self.listener_errors,
            "notes": list(self.notes),
            "iterations": [self.iterations, self.late_iterations, self.max_lateness_us],
            "findings": [[vars(f), n] for f, n in self.findings.values()],
            "server_errors": self.server_errors.drain(),
            "drift": self.drift.drain(),
            "throttle": self.throttle.take(),
            "outcomes": dict(self.outcomes),
            "windows": self.windows.drain(),
            "passes": self.passes,
            "visibility": {
                kind: [s.requests, s.failures, _encode(s.hist)]
                for kind, s in self.visibility.items()
            },
        }
        self.passes = []
        self.visibility = {}
        self.findings = {}
        self.iterations = self.late_iterations = self.max_lateness_us = 0
        self.outcomes.clear()
        self.endpoints = {}
        # Examples already sent must not be sent again, but the master keeps only the
        # first few, so a worker that already filled its examples sends none.
        for s in self.checker_stats.values():
            s.trials = s.violations = s.warnings = s.errors = 0
            s.kinds = {}
            s.groups = {}
            s.examples = []
            s.not_applicable = s.unknown = None
        self.listener_errors = 0
        self.notes = []
        return data

    def reset(self) -> None:
        """Start the figures from zero (the web UI's Reset stats, a new run after Stop):
        what :meth:`drain` clears, keeping the resources the run created (for cleanup) and
        which checkers do not apply to the target."""
        kept = {name: s.not_applicable for name, s in self.checker_stats.items()}
        self.drain()
        for name, why in kept.items():
            self.checker_stats[name].not_applicable = why

    def absorb(self, data: dict[str, Any]) -> None:
        """Merge what a worker drained."""
        for name, e in data.get("endpoints", {}).items():
            if name == ALL:
                continue  # the total is merged when asked for (endpoints_with_total)
            incoming = EndpointStats(
                name,
                requests=e["requests"],
                failures=e["failures"],
                hist=_decode(e["hist"]),
                hist_corrected=_decode(e["hist_corrected"]) if e.get("hist_corrected") else None,
            )
            self.endpoint(name).merge(incoming)
        for name, c in data.get("checkers", {}).items():
            incoming_c = CheckerStats(
                name,
                trials=c["trials"],
                violations=c["violations"],
                warnings=int(c.get("warnings", 0)),
                errors=c["errors"],
                kinds=dict(c.get("kinds") or {}),
                examples=[Violation.from_dict(v) for v in c.get("examples", ())],
                not_applicable=c.get("not_applicable"),
                unknown=c.get("unknown"),
            )
            for group in c.get("groups") or ():
                found = FindingGroup.from_dict(group)
                incoming_c.groups[found.key] = found
            self.checker(name).merge(incoming_c, self.max_examples)
        self.listener_errors += int(data.get("listener_errors", 0))
        iterations, late, lateness = data.get("iterations") or (0, 0, 0)
        self.iterations += int(iterations)
        self.late_iterations += int(late)
        self.max_lateness_us = max(self.max_lateness_us, int(lateness))
        self.notes.extend(data.get("notes", ()))
        for fields, count in data.get("findings") or ():
            self._add_finding(compatibility.Finding(**fields), int(count))
        self.server_errors.absorb(data.get("server_errors") or [])
        if data.get("drift"):
            self.drift.absorb(data["drift"])
        self.outcomes.update(data.get("outcomes") or {})
        self.windows.absorb(data.get("windows") or [])
        self.passes.extend(data.get("passes") or ())
        self.throttle.absorb(data.get("throttle") or {})
        for kind, (sampled, unseen, hist) in (data.get("visibility") or {}).items():
            incoming = EndpointStats(kind, sampled, unseen, _decode(hist))
            if kind in self.visibility:
                self.visibility[kind].merge(incoming)
            else:
                self.visibility[kind] = incoming

    def endpoint(self, name: str) -> EndpointStats:
        stats = self.endpoints.get(name)
        if stats is None:
            stats = self.endpoints[name] = EndpointStats(name)
        return stats

    # -- summary ----------------------------------------------------------------------

    def summary(self, **fields: Any) -> RunSummary:
        """A RunSummary of everything recorded (and absorbed) so far."""
        summary = RunSummary(run_id=self.run_id, **fields)
        summary.endpoints = self.endpoints_with_total()
        summary.checkers = dict(self.checker_stats)
        summary.visibility = dict(sorted(self.visibility.items()))
        summary.listener_errors += self.listener_errors
        summary.notes.extend(self.notes)
        summary.dropped_iterations = self.late_iterations
        findings = sorted(self.findings.values(), key=lambda item: -item[1])
        for finding, count in findings:
            summary.notes.append(f"compatibility: {finding.line(count)}")
        if findings:
            summary.extra["compatibility"] = [{**vars(f), "count": n} for f, n in findings]
        self._server_error_findings(summary)
        comparisons = self.drift.compare(summary.duration_s)
        if comparisons:
            summary.extra["latency_drift"] = [c.to_dict() for c in comparisons]
            note = describe_drift(comparisons, summary.duration_s)
            if note:
                summary.notes.append(note)
        if self.iterations:
            summary.extra["iterations"] = {
                "paced": self.iterations,
                "late": self.late_iterations,
                "max_lateness_ms": self.max_lateness_us / 1000,
            }
            summary.notes.append(
                f"open model: {self.late_iterations} of {self.iterations} iterations started "
                f"late (max {self.max_lateness_us / 1000:.1f} ms behind schedule)"
            )
        if self.passes:
            summary.extra[PASSES_KEY] = [p.to_dict() for p in passes_of(self.passes)]
            summary.notes.append(first_violation_note(passes_of(self.passes)) or "")
        windows = self.windows.rows()
        if windows:
            summary.extra[WINDOWS_KEY] = windows
        if self.outcomes:
            summary.notes.append(outcomes_note(self.outcomes))
            summary.extra["outcomes"] = dict(self.outcomes)
        all_stats = summary.endpoints.get(ALL)
        note = self.throttle.note(all_stats.requests if all_stats is not None else 0)
        if note:
            summary.notes.append(note)
            summary.extra["throttle"] = self.throttle.to_dict()
        return summary


def _encode(hist: HdrHistogram) -> str:
    encoded = hist.encode()
    return encoded.decode("ascii") if isinstance(encoded, bytes) else str(encoded)


def _decode(text: str) -> HdrHistogram:
    hist = new_histogram()
    hist.decode_and_add(text.encode("ascii") if isinstance(text, str) else text)
    return hist


_NO_ANSWER = (
    ("timed out", "timeout"),
    ("timeout", "timeout"),
    ("reset", "reset"),
    ("broken pipe", "reset"),
    ("refused", "refused"),
    ("disconnected", "connection closed"),
    ("closed", "connection closed"),
    ("eof", "connection closed"),
    ("ssl", "tls"),
    ("certificate", "tls"),
)


def outcome(op: Op) -> str:
    """A completion's class and why: ``ok``, ``fail HTTP 409``, ``info HTTP 503``,
    ``info timeout``, ``info reset``, ``info unreadable 2xx`` ..."""
    if op.type == "ok":
        return "ok"
    if op.status is not None:
        if 200 <= op.status < 300:
            return f"{op.type} unreadable 2xx"
        return f"{op.type} HTTP {op.status}"
    text = (op.error or "").lower()
    reason = next((why for word, why in _NO_ANSWER if word in text), "no answer")
    return f"{op.type} {reason}"


def outcomes_note(outcomes: Counter[str]) -> str:
    """``outcomes: 640 ok; 22 fail (HTTP 429 20, HTTP 404 2); 27 info (reset 27)``."""
    parts = [f"{outcomes.get('ok', 0)} ok"]
    for kind in ("fail", "info"):
        reasons = Counter(
            {key.split(" ", 1)[1]: n for key, n in outcomes.items() if key.startswith(kind + " ")}
        )
        total = sum(reasons.values())
        if total:
            detail = ", ".join(f"{why} {n}" for why, n in reasons.most_common())
            parts.append(f"{total} {kind} ({detail})")
        else:
            parts.append(f"0 {kind}")
    return "outcomes of the load's requests: " + "; ".join(parts)

"""The recorder: what one load-generating process measured and saw.

- latency and counts per endpoint, in HdrHistograms (fed from Locust's request event by the
  harness, so they cover exactly what Locust's statistics cover, but unrounded), in 5 s
  windows and in drift windows (:mod:`loadscim.measurements`);
- checker results: a finished trial is checked at once, counted, kept as an example if it
  is among the first few, written to the JSONL history if asked, and dropped;
- the resources this run created and has not deleted, for reconciliation and cleanup
  (:mod:`loadscim.resources`), and the outcome of every completion (:mod:`loadscim.outcomes`);
- compatibility findings: identity-provider requests the target refused
  (:mod:`loadscim.checks.compatibility`), counted per endpoint, status and dialect step.

In a distributed run every worker has its own recorder; :meth:`drain` hands what was
recorded since the last call to the master, whose recorder :meth:`absorb` s it. Histograms
merge exactly. Nothing here imports locust or gevent.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import IO, Any

from loadscim import checks
from loadscim.cadence import PASSES_KEY, first_violation_note, passes_of
from loadscim.checks import compatibility, conformance
from loadscim.checks.kinds import SHOULD_KINDS
from loadscim.drift import describe as describe_drift
from loadscim.jsonl import dumps_trial
from loadscim.measurements import Measurements
from loadscim.ops import Op, Trial, Violation
from loadscim.outcomes import outcome, outcomes_note
from loadscim.resources import KEEP_DELETED, RunModel, Tracked, fold_create, fold_write
from loadscim.summary import (
    ALL,
    MAX_GROUP_EXAMPLES,
    CheckerStats,
    FindingGroup,
    RunSummary,
)
from loadscim.throttle import ThrottleStats
from loadscim.windows import EXTRA_KEY as WINDOWS_KEY

__all__ = [
    "KEEP_DELETED",
    "MAX_EXAMPLES",
    "Checker",
    "Recorder",
    "Tracked",
    "fold_create",
    "fold_write",
    "outcome",
    "outcomes_note",
]

log = logging.getLogger("loadscim")

MAX_EXAMPLES = 5

Checker = Callable[[Trial], list[Violation]]


class Recorder(Measurements, RunModel):
    """Per-process measurements, trial checking and the run's model of its resources."""

    def __init__(
        self,
        run_id: str,
        checkers: dict[str, Checker] | None = None,
        history: IO[bytes] | None = None,
        max_examples: int = MAX_EXAMPLES,
    ) -> None:
        Measurements.__init__(self)
        RunModel.__init__(self)
        self.run_id = run_id
        self.checkers: dict[str, Checker] = checkers if checkers is not None else {}
        self.history = history
        self.max_examples = max_examples
        self.lock = threading.Lock()
        self._seq = 0
        self.checker_stats: dict[str, CheckerStats] = {}
        self.listener_errors = 0
        self.notes: list[str] = []
        self.findings: dict[str, tuple[compatibility.Finding, int]] = {}
        """Compatibility findings by key: the finding and how many times it was seen."""
        self.server_errors = compatibility.ServerErrors()
        """Sends and 5xx answers per IdP request shape (a 5xx that repeats is a finding)."""
        self.throttle = ThrottleStats()
        """429 answers and the time clients waited after them (Retry-After)."""
        self.outcomes: Counter[str] = Counter()
        """Completions by :func:`outcome`: ``ok``, ``fail HTTP 429``, ``info timeout`` ..."""
        self.counting_outcomes = True
        """Off once the load is over (reconciliation and cleanup are not the load)."""
        self.passes: list[dict[str, Any]] = []
        """Reconciliation passes during the run (:class:`loadscim.cadence.Pass` as dicts)."""

    # -- sequence numbers shared by every client of the process --------------------------

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

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
            if violations:
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

    def on_op(self, op: Op) -> None:
        """Count every completion's outcome (during the load) and fold it into the run's
        model of its resources (:meth:`~loadscim.resources.RunModel.fold`)."""
        if op.type == "invoke":
            return
        if self.counting_outcomes:
            self.outcomes[outcome(op)] += 1
        self.fold(op)

    # -- worker -> master -------------------------------------------------------------

    def drain(self) -> dict[str, Any]:
        """What was recorded since the last drain, as plain data, and reset it."""
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
            **self.drain_measurements(),
            "checkers": checkers,
            "listener_errors": self.listener_errors,
            "notes": list(self.notes),
            "findings": [[vars(f), n] for f, n in self.findings.values()],
            "server_errors": self.server_errors.drain(),
            "throttle": self.throttle.take(),
            "outcomes": dict(self.outcomes),
            "passes": self.passes,
        }
        self.passes = []
        self.findings = {}
        self.outcomes.clear()
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
        self.absorb_measurements(data)
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
        self.notes.extend(data.get("notes", ()))
        for fields, count in data.get("findings") or ():
            self._add_finding(compatibility.Finding(**fields), int(count))
        self.server_errors.absorb(data.get("server_errors") or [])
        self.outcomes.update(data.get("outcomes") or {})
        self.passes.extend(data.get("passes") or ())
        self.throttle.absorb(data.get("throttle") or {})

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

"""What a run measured, as plain data: the input of the verdict and of every report.

The recorder (and, in distributed runs, the master's merge of its workers) fills a
:class:`RunSummary`; :mod:`loadscim.verdict` judges it against a gate; :mod:`loadscim.report`
renders it. Nothing here imports locust or gevent, so a summary saved as JSON can be judged
and rendered again offline.

Latency histograms are HdrHistograms of integer microseconds with 3 significant digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from loadscim.ops import Violation

ALL = "*"
"""The endpoint name that aggregates every endpoint."""

HIST_LOWEST_US = 1
HIST_HIGHEST_US = 3_600_000_000  # one hour
HIST_DIGITS = 3


def new_histogram() -> HdrHistogram:
    """An empty latency histogram: 1 us to 1 h, 3 significant digits."""
    return HdrHistogram(HIST_LOWEST_US, HIST_HIGHEST_US, HIST_DIGITS)


def record_us(hist: HdrHistogram, value_us: int) -> None:
    """Record one latency, clamped into the histogram's range."""
    record_value(hist, min(max(int(value_us), HIST_LOWEST_US), HIST_HIGHEST_US))


def record_value(hist: HdrHistogram, value: int) -> None:
    """``hist.record_value(value)`` for a value in the histogram's range, in one function.

    The same counts index as hdrh's ``_counts_index_for`` (bucket from the value's bit
    length, then the sub-bucket), without its three method calls: a third of the time, on
    every request (bench/README.md; tests/unit/test_ops_recorder.py checks it against
    ``record_value``).
    """
    bucket = (
        (value | hist.sub_bucket_mask).bit_length()
        - hist.unit_magnitude
        - hist.sub_bucket_half_count_magnitude
        - 1
    )
    index = (
        ((bucket + 1) << hist.sub_bucket_half_count_magnitude)
        + (value >> (bucket + hist.unit_magnitude))
        - hist.sub_bucket_half_count
    )
    hist.counts[index] += 1
    hist.total_count += 1
    if value < hist.min_value:
        hist.min_value = value
    if value > hist.max_value:
        hist.max_value = value


TARGET_LACKS = "target_lacks"
"""``RunSummary.extra`` key: the optional features the target says it lacks, each with why
(``{"patch": "the target's ServiceProviderConfig says patch is not supported (RFC 7644
3.5.2)"}``): a gate line for ``PATCH ...`` or ``POST /Bulk`` is then not applicable."""

@dataclass
class EndpointStats:
    """Counts and latency of one endpoint (``POST /Users``) or of all of them (``*``)."""

    name: str
    requests: int = 0
    """Completed calls (ok + fail + info)."""
    failures: int = 0
    """Calls Locust counted as failures (an unexpected status, a transport error)."""
    hist: HdrHistogram = field(default_factory=new_histogram)
    """Service time: from sending the request to the end of the answer."""
    hist_corrected: HdrHistogram | None = None
    """Time from the *intended* start (open model only): corrects coordinated omission."""

    def merge(self, other: EndpointStats) -> None:
        self.requests += other.requests
        self.failures += other.failures
        self.hist.add(other.hist)
        if other.hist_corrected is not None:
            if self.hist_corrected is None:
                self.hist_corrected = new_histogram()
            self.hist_corrected.add(other.hist_corrected)


MAX_GROUP_EXAMPLES = 3
"""Examples kept per finding group."""
MAX_GROUPS = 50
"""Finding groups kept per checker; later subjects are counted under ``(kind, "...")``."""


@dataclass
class FindingGroup:
    """Violations of one kind about one subject (``not-stored`` of ``title``): counted once,
    with the first few as examples."""

    kind: str
    subject: str = ""
    count: int = 0
    examples: list[Violation] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind} {self.subject}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "count": self.count,
            "examples": [v.to_dict() for v in self.examples],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FindingGroup:
        return cls(
            kind=str(data.get("kind", "")),
            subject=str(data.get("subject", "")),
            count=int(data.get("count", 0)),
            examples=[Violation.from_dict(v) for v in data.get("examples", ())],
        )


@dataclass
class CheckerStats:
    """What one checker saw over the run."""

    name: str
    trials: int = 0
    """Trials (or reconciled resources) this checker judged."""
    violations: int = 0
    """Violations that fail the run: every kind but the SHOULD ones (:attr:`warnings`)."""
    warnings: int = 0
    """Violations of a SHOULD kind (:data:`loadscim.checks.kinds.SHOULD_KINDS`): reported,
    failing only when the gate's ``should`` line names them (also counted in ``kinds``)."""
    examples: list[Violation] = field(default_factory=list)
    """The first few violations, kept as examples."""
    kinds: dict[str, int] = field(default_factory=dict)
    """Violations by kind (``lost-member``, ``if-match-ignored`` ...)."""
    errors: int = 0
    """Times the checker itself raised: its result cannot be trusted."""
    not_applicable: str | None = None
    """Why the checker does not apply to this target (pre-flight), or None."""
    unknown: str | None = None
    """Why its result cannot be trusted though it raised nothing (too little of its evidence
    was read: a reason and what to change), or None: the checker's line is UNKNOWN."""
    groups: dict[str, FindingGroup] = field(default_factory=dict)
    """Violations by kind and subject (an attribute, ``members``, an endpoint), by
    :attr:`FindingGroup.key`: each finding named once, with its count and first examples."""

    def group(self, kind: str, subject: str) -> FindingGroup:
        """The group of ``(kind, subject)``, made if new (past :data:`MAX_GROUPS`, the
        kind's catch-all ``...`` group)."""
        key = f"{kind} {subject}".strip()
        found = self.groups.get(key)
        if found is None:
            if len(self.groups) >= MAX_GROUPS:
                subject, key = "...", f"{kind} ..."
                found = self.groups.get(key)
            if found is None:
                found = self.groups[key] = FindingGroup(kind, subject)
        return found

    def count(self, violation: Violation) -> None:
        """Count one violation in its group (not in ``violations`` / ``kinds``)."""
        found = self.group(violation.kind, violation.subject)
        found.count += 1
        if len(found.examples) < MAX_GROUP_EXAMPLES:
            found.examples.append(violation)

    def merge_groups(self, groups: dict[str, FindingGroup]) -> None:
        for other in groups.values():
            found = self.group(other.kind, other.subject)
            found.count += other.count
            room = MAX_GROUP_EXAMPLES - len(found.examples)
            if room > 0:
                found.examples.extend(other.examples[:room])

    def sorted_groups(self) -> list[FindingGroup]:
        """The groups, most violations first."""
        return sorted(self.groups.values(), key=lambda g: (-g.count, g.key))

    def merge(self, other: CheckerStats, max_examples: int = 5) -> None:
        self.trials += other.trials
        self.violations += other.violations
        self.warnings += other.warnings
        self.errors += other.errors
        self.merge_groups(other.groups)
        for kind, count in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + count
        room = max_examples - len(self.examples)
        if room > 0:
            self.examples.extend(other.examples[:room])
        if other.not_applicable and not self.not_applicable:
            self.not_applicable = other.not_applicable
        if other.unknown and not self.unknown:
            self.unknown = other.unknown


@dataclass
class RunSummary:
    """Everything a run measured, merged across workers."""

    run_id: str = ""
    scenario: str = ""
    target: str = ""
    duration_s: float = 0.0
    """Length of the measured window."""
    started_unix: float = 0.0
    """Wall-clock start of the measured window, seconds since the epoch; 0 when unknown."""
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)
    """By endpoint name, plus :data:`ALL`."""
    checkers: dict[str, CheckerStats] = field(default_factory=dict)
    listener_errors: int = 0
    """Exceptions raised in loadscim's event listeners: the run cannot vouch for itself."""
    task_errors: int = 0
    """Exceptions raised by the scenario's user tasks: part of the workload did not run."""
    max_cpu_percent: float = 0.0
    """Highest CPU use of a load-generating process during the measured window."""
    workers_lost: int = 0
    dropped_iterations: int = 0
    """Open model: iterations that started late or were skipped."""
    notes: list[str] = field(default_factory=list)
    """Facts worth a line in the report (compatibility findings, cleanup results ...)."""
    extra: dict[str, Any] = field(default_factory=dict)
    visibility: dict[str, EndpointStats] = field(default_factory=dict)
    """Time to visibility by kind (``create-by-filter`` ...; :mod:`loadscim.visibility`):
    ``requests`` the sampled writes, ``failures`` those never seen, ``hist`` the delays."""

    def endpoint(self, name: str) -> EndpointStats:
        stats = self.endpoints.get(name)
        if stats is None:
            stats = self.endpoints[name] = EndpointStats(name)
        return stats

    @property
    def throttled(self) -> int:
        """Answers 429 (Too Many Requests) the load received, resent or not (``extra``'s
        ``throttle``, so that a summary read back from JSON has it too)."""
        throttle = self.extra.get("throttle")
        answers = throttle.get("answers", 0) if isinstance(throttle, dict) else 0
        return int(answers) if isinstance(answers, int | float) else 0

    def checker(self, name: str) -> CheckerStats:
        stats = self.checkers.get(name)
        if stats is None:
            stats = self.checkers[name] = CheckerStats(name)
        return stats

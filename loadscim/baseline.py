"""Regression gating: latency lines relative to a baseline run (``--baseline summary.json``).

A gate line ``"*" = ["p99 < 1.2 * baseline"]`` holds when this run's p99 of the endpoint is
below 1.2 times the p99 of the same endpoint in the baseline, a summary written earlier by
``loadscim run --json`` (:mod:`loadscim.report.json`). :func:`apply_baseline` turns each
relative rule into an absolute one (its limit: factor times the baseline's value, in integer
microseconds; ``<`` rounds the limit up and ``<=`` down, so the comparison stays exact), and
the verdict judges it as any other line; a baseline with fewer samples than the line needs
makes the line UNKNOWN, never PASS.

Bad input is one line (exit code 3): a relative line without ``--baseline``, a baseline file
that is not a summary, an endpoint the baseline never saw, a ``_corrected`` rule on a
baseline without a corrected histogram.

Pure code: no locust, no gevent.
"""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal
from pathlib import Path

from loadscim.config import Gate, LatencyLine, LatencyRule
from loadscim.errors import UsageError
from loadscim.report.json import from_json
from loadscim.summary import ALL, EndpointStats, RunSummary
from loadscim.verdict import format_in_unit, read_stat

OPTION = "--baseline"


def relative_rules(gate: Gate) -> list[tuple[str, LatencyRule]]:
    """``(endpoint, rule)`` of every latency rule relative to a baseline."""
    return [(line.endpoint, rule) for line in gate.latency for rule in line.rules if rule.factor]


def load_baseline(path: str, option: str = OPTION) -> RunSummary:
    """The summary saved at ``path``; a one-line UsageError when it cannot be read or is not
    a loadscim summary."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise UsageError(
            f"{option} {path}: cannot read it ({e.strerror or e}); give a summary written "
            "by `loadscim run --json FILE`"
        ) from None
    summary, _ = from_json(data, f"{option} {path}")
    return summary


def resolve(gate: Gate | None, path: str, option: str = OPTION) -> Gate | None:
    """The gate with its relative lines set from the baseline at ``path`` ("" when none
    was given); a one-line UsageError when the two do not fit."""
    relative = relative_rules(gate) if gate is not None else []
    if not path:
        if relative:
            endpoint, rule = relative[0]
            raise UsageError(
                f'gate file {gate.source if gate else ""}: [latency] "{endpoint}" '
                f"{rule.text!r} is relative to a baseline, but no {option} was given; pass "
                f"{option} summary.json (written by an earlier `loadscim run --json`), or "
                "give the line an absolute limit such as 'p99 < 500ms'"
            )
        return gate
    baseline = load_baseline(path, option)
    if gate is None or not relative:
        return gate
    return apply_baseline(gate, baseline, f"{option} {path}")


def apply_baseline(gate: Gate, baseline: RunSummary, source: str = OPTION) -> Gate:
    """``gate`` with every relative rule's limit set from ``baseline`` (see the module)."""
    lines = []
    for line in gate.latency:
        if not any(rule.factor for rule in line.rules):
            lines.append(line)
            continue
        stats = _stats(baseline, line.endpoint)
        if stats is None:
            seen = ", ".join(sorted(n for n in baseline.endpoints if n != ALL)) or "none"
            raise UsageError(
                f'{source}: the gate line [latency] "{line.endpoint}" is relative to the '
                f"baseline, which never saw that endpoint (it saw: {seen}); record the "
                "baseline with the same scenario, or give the line an absolute limit"
            )
        rules = tuple(_resolve(rule, stats, line, source) for rule in line.rules)
        lines.append(LatencyLine(line.endpoint, rules, line.min_samples))
    return dataclasses.replace(gate, latency=tuple(lines))


def _stats(summary: RunSummary, endpoint: str) -> EndpointStats | None:
    stats = summary.endpoints.get(endpoint)
    if stats is None and endpoint == ALL and summary.endpoints:
        stats = EndpointStats(ALL)
        for other in summary.endpoints.values():
            stats.merge(other)
    return stats


def _resolve(
    rule: LatencyRule, stats: EndpointStats, line: LatencyLine, source: str
) -> LatencyRule:
    if not rule.factor:
        return rule
    hist = stats.hist_corrected if rule.corrected else stats.hist
    if hist is None:
        raise UsageError(
            f'{source}: the gate line [latency] "{line.endpoint}" {rule.text!r} reads the '
            "corrected histogram, which the baseline lacks (it did not run an open model); "
            "record the baseline with --arrival-rate or --pace, or drop _corrected"
        )
    samples = int(hist.get_total_count())
    base_us = read_stat(hist, rule) if samples else 0.0
    exact = Decimal(repr(float(base_us))) * Decimal(rule.factor)
    # Observed values are whole microseconds: o < x <=> o < ceil(x); o <= x <=> o <= floor(x).
    limit_us = math.ceil(exact) if rule.op == "<" else math.floor(exact)
    unit = "s" if base_us >= 1_000_000 else "ms" if base_us >= 1_000 else "us"
    return dataclasses.replace(
        rule,
        limit_us=int(limit_us),
        limit_text=format_in_unit(float(exact), unit),
        baseline_us=int(base_us),
        baseline_samples=samples,
    )

"""Hand-built, judged run summaries for the report tests: latencies recorded by hand."""

from __future__ import annotations

import random

from loadscim.config import parse_gate
from loadscim.ops import Violation
from loadscim.summary import ALL, RunSummary, new_histogram, record_us
from loadscim.verdict import Verdict, evaluate

MS = 1000

GATE = """
min_samples = 5
errors = "rate < 1%"
[latency]
"*" = "p99 < 2s"
"POST /Users" = ["p95 < 100ms", "p99_corrected < 5s"]
"GET /Groups" = "p50 < 1ms"
"""
"""One passing, one failing (POST /Users p95), one corrected and one unknown latency line."""


def summary(
    endpoints: dict[str, list[int]] | None = None,
    corrected: dict[str, list[int]] | None = None,
    failures: int = 0,
) -> RunSummary:
    """A summary whose endpoints saw these latencies (us), with "*" merged from them."""
    run = RunSummary(
        run_id="r3port",
        scenario="scenarios/lifecycle.py",
        target="http://127.0.0.1:8080/v2",
        duration_s=6.0,
        started_unix=1_700_000_000.25,
    )
    for name, values in (endpoints or {}).items():
        stats = run.endpoint(name)
        stats.requests = len(values)
        stats.failures = failures
        for value in values:
            record_us(stats.hist, value)
        if corrected and name in corrected:
            stats.hist_corrected = new_histogram()
            for value in corrected[name]:
                record_us(stats.hist_corrected, value)
    total = run.endpoint(ALL)
    for name, stats in list(run.endpoints.items()):
        if name != ALL:
            total.merge(stats)
    return run


def rich() -> RunSummary:
    """Four endpoints (POST /Users slow, with a corrected histogram), three checkers (one
    violated with awkward text, one not applicable), notes and self-trust trouble."""
    rng = random.Random(7)

    def spread(base_us: int, n: int = 400) -> list[int]:
        return [int(base_us * rng.lognormvariate(0, 0.5)) for _ in range(n)]

    post = spread(150 * MS)
    run = summary(
        {
            "POST /Users": post,
            "GET /Users/{id}": spread(2 * MS),
            "PATCH /Users/{id}": spread(8 * MS),
            "DELETE /Users/{id}": spread(4 * MS),
        },
        corrected={"POST /Users": [v * 3 for v in post]},
    )
    lost = run.checker("lost_update")
    lost.trials, lost.violations = 12, 2
    lost.kinds = {"lost-member": 2}
    lost.examples.append(
        Violation(
            checker="lost_update",
            kind="lost-member",
            trial="t-7",
            resource="Group/3f2a",
            expected='members ["u1", "u2"] & <b>',
            observed="members [\"u1\"] \x1b[31m</td>",
            ops=("#4 p1 PATCH /Groups/{id} -> 204 ok @1.0-3.0ms", "#5 p2 GET /Groups/{id}"),
        )
    )
    run.checker("read_your_writes").trials = 40
    zombie = run.checker("zombie")
    zombie.not_applicable = "the target has no active attribute"
    run.notes.append("cleanup: removed 12 users <script>alert(1)</script>")
    run.max_cpu_percent = 97.0
    run.dropped_iterations = 3
    run.extra["seed"] = 4
    return run


def judged(run: RunSummary | None = None, gate: str = GATE) -> tuple[RunSummary, Verdict]:
    """``run`` (default :func:`rich`) and its verdict against ``gate``."""
    run = run if run is not None else rich()
    return run, evaluate(parse_gate(gate, "test.toml"), run)

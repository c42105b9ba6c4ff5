"""``loadscim check HISTORY.jsonl``: re-check a saved history offline.

A run started with ``--history FILE`` writes every trial it checked, with its ops, as one
JSON line. The checkers are pure functions of a trial, so the same trials can be judged
again without a server or Locust: after a checker was fixed or sharpened, or to look at a
CI run's violations on another machine. Exit code: 0 when every checker holds, 1 on a
violation, 2 when a checker crashed or nothing was judged, 3 when the file cannot be read.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson

from loadscim.cadence import Seen
from loadscim.errors import EXIT_FAIL, EXIT_PASS, EXIT_UNKNOWN, UsageError
from loadscim.jsonl import loads_trial
from loadscim.ops import Trial
from loadscim.recorder import Recorder


def read_history(path: str) -> Iterator[Trial]:
    """The trials of a history file; UsageError naming the file and line if one is broken."""
    try:
        handle = Path(path).open("rb")  # noqa: SIM115 (closed by the with below)
    except OSError as e:
        raise UsageError(
            f"history file {path}: cannot be read ({e.strerror}); give the file written by "
            "`loadscim run --history FILE`"
        ) from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield loads_trial(line)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise UsageError(
                    f"history file {path}, line {number}: not a loadscim trial ({e}); give the "
                    "file written by `loadscim run --history FILE`"
                ) from None


def load_checkers(path: str) -> None:
    """Import a Python file for the user-written checkers it registers
    (``@loadscim.checker("name")``, :func:`loadscim.checks.register_checker`)."""
    file = Path(path)
    spec = importlib.util.spec_from_file_location(f"loadscim_checkers_{file.stem}", file)
    if not file.is_file() or spec is None or spec.loader is None:
        raise UsageError(
            f"--checkers {path}: no such Python file; give the file (a scenario, or a module) "
            "that registers the checkers with @loadscim.checker"
        )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def check_history(
    path: str, checks: Sequence[str] = (), checker_files: Sequence[str] = ()
) -> tuple[int, str]:
    """Judge every trial of a history again; the exit code and a text report.

    ``checks`` limits the judging to those checkers (default: the ones each trial names);
    ``checker_files`` are imported first, for the user-written checkers they register.
    """
    from loadscim.checks import CHECKERS

    for file in checker_files:
        load_checkers(file)

    unknown = [name for name in checks if name not in CHECKERS]
    if unknown:
        raise UsageError(
            f"--checker {unknown[0]!r}: no such checker; known: {', '.join(sorted(CHECKERS))}"
        )
    recorder = Recorder("offline", checkers=dict(CHECKERS))
    seen = Seen()  # reconciliation findings are named once, as in the run (--reconcile-every)
    trials = 0
    for trial in read_history(path):
        if checks:
            trial.checks = tuple(name for name in trial.checks if name in checks)
        recorder.finish_trial(trial, select=seen.new if trial.kind == "reconcile" else None)
        trials += 1
    lines = [f"history {path}: {trials} trials"]
    for name, stats in sorted(recorder.checker_stats.items()):
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(stats.kinds.items()))
        row = f"  {name:<18} {stats.trials:>7} trials {stats.violations:>6} violations"
        if stats.errors:
            row += f" {stats.errors} crashed"
        lines.append(row + (f" ({kinds})" if kinds else ""))
        groups = stats.sorted_groups()
        if any(g.subject for g in groups):  # each finding once, by kind and subject
            lines += [f"      {g.key}: {g.count}" for g in groups[:8]]
        for v in stats.examples[:1]:
            lines.append(f"      first: {v.resource} {v.kind} (trial {v.trial})")
            lines.append(f"        expected: {v.expected}")
            lines.append(f"        observed: {v.observed}")
    stats_all = recorder.checker_stats.values()
    if any(s.errors for s in stats_all) or not trials:
        verdict, code = "UNKNOWN", EXIT_UNKNOWN
    elif any(s.violations for s in stats_all):
        verdict, code = "FAIL", EXIT_FAIL
    else:
        verdict, code = "PASS", EXIT_PASS
    lines.append(f"verdict: {verdict}")
    return code, "\n".join(lines) + "\n"

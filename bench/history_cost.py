"""The JSONL history's size and encoding cost, per trial kind, over a recorded history.

    python bench/history_cost.py FILE [--against DIR] [--rounds N]

For each trial kind of FILE (a ``--history`` file): trials, ops, bytes per op as written
and as this tree writes it again, and this tree's encoding cost per trial (CPU time, the
least of N rounds, garbage collection off). It checks on the way that the encoding is
lossless: every trial read back equals the one written, and writing it again gives the same
bytes. ``--against DIR``: the same figures for the codec of another source tree (a git
worktree of an older commit: its ``loadscim/jsonl.py``, or ``loadscim/ops.py`` before the
codec had a module of its own), rounds alternated in one process (this tree reads FILE;
the other one only writes).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loadscim.jsonl import dumps_trial, loads_trial
from loadscim.ops import Trial


def codec_of(tree: Path) -> Callable[[Trial], bytes]:
    """``dumps_trial`` of another tree, loaded under another name (it uses this tree's Op)."""
    path = tree / "loadscim" / "jsonl.py"
    if not path.exists():
        path = tree / "loadscim" / "ops.py"
    spec = importlib.util.spec_from_file_location("other_codec", path)
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # for dataclasses
    spec.loader.exec_module(module)
    return module.dumps_trial


def cost(dumps: Callable[[Trial], bytes], trials: list[Trial]) -> float:
    started = time.process_time()
    for trial in trials:
        dumps(trial)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--against", type=Path, help="another source tree")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    lines = Path(args.file).read_bytes().splitlines(keepends=True)
    kinds: dict[str, list[Trial]] = defaultdict(list)
    written: dict[str, int] = defaultdict(int)
    for line in lines:
        trial = loads_trial(line)
        again = dumps_trial(trial)
        assert loads_trial(again) == trial and dumps_trial(loads_trial(again)) == again
        kinds[trial.kind].append(trial)
        written[trial.kind] += len(line)
    codecs: dict[str, Callable[[Trial], bytes]] = {"this tree": dumps_trial}
    if args.against:
        codecs = {"against": codec_of(args.against), **codecs}
    totals: dict[str, Any] = {name: [0, 0.0] for name in codecs}
    ops_in_all = trials_in_all = 0
    gc.disable()
    for kind, trials in sorted(kinds.items(), key=lambda item: -len(item[1])):
        ops = sum(len(t.ops) for t in trials)
        best = dict.fromkeys(codecs, float("inf"))
        for _ in range(args.rounds):  # alternated: a busy machine slows both alike
            for name, dumps in codecs.items():
                best[name] = min(best[name], cost(dumps, trials))
        shown = [
            f"{kind:18} {len(trials):6} trials {ops:7} ops  written {written[kind] / ops:5.0f} B/op"
        ]
        for name, dumps in codecs.items():
            size = sum(len(dumps(t)) for t in trials)
            shown.append(
                f"{name}: {size / ops:5.0f} B/op {best[name] / len(trials) * 1e6:7.1f} us/trial"
            )
            totals[name][0] += size
            totals[name][1] += best[name]
        print("  ".join(shown))
        ops_in_all += ops
        trials_in_all += len(trials)
    print(f"{'all':18} {trials_in_all:6} trials {ops_in_all:7} ops  written "
          f"{sum(written.values()) / ops_in_all:5.0f} B/op  " + "  ".join(
              f"{name}: {size / ops_in_all:5.0f} B/op {seconds / trials_in_all * 1e6:7.1f} us/trial"
              for name, (size, seconds) in totals.items()))  # fmt: skip


if __name__ == "__main__":
    main()

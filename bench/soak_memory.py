"""The load generator's memory over a soak: ``loadscim run soak`` against the embedded target,
the Locust process's RSS sampled every second (psutil), its history's bytes per op.

    .venv/bin/python bench/soak_memory.py [--duration 3m] [--users 10]

Prints the RSS after 5 s, at the end, at most, and the mean of the first and last thirds
(flat means the last third is within a few MB of the first), the requests and the verdict
line, and the history's bytes per recorded op (total bytes / ops).
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from loadscim.jsonl import loads_trial

ROOT = Path(__file__).resolve().parents[1]


def locust_child(parent: psutil.Process) -> psutil.Process | None:
    for child in parent.children(recursive=True):
        try:
            if "locust" in child.cmdline():
                return child
        except psutil.Error:
            continue
    return None


def ops_in(history: Path) -> int:
    return sum(len(loads_trial(line).ops) for line in history.read_bytes().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="3m")
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "soak.jsonl"
        command = [
            sys.executable,
            "-m",
            "loadscim.cli",
            "run",
            "soak",
            "--users",
            str(args.users),
            "--duration",
            args.duration,
            "--history",
            str(history),
        ]
        run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        parent = psutil.Process(run.pid)
        samples: list[float] = []
        locust = None
        while run.poll() is None:
            locust = locust or locust_child(parent)
            if locust is not None:
                with contextlib.suppress(psutil.Error):
                    samples.append(locust.memory_info().rss / 2**20)
            time.sleep(1)
        out = run.stdout.read() if run.stdout else ""
        third = max(1, len(samples) // 3)
        print(
            f"RSS MB: after 5 s {samples[min(5, len(samples) - 1)]:.0f}, "
            f"end {samples[-1]:.0f}, max {max(samples):.0f}, "
            f"first third {sum(samples[:third]) / third:.1f}, "
            f"last third {sum(samples[-third:]) / third:.1f} ({len(samples)} samples)"
        )
        for line in out.splitlines():
            if line.startswith("verdict: ") or "requests" in line.lower()[:40]:
                print(line)
        ops = ops_in(history)
        size = history.stat().st_size
        print(f"history: {size:,} bytes, {ops:,} ops, {size / max(ops, 1):.0f} bytes per op")


if __name__ == "__main__":
    main()

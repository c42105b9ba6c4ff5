"""HDR percentiles agree with exact percentiles of every raw sample, within 0.1% relative.

One real run: the probe scenario against the embedded target (with a spread of latencies),
its JSON summary, and every response time Locust reported written alongside by a test
listener. numpy computes the exact (nearest-rank) percentiles of the raw samples; loadscim's HDR
figures (3 significant digits, integer microseconds) must agree at p50, p95, p99 and p99.9.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from runs import ROOT, Targets, loadscim

pytestmark = pytest.mark.integration

PROBE_RAW = str(ROOT / "tests" / "integration" / "scenarios" / "probe_raw.py")


def test_hdr_percentiles_match_exact_ones(targets: Targets, tmp_path):
    raw_file = tmp_path / "raw.tsv"
    summary_file = tmp_path / "summary.json"
    result = loadscim(
        "run",
        PROBE_RAW,
        "--users",
        "4",
        "--duration",
        "8s",
        "--target",
        targets.url("latency=2"),
        "--json",
        str(summary_file),
        env={"LOADSCIM_TEST_RAW": str(raw_file)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    samples = np.array(
        [
            int(line.split("\t")[1])
            for line in raw_file.read_text().splitlines()
            if line.startswith("GET /Users\t")
        ],
        dtype=np.int64,
    )
    figures = json.loads(summary_file.read_text())["endpoints"]["GET /Users"]["latency_us"]
    assert figures["samples"] == len(samples) > 1000
    ordered = np.sort(samples)
    for key, q in (("p50", 50), ("p95", 95), ("p99", 99), ("p99.9", 99.9)):
        # The nearest-rank percentile, with HdrHistogram's rank rule (round half up), so
        # that the comparison measures the histogram's precision, not two definitions.
        rank = max(1, int(q / 100 * len(ordered) + 0.5))
        exact = float(ordered[rank - 1])
        hdr = float(figures[key])
        print(f"{key}: HDR {hdr:.0f} us, exact {exact:.0f} us, {abs(hdr - exact) / exact:.4%}")
        assert abs(hdr - exact) / exact <= 0.001, f"{key}: HDR {hdr} us, exact {exact} us"

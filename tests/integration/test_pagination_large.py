"""Paging beyond 100 and 1,000 resources (several servers truncate there), RFC 7644 3.4.2.4.

One deprovision_storm trial of 1,050 accounts on the clean embedded target: its three
pagings (``count`` 100: eleven pages) list every account and count them right, while the
accounts are created, deprovisioned, and at the end. The run lasts 3 s and the trial it
started may finish (``--stop-timeout``: about 20 s here), so it runs exactly one trial (a 45 s
run used to start a second one, twice the CPU).
"""

from __future__ import annotations

import pytest
from runs import loadscim, verdict_line
from test_mutation_matrix import checker_rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_paging_beyond_1000_resources_passes_the_clean_target() -> None:
    result = loadscim(
        "run", "deprovision_storm", "--users", "1", "--duration", "3s", "--stop-timeout", "120s",
        "--seed", "7",
        "--", "--population", "1050", "--fan-out", "20", timeout=300,
    )  # fmt: skip
    output = result.stdout + result.stderr
    rows = checker_rows(output)
    assert result.returncode == 0 and verdict_line(output).startswith("verdict: PASS"), output
    label, trials, violations, _ = rows["pagination"]
    assert (label, violations) == ("PASS", 0) and trials >= 1, output

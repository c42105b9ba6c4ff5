"""Shared fixtures of the integration tests: embedded targets started once and shared.

A run works only in its own namespace (``loadscim-<run id>-``) and cleans it up, so runs that
need the same target (the clean one, or one with the same seeded faults) share one process
instead of each starting its own (``loadscim run`` without ``--target`` starts a target per
run: about 0.6 s of CPU and 1 to 2 s of wall time each). Tests that read or count what the target
holds, or stop it, start their own. Under pytest-xdist each worker has its own session, so
its own targets: nothing is shared between processes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from runs import Targets


@pytest.fixture(scope="session")
def targets() -> Iterator[Targets]:
    """``targets.url("lost-update")``: a shared target with these faults."""
    shared = Targets()
    try:
        yield shared
    finally:
        shared.stop()


@pytest.fixture(scope="session")
def clean_target(targets: Targets) -> str:
    """The base URL of the shared clean embedded target."""
    return targets.url()

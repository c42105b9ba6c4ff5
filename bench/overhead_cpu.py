"""CPU time of a bench/overhead.py generator between test start and test stop.

Imported by both locustfiles before anything else registers a listener, so that its
``test_stop`` runs first (before loadscim's reconciliation, which is not the load). Writes
``{"cpu_s", "wall_s", "requests"}`` to the file named by ``OVERHEAD_CPU_FILE``: on a shared
machine the generator's CPU seconds per request compare two generators better than the
requests they made in the same wall-clock time.
"""

from locust import events

import json
import os
import time
from typing import Any

_started: dict[str, float] = {}


@events.test_start.add_listener
def _start(environment: Any, **_kw: Any) -> None:
    _started.update(cpu=time.process_time(), wall=time.monotonic())


@events.test_stop.add_listener
def _stop(environment: Any, **_kw: Any) -> None:
    path = os.environ.get("OVERHEAD_CPU_FILE")
    if not path or not _started:
        return
    with open(path, "w") as f:
        json.dump(
            {
                "cpu_s": time.process_time() - _started["cpu"],
                "wall_s": time.monotonic() - _started["wall"],
                "requests": environment.stats.total.num_requests,
            },
            f,
        )

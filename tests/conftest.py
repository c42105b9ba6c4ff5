"""What every test process shares: Locust imported without gevent's monkey-patching, and
the longest tests first.

scripts/test.sh runs the suite on several pytest-xdist workers. A worker talks to pytest
through execnet's threads; ``import locust`` (by any test that imports loadscim's users)
would monkey-patch threading and hang the worker (gevent's LoopExit). The test process
imports Locust unpatched (``LOCUST_SKIP_MONKEY_PATCH``, for this import only: the runs the
tests start, in processes of their own, patch as usual). No test needs the patch: the
in-process tests send no traffic through gevent.

The workers take tests in collection order; a long test started last keeps one worker busy
after the others are done. Modules are sorted by how long their tests run (measured), the
others keep their order.
"""

from __future__ import annotations

import os

os.environ["LOCUST_SKIP_MONKEY_PATCH"] = "1"
import locust  # noqa: F401  (unpatched, see above)

del os.environ["LOCUST_SKIP_MONKEY_PATCH"]

import pytest

LONGEST_FIRST = (
    # By the longest test (or xdist group) of the module, measured (--durations=0, 3 workers
    # on a busy 2-core machine): docker's group ~85 s, pagination_large 56, safety_fuzz 39,
    # distributed 30, webui 25, safety_faults 25, fuzz_run_options 23, self_trust 21,
    # real_server_data 21, packaging 20, open_model 17, safety_cleanup 16, check_history 16,
    # racing 15, reports 14, run_foundation 14, ci_outputs 14, downstream_probe 14.
    "test_docker.py",
    "test_pagination_large.py",
    "test_safety_fuzz.py",
    "test_distributed.py",
    "test_webui.py",
    "test_safety_faults.py",
    "test_fuzz_run_options.py",
    "test_self_trust.py",
    "test_real_server_data.py",
    "test_packaging.py",
    "test_open_model.py",
    "test_safety_cleanup.py",
    "test_check_history.py",
    "test_racing.py",
    "test_reports.py",
    "test_run_foundation.py",
    "test_ci_outputs.py",
    "test_downstream_probe.py",
)


def _rank(item: pytest.Item) -> int:
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: the order within a module, and of the others, stays

"""loadscim: load and concurrency testing for SCIM 2.0 provisioning endpoints.

The public API, what a scenario imports (pinned by tests/unit/test_public_api.py):

- :class:`ScimUser`: the base of a scenario's Locust users (``self.scim``, ``self.ns``,
  ``with self.trial(kind, checks) as t:`` ...), and :class:`TrialRun`, the ``t`` of a trial;
- :data:`CheckerName`: the names of the built-in checkers a trial can name; :func:`checker`
  registers a user-written one (a :class:`UserChecker`, which a trial names the same way);
  :data:`Check` is either;
- :class:`LoadscimShape`: a load shape from the command line (spike, steps, storm);
- :class:`Op`, :class:`Trial`, :class:`Violation`: the op model; :class:`LoadscimError`.

Every name loads on first use: ``ScimUser``, ``TrialRun`` and ``LoadscimShape`` import Locust,
which patches the standard library with gevent, and the command line does not need that; the
checks and the op model are not needed by the embedded target, which imports this package
too (``python -m loadscim.target``: 0.06 s of CPU less per start).
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loadscim.checks import Check, CheckerName, UserChecker, checker
    from loadscim.errors import LoadscimError
    from loadscim.ops import Op, Trial, Violation

__all__ = [
    "Check",
    "CheckerName",
    "LoadscimError",
    "LoadscimShape",
    "Op",
    "ScimUser",
    "Trial",
    "TrialRun",
    "UserChecker",
    "Violation",
    "checker",
]
__version__ = "0.1.0"

_PARTS = {
    "Check": "loadscim.checks",
    "CheckerName": "loadscim.checks",
    "UserChecker": "loadscim.checks",
    "checker": "loadscim.checks",
    "LoadscimError": "loadscim.errors",
    "Op": "loadscim.ops",
    "Trial": "loadscim.ops",
    "Violation": "loadscim.ops",
    "ScimUser": "loadscim.users.base",
    "TrialRun": "loadscim.users.trials",
    "LoadscimShape": "loadscim.users.shapes",
}


def __getattr__(name: str) -> Any:
    module = _PARTS.get(name)
    if module is None:
        raise AttributeError(f"module 'loadscim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up finds it without this function
    return value

"""loadscim: load and concurrency testing for SCIM 2.0 provisioning endpoints.

The public API, what a scenario imports (pinned by tests/unit/test_public_api.py):

- :class:`ScimUser`: the base of a scenario's Locust users (``self.scim``, ``self.ns``,
  ``with self.trial(kind, checks) as t:`` ...), and :class:`TrialRun`, the ``t`` of a trial;
- :data:`CheckerName`: the names of the built-in checkers a trial can name; :func:`checker`
  registers a user-written one (a :class:`UserChecker`, which a trial names the same way);
  :data:`Check` is either;
- :class:`LoadscimShape`: a load shape from the command line (spike, steps, storm);
- :class:`Op`, :class:`Trial`, :class:`Violation`: the op model; :class:`LoadscimError`.

``ScimUser``, ``TrialRun`` and ``LoadscimShape`` load on first use: they import Locust, which
patches the standard library with gevent, and the command line does not need that.
"""

import importlib
from typing import Any

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

_LOCUST_PARTS = {
    "ScimUser": "loadscim.users.base",
    "TrialRun": "loadscim.users.trials",
    "LoadscimShape": "loadscim.users.shapes",
}


def __getattr__(name: str) -> Any:
    module = _LOCUST_PARTS.get(name)
    if module is None:
        raise AttributeError(f"module 'loadscim' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""downstream: after an ok deprovisioning, access to the linked service ends within the window.

The rule, from the provisioning guides this project answers to: confirm effects beyond the
SCIM API, "that a provisioned user can sign in and a deprovisioned one no longer can, in every
linked service" (issue 15; Okta's CRUD check ends with "unassign, verify deactivated", and
Entra ID deprovisions by ``active=false``, which "must" end access). RFC 7644 3.6 for a DELETE:
the resource is gone "for all operations"; a session that outlives it is access after
deprovisioning.

Trial contract: ``trial.kind`` ``downstream``, no ops; ``trial.meta``::

    {"user": "User/<id> (<userName>)", "probe": "GET https://... or a callable's name",
     "deprovision": "delete" | "deactivate", "window_us": int,
     "done_us": int,                        # when the deprovisioning's ok answer came
     "before": [t_us, access, detail],      # the probe just before the write was sent
     "polls": [[t_us, access, detail], ...]}  # after it; access True / False / None

(monotonic microseconds of the process that probed; :mod:`loadscim.harness.probes` builds
it). A trial is judged only if the probe granted access before (:func:`judged`).

Violation kinds: ``access-after-deprovision`` (a poll at least ``window_us`` after
``done_us`` still grants access), grouped by ``delete`` / ``deactivate``.
"""

from __future__ import annotations

from typing import Any

from loadscim.checks.common import Report
from loadscim.ops import Trial, Violation

NAME = "downstream"


def revoked_us(meta: dict[str, Any]) -> int | None:
    """Microseconds from the deprovisioning's answer to the first poll that showed no
    access, or None (never seen)."""
    done = int(meta.get("done_us", 0))
    for t_us, access, _detail in meta.get("polls") or ():
        if access is False:
            return max(0, int(t_us) - done)
    return None


def judged(meta: dict[str, Any]) -> bool:
    """Whether the trial is evidence: access before, and then either its end seen or a poll
    once the window had passed."""
    before = meta.get("before") or (None, None, None)
    if before[1] is not True:
        return False
    return revoked_us(meta) is not None or _late_access(meta) is not None


def _late_access(meta: dict[str, Any]) -> list[Any] | None:
    done, window = int(meta.get("done_us", 0)), int(meta.get("window_us", 0))
    for poll in meta.get("polls") or ():
        if poll[1] is False:
            return None
        if poll[1] is True and int(poll[0]) - done >= window:
            return list(poll)
    return None


def check(trial: Trial) -> list[Violation]:
    """``access-after-deprovision``: the probe still grants access after the window.

    "Confirm ... that a provisioned user can sign in and a deprovisioned one no longer can,
    in every linked service" (issue 15, after the provisioning guides).
    """
    report = Report(NAME, trial)
    meta = trial.meta
    if not judged(meta):
        return []
    late = _late_access(meta)
    if late is not None:
        after_s = (int(late[0]) - int(meta.get("done_us", 0))) / 1e6
        window_s = int(meta.get("window_us", 0)) / 1e6
        deprovision = str(meta.get("deprovision") or "deprovisioning")
        report.add(
            "access-after-deprovision",
            str(meta.get("user") or trial.id),
            f"no access {window_s:g} s after the ok {deprovision} (probe {meta.get('probe')})",
            f"access granted {after_s:.2f} s after it ({late[2]})",
            subject=deprovision,
        )
    return report.violations

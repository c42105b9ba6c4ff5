"""The invariant checkers: pure functions from a trial's ops to violations.

Each checker is ``check(trial) -> list[Violation]`` in a module of its own, whose docstring
quotes the rule it enforces and states the trial contract it reads (``trial.kind``,
``trial.meta`` keys, op kinds and values). No locust, no gevent, no I/O: a saved history is
re-checked offline with the same functions.

Shared machinery: :mod:`.register` (can an order of the writes explain a read?) and
:mod:`.common` (timing, Error bodies, lookups, violation building); PATCH dialects are read
by :mod:`loadscim.scim.patch`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from loadscim.checks import (
    answered,
    authentication,
    bulk,
    conflict_status,
    conformance,
    downstream,
    duplicate_create,
    idempotency,
    lost_update,
    pagination,
    read_your_writes,
    reconcile,
    zombie,
)
from loadscim.ops import Trial, Violation

Checker = Callable[[Trial], list[Violation]]

CheckerName = Literal[
    "lost_update",
    "duplicate_create",
    "conflict_status",
    "idempotency",
    "zombie",
    "bulk",
    "read_your_writes",
    "reconcile",
    "answered",
    "downstream",
    "authentication",
    "pagination",
    "conformance",
]
"""The name of a trial checker (a key of :data:`CHECKERS`): what ``ScimUser.trial`` takes, so
that mypy catches a misspelt one."""

CHECKERS: dict[str, Checker] = {
    "lost_update": lost_update.check,
    "duplicate_create": duplicate_create.check,
    "conflict_status": conflict_status.check,
    "idempotency": idempotency.check,
    "zombie": zombie.check,
    "bulk": bulk.check,
    "read_your_writes": read_your_writes.check,
    "reconcile": reconcile.check,
    "answered": answered.check,
    "downstream": downstream.check,
    "authentication": authentication.check,
    "pagination": pagination.check,
    "conformance": conformance.check,
}


class CheckerCrash(Exception):
    """A checker named by a trial is unknown or raised: its verdict cannot be trusted.

    ``name`` is the checker, ``exc`` what went wrong, and ``results`` the violations of the
    trial's other checkers, which did run, so a caller can count those and still degrade
    the verdict to UNKNOWN for this one.
    """

    def __init__(
        self,
        name: str,
        exc: BaseException,
        results: dict[str, list[Violation]] | None = None,
    ) -> None:
        super().__init__(f"checker {name!r} crashed: {type(exc).__name__}: {exc}")
        self.name = name
        self.exc = exc
        self.results: dict[str, list[Violation]] = results if results is not None else {}


def run_checks(trial: Trial) -> dict[str, list[Violation]]:
    """Run every checker ``trial.checks`` names; checker name -> its violations.

    Every named checker runs; if one is unknown or raises, :class:`CheckerCrash` is raised
    for the first such one once the others ran, carrying their results.
    """
    results: dict[str, list[Violation]] = {}
    crash: CheckerCrash | None = None
    for name in trial.checks:
        checker = CHECKERS.get(name)
        if checker is None:
            known = ", ".join(sorted(CHECKERS))
            error: BaseException = KeyError(f"unknown checker {name!r}; known: {known}")
            crash = crash or CheckerCrash(name, error)
            continue
        try:
            results[name] = checker(trial)
        except Exception as exc:
            crash = crash or CheckerCrash(name, exc)
    if crash is not None:
        crash.results = results
        raise crash from crash.exc
    return results


__all__ = ["CHECKERS", "Checker", "CheckerCrash", "run_checks"]

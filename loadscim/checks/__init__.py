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
from typing import Literal, TypeAlias, get_args

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

BUILT_IN: frozenset[str] = frozenset(get_args(CheckerName))


class UserChecker(str):
    """A user-written checker, registered by name (:func:`checker`): the value is its name,
    so it goes wherever a :data:`CheckerName` goes (``self.trial(kind, ("zombie", mine))``,
    a scenario's ``checks``); calling it checks a trial."""

    check: Checker

    def __call__(self, trial: Trial) -> list[Violation]:
        return self.check(trial)


Check: TypeAlias = CheckerName | UserChecker
"""What a trial names: a built-in checker's name, or a registered user-written checker."""


def register_checker(name: str, check: Checker) -> UserChecker:
    """Register a user-written checker under ``name``; the handle a trial names it by.

    Like the built-in ones it is a pure function of a trial (``trial.ops``, ``trial.meta``)
    to violations, whose docstring quotes the rule it enforces. The recorder runs it when a
    trial naming it ends; ``loadscim check --checkers FILE.py`` runs it on a saved history.
    Registering a name again replaces the checker (a module imported twice); a built-in
    name, or a checker without a docstring, is refused (ValueError).
    """
    if not name.isidentifier() or name in BUILT_IN:
        raise ValueError(
            f"checker name {name!r}: must be an identifier other than the built-in checkers "
            f"({', '.join(sorted(BUILT_IN))}); choose another name"
        )
    if not (check.__doc__ or "").strip():
        raise ValueError(
            f"checker {name!r}: its docstring must quote the rule it enforces; add one"
        )
    handle = UserChecker(name)
    handle.check = check
    CHECKERS[name] = check
    return handle


def checker(name: str) -> Callable[[Checker], UserChecker]:
    """Decorator: register a user-written checker under ``name`` (:func:`register_checker`)::

        @checker("title_kept")
        def title_kept(trial: Trial) -> list[Violation]:
            \"\"\"RFC 7644 3.5.2: ...\"\"\"
    """
    return lambda check: register_checker(name, check)


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


__all__ = [
    "BUILT_IN",
    "CHECKERS",
    "Check",
    "Checker",
    "CheckerCrash",
    "UserChecker",
    "checker",
    "register_checker",
    "run_checks",
]

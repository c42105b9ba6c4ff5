"""The checker registry and run_checks: every checker reachable, crashes never silent."""

from __future__ import annotations

import importlib

import pytest
from histories import add, group, ok, trial

from loadscim import checks
from loadscim.checks import CHECKERS, CheckerCrash, run_checks

NAMES = [
    "lost_update",
    "duplicate_create",
    "conflict_status",
    "idempotency",
    "zombie",
    "bulk",
    "read_your_writes",
    "reconcile",
    "answered",
    "conformance",
    "downstream",
    "authentication",
    "pagination",
]


def test_registry_names_every_checker() -> None:
    assert sorted(CHECKERS) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_checker_quotes_its_rule_and_states_its_contract(name: str) -> None:
    module = importlib.import_module(f"loadscim.checks.{name}")
    assert CHECKERS[name] is module.check and name == module.NAME
    assert module.__doc__ and "Trial contract" in module.__doc__
    assert "Violation kinds" in module.__doc__
    assert module.check.__doc__ and '"' in module.check.__doc__


@pytest.mark.parametrize("name", NAMES)
def test_each_checker_passes_an_empty_trial(name: str) -> None:
    assert CHECKERS[name](trial()) == []


def test_run_checks_runs_the_named_checkers() -> None:
    t = trial(
        ok("create", 0, 10, on="Group/g1", value=group("eng", [])),
        ok("patch", 20, 30, on="Group/g1", value=[add("u1")]),
        ok("get", 40, 50, on="Group/g1", observed=group("eng", [])),
        checks=("lost_update", "conflict_status"),
    )
    results = run_checks(t)
    assert list(results) == ["lost_update", "conflict_status"]
    assert [v.kind for v in results["lost_update"]] == ["lost-member"]
    assert results["conflict_status"] == []


def test_unknown_checker_raises_after_the_others_ran() -> None:
    t = trial(checks=("zombie", "no_such_checker", "bulk"))
    with pytest.raises(CheckerCrash) as info:
        run_checks(t)
    assert info.value.name == "no_such_checker"
    assert isinstance(info.value.exc, KeyError)
    assert "known: answered, authentication, bulk" in str(info.value)
    assert info.value.results == {"zombie": [], "bulk": []}


def test_crashing_checker_raises_checker_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(t):
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(checks.CHECKERS, "zombie", broken)
    with pytest.raises(CheckerCrash) as info:
        run_checks(trial(checks=("zombie", "bulk")))
    assert info.value.name == "zombie" and isinstance(info.value.exc, ZeroDivisionError)
    assert info.value.__cause__ is info.value.exc and info.value.results == {"bulk": []}


def test_an_uninterpretable_patch_crashes_rather_than_passes() -> None:
    t = trial(
        ok("patch", 20, 30, on="Group/g1", value=[{"op": "move", "path": "members"}]),
        ok("get", 40, 50, on="Group/g1", observed=group("eng", [])),
        checks=("lost_update",),
    )
    with pytest.raises(CheckerCrash) as info:
        run_checks(t)
    assert "op must be add, remove or replace" in str(info.value)

"""The public API (`loadscim.__all__`) is pinned, and `with self.trial(...)` checks and
clears up its trial however the block ends."""

from __future__ import annotations

from typing import get_args

import pytest
from gevent import GreenletExit

import loadscim
from loadscim.checks import BUILT_IN, CHECKERS, CheckerName
from loadscim.client import Response, ScimClient
from loadscim.ops import Trial
from loadscim.scim import payloads
from loadscim.users.base import ScimUser
from loadscim.users.trials import TrialRun

PUBLIC = [
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


def test_the_public_api_is_pinned():
    assert loadscim.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(loadscim, name) is not None
    assert loadscim.ScimUser is ScimUser and loadscim.TrialRun is TrialRun
    with pytest.raises(AttributeError):
        _ = loadscim.NoSuchThing


def test_checker_names_are_the_built_in_checkers():
    assert set(get_args(CheckerName)) == BUILT_IN <= set(CHECKERS)


class Created:
    """A transport that answers every create 201 with a new id, everything else 204."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, method, path, body, headers, name, expect):
        if method == "POST":
            self.count += 1
            return Response(201, {}, payloads.dumps({"id": f"id{self.count}", "userName": "n"}))
        return Response(204, {}, b"")


class FakeUser:
    """What ScimUser.trial uses of a user: a client, trials, finish and discard."""

    fan_out = 3

    def __init__(self) -> None:
        self.scim = ScimClient(Created())
        self.finished: list[Trial] = []
        self.discarded: list[tuple[str, str]] = []

    def new_trial(self, kind, checks, **meta):
        return Trial(id="t1", kind=kind, checks=tuple(checks), meta=meta)

    def racers(self, trial, n):
        return [self.scim.for_trial(trial)] * n

    def finish(self, trial):
        self.finished.append(trial)
        return []

    def discard(self, resources):
        self.discarded += list(resources)

    def _close(self, run):
        ScimUser._close(self, run)  # type: ignore[arg-type]


def block(user: FakeUser):
    return ScimUser.trial(user, "k", ("zombie",), planned=1)  # type: ignore[arg-type]


def test_a_trial_block_checks_and_deletes_what_it_created():
    user = FakeUser()
    with block(user) as t:
        assert t.meta == {"planned": 1} and len(t.racers()) == 3
        t.scim.create("User", payloads.user("a"))
        t.scim.create("User", payloads.user("b"))
        t.keep("User", "id2")
        t.discard_later("Group", "g1")
    assert [tr.kind for tr in user.finished] == ["k"]
    assert user.discarded == [("User", "id1"), ("Group", "g1")]


def test_an_exception_in_a_trial_still_checks_and_clears_up_then_goes_on():
    user = FakeUser()
    with pytest.raises(ValueError), block(user) as t:
        t.scim.create("User", payloads.user("a"))
        raise ValueError("the scenario's bug")
    assert len(user.finished) == 1 and user.discarded == [("User", "id1")]


def test_a_user_stopped_at_the_end_leaves_its_trial_to_the_run_cleanup():
    user = FakeUser()
    with pytest.raises(GreenletExit), block(user) as t:
        t.scim.create("User", payloads.user("a"))
        raise GreenletExit
    assert user.finished == [] and user.discarded == []


def test_no_scenario_runs_a_trial_or_updates_the_model_by_hand():
    """Every scenario uses ``with self.trial(...)`` (a trial cannot be left unchecked) and
    leaves the run's model to the recorder (``follows``)."""
    from pathlib import Path

    root = Path(loadscim.__file__).parent
    for path in [*(root / "users").glob("*.py"), *(root.parent / "scenarios").glob("*.py")]:
        if path.name in ("base.py", "trials.py"):
            continue
        text = path.read_text()
        for by_hand in ("new_trial(", ".finish(", "recorder.track(", "recorder.forget(",
                        "tracked."):  # fmt: skip
            assert by_hand not in text, (path.name, by_hand)

"""Unit tests of the embedded target's fault specs, plan, dice and storage (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadscim.errors import UsageError
from loadscim.target.faults import (
    FLAG_FAULTS,
    KNOWN_FAULTS,
    Chance,
    Dice,
    DropAttribute,
    FaultPlan,
    Flag,
    Latency,
    SlowCreate,
    StaleRead,
    Stall,
    parse_fault,
)


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ("latency=300", Latency(300)),
        ("latency=0", Latency(0)),
        (" Latency = 25 ", Latency(25)),
        ("slow-create=3000", SlowCreate(3000)),
        ("error-rate=0.1", Chance("error-rate", 0.1)),
        ("error-rate=1", Chance("error-rate", 1.0)),
        ("stall=500/5", Stall(500, 5.0)),
        ("stall=250/0.5", Stall(250, 0.5)),
        ("lost-update", Chance("lost-update", 1.0)),
        ("lost-update=0.5", Chance("lost-update", 0.5)),
        ("duplicate-create", Chance("duplicate-create", 1.0)),
        ("500-on-conflict", Chance("500-on-conflict", 1.0)),
        ("500-on-pathless-patch", Chance("500-on-pathless-patch", 1.0)),
        ("ignore-deactivate=0", Chance("ignore-deactivate", 0.0)),
        ("ignore-if-match", Chance("ignore-if-match", 1.0)),
        ("drop-after-commit", Chance("drop-after-commit", 0.2)),
        ("drop-after-commit=1", Chance("drop-after-commit", 1.0)),
        ("bulk-partial", Chance("bulk-partial", 1.0)),
        ("stale-read", StaleRead(1.0)),
        ("stale-read=2.5", StaleRead(2.5)),
        ("timeout=0.01", Chance("timeout", 0.01)),
        ("reset=0.2", Chance("reset", 0.2)),
        ("non-json=1", Chance("non-json", 1.0)),
        ("truncated-json=0.3", Chance("truncated-json", 0.3)),
        ("wrong-content-type=0.3", Chance("wrong-content-type", 0.3)),
        ("redirect=0.3", Chance("redirect", 0.3)),
        ("huge-body=0.3", Chance("huge-body", 0.3)),
        ("throttle=0.5", Chance("throttle", 0.5)),
        ("strict-email", Flag("strict-email")),
        ("require-formatted", Flag("require-formatted")),
        ("no-email-type", Flag("no-email-type")),
        ("no-schemas", Flag("no-schemas")),
        ("drop-attribute=title", DropAttribute(("title",))),
        ("undeclared=title,emails.type", DropAttribute(("title", "emails.type"), "undeclared")),
        ("drop-attribute=title, emails[].type", DropAttribute(("title", "emails.type"))),
        (
            "drop-attribute=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            DropAttribute(
                ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",)
            ),
        ),
    ],
)
def test_good_specs(spec: str, fault: object) -> None:
    assert parse_fault(spec) == fault


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "latency=abc",
            "--fault 'latency=abc': latency takes milliseconds, an integer >= 0; "
            "write --fault latency=300",
        ),
        ("latency=-5", "latency takes milliseconds, an integer >= 0"),
        ("latency", "latency takes milliseconds, an integer >= 0"),
        ("latency=1.5", "latency takes milliseconds, an integer >= 0"),
        (
            "slow-create",
            "slow-create takes milliseconds, an integer >= 0; write --fault slow-create=3000",
        ),
        (
            "error-rate=2",
            "--fault 'error-rate=2': error-rate takes a fraction of requests, a number from "
            "0 to 1; write --fault error-rate=0.1",
        ),
        ("error-rate", "error-rate takes a fraction of requests"),
        ("error-rate=nan", "error-rate takes a fraction of requests"),
        ("reset=-0.1", "reset takes a fraction of requests"),
        ("throttle", "write --fault throttle=0.1"),
        (
            "lost-update=yes",
            "--fault 'lost-update=yes': lost-update takes an optional probability, a number "
            "from 0 to 1; write --fault lost-update or --fault lost-update=0.5",
        ),
        ("lost-update=", "lost-update takes an optional probability"),
        ("stall=500", "stall takes MS/EVERY_S"),
        ("stall=0/5", "stall takes MS/EVERY_S"),
        ("stall=500/0", "write --fault stall=500/5"),
        ("stall=a/b", "stall takes MS/EVERY_S"),
        ("stale-read=0", "stale-read takes an optional lag in seconds, a number > 0"),
        ("stale-read=inf", "stale-read takes an optional lag in seconds"),
        ("laterncy=5", "unknown fault 'laterncy'; known faults: 400-on-conflict"),
        ("laterncy=5", "did you mean 'latency'?"),
        (
            "strict-email=1",
            "strict-email is on or off and takes no value; write --fault strict-email",
        ),
        ("no-schemas=0.5", "no-schemas is on or off and takes no value"),
        ("drop-attribute", "drop-attribute takes the attribute names not to store"),
        ("drop-attribute=", "write --fault drop-attribute=title"),
        ("drop-attribute=ti tle", "drop-attribute takes the attribute names not to store"),
        ("drop-attribute=title,userName", "userName cannot be dropped"),
        ("", "a fault spec is NAME or NAME=VALUE"),
        ("=3", "a fault spec is NAME or NAME=VALUE"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_fault(spec)
    text = str(raised.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith(f"--fault {spec!r}: ")


def test_unknown_fault_lists_every_known_fault() -> None:
    with pytest.raises(UsageError) as raised:
        parse_fault("bogus")
    for name in KNOWN_FAULTS:
        assert name in str(raised.value)


def test_every_known_fault_parses_with_a_value() -> None:
    for name in KNOWN_FAULTS:
        if name in FLAG_FAULTS:
            assert parse_fault(name).name == name
            continue
        value = {"latency": "10", "slow-create": "10", "stall": "10/1", "stale-read": "1",
                 "replica-lag": "300", "replica-lag-id": "300",
                 "drop-attribute": "title", "undeclared": "title"}
        assert parse_fault(f"{name}={value.get(name, '0.5')}").name == name


def test_lacking_features_are_flags() -> None:
    for name in ("no-patch", "no-filter"):
        fault = parse_fault(name)
        assert fault.spec == name and parse_fault(fault.spec) == fault
        with pytest.raises(UsageError, match=f"{name} is on or off"):
            parse_fault(f"{name}=0.5")
    assert parse_fault("group-create-drops-members").spec == "group-create-drops-members=1"


PROTOCOL_FAULTS = (
    "409-no-scimtype",
    "400-on-conflict",
    "409-on-if-match",
    "412-no-error",
    "etag-absent",
    "delete-deactivates",
    "non-idempotent-replay",
    "ignore-update",
    "duplicate-listing",
    "search-other-ids",
    "truncate-updates",
    "write-back-stale",
    "membership-bleed",
    "400-on-pathless-patch",
    "bulk-no-location",
    "bulk-drops-result",
    "bulk-bad-ref",
    "bulk-always-413",
    "bulk-error-no-detail",
)


def test_protocol_faults_take_an_optional_probability() -> None:
    for name in PROTOCOL_FAULTS:
        assert parse_fault(name).spec == f"{name}=1"
        assert parse_fault(f"{name}=0.5").spec == f"{name}=0.5"
    assert parse_fault("bulk-no-413").spec == "bulk-no-413"


def test_spec_round_trips() -> None:
    specs = ["latency=300", "slow-create=5", "stall=500/5", "stale-read=2", "lost-update=0.5",
             "reset=1"]
    for spec in [*specs, "no-schemas", "drop-attribute=title,name.formatted", "undeclared=title"]:
        assert parse_fault(parse_fault(spec).spec) == parse_fault(spec)


def test_plan_refuses_a_fault_given_twice() -> None:
    with pytest.raises(UsageError, match="already given as --fault 'latency=1'"):
        FaultPlan.parse(["latency=1", "latency=2"])


def test_plan_lookup() -> None:
    plan = FaultPlan.parse(["latency=5", "lost-update=0.5"], seed=3)
    assert "lost-update" in plan and "reset" not in plan
    assert plan.probability("lost-update") == 0.5
    assert plan.probability("latency") is None
    assert plan.probability("reset") is None
    assert bool(plan) and not FaultPlan()


def test_dice_are_deterministic_per_seed_and_fault() -> None:
    def rolls(seed: int, specs: list[str]) -> list[bool]:
        dice = Dice(FaultPlan.parse(specs, seed=seed))
        return [dice.roll("reset") for _ in range(200)]

    first = rolls(7, ["reset=0.3"])
    assert first == rolls(7, ["reset=0.3"])
    # another fault on the side does not shift the stream of this one
    assert first == rolls(7, ["reset=0.3", "throttle=0.5"])
    assert first != rolls(8, ["reset=0.3"])
    assert 30 < sum(first) < 90


def test_dice_extremes_and_off() -> None:
    dice = Dice(FaultPlan.parse(["reset=1", "throttle=0"]))
    assert all(dice.roll("reset") for _ in range(50))
    assert not any(dice.roll("throttle") for _ in range(50))
    assert not dice.roll("timeout")  # not enabled
    assert all(0.001 <= dice.pause("reset") <= 0.010 for _ in range(50))


def test_every_fault_is_in_the_readme() -> None:
    """The fault table (docs/embedded-target.md) names every fault the target knows."""
    readme = (Path(__file__).resolve().parents[2] / "docs" / "embedded-target.md").read_text()
    start = readme.index("Faults (`F` is a probability")
    table = readme[start : readme.index("\n## ", start)]
    assert [name for name in KNOWN_FAULTS if f"`{name}" not in table] == []

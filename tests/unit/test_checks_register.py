"""The register engine: which values may a read show, given the writes and their outcomes."""

from __future__ import annotations

import pytest
from histories import fail, info, ok

from loadscim.checks.register import ANY, UNKNOWN, History, Write, effect_of, judge, same_value
from loadscim.ops import Op, completions
from loadscim.scim.parsed import parsed
from loadscim.scim.patch import PatchError


def w(call: list[Op], value: object) -> Write:
    return Write(completions(call)[0], value)


def read(start: int, end: int) -> Op:
    return completions(ok("get", start, end, on="User/u1"))[0]


def test_last_completed_ok_write_wins() -> None:
    writes = [w(ok("patch", 0, 10), "a"), w(ok("patch", 20, 30), "b")]
    assert judge(read(40, 50), "b", writes).explained
    verdict = judge(read(40, 50), "a", writes)
    assert not verdict.explained
    assert [x.value for x in verdict.overwritten] == ["a"]
    assert [x.value for x in verdict.required] == ["b"]
    assert [x.value for x in verdict.allowed] == ["b"]


def test_overlapping_ok_writes_may_land_in_either_order() -> None:
    writes = [w(ok("patch", 0, 30), "a"), w(ok("patch", 10, 20), "b")]
    assert judge(read(40, 50), "a", writes).explained
    assert judge(read(40, 50), "b", writes).explained
    assert not judge(read(40, 50), "c", writes).explained


def test_info_write_may_or_may_not_have_applied() -> None:
    writes = [w(ok("patch", 0, 10), "a"), w(info("patch", 20, 30, status=500), "b")]
    assert judge(read(40, 50), "a", writes).explained
    assert judge(read(40, 50), "b", writes).explained
    never_completed = [w(ok("patch", 0, 10), "a"), w(info("patch", 5), "b")]
    assert judge(read(40, 50), "b", never_completed).explained


def test_info_write_that_completed_before_an_ok_write_cannot_be_last() -> None:
    writes = [w(info("patch", 0, 10, status=500), "b"), w(ok("patch", 20, 30), "a")]
    assert not judge(read(40, 50), "b", writes).explained


def test_failed_writes_have_no_effect() -> None:
    writes = [w(ok("patch", 0, 10), "a"), w(fail("patch", 20, 30, 412), "b")]
    assert judge(read(40, 50), "a", writes).explained
    assert not judge(read(40, 50), "b", writes).explained


def test_write_in_flight_during_the_read_may_or_may_not_be_seen() -> None:
    writes = [w(ok("patch", 0, 10), "a"), w(ok("patch", 30, 60), "b")]
    assert judge(read(40, 50), "a", writes).explained
    assert judge(read(40, 50), "b", writes).explained
    later = [w(ok("patch", 0, 10), "a"), w(ok("patch", 55, 60), "b")]
    assert not judge(read(40, 50), "b", later).explained


def test_initial_value() -> None:
    writes = [w(info("patch", 0, 10, status=503), "b")]
    assert judge(read(40, 50), "a", writes, initial="a").explained
    assert not judge(read(40, 50), "c", writes, initial="a").explained
    assert judge(read(40, 50), "c", writes, initial=UNKNOWN).explained  # nothing to go on
    assert not judge(read(40, 50), "a", [w(ok("patch", 0, 10), "b")], initial="a").explained


def test_any_value_write_explains_everything_until_overwritten() -> None:
    assert judge(read(40, 50), "zzz", [w(ok("replace", 0, 10), ANY)]).explained
    writes = [w(ok("replace", 0, 10), ANY), w(ok("patch", 20, 30), "a")]
    assert not judge(read(40, 50), "zzz", writes).explained


def test_same_value_is_lenient_where_servers_add() -> None:
    assert same_value([{"value": "a@x"}], [{"value": "a@x", "primary": True}, {"value": "b"}])
    assert not same_value([{"value": "a@x"}], [{"value": "b@x"}])
    assert same_value({"givenName": "A"}, {"givenname": "A", "familyName": "B"})
    assert same_value(None, []) and same_value("", None) and not same_value(None, "x")
    assert not same_value(True, 1) and same_value(False, False)
    assert same_value("Ada", "ada", case_insensitive=True) and not same_value("Ada", "ada")


def test_effects() -> None:
    patch = completions(
        ok(
            "patch",
            0,
            1,
            on="Group/g",
            value=[
                {"op": "remove", "path": "members"},
                {"op": "add", "path": "members", "value": [{"value": "u1"}]},
            ],
        )
    )[0]
    effect = effect_of(patch)
    assert effect.member("u1") is True and effect.member("u2") is False
    put = completions(ok("replace", 0, 1, on="User/u", value={"userName": "a", "emails": []}))[0]
    effect = effect_of(put)
    assert effect.attribute("USERNAME") == "a"
    assert effect.attribute("title") is ANY  # a PUT may clear what it omits
    assert effect.member("x") is ANY
    entra = completions(
        ok(
            "patch",
            0,
            1,
            on="User/u",
            value=[{"op": "Replace", "path": 'emails[type eq "work"].value', "value": "w@x"}],
        )
    )[0]
    assert effect_of(entra).attribute("emails") is ANY  # part of the list changed


def test_history_of_named_paths_keeps_their_registers_exactly() -> None:
    """``History(ops, named)`` leaves out of POST and PUT bodies only the top-level
    attributes no named path falls in; every register of a named path (its base: written,
    written elsewhere in it, or omitted) and every extension are as in the full history."""
    ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    body = {"userName": "a", "title": "T", "Name": {"givenName": "G", "familyName": "F"},
            "emails": [{"value": "a@x"}], ext: {"department": "D"}}  # fmt: skip
    ops = completions(
        ok("create", 0, 1, on="User/u", value=body)
        + ok("replace", 2, 3, on="User/u", value={"userName": "a", "name": {"familyName": "H"}})
        + ok("patch", 4, 5, on="User/u", value=[{"op": "replace", "path": "title", "value": "X"}])
    )
    named = ["title", "name.givenName", "active", f"{ext}:department"]
    full, part = History(ops), History(ops, named)
    for path in [*named, "name", "name.familyName"]:
        assert part.attribute(("User", "u"), path) == full.attribute(("User", "u"), path), path
    create = part.effect(ops[0])
    assert "username" not in create.attributes and "emails" not in create.bases
    assert create.attributes["title"] == "T" and f"{ext}:department".lower() in create.attributes
    assert History(ops, ["a["]).effect(ops[0]).attributes == full.effect(ops[0]).attributes


def test_an_effect_read_from_the_parsed_value_is_the_same() -> None:
    """History reads a write's value as the run's model parsed it (Op.parsed), when it did:
    the same effect as parsing again, and the same error for a value it cannot read."""
    body = {"userName": "ada", "name": {"givenName": "Ada"}, "active": "False",
            "members": [{"value": "m1"}]}  # fmt: skip
    operations = [
        {"op": "replace", "path": "title", "value": "x"},
        {"op": "add", "path": "members", "value": [{"value": "m2"}]},
        {"op": "Replace", "value": {"active": "True", "name.familyName": "L"}},
    ]
    for kind, value in (("create", body), ("replace", body), ("patch", operations)):
        for bases in (None, frozenset({"name"})):
            fresh, shared = (completions(ok(kind, 0, 10, on="User/u1", value=value))[0]
                             for _ in range(2))  # fmt: skip
            parsed(shared).writes()
            assert effect_of(shared, bases) == effect_of(fresh, bases)
    broken = [{"op": "move", "path": "title"}]
    fresh, shared = (completions(ok("patch", 0, 10, on="User/u1", value=broken))[0]
                     for _ in range(2))  # fmt: skip
    with pytest.raises(PatchError) as made:
        parsed(shared).writes()
    with pytest.raises(PatchError) as again:
        effect_of(shared)
    with pytest.raises(PatchError) as first:
        effect_of(fresh)
    assert str(made.value) == str(again.value) == str(first.value)

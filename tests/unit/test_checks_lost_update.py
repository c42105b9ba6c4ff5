"""lost_update on hand-written histories: membership races, attribute races, If-Match."""

from __future__ import annotations

from histories import (
    add,
    entra_add,
    entra_remove,
    fail,
    group,
    info,
    kinds,
    listing,
    ok,
    remove,
    replace,
    trial,
    user,
)

from loadscim.checks.lost_update import check

G = "Group/g1"


def race(*calls, final_members, **meta):
    """A group created empty, the given membership writes, then a final read."""
    return trial(
        ok("create", 0, 10, on=G, value=group("eng", [])),
        *calls,
        ok("get", 1000, 1010, on=G, observed=group("eng", final_members)),
        **meta,
    )


def test_concurrent_adds_all_kept_is_clean() -> None:
    t = race(
        ok("patch", 20, 200, on=G, value=[add("u1")]),
        ok("patch", 30, 150, on=G, value=[entra_add("u2")]),
        ok("patch", 40, 120, on=G, value=[add("u3")]),
        final_members=["u1", "u2", "u3"],
    )
    assert check(t) == []


def test_concurrent_adds_one_lost() -> None:
    t = race(
        ok("patch", 20, 200, on=G, value=[add("u1")]),
        ok("patch", 30, 150, on=G, value=[add("u2")]),
        ok("patch", 40, 120, on=G, value=[add("u3")]),
        final_members=["u1", "u3"],
    )
    [v] = check(t)
    assert (v.kind, v.resource, v.checker, v.trial) == ("lost-member", G, "lost_update", "t1")
    assert "u2 a member" in v.expected and "u2 not a member" in v.observed
    assert any("PATCH" in d or "patch" in d for d in v.ops) and len(v.ops) <= 5


def test_info_add_may_or_may_not_have_applied() -> None:
    for final in (["u1"], ["u1", "u2"]):
        t = race(
            ok("patch", 20, 200, on=G, value=[add("u1")]),
            info("patch", 30, 150, status=502, on=G, value=[add("u2")]),
            final_members=final,
        )
        assert check(t) == [], final
    for final in (["u1"], ["u1", "u2"]):
        never_completed = race(
            ok("patch", 20, 200, on=G, value=[add("u1")]),
            info("patch", 30, on=G, value=[add("u2")]),
            final_members=final,
        )
        assert check(never_completed) == [], final


def test_info_remove_may_or_may_not_have_applied() -> None:
    for final in ([], ["u1"]):
        t = race(
            ok("patch", 20, 30, on=G, value=[add("u1")]),
            info("patch", 40, 50, on=G, value=[remove("u1")]),
            final_members=final,
        )
        assert check(t) == [], final


def test_sequential_remove_after_add_must_win() -> None:
    t = race(
        ok("patch", 20, 30, on=G, value=[add("u1")]),
        ok("patch", 40, 50, on=G, value=[remove("u1")]),
        final_members=["u1"],
    )
    assert kinds(check(t)) == ["lost-remove"]
    clean = race(
        ok("patch", 20, 30, on=G, value=[add("u1")]),
        ok("patch", 40, 50, on=G, value=[remove("u1")]),
        final_members=[],
    )
    assert check(clean) == []


def test_sequential_add_after_remove_must_win() -> None:
    t = race(
        ok("patch", 20, 30, on=G, value=[entra_remove("u1")]),
        ok("patch", 40, 50, on=G, value=[add("u1")]),
        final_members=[],
    )
    assert kinds(check(t)) == ["lost-member"]


def test_overlapping_add_and_remove_may_land_either_way() -> None:
    for final in ([], ["u1"]):
        t = race(
            ok("patch", 20, 60, on=G, value=[add("u1")]),
            ok("patch", 40, 80, on=G, value=[remove("u1")]),
            final_members=final,
        )
        assert check(t) == [], final


def test_okta_remove_then_add_in_one_request() -> None:
    start = trial(
        ok("create", 0, 10, on=G, value=group("eng", ["u1"])),
        ok("patch", 20, 30, on=G, value=[remove("u1"), add("u2")]),
        ok("get", 40, 50, on=G, observed=group("eng", ["u2"])),
    )
    assert check(start) == []
    lost = trial(
        ok("create", 0, 10, on=G, value=group("eng", ["u1"])),
        ok("patch", 20, 30, on=G, value=[remove("u1"), add("u2")]),
        ok("get", 40, 50, on=G, observed=group("eng", ["u1", "u2"])),
    )
    assert kinds(check(lost)) == ["lost-remove"]


def test_phantom_member() -> None:
    t = race(ok("patch", 20, 30, on=G, value=[add("u1")]), final_members=["u1", "u9"])
    [v] = check(t)
    assert v.kind == "phantom-member" and "u9" in v.observed


def test_412_without_if_match_is_a_definite_no_op() -> None:
    clean = race(
        ok("patch", 20, 60, on=G, value=[add("u1")]),
        fail("patch", 25, 55, 412, on=G, value=[add("u2")]),
        final_members=["u1"],
    )
    assert check(clean) == []
    applied_anyway = race(
        ok("patch", 20, 60, on=G, value=[add("u1")]),
        fail("patch", 25, 55, 412, on=G, value=[add("u2")]),
        final_members=["u1", "u2"],
    )
    assert kinds(check(applied_anyway)) == ["phantom-member"]


def test_initial_members_from_meta_when_the_trial_did_not_create_the_group() -> None:
    kept = trial(
        ok("patch", 20, 30, on=G, value=[add("u2")]),
        ok("get", 40, 50, on=G, observed=group("eng", ["u1", "u2"])),
        initial_members=["u1"],
    )
    assert check(kept) == []
    dropped = trial(
        ok("patch", 20, 30, on=G, value=[add("u2")]),
        ok("get", 40, 50, on=G, observed=group("eng", ["u2"])),
        initial_members=["u1"],
    )
    assert kinds(check(dropped)) == ["lost-member"]
    unknown = trial(
        ok("patch", 20, 30, on=G, value=[add("u2")]),
        ok("get", 40, 50, on=G, observed=group("eng", ["u1", "u2"])),
    )
    assert check(unknown) == []  # u1 is no write's business and the start is unknown


def test_wholesale_replace_by_put() -> None:
    t = trial(
        ok("patch", 20, 30, on=G, value=[add("u2")]),
        ok("replace", 40, 50, on=G, value=group("eng", ["u3"])),
        ok("get", 60, 70, on=G, observed=group("eng", ["u3"])),
        initial_members=["u1"],
    )
    assert check(t) == []
    kept_old = trial(
        ok("patch", 20, 30, on=G, value=[add("u2")]),
        ok("replace", 40, 50, on=G, value=group("eng", ["u3"])),
        ok("get", 60, 70, on=G, observed=group("eng", ["u2", "u3"])),
    )
    assert kinds(check(kept_old)) == ["lost-remove"]


def test_only_the_last_ok_read_is_the_final_state() -> None:
    t = race(
        ok("get", 5, 15, on=G, observed=group("eng", [])),
        ok("patch", 20, 30, on=G, value=[add("u1")]),
        fail("get", 900, 910, 500, on=G),
        final_members=["u1"],
    )
    assert check(t) == []


def test_members_null_is_an_empty_group() -> None:
    t = trial(
        ok("create", 0, 10, on=G, value=group("eng", [])),
        ok("patch", 20, 30, on=G, value=[add("u1")]),
        ok("get", 40, 50, on=G, observed={**group("eng"), "members": None}),
    )
    assert kinds(check(t)) == ["lost-member"]


def test_deleted_resource_is_not_judged() -> None:
    t = race(
        ok("patch", 20, 30, on=G, value=[add("u1")]),
        info("delete", 40, 50, status=500, on=G),
        final_members=[],
    )
    assert check(t) == []


U = "User/u1"


def attribute_race(*calls, final):
    return trial(
        ok("create", 0, 10, on=U, value=user("ada", displayName="start")),
        *calls,
        ok("get", 1000, 1010, on=U, observed=user("ada", displayName=final)),
    )


def test_concurrent_attribute_replaces_one_wins() -> None:
    calls = [
        ok("patch", 20, 200, on=U, value=[replace("displayName", "a")]),
        ok("patch", 30, 150, on=U, value=[{"op": "replace", "value": {"displayName": "b"}}]),
        ok("replace", 40, 120, on=U, value=user("ada", displayName="c")),
    ]
    for final in ("a", "b", "c"):
        assert check(attribute_race(*calls, final=final)) == [], final
    [v] = check(attribute_race(*calls, final="start"))
    assert v.kind == "lost-write" and v.resource == U and "displayName" in v.expected
    assert kinds(check(attribute_race(*calls, final="zzz"))) == ["unwritten-value"]


def test_older_value_overwritten_by_a_later_ok_write_is_a_lost_update() -> None:
    calls = [
        ok("patch", 20, 30, on=U, value=[replace("displayName", "a")]),
        ok("patch", 40, 50, on=U, value=[replace("displayName", "b")]),
    ]
    assert check(attribute_race(*calls, final="b")) == []
    [v] = check(attribute_race(*calls, final="a"))
    assert v.kind == "lost-write" and '"b"' in v.expected and '"a"' in v.observed


def test_info_attribute_write_either_way() -> None:
    calls = [
        ok("patch", 20, 30, on=U, value=[replace("displayName", "a")]),
        info("patch", 40, 50, on=U, value=[replace("displayName", "b")]),
    ]
    assert check(attribute_race(*calls, final="a")) == []
    assert check(attribute_race(*calls, final="b")) == []


def test_entra_string_boolean_active() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=user("ada", active=True)),
        ok("patch", 20, 30, on=U, value=[{"op": "Replace", "path": "active", "value": "False"}]),
        ok("get", 40, 50, on=U, observed=user("ada", active=True)),
    )
    assert kinds(check(t)) == ["lost-write"]


def test_meta_attributes_limits_what_is_judged() -> None:
    t = trial(
        ok("patch", 20, 30, on=U, value=[replace("displayName", "a"), replace("title", "t")]),
        ok("get", 40, 50, on=U, observed=user("ada", displayName="a", title="other")),
        attributes=["displayName"],
    )
    assert check(t) == []


def test_if_match_admits_one_writer() -> None:
    etag = 'W/"1"'
    clean = attribute_race(
        ok("patch", 20, 60, on=U, if_match=etag, value=[replace("displayName", "a")]),
        fail("patch", 25, 55, 412, on=U, if_match=etag, value=[replace("displayName", "b")]),
        final="a",
    )
    assert check(clean) == []
    both = attribute_race(
        ok("patch", 20, 60, on=U, if_match=etag, value=[replace("displayName", "a")]),
        ok("patch", 25, 55, on=U, if_match=etag, value=[replace("displayName", "b")]),
        final="a",
    )
    [v] = check(both)
    assert v.kind == "if-match-ignored" and len(v.ops) == 2
    star = attribute_race(
        ok("patch", 20, 60, on=U, if_match="*", value=[replace("displayName", "a")]),
        ok("patch", 25, 55, on=U, if_match="*", value=[replace("displayName", "b")]),
        final="a",
    )
    assert check(star) == []


def test_initial_member_removed_then_back_is_a_lost_remove() -> None:
    from histories import ok, trial

    from loadscim.checks.lost_update import check

    t = trial(
        ok(
            "patch", 0, 10, on="Group/g1", value=[{"op": "remove", "path": 'members[value eq "a"]'}]
        ),
        ok("get", 20, 30, on="Group/g1", observed={"id": "g1", "members": [{"value": "a"}]}),
        initial_members=["a"],
    )
    assert [v.kind for v in check(t)] == ["lost-remove"]


def test_a_member_listed_twice_in_any_read_is_a_duplicate_member_once_per_group() -> None:
    """RFC 7644 3.5.2.1: adding a member already there changes nothing: one copy."""
    twice = {**group("eng", ["u1", "u1"]), "id": "g1"}
    t = race(
        ok("patch", 20, 30, on=G, value=[add("u1")]),
        ok("get", 40, 50, on=G, observed=twice),
        ok("search", 60, 70, on="Group", observed=listing(twice)),
        final_members=["u1"],
    )
    [v] = check(t)
    assert v.kind == "duplicate-member" and v.resource == "Group/g1"
    assert v.observed == "u1 listed 2 times in a get" and v.subject == "members"

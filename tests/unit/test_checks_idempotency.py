"""idempotency on hand-written retries: the same PATCH, PUT, DELETE or POST twice."""

from __future__ import annotations

from histories import (
    add,
    error,
    fail,
    group,
    info,
    kinds,
    listing,
    ok,
    replace,
    search,
    trial,
    user,
)

from loadscim.checks.idempotency import check, replays
from loadscim.ops import completions

U = "User/u1"
G = "Group/g1"
OFF = [replace("active", False)]
ADA = user("ada", active=True)


def shown(**changes):
    return {**ADA, **changes, "id": "u1"}


def test_replays_group_identical_writes_only() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=ADA),
        ok("patch", 20, 30, on=U, value=OFF),
        ok("patch", 40, 50, on=U, value=OFF),
        ok("patch", 60, 70, on=U, value=[replace("active", True)]),
        ok("patch", 80, 90, on="User/u2", value=OFF),
    )
    [replay] = replays(completions(t.ops))
    assert [op.start_us for op in replay] == [20, 40]


def test_patch_twice_converges() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=ADA),
        info("patch", 20, 30, on=U, value=OFF, error="timeout"),
        ok("patch", 40, 50, on=U, value=OFF),
        ok("get", 60, 70, on=U, observed=shown(active=False)),
    )
    assert check(t) == []
    t = trial(
        ok("create", 0, 10, on=U, value=ADA),
        info("patch", 20, 30, on=U, value=OFF, error="timeout"),
        ok("patch", 40, 50, on=U, value=OFF),
        ok("get", 60, 70, on=U, observed=shown(active=True)),
    )
    [v] = check(t)
    assert (v.kind, v.resource) == ("replay-final-state", U) and "active" in v.expected


def test_replayed_patch_refused_is_not_judged_by_status() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=ADA),
        ok("patch", 20, 30, on=U, value=OFF),
        fail("patch", 40, 50, 412, on=U, value=OFF, observed=error(412)),
        ok("get", 60, 70, on=U, observed=shown(active=False)),
    )
    assert check(t) == []


def test_member_add_twice_listed_once() -> None:
    base = [
        ok("create", 0, 10, on=G, value=group("eng", [])),
        info("patch", 20, 30, status=504, on=G, value=[add("u1")]),
        ok("patch", 40, 50, on=G, value=[add("u1")]),
    ]
    assert check(trial(*base, ok("get", 60, 70, on=G, observed=group("eng", ["u1"])))) == []
    twice = check(trial(*base, ok("get", 60, 70, on=G, observed=group("eng", ["u1", "u1"]))))
    assert kinds(twice) == ["duplicate-member"]
    gone = check(trial(*base, ok("get", 60, 70, on=G, observed=group("eng", []))))
    assert kinds(gone) == ["replay-final-state"]


def test_multi_valued_add_twice_holds_one_copy() -> None:
    email = [{"op": "add", "path": "emails", "value": [{"value": "b@x", "type": "home"}]}]
    base = [
        ok("create", 0, 10, on=U, value=ADA),
        ok("patch", 20, 30, on=U, value=email),
        ok("patch", 40, 50, on=U, value=email),
    ]
    once = shown(emails=[{"value": "b@x", "type": "home"}])
    assert check(trial(*base, ok("get", 60, 70, on=U, observed=once))) == []
    twice = shown(emails=[{"value": "b@x", "type": "home"}, {"value": "b@x", "type": "home"}])
    assert kinds(check(trial(*base, ok("get", 60, 70, on=U, observed=twice)))) == [
        "duplicate-value"
    ]


def test_put_twice_converges() -> None:
    body = user("ada", title="Admiral")
    base = [
        ok("create", 0, 10, on=U, value=user("ada", title="Engineer")),
        info("replace", 20, 30, status=500, on=U, value=body),
        ok("replace", 40, 50, on=U, value=body),
    ]
    assert check(trial(*base, ok("get", 60, 70, on=U, observed={**body, "id": "u1"}))) == []
    stale = {**body, "title": "Engineer", "id": "u1"}
    assert kinds(check(trial(*base, ok("get", 60, 70, on=U, observed=stale)))) == [
        "replay-final-state"
    ]


def test_delete_twice_second_is_404() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=ADA),
        ok("delete", 20, 30, on=U),
        fail("delete", 40, 50, 404, on=U, observed=error(404)),
        fail("get", 60, 70, 404, on=U),
    )
    assert check(t) == []
    for second in (
        ok("delete", 40, 50, on=U),
        fail("delete", 40, 50, 400, on=U),
        info("delete", 40, 50, status=500, on=U),
    ):
        t = trial(
            ok("create", 0, 10, on=U, value=ADA),
            ok("delete", 20, 30, on=U),
            second,
            fail("get", 60, 70, 404, on=U),
        )
        [v] = check(t)
        assert v.kind == "replay-status" and "404" in v.expected


def test_delete_retried_after_timeout_may_get_204_or_404() -> None:
    for second in (ok("delete", 40, 50, on=U), fail("delete", 40, 50, 404, on=U)):
        t = trial(
            ok("create", 0, 10, on=U, value=ADA),
            info("delete", 20, 30, on=U, error="timeout"),
            second,
            fail("get", 60, 70, 404, on=U),
        )
        assert check(t) == []


def test_resource_still_there_after_delete_replays() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=ADA),
        ok("delete", 20, 30, on=U),
        fail("delete", 40, 50, 404, on=U),
        ok("get", 60, 70, on=U, observed=shown()),
    )
    [v] = check(t)
    assert v.kind == "replay-final-state" and "exists" in v.expected


def test_post_retried_after_success_gets_409_and_one_is_found() -> None:
    lookup = ok(
        "search", 60, 70, on="User", value=search('userName eq "ada"'), observed=listing(shown())
    )
    t = trial(
        ok("create", 0, 10, on="User", resource_id="u1", value=ADA),
        fail("create", 20, 30, 409, on="User", value=ADA, observed=error(409, "uniqueness")),
        lookup,
    )
    assert check(t) == []
    t = trial(
        ok("create", 0, 10, on="User", resource_id="u1", value=ADA),
        ok("create", 20, 30, on="User", resource_id="u2", value=ADA),
        ok(
            "search",
            60,
            70,
            on="User",
            value=search('userName eq "ada"'),
            observed=listing(shown(), {**ADA, "id": "u2"}),
        ),
    )
    assert kinds(check(t)) == ["duplicate-201", "lookup-count"]


def test_post_retried_after_timeout_may_get_201_or_409() -> None:
    for second in (
        ok("create", 20, 30, on="User", resource_id="u1", value=ADA),
        fail("create", 20, 30, 409, on="User", value=ADA, observed=error(409, "uniqueness")),
    ):
        t = trial(
            info("create", 0, 10, on="User", value=ADA, error="timeout"),
            second,
            ok(
                "search",
                60,
                70,
                on="User",
                value=search('userName eq "ada"'),
                observed=listing(shown()),
            ),
        )
        assert check(t) == []

"""zombie on hand-written histories: deactivated stays inactive, deleted stays gone."""

from __future__ import annotations

from histories import fail, info, kinds, listing, ok, replace, search, trial, user

from loadscim.checks.zombie import check

U = "User/u1"
OKTA_OFF = [{"op": "replace", "value": {"active": False}}]
ENTRA_OFF = [{"op": "Replace", "path": "active", "value": "False"}]
ON = [replace("active", True)]
BY_NAME = search('userName eq "ada"')


def created(start=0, end=10):
    return ok("create", start, end, on=U, value=user("ada", active=True))


def read(start, end, active):
    return ok("get", start, end, on=U, observed={**user("ada", active=active), "id": "u1"})


def test_deactivated_stays_inactive() -> None:
    for off in (OKTA_OFF, ENTRA_OFF):
        t = trial(created(), ok("patch", 20, 30, on=U, value=off), read(40, 50, False))
        assert check(t) == []
        t = trial(created(), ok("patch", 20, 30, on=U, value=off), read(40, 50, True))
        [v] = check(t)
        assert (v.kind, v.resource, v.checker) == ("zombie-active", U, "zombie")


def test_read_overlapping_the_deactivation_may_still_see_active() -> None:
    t = trial(created(), ok("patch", 20, 60, on=U, value=OKTA_OFF), read(40, 50, True))
    assert check(t) == []


def test_reactivation_that_may_come_between_excuses_the_read() -> None:
    ok_later = trial(
        created(),
        ok("patch", 20, 30, on=U, value=OKTA_OFF),
        ok("patch", 40, 50, on=U, value=ON),
        read(60, 70, True),
    )
    assert check(ok_later) == []
    info_later = trial(
        created(),
        ok("patch", 20, 30, on=U, value=OKTA_OFF),
        info("patch", 40, 50, status=500, on=U, value=ON),
        read(60, 70, True),
    )
    assert check(info_later) == []
    concurrent = trial(
        created(),
        ok("patch", 20, 30, on=U, value=OKTA_OFF),
        info("patch", 25, on=U, value=ON),
        read(60, 70, True),
    )
    assert check(concurrent) == []
    put_without_active = trial(
        created(),
        ok("patch", 20, 30, on=U, value=OKTA_OFF),
        ok("replace", 40, 50, on=U, value=user("ada")),
        read(60, 70, True),
    )
    assert check(put_without_active) == []


def test_reactivation_before_the_deactivation_does_not_excuse() -> None:
    t = trial(
        created(),
        info("patch", 10, 15, status=500, on=U, value=ON),
        ok("patch", 20, 30, on=U, value=OKTA_OFF),
        read(60, 70, True),
    )
    assert kinds(check(t)) == ["zombie-active"]


def test_failed_deactivation_or_reactivation_changes_nothing() -> None:
    failed_off = trial(
        created(), fail("patch", 20, 30, 412, on=U, value=OKTA_OFF), read(60, 70, True)
    )
    assert check(failed_off) == []
    failed_on = trial(
        created(),
        ok("patch", 20, 30, on=U, value=OKTA_OFF),
        fail("patch", 40, 50, 412, on=U, value=ON),
        read(60, 70, True),
    )
    assert kinds(check(failed_on)) == ["zombie-active"]


def test_search_after_deactivation_must_show_inactive() -> None:
    found = listing({**user("ada", active=True), "id": "u1"})
    t = trial(
        created(),
        ok("patch", 20, 30, on=U, value=ENTRA_OFF),
        ok("search", 40, 50, on="User", value=BY_NAME, observed=found),
    )
    [v] = check(t)
    assert v.kind == "zombie-active" and "search" in v.observed
    still_listed = listing({**user("ada", active=False), "id": "u1"})
    t = trial(
        created(),
        ok("patch", 20, 30, on=U, value=ENTRA_OFF),
        ok("search", 40, 50, on="User", value=BY_NAME, observed=still_listed),
    )
    assert check(t) == []  # Entra: deactivated users are still returned by filters


def test_deactivation_by_put() -> None:
    t = trial(
        created(), ok("replace", 20, 30, on=U, value=user("ada", active=False)), read(40, 50, True)
    )
    assert kinds(check(t)) == ["zombie-active"]


def test_delete_then_404_and_absent_is_clean() -> None:
    t = trial(
        created(),
        ok("delete", 20, 30, on=U),
        fail("get", 40, 50, 404, on=U),
        fail("patch", 40, 50, 404, on=U, value=ON),
        ok("search", 60, 70, on="User", value=BY_NAME, observed=listing()),
    )
    assert check(t) == []


def test_get_after_delete_finds_it() -> None:
    t = trial(created(), ok("delete", 20, 30, on=U), read(40, 50, False))
    [v] = check(t)
    assert v.kind == "zombie-present" and "get answered 200" in v.observed


def test_write_after_delete_succeeds() -> None:
    t = trial(created(), ok("delete", 20, 30, on=U), ok("patch", 40, 50, on=U, value=ON))
    assert kinds(check(t)) == ["zombie-present"]


def test_search_after_delete_lists_it() -> None:
    t = trial(
        created(),
        ok("delete", 20, 30, on=U),
        ok(
            "search",
            40,
            50,
            on="User",
            value=BY_NAME,
            observed=listing({**user("ada"), "id": "u1"}),
        ),
    )
    assert kinds(check(t)) == ["zombie-listed"]


def test_reads_in_flight_with_the_delete_or_after_an_info_delete_are_not_judged() -> None:
    t = trial(created(), ok("delete", 20, 60, on=U), read(30, 50, True))
    assert check(t) == []
    t = trial(created(), info("delete", 20, 30, status=500, on=U), read(40, 50, True))
    assert check(t) == []


def test_one_violation_of_a_kind_per_resource() -> None:
    t = trial(created(), ok("delete", 20, 30, on=U), read(40, 50, True), read(60, 70, True))
    assert kinds(check(t)) == ["zombie-present"]


RENAME = [replace("name.givenName", "Renamed")]


U2 = "User/u2"


def held_elsewhere():
    """Another account of the trial, deactivated with nothing racing it, read inactive."""
    return (
        ok("create", 0, 10, on=U2, value=user("bob", active=True)),
        ok("patch", 20, 30, on=U2, value=ENTRA_OFF),
        ok("get", 50, 60, on=U2, observed={**user("bob", active=False), "id": "u2"}),
    )


def test_a_profile_patch_racing_the_deactivation_that_restores_active_is_lost_deactivation():
    """RFC 7644 3.5.2: a PATCH of name.givenName must not write active back."""
    raced = (
        created(),
        ok("patch", 20, 40, on=U, value=RENAME),
        ok("patch", 22, 30, on=U, value=ENTRA_OFF),
        read(50, 60, True),
    )
    [v] = check(trial(*raced, *held_elsewhere()))
    assert v.kind == "lost-deactivation" and "profile write racing it" in v.observed
    assert v.resource == U and len(v.ops) == 3
    # no deactivation held without a race in the trial: nothing says the race undid it
    assert kinds(check(trial(*raced))) == ["zombie-active"]


def test_deactivations_ignored_raced_or_not_are_zombie_active():
    ignored = (
        ok("create", 0, 10, on="User/u3", value=user("cy", active=True)),
        ok("patch", 20, 30, on="User/u3", value=ENTRA_OFF),
        ok("get", 50, 60, on="User/u3", observed={**user("cy", active=True), "id": "u3"}),
    )
    raced = (
        created(),
        ok("patch", 20, 40, on=U, value=RENAME),
        ok("patch", 22, 30, on=U, value=ENTRA_OFF),
        read(50, 60, True),
    )
    assert kinds(check(trial(*raced, *ignored, *held_elsewhere()))) == ["zombie-active"] * 2


def test_a_profile_patch_before_or_after_the_deactivation_is_no_excuse_and_no_race():
    before = trial(
        created(),
        ok("patch", 12, 18, on=U, value=RENAME),
        ok("patch", 20, 30, on=U, value=ENTRA_OFF),
        read(50, 60, True),
    )
    assert kinds(check(before)) == ["zombie-active"]
    clean = trial(
        created(),
        ok("patch", 20, 40, on=U, value=RENAME),
        ok("patch", 22, 30, on=U, value=ENTRA_OFF),
        read(50, 60, False),
    )
    assert check(clean) == []

"""read_your_writes on the lifecycle trial: create, verify, update, verify, ... deprovision."""

from __future__ import annotations

from histories import add, fail, group, info, kinds, ok, remove, replace, trial, user

from loadscim.checks.read_your_writes import check

U = "User/u1"
BODY = user(
    "ada",
    name={"givenName": "Ada", "familyName": "L"},
    title="Engineer",
    active=True,
    emails=[{"value": "ada@x", "type": "work", "primary": True}],
    password="pw",
)
UPDATED = {
    **BODY,
    "id": "u1",
    "name": {"givenName": "Grace", "familyName": "L"},
    "title": "Admiral",
}
OFF = [replace("active", False)]
ON = [replace("active", True)]


def shown(**changes):
    """The user as a server returns it (no password, meta added)."""
    body = {k: v for k, v in {**BODY, **changes}.items() if k != "password"}
    return {**body, "id": "u1", "meta": {"resourceType": "User", "version": 'W/"1"'}}


def lifecycle(
    *,
    after_create=None,
    after_put=None,
    after_off=None,
    after_on=None,
    deprovision=None,
    last=None,
    put=None,
):
    """The lifecycle user's trial, with each verify read overridable."""
    return trial(
        ok("create", 0, 10, on=U, value=BODY),
        ok("get", 20, 30, on=U, observed=after_create or shown()),
        put or ok("replace", 40, 50, on=U, value=UPDATED),
        ok("get", 60, 70, on=U, observed=after_put or shown(name=UPDATED["name"], title="Admiral")),
        ok("patch", 80, 90, on=U, value=OFF),
        ok(
            "get",
            100,
            110,
            on=U,
            observed=after_off or shown(name=UPDATED["name"], title="Admiral", active=False),
        ),
        ok("patch", 120, 130, on=U, value=ON),
        ok(
            "get",
            140,
            150,
            on=U,
            observed=after_on or shown(name=UPDATED["name"], title="Admiral", active=True),
        ),
        deprovision or ok("delete", 160, 170, on=U),
        last or fail("get", 180, 190, 404, on=U),
        kind="lifecycle",
        checks=("read_your_writes",),
    )


def test_clean_lifecycle() -> None:
    assert check(lifecycle()) == []


def test_deactivate_deprovision_variant() -> None:
    t = lifecycle(
        deprovision=ok(
            "patch", 160, 170, on=U, value=[{"op": "replace", "value": {"active": False}}]
        ),
        last=ok(
            "get",
            180,
            190,
            on=U,
            observed=shown(name=UPDATED["name"], title="Admiral", active=False),
        ),
    )
    assert check(t) == []


def test_stale_read_after_put() -> None:
    both = check(lifecycle(after_put=shown()))  # still "Engineer", still "Ada"
    assert kinds(both) == ["stale-read", "stale-read"] and both[0].resource == U
    violations = check(lifecycle(after_put=shown(title="Admiral")))
    assert [v.kind for v in violations] == ["stale-read"]
    assert "name.givenName" in violations[0].expected and '"Ada"' in violations[0].observed


def test_stale_active_after_deactivation() -> None:
    [v] = check(lifecycle(after_off=shown(name=UPDATED["name"], title="Admiral", active=True)))
    assert v.kind == "stale-read" and "active" in v.expected


def test_found_after_delete() -> None:
    t = lifecycle(last=ok("get", 180, 190, on=U, observed=shown(name=UPDATED["name"])))
    [v] = check(t)
    assert v.kind == "found-after-delete" and "404" in v.expected


def test_not_found_after_create() -> None:
    t = trial(ok("create", 0, 10, on=U, value=BODY), fail("get", 20, 30, 404, on=U))
    assert kinds(check(t)) == ["not-found-after-write"]


def test_read_in_flight_with_the_write_may_show_either() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=BODY),
        ok("patch", 20, 60, on=U, value=OFF),
        ok("get", 30, 50, on=U, observed=shown(active=True)),
        ok("get", 31, 51, on=U, observed=shown(active=False)),
    )
    assert check(t) == []


def test_info_write_either_state() -> None:
    for active in (True, False):
        t = trial(
            ok("create", 0, 10, on=U, value=BODY),
            info("patch", 20, 30, status=500, on=U, value=OFF),
            ok("get", 40, 50, on=U, observed=shown(active=active)),
        )
        assert check(t) == [], active
    for found in (True, False):
        t = trial(
            ok("create", 0, 10, on=U, value=BODY),
            info("delete", 20, 30, on=U, error="timeout"),
            ok("get", 40, 50, on=U, observed=shown()) if found else fail("get", 40, 50, 404, on=U),
        )
        assert check(t) == [], found


def test_412_without_if_match_is_a_no_op() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=BODY),
        fail("patch", 20, 30, 412, on=U, value=OFF),
        ok("get", 40, 50, on=U, observed=shown(active=True)),
    )
    assert check(t) == []
    t = trial(
        ok("create", 0, 10, on=U, value=BODY),
        fail("patch", 20, 30, 412, on=U, value=OFF),
        ok("get", 40, 50, on=U, observed=shown(active=False)),
    )
    assert kinds(check(t)) == ["stale-read"]


def test_server_additions_are_not_staleness() -> None:
    extra = shown()
    extra["emails"] = [{"value": "ada@x", "type": "work", "primary": True, "display": "Ada"}]
    extra["name"] = {**extra["name"], "formatted": "Ada L"}
    t = trial(ok("create", 0, 10, on=U, value=BODY), ok("get", 20, 30, on=U, observed=extra))
    assert check(t) == []


def test_group_membership_reads() -> None:
    g = "Group/g1"
    t = trial(
        ok("create", 0, 10, on=g, value=group("eng", [])),
        ok("patch", 20, 30, on=g, value=[add("u1", "u2")]),
        ok("get", 40, 50, on=g, observed=group("eng", ["u1", "u2"])),
        ok("patch", 60, 70, on=g, value=[remove("u1")]),
        ok("get", 80, 90, on=g, observed=group("eng", ["u1", "u2"])),
    )
    [v] = check(t)
    assert v.kind == "stale-read" and "u1" in v.observed


def test_meta_attributes_limits_what_is_judged() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=BODY),
        ok("get", 20, 30, on=U, observed={**shown(), "title": "normalised"}),
        attributes=["active", "name.givenName"],
    )
    assert check(t) == []


def test_a_lookup_in_upper_case_missing_the_account_is_a_case_sensitive_filter() -> None:
    """RFC 7644 3.4.2.2: string comparisons follow caseExact, false for userName."""
    from histories import listing, search

    def lookup(name, start, *found):
        observed = listing(*found)
        return ok("search", start, start + 5, on="User", value=search(f'userName eq "{name}"'),
                  observed=observed)  # fmt: skip

    made = ok("create", 0, 10, on=U, value=BODY, observed=shown())
    t = trial(made, lookup("ada", 20, shown()), lookup("ADA", 30))
    [v] = check(t)
    assert v.kind == "case-sensitive-filter" and v.resource == U
    # found in upper case too: clean; missed in both cases: the exact one is a stale read
    assert check(trial(made, lookup("ada", 20, shown()), lookup("ADA", 30, shown()))) == []
    assert kinds(check(trial(made, lookup("ada", 20), lookup("ADA", 30)))) == ["stale-read"]

"""duplicate_create on hand-written races of creates and their lookup."""

from __future__ import annotations

from histories import error, fail, info, kinds, listing, ok, search, trial, user

from loadscim.checks.duplicate_create import check

ADA = user("ada@x")
LOOKUP = search('userName eq "ada@x"')


def created(rid, start, end, body=ADA):
    return ok(
        "create", start, end, on="User", resource_id=rid, value=body, observed={**body, "id": rid}
    )


def taken(start, end, body=ADA, status=409, observed=None):
    return fail(
        "create",
        start,
        end,
        status,
        on="User",
        value=body,
        observed=error(409, "uniqueness") if observed is None else observed,
    )


def lookup(*ids, start=1000, end=1010, value=LOOKUP):
    return ok(
        "search",
        start,
        end,
        on="User",
        value=value,
        observed=listing(*({"id": i, "userName": "ada@x"} for i in ids)),
    )


def test_one_201_and_409_uniqueness_losers_is_clean() -> None:
    t = trial(created("u1", 0, 100), taken(10, 90), taken(20, 80), lookup("u1"))
    assert check(t) == []


def test_two_201_for_one_username() -> None:
    t = trial(created("u1", 0, 100), created("u2", 10, 90), taken(20, 80), lookup("u1", "u2"))
    violations = check(t)
    assert kinds(violations) == ["duplicate-201", "lookup-count"]
    dup = next(v for v in violations if v.kind == "duplicate-201")
    assert dup.resource == "ada@x" and dup.observed == "2 creates ok" and len(dup.ops) == 2


def test_sequential_second_201_is_a_duplicate_too() -> None:
    t = trial(created("u1", 0, 10), created("u2", 20, 30), lookup("u1", "u2"))
    assert "duplicate-201" in kinds(check(t))


def test_409_needs_error_body_and_uniqueness() -> None:
    no_type = trial(created("u1", 0, 100), taken(10, 90, observed=error(409)), lookup("u1"))
    [v] = check(no_type)
    assert v.kind == "no-uniqueness-scimtype" and "scimType None" in v.observed
    not_scim = trial(
        created("u1", 0, 100), taken(10, 90, observed={"message": "dup"}), lookup("u1")
    )
    [v] = check(not_scim)
    assert v.kind == "no-uniqueness-scimtype" and "no SCIM Error body" in v.observed


def test_5xx_in_place_of_409_is_its_own_class() -> None:
    t = trial(
        created("u1", 0, 100),
        info("create", 10, 90, status=500, on="User", value=ADA),
        lookup("u1"),
    )
    [v] = check(t)
    assert v.kind == "5xx-on-conflict" and v.observed == "500"


def test_503_to_a_racing_create_sheds_load_and_is_not_judged() -> None:
    # RFC 9110 15.6.4: 503 says "a temporary overload", not how the conflict was handled.
    t = trial(
        created("u1", 0, 100),
        info("create", 10, 90, status=503, on="User", value=ADA),
        lookup("u1"),
    )
    assert check(t) == []


def test_lone_5xx_is_not_contention() -> None:
    t = trial(info("create", 10, 90, status=500, on="User", value=ADA), lookup())
    assert check(t) == []


def test_other_4xx_for_a_loser_is_a_wrong_status_but_429_is_not_judged() -> None:
    t = trial(
        created("u1", 0, 100),
        taken(10, 90, status=400, observed=error(400, "invalidValue")),
        lookup("u1"),
    )
    assert kinds(check(t)) == ["wrong-status"]
    t = trial(created("u1", 0, 100), taken(10, 90, status=429, observed=error(429)), lookup("u1"))
    assert check(t) == []


def test_info_create_may_have_made_the_one() -> None:
    for found in ((), ("u9",)):
        t = trial(info("create", 0, 100, on="User", value=ADA), taken(10, 90), lookup(*found))
        # the 409 says one exists: the info create made it, so the lookup must find it
        assert kinds(check(t)) == ([] if found else ["lookup-count"]), found
    t = trial(
        info("create", 0, 100, on="User", value=ADA),
        info("create", 5, on="User", value=ADA),
        lookup("u8", "u9"),
    )
    assert kinds(check(t)) == ["lookup-count"]  # unique: never two


def test_lookup_must_find_exactly_one() -> None:
    t = trial(created("u1", 0, 100), taken(10, 90), lookup())
    [v] = check(t)
    assert v.kind == "lookup-count" and "finds 1" in v.expected and v.observed == "it finds 0"
    t = trial(created("u1", 0, 100), taken(10, 90), lookup("u7"))
    assert kinds(check(t)) == ["lookup-missing"]


def test_lookup_in_flight_with_a_create_may_miss_it() -> None:
    t = trial(created("u1", 0, 1005), lookup())
    assert check(t) == []


def test_username_is_case_insensitive() -> None:
    t = trial(
        created("u1", 0, 100, body=user("Ada@X")),
        created("u2", 10, 90, body=user("ada@x")),
        lookup("u1", value=search('userName eq "ADA@X"')),
    )
    assert "duplicate-201" in kinds(check(t))


def test_races_for_different_values_are_separate() -> None:
    t = trial(
        created("u1", 0, 100),
        created("u2", 10, 90, body=user("bob@x")),
        lookup("u1"),
        ok(
            "search",
            1000,
            1010,
            on="User",
            value=search('userName eq "bob@x"'),
            observed=listing({"id": "u2"}),
        ),
    )
    assert check(t) == []


def test_external_id_is_not_unique_by_default() -> None:
    def ext(rid, start, end):
        return created(rid, start, end, body=user(f"{rid}@x", externalId="e1"))

    by_ext = search('externalId eq "e1"')
    t = trial(
        ext("u1", 0, 100),
        ext("u2", 10, 90),
        lookup("u1", "u2", value=by_ext),
        attribute="externalId",
    )
    assert check(t) == []
    t = trial(
        ext("u1", 0, 100), ext("u2", 10, 90), lookup("u1", value=by_ext), attribute="externalId"
    )
    assert kinds(check(t)) == ["lookup-count"]
    with_info = trial(
        ext("u1", 0, 100),
        info("create", 10, 90, status=504, on="User", value=user("u3@x", externalId="e1")),
        lookup("u1", "u3", value=by_ext),
        attribute="externalId",
    )
    assert kinds(check(with_info)) == ["5xx-on-conflict"]
    unique = trial(
        ext("u1", 0, 100),
        ext("u2", 10, 90),
        lookup("u1", "u2", value=by_ext),
        attribute="externalId",
        unique=True,
    )
    assert kinds(check(unique)) == ["duplicate-201", "lookup-count"]


def test_without_a_lookup_only_answers_are_judged() -> None:
    assert check(trial(created("u1", 0, 100), taken(10, 90))) == []


def test_a_case_variant_created_after_the_account_is_a_case_duplicate() -> None:
    """RFC 7643 4.1.1: userName is caseExact false: ADA@X after ada@x must get 409."""
    upper = user("ADA@X")
    t = trial(
        created("u1", 0, 100),
        taken(10, 90),
        lookup("u1", start=200, end=210),
        created("u2", 300, 310, body=upper),
        lookup("u1", "u2", start=400, end=410, value=search('userName eq "ADA@X"')),
    )
    [v] = check(t)
    assert v.kind == "case-duplicate" and "'ADA@X' while 'ada@x' exists" in v.expected
    assert v.observed == "1 more accounts created for it" and len(v.ops) == 2


def test_a_refused_case_variant_and_a_lookup_in_upper_case_are_clean() -> None:
    t = trial(
        created("u1", 0, 100),
        taken(10, 90),
        lookup("u1", start=200, end=210),
        taken(300, 310, body=user("ADA@X")),
        lookup("u1", start=400, end=410, value=search('userName eq "ADA@X"')),
    )
    assert check(t) == []


def test_a_lookup_in_upper_case_finding_nothing_is_a_case_sensitive_filter() -> None:
    """RFC 7644 3.4.2.2: string comparisons follow caseExact (false for userName)."""
    t = trial(
        created("u1", 0, 100),
        lookup("u1", start=200, end=210),
        taken(300, 310, body=user("ADA@X")),
        lookup(start=400, end=410, value=search('userName eq "ADA@X"')),
    )
    [v] = check(t)
    assert v.kind == "case-sensitive-filter" and v.observed == "it finds none"
    # the same lookup written as the account was created: an ordinary lookup-count
    t = trial(created("u1", 0, 100), lookup(start=200, end=210))
    assert kinds(check(t)) == ["lookup-count"]


def test_case_variants_racing_are_a_race_not_a_case_duplicate() -> None:
    t = trial(
        created("u1", 0, 100),
        created("u2", 10, 90, body=user("ADA@X")),
        lookup("u1", "u2"),
    )
    assert kinds(check(t)) == ["duplicate-201", "lookup-count"]

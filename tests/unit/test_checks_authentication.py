"""authentication on hand-written probes: no credentials, a wrong token, then a lookup."""

from __future__ import annotations

from histories import error, fail, kinds, listing, ok, search, trial, user

from loadscim.checks.authentication import check

PROBES = {"u1.no-credentials": "no credentials", "u1.wrong-token": "wrong token"}
NAME = "loadscim-r1-u1-1-noauth"


def probe(process, start, status, kind="get"):
    if kind == "create":
        if status < 300:
            return ok("create", start, start + 5, on="User", value=user(NAME), process=process)
        return fail(
            "create", start, start + 5, status, on="User", value=user(NAME), process=process
        )
    if status < 300:
        return ok("search", start, start + 5, on="User", process=process, observed=listing())
    return fail("search", start, start + 5, status, on="User", process=process,
                observed=error(status))  # fmt: skip


def lookup(*found, start=100):
    return ok(
        "search",
        start,
        start + 5,
        on="User",
        process="u1",
        value=search(f'userName eq "{NAME}"'),
        observed=listing(*({"id": i, "userName": NAME} for i in found)),
    )


def test_401_and_403_and_nothing_created_is_clean() -> None:
    """RFC 7644 3.12: "401 ... The authorization header is invalid or missing"."""
    t = trial(
        probe("u1.no-credentials", 0, 401),
        probe("u1.no-credentials", 10, 401, "create"),
        probe("u1.wrong-token", 20, 403),
        probe("u1.wrong-token", 30, 401, "create"),
        lookup(),
        probes=PROBES,
    )
    assert check(t) == []


def test_a_read_served_without_credentials() -> None:
    t = trial(
        probe("u1.no-credentials", 0, 200),
        probe("u1.wrong-token", 20, 401),
        lookup(),
        probes=PROBES,
    )
    [v] = check(t)
    assert (v.kind, v.subject) == ("unauthenticated-served", "no credentials")
    assert v.observed == "1 of 1 served: search answered 200" and v.resource == "/Users"


def test_a_refused_create_that_exists_afterwards() -> None:
    t = trial(
        probe("u1.wrong-token", 0, 401, "create"),
        lookup("x1", start=50),
        probes=PROBES,
    )
    [v] = check(t)
    assert (v.kind, v.subject) == ("unauthenticated-served", "wrong token")
    assert "the lookup with credentials finds it" in v.observed


def test_other_refusals_are_not_judged() -> None:
    t = trial(
        probe("u1.no-credentials", 0, 404),
        probe("u1.wrong-token", 10, 429, "create"),
        lookup(),
        probes=PROBES,
    )
    assert kinds(check(t)) == []

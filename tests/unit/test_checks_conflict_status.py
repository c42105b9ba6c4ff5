"""conflict_status on hand-written histories: 409 / 412 bodies, If-Match losers, 5xx."""

from __future__ import annotations

from histories import add, error, fail, info, kinds, ok, replace, trial, user

from loadscim.checks.conflict_status import check

G = "Group/g1"
U = "User/u1"
ETAG = 'W/"3"'


def test_clean_contention() -> None:
    t = trial(
        ok("create", 0, 50, on="User", resource_id="u1", value=user("ada")),
        fail(
            "create", 10, 40, 409, on="User", value=user("ADA"), observed=error(409, "uniqueness")
        ),
        ok("patch", 100, 150, on=U, if_match=ETAG, value=[replace("title", "a")]),
        fail(
            "patch",
            110,
            140,
            412,
            on=U,
            if_match=ETAG,
            value=[replace("title", "b")],
            observed=error(412),
        ),
        ok("patch", 200, 250, on=G, value=[add("u1")]),
        fail("patch", 210, 240, 412, on=G, value=[add("u2")], observed=error(412)),
    )
    assert check(t) == []


def test_409_to_a_create_needs_uniqueness() -> None:
    t = trial(fail("create", 10, 40, 409, on="User", value=user("ada"), observed=error(409)))
    [v] = check(t)
    assert (v.kind, v.resource) == ("no-uniqueness-scimtype", "ada")


def test_409_or_412_without_error_body() -> None:
    t = trial(
        fail("patch", 10, 40, 409, on=G, value=[add("u1")], observed={"error": "conflict"}),
        fail("replace", 50, 60, 412, on=U, if_match=ETAG, value=user("ada"), observed=None),
    )
    assert kinds(check(t)) == ["no-error-schema", "no-error-schema"]


def test_409_to_a_patch_needs_no_scim_type() -> None:
    t = trial(fail("patch", 10, 40, 409, on=G, value=[add("u1")], observed=error(409)))
    assert check(t) == []


def test_412_without_if_match_is_allowed() -> None:
    t = trial(
        ok("patch", 0, 30, on=G, value=[add("u1")]),
        fail("patch", 10, 40, 412, on=G, value=[add("u2")], observed=error(412)),
    )
    assert check(t) == []


def test_if_match_loser_must_get_412() -> None:
    t = trial(
        ok("replace", 0, 30, on=U, if_match=ETAG, value=user("ada", title="a")),
        fail(
            "replace",
            10,
            40,
            409,
            on=U,
            if_match=ETAG,
            value=user("ada", title="b"),
            observed=error(409, "uniqueness"),
        ),
        fail("replace", 15, 45, 429, on=U, if_match=ETAG, value=user("ada", title="c")),
    )
    [v] = check(t)
    assert (v.kind, v.resource, v.observed) == ("not-412", U, "409 uniqueness")


def test_all_losers_without_a_winner_are_not_judged() -> None:
    t = trial(
        fail(
            "patch",
            10,
            40,
            400,
            on=U,
            if_match=ETAG,
            value=[replace("title", "b")],
            observed=error(400, "invalidValue"),
        )
    )
    assert check(t) == []


def test_5xx_under_contention() -> None:
    """RFC 7644 3.12: a conflict is 409, a failed If-Match 412; racing PATCHes no 5xx."""
    t = trial(
        ok("patch", 0, 30, on=G, value=[add("u1")]),
        info("patch", 10, 40, status=500, on=G, value=[add("u2")]),
    )
    [v] = check(t)
    assert v.kind == "5xx-under-contention" and v.resource == G and len(v.ops) == 2


def test_503_to_racing_updates_is_throttling_not_judged() -> None:
    t = trial(
        ok("patch", 0, 30, on=G, value=[add("u1")]),
        info("patch", 10, 40, status=503, on=G, value=[add("u2")]),
    )
    assert check(t) == []


def test_5xx_on_racing_creates_of_one_username() -> None:
    t = trial(
        ok("create", 0, 50, on="User", resource_id="u1", value=user("ada")),
        info("create", 10, 40, status=500, on="User", value=user("Ada")),
        info("create", 20, 30, status=500, on="User", value=user("bob")),
    )
    [v] = check(t)
    assert (v.kind, v.resource) == ("5xx-on-conflict", "Ada")


def test_503_to_racing_creates_sheds_load_like_to_updates() -> None:
    # RFC 9110 15.6.4: 503 is "a temporary overload": a create racing another is not
    # mishandling the conflict when the server sheds it (it counted as 5xx-on-conflict).
    t = trial(
        ok("create", 0, 50, on="User", resource_id="u1", value=user("ada")),
        info("create", 10, 40, status=503, on="User", value=user("Ada")),
        info("create", 12, 45, status=503, on="User", value=user("ada")),
    )
    assert check(t) == []


def test_5xx_without_contention_or_timeouts_are_not_judged() -> None:
    t = trial(
        ok("patch", 0, 30, on=G, value=[add("u1")]),
        info("patch", 40, 50, status=500, on=G, value=[add("u2")]),  # alone by then
        info("patch", 0, 60, on="Group/g2", status=502, value=[add("u3")]),  # other group
        info("patch", 10, 20, on=G, value=[add("u4")], error="timeout"),  # no answer
        fail("patch", 5, 25, 501, on=G, value=[add("u5")]),  # not implemented: definite
    )
    assert check(t) == []


def test_a_read_without_etag_when_etags_are_advertised() -> None:
    """RFC 7644 3.14: "When supported, SCIM ETags MUST be specified as an HTTP header"."""
    read = ok("get", 0, 10, on=U, observed=user("ada"))
    [v] = check(trial(read, etag_advertised=True))
    assert (v.kind, v.resource) == ("etag-missing", "User/u1")
    assert "RFC 7644 3.14" in v.expected


def test_a_read_with_etag_or_without_etag_support_is_fine() -> None:
    assert (
        check(trial(ok("get", 0, 10, on=U, observed=user("ada"), etag=ETAG), etag_advertised=True))
        == []
    )
    assert check(trial(ok("get", 0, 10, on=U, observed=user("ada")))) == []

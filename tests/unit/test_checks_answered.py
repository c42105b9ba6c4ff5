"""answered: a write proven applied must not have gone unanswered."""

from __future__ import annotations

from histories import fail, info, ok, trial, user

from loadscim.checks.answered import check

RESET = "ConnectionResetError: [Errno 104] Connection reset by peer"
CONFLICT = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409",
            "scimType": "uniqueness"}


def kinds(t):
    return [v.kind for v in check(t)]


def test_dropped_create_proven_by_a_409_retry():
    t = trial(
        info("create", 0, 10, on="User", value=user("ada"), error=RESET),
        fail("create", 20, 30, 409, on="User", value=user("ada"), observed=CONFLICT),
    )
    assert kinds(t) == ["applied-without-answer"]


def test_dropped_create_then_201_means_it_was_not_applied():
    t = trial(
        info("create", 0, 10, on="User", value=user("ada"), error=RESET),
        ok("create", 20, 30, on="User/u1", value=user("ada")),
    )
    assert kinds(t) == []


def test_a_timeout_on_our_side_or_an_open_call_is_not_judged():
    t = trial(
        info("create", 0, 10, on="User", value=user("ada"), error="Timeout: timed out"),
        fail("create", 20, 30, 409, on="User", value=user("ada"), observed=CONFLICT),
    )
    assert kinds(t) == []
    t = trial(
        info("create", 0, None, on="User", value=user("ada")),
        fail("create", 20, 30, 409, on="User", value=user("ada"), observed=CONFLICT),
    )
    assert kinds(t) == []


def test_another_create_may_explain_the_409():
    t = trial(
        info("create", 0, 10, on="User", value=user("ada"), error=RESET),
        info("create", 5, 25, on="User", value=user("ADA"), status=503),
        fail("create", 20, 30, 409, on="User", value=user("ada"), observed=CONFLICT),
    )
    assert kinds(t) == []


def test_overlapping_retry_is_not_proof():
    t = trial(
        info("create", 0, 10, on="User", value=user("ada"), error=RESET),
        fail("create", 5, 30, 409, on="User", value=user("ada"), observed=CONFLICT),
    )
    assert kinds(t) == []


def test_dropped_delete_proven_by_a_404_retry():
    t = trial(
        ok("create", 0, 5, on="User/u1", value=user("ada")),
        info("delete", 10, 20, on="User/u1", error=RESET),
        fail("delete", 30, 40, 404, on="User/u1"),
    )
    assert kinds(t) == ["applied-without-answer"]


def test_delete_of_a_resource_never_seen_is_not_judged():
    t = trial(
        info("delete", 10, 20, on="User/u1", error=RESET),
        fail("delete", 30, 40, 404, on="User/u1"),
    )
    assert kinds(t) == []


def test_clean_retries_hold():
    t = trial(
        ok("create", 0, 5, on="User/u1", value=user("ada")),
        fail("create", 10, 15, 409, on="User", value=user("ada"), observed=CONFLICT),
        ok("delete", 20, 25, on="User/u1"),
        fail("delete", 30, 35, 404, on="User/u1"),
    )
    assert kinds(t) == []

"""not-stored and create-dropped (loadscim.checks.stored), through the checkers that use them.

RFC 7644 3.3: "the response body SHOULD contain the service provider's representation of the
newly created resource": a server's answers say what it stored, and a trial's starting state
is what the server answered, not what it was sent.
"""

from __future__ import annotations

from histories import add, group, kinds, ok, remove, replace, trial, user

from loadscim.checks import lost_update, read_your_writes

U = "User/u1"
G = "Group/g1"


def shown(body, **changes):
    """``body`` as a server answers it (id and meta added), with ``changes``; a change to
    None leaves the attribute out."""
    merged = {**body, **changes, "id": body.get("id", "u1"), "meta": {"version": 'W/"1"'}}
    return {k: v for k, v in merged.items() if v is not None}


BODY = user("ada", title="Engineer", active=True)
PUT = {**BODY, "title": "Admiral"}


def test_attribute_never_shown_is_not_stored_once_not_stale_reads() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=BODY, observed=shown(BODY, title=None)),
        ok("get", 20, 30, on=U, observed=shown(BODY, title=None)),
        ok("replace", 40, 50, on=U, value=PUT, observed=shown(PUT, title=None)),
        ok("get", 60, 70, on=U, observed=shown(PUT, title=None)),
        ok("patch", 80, 90, on=U, value=[replace("active", False)]),
        ok("get", 100, 110, on=U, observed=shown(BODY, title=None, active=False)),
    )
    violations = read_your_writes.check(t)
    assert kinds(violations) == ["not-stored"]
    (finding,) = violations
    assert finding.subject == "title" and "absent from all 5 answers" in finding.observed


def test_an_older_value_is_still_a_stale_read() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=BODY, observed=shown(BODY)),
        ok("replace", 40, 50, on=U, value=PUT, observed=shown(PUT)),
        ok("get", 60, 70, on=U, observed=shown(BODY)),  # Engineer, after Admiral was ok
    )
    violations = read_your_writes.check(t)
    assert kinds(violations) == ["stale-read"] and violations[0].subject == "title"


def test_a_dropped_sub_attribute_is_not_stored_and_the_rest_not_judged() -> None:
    sent = user("ada", emails=[{"value": "a@example.com", "type": "work", "primary": True}])
    kept = [{"value": "a@example.com", "primary": True}]
    t = trial(
        ok("create", 0, 10, on=U, value=sent, observed=shown(sent, emails=kept)),
        ok("get", 20, 30, on=U, observed=shown(sent, emails=kept)),
    )
    violations = read_your_writes.check(t)
    assert kinds(violations) == ["not-stored"] and violations[0].subject == "emails.type"


def test_unjudged_attributes_are_left_alone() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=BODY, observed=shown(BODY, title=None)),
        ok("get", 20, 30, on=U, observed=shown(BODY, title=None)),
        unjudged=["title"],
    )
    assert read_your_writes.check(t) == []


def test_a_trial_naming_its_attributes_is_settled_on_those_alone() -> None:
    # title is never shown: not-stored when the trial judges title (or all it wrote), and
    # nothing when it names only active (a scenario leaves out what it does not judge).
    sent = user("ada", title="Engineer", active=True, name={"givenName": "Ada"})
    calls = (
        ok("create", 0, 10, on=U, value=sent, observed=shown(sent, title=None)),
        ok("get", 20, 30, on=U, observed=shown(sent, title=None)),
    )
    assert kinds(read_your_writes.check(trial(*calls))) == ["not-stored"]
    assert kinds(read_your_writes.check(trial(*calls, attributes=["title"]))) == ["not-stored"]
    assert read_your_writes.check(trial(*calls, attributes=["active"])) == []
    # a named sub-attribute settles its attribute, and a named attribute its sub-attributes
    dropped = shown(sent, name=None)
    calls = (
        ok("create", 0, 10, on=U, value=sent, observed=dropped),
        ok("get", 20, 30, on=U, observed=dropped),
    )
    for named in (["name.givenName"], ["name"]):
        violations = read_your_writes.check(trial(*calls, attributes=named))
        assert kinds(violations) == ["not-stored"], named
        assert violations[0].subject == "name.givenName"


def test_a_race_on_an_attribute_never_stored_is_one_not_stored() -> None:
    t = trial(
        ok("patch", 0, 20, on=U, value=[replace("title", "a")]),
        ok("patch", 5, 25, on=U, value=[replace("title", "b")]),
        ok("get", 30, 40, on=U, observed=shown(BODY, title=None)),
        attributes=["title"],
    )
    assert kinds(lost_update.check(t)) == ["not-stored"]


def test_create_that_drops_members_is_named_and_the_race_judged_from_its_answer() -> None:
    # The group is created with a and b; the server answers (and reads) it empty. Then c is
    # added and a removed, racing; the final read shows c only.
    t = trial(
        ok(
            "create", 0, 10, on=G, value=group("g", ["a", "b"]), observed=shown(group("g"), id="g1")
        ),
        ok("get", 12, 18, on=G, observed=shown(group("g"), id="g1")),
        ok("patch", 20, 40, on=G, value=[add("c")]),
        ok("patch", 22, 42, on=G, value=[remove("a")]),
        ok("get", 50, 60, on=G, observed=shown(group("g", ["c"]), id="g1")),
    )
    violations = lost_update.check(t)
    assert kinds(violations) == ["create-dropped"], violations
    (finding,) = violations
    assert "2 of 2 members missing" in finding.observed
    assert finding.subject == "create Group: members"


def test_members_dropped_later_are_still_lost() -> None:
    # The create kept a and b (its answer says so), and the race then loses b.
    t = trial(
        ok(
            "create",
            0,
            10,
            on=G,
            value=group("g", ["a", "b"]),
            observed=shown(group("g", ["a", "b"]), id="g1"),
        ),
        ok("patch", 20, 40, on=G, value=[add("c")]),
        ok("get", 50, 60, on=G, observed=shown(group("g", ["a", "c"]), id="g1")),
    )
    assert kinds(lost_update.check(t)) == ["lost-member"]


def test_create_dropped_attribute_shown_later_is_create_dropped_not_stale() -> None:
    # The create's answer and the first read lack title; a PUT then stores it.
    t = trial(
        ok("create", 0, 10, on=U, value=BODY, observed=shown(BODY, title=None)),
        ok("get", 20, 30, on=U, observed=shown(BODY, title=None)),
        ok("replace", 40, 50, on=U, value=PUT, observed=shown(PUT)),
        ok("get", 60, 70, on=U, observed=shown(PUT)),
    )
    violations = read_your_writes.check(t)
    assert kinds(violations) == ["create-dropped"] and violations[0].subject == "create User: title"


def test_a_minimal_create_answer_is_not_a_drop_when_the_read_shows_it() -> None:
    t = trial(
        ok("create", 0, 10, on=U, value=BODY, observed={"id": "u1", "userName": "ada"}),
        ok("get", 20, 30, on=U, observed=shown(BODY)),
    )
    assert read_your_writes.check(t) == []


def test_an_attribute_removed_before_any_read_is_not_not_stored() -> None:
    # Written, then removed by a later ok write; no read came between: nothing to blame.
    t = trial(
        ok("patch", 0, 10, on=U, value=[replace("title", "a")]),
        ok("patch", 20, 30, on=U, value=[{"op": "remove", "path": "title"}]),
        ok("get", 40, 50, on=U, observed=shown(BODY, title=None)),
    )
    assert read_your_writes.check(t) == []

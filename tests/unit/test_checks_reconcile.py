"""reconcile: the run's model against the server at the end of a run."""

from __future__ import annotations

from histories import fail, kinds, listing, ok, search, trial, user

from loadscim.checks.reconcile import check, unread, unread_lines


def entry(rid="u1", name="ada", **fields):
    """One meta["expected"] entry, shaped like loadscim.harness.finish.reconcile's."""
    base = {
        "resource_type": "User",
        "id": rid,
        "userName": name,
        "attributes": {"title": "Admiral", "name.givenName": "Grace"},
        "active": True,
        "deactivated": False,
        "deleted": False,
        "uncertain": False,
    }
    return {**base, **fields}


def server(rid="u1", name="ada", **attributes):
    body = user(name, title="Admiral", name={"givenName": "Grace", "familyName": "L"}, active=True)
    return {**body, **attributes, "id": rid}


def reconcile(*entries, get=None, found=None):
    """A reconcile trial: for each entry a GET by id and a userName filter."""
    ops = []
    for e in entries:
        rid, name = e["id"], e["userName"]
        body = server(rid, name) if get is None else get
        ops.append(
            ok("get", 0, 10, on=f"User/{rid}", observed=body)
            if body != 404
            else fail("get", 0, 10, 404, on=f"User/{rid}")
        )
        resources = [server(rid, name)] if found is None else found
        ops.append(
            ok(
                "search",
                0,
                10,
                on="User",
                value=search(f'userName eq "{name}"'),
                observed=listing(*resources),
            )
        )
    return trial(*ops, kind="reconcile", checks=("reconcile",), expected=list(entries))


def test_model_matches_server() -> None:
    assert check(reconcile(entry(), entry("u2", "bob"))) == []


def test_missing() -> None:
    [v] = check(reconcile(entry(), get=404, found=[]))
    assert (v.kind, v.resource) == ("missing", "User/u1 (ada)")
    [v] = check(reconcile(entry(), found=[]))
    assert v.kind == "missing" and "filter finds nothing" in v.observed


def test_duplicate() -> None:
    [v] = check(reconcile(entry(), found=[server(), server("u9")]))
    assert v.kind == "duplicate" and v.observed == "it finds 2"


def test_stale() -> None:
    [v] = check(reconcile(entry(), get=server(title="Engineer")))
    assert v.kind == "stale" and "title" in v.observed
    [v] = check(reconcile(entry(active=False), get=server(active=True)))
    assert v.kind == "stale" and "active" in v.observed


def test_uncertain_resources_are_not_stale_or_missing() -> None:
    assert check(reconcile(entry(uncertain=True), get=server(title="Engineer"))) == []
    assert check(reconcile(entry(uncertain=True), get=404, found=[])) == []
    assert check(reconcile(entry(uncertain=True, deactivated=True, active=False))) == []


def test_zombie_active() -> None:
    [v] = check(reconcile(entry(active=False, deactivated=True), get=server(active=True)))
    assert v.kind == "zombie-active"
    clean = reconcile(
        entry(active=False, deactivated=True),
        get=server(active=False),
        found=[server(active=False)],
    )
    assert check(clean) == []


def test_zombie_present_after_delete() -> None:
    [v] = check(reconcile(entry(deleted=True)))
    assert v.kind == "zombie-present" and "GET" in v.observed
    [v] = check(reconcile(entry(deleted=True), get=404))
    assert v.kind == "zombie-present" and "filter" in v.observed
    assert check(reconcile(entry(deleted=True), get=404, found=[])) == []
    [v] = check(reconcile(entry(deleted=True, uncertain=True)))
    assert v.kind == "zombie-present"  # nothing brings a deleted id back


def test_entries_without_ops_are_not_judged() -> None:
    t = trial(kind="reconcile", expected=[entry()])
    assert check(t) == []


def test_username_filter_matches_case_insensitively() -> None:
    t = reconcile(entry(name="Ada"))
    t.ops[-1].value = search('userName eq "ADA"')
    t.ops[-2].value = search('userName eq "ADA"')
    assert check(t) == []
    assert kinds(check(reconcile(entry(), entry("u2", "bob"), get=404))) == ["missing", "missing"]


def test_reads_answered_429_are_unread_not_judged() -> None:
    # A well-behaved throttling server: its 429 to a read back is lost evidence, no finding.
    name = "bob"
    throttled = trial(
        reconcile(entry()).ops,
        fail("get", 0, 10, 429, on="User/u2"),
        fail("search", 0, 10, 429, on="User", value=search(f'userName eq "{name}"')),
        ok("get", 0, 10, on="User/u3", observed=server("u3", "cy")),
        fail("search", 0, 10, 429, on="User", value=search('userName eq "cy"')),
        kind="reconcile",
        checks=("reconcile",),
        expected=[entry(), entry("u2", name), entry("u3", "cy")],
    )
    assert check(throttled) == []
    assert unread(throttled) == {("User", "u2"), ("User", "u3")}  # u3's filter went unanswered
    assert unread(reconcile(entry(), entry("u2", "bob"))) == set()


def test_unread_share_makes_a_note_then_unknown() -> None:
    assert unread_lines(12, 0, 30) == (None, None)
    note, why = unread_lines(12, 2, 30)
    assert note is not None and "2 of 12 resources not judged" in note and why is None
    note, why = unread_lines(12, 6, 30)
    assert why is None  # half judged: still evidence, with the note
    note, why = unread_lines(12, 7, 30)
    assert note is not None and why is not None and "7 of 12" in why
    assert "--throttle-retries" in why  # what to change
    assert unread_lines(1, 1, 30)[1] is not None  # the only resource, never read: UNKNOWN

"""The consistency window on hand-written histories: a stale read inside it is no violation,
a write unseen after it is ``not-visible``, a read going back is ``flapping`` (per view), and
the zombie checker waits the window too. Times in microseconds; the window is 100 ms."""

from __future__ import annotations

from histories import fail, kinds, listing, ok, replace, search, trial, user

from loadscim.checks import read_your_writes, zombie
from loadscim.checks.register import Write, goes_back
from loadscim.ops import Op

U = "User/u1"
BODY = user("ada", title="Engineer", active=True)
BY_NAME = search('userName eq "ada"')
WINDOW = {"consistency_window_s": 0.1}
LATE = 200_000  # after the window


def shown(**changes: object) -> dict[str, object]:
    return {**BODY, "id": "u1", **changes}


def listed(start: int, *resources: dict[str, object]) -> list[Op]:
    return ok("search", start, start + 10, on="User", value=BY_NAME, observed=listing(*resources))


def created(*reads: list[Op], **meta: object) -> list[str]:
    history = trial(ok("create", 0, 10, on=U, value=BODY), *reads, **meta)
    return kinds(read_your_writes.check(history))


def test_a_filter_read_missing_a_create_is_stale_without_a_window() -> None:
    assert created(listed(20)) == ["stale-read"]
    assert created(listed(20, shown())) == []


def test_inside_the_window_a_stale_read_is_no_violation() -> None:
    assert created(listed(20), **WINDOW) == []
    assert created(listed(20), listed(LATE, shown()), **WINDOW) == []


def test_after_the_window_the_write_is_not_visible() -> None:
    assert created(listed(20), listed(LATE), listed(LATE + 50), **WINDOW) == ["not-visible"]
    stale_get = fail("get", LATE, LATE + 10, 404, on=U)
    assert created(stale_get, **WINDOW) == ["not-visible"]


def test_a_read_going_back_is_flapping_once() -> None:
    history = created(listed(20, shown()), listed(40), listed(LATE), **WINDOW)
    assert history == ["flapping"]  # the reads after are not reported again as not visible


def test_views_are_judged_apart() -> None:
    """By id fresh, the filter lagging: an eventually consistent service, not flapping."""
    reads = [ok("get", 20, 30, on=U, observed=shown()), listed(40), listed(60, shown())]
    assert created(*reads, **WINDOW) == []


def test_an_attribute_going_back_by_id_is_flapping() -> None:
    history = trial(
        ok("create", 0, 10, on=U, value=BODY),
        ok("patch", 20, 30, on=U, value=[replace("title", "Admiral")]),
        ok("get", 40, 50, on=U, observed=shown(title="Admiral")),
        ok("get", 60, 70, on=U, observed=shown(title="Engineer")),
        **WINDOW,
    )
    found = read_your_writes.check(history)
    assert kinds(found) == ["flapping"] and found[0].subject == "title"
    del history.meta["consistency_window_s"]
    assert kinds(read_your_writes.check(history)) == ["stale-read"]  # window 0: as before


def test_a_listing_after_a_delete_waits_the_window() -> None:
    gone = ok("delete", 20, 30, on=U)
    assert created(gone, listed(40, shown()), **WINDOW) == []
    assert created(gone, listed(LATE, shown()), **WINDOW) == ["not-visible"]
    assert created(gone, listed(40, shown())) == ["found-after-delete"]


def test_zombie_waits_the_window() -> None:
    def storm(read_at: int, **meta: object) -> list[str]:
        history = trial(
            ok("create", 0, 10, on=U, value=BODY),
            ok("delete", 20, 30, on=U),
            listed(read_at, shown()),
            **meta,
        )
        return kinds(zombie.check(history))

    assert storm(40) == ["zombie-listed"]
    assert storm(40, **WINDOW) == []
    assert storm(LATE, **WINDOW) == ["zombie-listed"]


def test_goes_back_needs_ordered_ok_writes() -> None:
    write = ok("create", 0, 10, on=U)[1]
    other = ok("patch", 5, 15, on=U)[1]  # overlaps: the order is not known
    reads = [(ok("get", 20, 30, on=U)[1], True), (ok("get", 40, 50, on=U)[1], False)]
    assert len(goes_back(reads, [Write(write, True)], initial=False)) == 1
    assert goes_back(reads, [Write(write, True), Write(other, True)], initial=False) == []


def test_a_lookup_inside_the_window_may_miss_the_new_account() -> None:
    from loadscim.checks import duplicate_create

    def lookup(at: int, **meta: object) -> list[str]:
        history = trial(ok("create", 0, 10, on=U, value=BODY), listed(at), **meta)
        return kinds(duplicate_create.check(history))

    assert lookup(40) == ["lookup-count"]
    assert lookup(40, **WINDOW) == []
    assert lookup(LATE, **WINDOW) == ["lookup-count"]

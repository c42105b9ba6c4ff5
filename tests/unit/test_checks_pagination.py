"""pagination on hand-written pagings of a trial's Users while creates and deletes go on."""

from __future__ import annotations

from histories import kinds, listing, ok, replace, trial, user

from loadscim.checks.pagination import check

PREFIX = "loadscim-r1-u1-1-"


def created(i, start=0, end=10):
    name = f"{PREFIX}{i}"
    return ok("create", start, end, on=f"User/id{i}", value=user(name))


def page(process, start, index, ids, total, count=2):
    return ok(
        "search",
        start,
        start + 5,
        on="User",
        process=process,
        value={"filter": f'userName sw "{PREFIX}"', "startIndex": str(index), "count": str(count)},
        observed={**listing(*({"id": i} for i in ids)), "totalResults": total},
    )


def paging(*calls, processes=("p1",)):
    return trial(*calls, paging={"prefix": PREFIX, "processes": list(processes)})


def test_every_resource_on_a_page_and_the_right_total_is_clean() -> None:
    t = paging(
        created(1), created(2), created(3),
        page("p1", 100, 1, ["id1", "id2"], 3),
        page("p1", 110, 3, ["id3"], 3),
    )  # fmt: skip
    assert check(t) == []


def test_a_resource_there_throughout_on_no_page_is_paging_skipped() -> None:
    """RFC 7644 3.4.2.4: startIndex is 1-based; a 0-based server never lists the first."""
    t = paging(
        created(1), created(2), created(3),
        page("p1", 100, 1, ["id2", "id3"], 3),
        page("p1", 110, 3, [], 3),
    )  # fmt: skip
    [v] = check(t)
    assert v.kind == "paging-skipped" and v.observed == "1 on no page of 2, e.g. id1"


def test_creates_during_the_paging_may_repeat_and_are_not_required() -> None:
    t = paging(
        created(1), created(2), created(3, 100, 108),
        page("p1", 100, 1, ["id1", "id2"], 2),
        page("p1", 110, 3, ["id2"], 3),  # shifted by the insert: id2 again
    )  # fmt: skip
    assert check(t) == []


def test_an_update_or_a_delete_during_the_paging_excuses_a_miss() -> None:
    for change, total in (
        (ok("delete", 101, 104, on="User/id3"), 2),
        (ok("patch", 101, 104, on="User/id2", value=[replace("active", False)]), 3),
    ):
        t = paging(
            created(1), created(2), created(3), change,
            page("p1", 100, 1, ["id2", "id3"], 3),
            page("p1", 110, 3, [], total),
        )  # fmt: skip
        assert kinds(check(t)) == [], change


def test_a_total_outside_what_matched_is_wrong_total() -> None:
    """RFC 7644 3.4.2: totalResults is the total number of results, not the page's."""
    t = paging(
        created(1), created(2), created(3),
        page("p1", 100, 1, ["id1", "id2"], 2),
        page("p1", 110, 3, ["id3"], 1),
    )  # fmt: skip
    [v] = check(t)
    assert v.kind == "wrong-total" and v.expected.startswith("totalResults 3:")
    assert v.observed == "totalResults 2 on the page at startIndex 1"


def test_a_total_while_creates_and_deletes_are_in_flight_may_be_either() -> None:
    t = paging(
        created(1), created(2, 100, 120), created(3),
        ok("delete", 95, 130, on="User/id3"),
        page("p1", 100, 1, ["id1"], 1),
        page("p1", 110, 1, ["id1", "id2", "id3"], 3),
        processes=("p1",),
    )  # fmt: skip
    assert check(t) == []


def test_a_total_counting_resources_listed_after_their_delete_is_zombie_listed_only() -> None:
    """A server that keeps deleted users lists them (the zombie checker's zombie-listed):
    their count in totalResults is not a second finding."""
    t = paging(
        created(1), created(2), created(3),
        ok("delete", 20, 30, on="User/id3"),
        page("p1", 100, 1, ["id1", "id2"], 3),
        page("p1", 110, 3, ["id3"], 3),
    )  # fmt: skip
    assert check(t) == []


def test_a_paging_cut_short_by_a_wrong_total_is_not_also_skipped() -> None:
    t = paging(created(1), created(2), created(3), page("p1", 100, 1, ["id1", "id2"], 2))
    assert kinds(check(t)) == ["wrong-total"]

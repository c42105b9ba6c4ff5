"""bulk on hand-written BulkRequests, BulkResponses and the GETs that verify them."""

from __future__ import annotations

import orjson
from histories import error, fail, group, kinds, ok, trial, user

from loadscim.checks.bulk import check

LIMITS = {"max_operations": 3, "max_payload_size": 100_000}


def post(bulk_id, data, path="/Users"):
    return {"method": "POST", "path": path, "bulkId": bulk_id, "data": data}


def request(*operations, fail_on_errors=None):
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": list(operations),
    }
    if fail_on_errors is not None:
        body["failOnErrors"] = fail_on_errors
    return body


def result(method, bulk_id, status, location=None, response=None):
    r = {"method": method, "bulkId": bulk_id, "status": status}
    if location:
        r["location"] = location
    if response is not None:
        r["response"] = response
    return r


def response(*results):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
        "Operations": list(results),
    }


ADA, BOB = user("ada", title="t"), user("bob")
TEAM = group("team", ["bulkId:a", "bulkId:b"])
REQUEST = request(post("a", ADA), post("b", BOB), post("g", TEAM, "/Groups"))
RESPONSE = response(
    result("POST", "a", "201", "https://x/scim/v2/Users/u1"),
    result("POST", "b", 201, "https://x/scim/v2/Users/u2"),
    result("POST", "g", "201", "https://x/scim/v2/Groups/g1"),
)


def reads(team_members=("u1", "u2"), ada=None):
    return [
        ok("get", 200, 210, on="User/u1", observed=ada or {**ADA, "id": "u1"}),
        ok("get", 200, 210, on="User/u2", observed={**BOB, "id": "u2"}),
        ok(
            "get",
            200,
            210,
            on="Group/g1",
            observed={**group("team", list(team_members)), "id": "g1"},
        ),
    ]


def test_clean_bulk_with_references() -> None:
    t = trial(ok("bulk", 0, 100, value=REQUEST, observed=RESPONSE), *reads(), **LIMITS)
    assert check(t) == []


def test_reported_created_but_not_found() -> None:
    t = trial(
        ok("bulk", 0, 100, value=REQUEST, observed=RESPONSE),
        *reads()[1:],
        fail("get", 200, 210, 404, on="User/u1"),
        **LIMITS,
    )
    [v] = check(t)
    assert (v.kind, v.resource) == ("bulk-unapplied", "User/u1")


def test_created_with_other_data() -> None:
    t = trial(
        ok("bulk", 0, 100, value=REQUEST, observed=RESPONSE),
        *reads(ada={**ADA, "title": "other", "id": "u1"}),
        **LIMITS,
    )
    [v] = check(t)
    assert v.kind == "bulk-mismatch" and "title" in v.observed


def test_unresolved_bulk_id_reference() -> None:
    literal = trial(
        ok("bulk", 0, 100, value=REQUEST, observed=RESPONSE),
        *reads(team_members=("bulkId:a", "u2")),
        **LIMITS,
    )
    [v] = check(literal)
    assert v.kind == "bulk-unresolved-ref" and "bulkId:a" in v.observed
    dropped = trial(
        ok("bulk", 0, 100, value=REQUEST, observed=RESPONSE), *reads(team_members=("u2",)), **LIMITS
    )
    [v] = check(dropped)
    assert v.kind == "bulk-unresolved-ref" and "bulkId:a -> u1" in v.observed


def test_reference_to_a_failed_post_is_not_judged() -> None:
    failed = response(
        result("POST", "a", "409", response=error(409, "uniqueness")),
        result("POST", "b", 201, "https://x/scim/v2/Users/u2"),
        result("POST", "g", "201", "https://x/scim/v2/Groups/g1"),
    )
    t = trial(
        ok("bulk", 0, 100, value=REQUEST, observed=failed),
        *reads(team_members=("u2",))[1:],
        **LIMITS,
    )
    assert check(t) == []


def test_error_result_needs_scim_error_and_ok_result_a_location() -> None:
    bad = response(
        result("POST", "a", "409", response={"message": "taken"}),
        result("POST", "b", 201),
        result("POST", "g", "201", "https://x/scim/v2/Groups/g1"),
    )
    t = trial(ok("bulk", 0, 100, value=REQUEST, observed=bad), **LIMITS)
    assert kinds(check(t)) == ["bulk-error-no-detail", "bulk-no-location"]


def test_missing_results_unless_fail_on_errors_stopped_it() -> None:
    short = response(result("POST", "a", "201", "https://x/scim/v2/Users/u1"))
    t = trial(ok("bulk", 0, 100, value=REQUEST, observed=short), **LIMITS)
    [v] = check(t)
    assert v.kind == "bulk-missing-result" and "b, g" in v.observed
    stopped = response(result("POST", "a", "400", response=error(400, "invalidValue")))
    t = trial(ok("bulk", 0, 100, value={**REQUEST, "failOnErrors": 1}, observed=stopped), **LIMITS)
    assert check(t) == []


def test_over_max_operations_needs_413() -> None:
    four = request(*(post(str(i), user(f"u{i}")) for i in range(4)))
    assert check(trial(fail("bulk", 0, 10, 413, value=four, observed=error(413)), **LIMITS)) == []
    [v] = check(trial(ok("bulk", 0, 10, value=four, observed=response()), **LIMITS))
    assert v.kind == "no-413" and "4 operations" in v.observed
    [v] = check(trial(fail("bulk", 0, 10, 413, value=four, observed=None), **LIMITS))
    assert v.kind == "no-error-schema"
    counted = {"operations": 4}  # what ScimClient.bulk records today
    assert kinds(check(trial(ok("bulk", 0, 10, value=counted, observed=response()), **LIMITS))) == [
        "no-413"
    ]


def test_over_max_payload_size_needs_413() -> None:
    big = request(post("a", user("a" * 500)))
    limits = {"max_operations": 10, "max_payload_size": 300}
    assert kinds(check(trial(fail("bulk", 0, 10, 400, value=big), **limits))) == ["no-413"]


def test_413_within_the_limits() -> None:
    t = trial(fail("bulk", 0, 10, 413, value=REQUEST, observed=error(413)), **LIMITS)
    assert kinds(check(t)) == ["413-within-limits"]
    size = len(orjson.dumps(REQUEST))
    near = {"max_operations": 3, "max_payload_size": int(size / 0.95)}  # within 10% of it
    assert check(trial(fail("bulk", 0, 10, 413, value=REQUEST, observed=error(413)), **near)) == []
    assert check(trial(fail("bulk", 0, 10, 413, value=REQUEST, observed=error(413)))) == []


def test_patch_put_delete_results_applied() -> None:
    req = request(
        {
            "method": "PATCH",
            "path": "/Users/u1",
            "bulkId": "p",
            "data": {"Operations": [{"op": "replace", "path": "active", "value": False}]},
        },
        {"method": "PUT", "path": "/Users/u2", "bulkId": "q", "data": user("bob", title="x")},
        {"method": "DELETE", "path": "/Users/u3", "bulkId": "d"},
    )
    res = response(
        result("PATCH", "p", "200", "https://x/scim/v2/Users/u1"),
        result("PUT", "q", "200", "https://x/scim/v2/Users/u2"),
        result("DELETE", "d", "204", "https://x/scim/v2/Users/u3"),
    )
    clean = trial(
        ok("bulk", 0, 100, value=req, observed=res),
        ok("get", 200, 210, on="User/u1", observed={**ADA, "active": False}),
        ok("get", 200, 210, on="User/u2", observed=user("bob", title="x")),
        fail("get", 200, 210, 404, on="User/u3"),
    )
    assert check(clean) == []
    broken = trial(
        ok("bulk", 0, 100, value=req, observed=res),
        ok("get", 200, 210, on="User/u1", observed={**ADA, "active": True}),
        ok("get", 200, 210, on="User/u2", observed=user("bob", title="x")),
        ok("get", 200, 210, on="User/u3", observed=user("carl")),
    )
    assert kinds(check(broken)) == ["bulk-mismatch", "bulk-unapplied"]


def test_resources_touched_twice_or_read_too_early_are_not_judged() -> None:
    twice = trial(
        ok("bulk", 0, 100, value=REQUEST, observed=RESPONSE),
        ok(
            "patch",
            110,
            120,
            on="User/u1",
            value=[{"op": "replace", "path": "title", "value": "new"}],
        ),
        *reads(ada={**ADA, "title": "new", "id": "u1"}),
        **LIMITS,
    )
    assert check(twice) == []
    early = trial(
        ok("bulk", 0, 100, value=REQUEST, observed=RESPONSE),
        fail("get", 50, 60, 404, on="User/u1"),
        **LIMITS,
    )
    assert check(early) == []

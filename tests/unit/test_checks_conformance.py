"""conformance on hand-written answers: one test per rule, each quoting the clause it enforces."""

from __future__ import annotations

from typing import Any

from histories import ERROR, fail, info, ok, trial

from loadscim.checks import conformance
from loadscim.checks.kinds import KINDS, SHOULD_KINDS, is_warning
from loadscim.ops import Op, Trial

SCIM = {"content-type": "application/scim+json"}
LOCATION = "http://x/v2/Users/u1"


def resource(version: str = 'W/"1"', **attributes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1",
        "userName": "alice",
        "meta": {
            "resourceType": "User",
            "created": "2026-11-29T13:17:33.311574Z",
            "lastModified": "2026-11-29T13:17:33.311574Z",
            "location": LOCATION,
            "version": version,
        },
    }
    body.update(attributes)
    return body


def headers(**extra: str) -> dict[str, str]:
    return {**SCIM, **{k.replace("_", "-"): v for k, v in extra.items()}}


def error(status: Any) -> dict[str, Any]:
    return {"schemas": [ERROR], "status": status, "detail": "no"}


def kinds(t: Trial) -> list[str]:
    return [v.kind for v in conformance.check(t)]


def created(status: int = 201, body: Any = None, **h: str) -> list[Op]:
    body = resource() if body is None else body
    given = headers(etag='W/"1"', **h)
    return ok("create", 0, 10, on="User/u1", status=status, observed=body, headers=given)


def test_a_well_formed_history_passes() -> None:
    t = trial(
        created(location=LOCATION),
        ok("get", 20, 30, on="User/u1", observed=resource(), headers=headers(etag='W/"1"')),
        ok("replace", 40, 50, on="User/u1", observed=resource('W/"2"', title="b"),
           headers=headers(etag='W/"2"')),
        ok("patch", 60, 70, on="User/u1", headers={"etag": 'W/"3"'}),  # 204, no body
        fail("get", 80, 90, 404, on="User/u2", observed=error("404"), headers=headers()),
    )
    assert kinds(t) == []


def test_unsampled_answers_are_not_judged() -> None:
    """Only answers the client sampled carry their headers (every Nth outside trials)."""
    t = trial(ok("create", 0, 10, on="User/u1", status=200, observed=resource()))
    assert kinds(t) == []


def test_created_200() -> None:
    """RFC 7644 3.3: "an HTTP response SHALL be returned with HTTP status code 201"."""
    assert kinds(trial(created(200, location=LOCATION))) == ["created-200"]


def test_no_location_and_location_mismatch() -> None:
    """RFC 7644 3.3: "The URI of the created resource SHALL include, in the HTTP "Location"
    header and the HTTP body ... "meta.location"."""
    assert kinds(trial(created())) == ["no-location"]
    assert kinds(trial(created(location="http://x/v2/Users"))) == ["location-mismatch"]
    assert kinds(trial(created(location="/v2/Users/u1"))) == []  # relative, same resource
    relative = resource()
    relative["meta"]["location"] = "/v2/Users/u1"
    assert kinds(trial(created(body=relative, location=LOCATION))) == []
    no_meta = {k: v for k, v in resource().items() if k != "meta"}
    assert kinds(trial(created(body=no_meta, location=LOCATION))) == [
        "location-mismatch",
        "version-mismatch",
    ]


def test_version_mismatch_is_a_should() -> None:
    """RFC 7644 3.14: ETags "SHOULD be specified within the 'version' attribute"."""
    t = trial(ok("get", 0, 10, on="User/u1", observed=resource('"1"'),
                 headers=headers(etag='W/"1"')))
    assert kinds(t) == ["version-mismatch"]
    assert KINDS["version-mismatch"].keyword == "SHOULD"
    no_header = trial(ok("get", 0, 10, on="User/u1", observed=resource('"1"'), headers=SCIM))
    assert kinds(no_header) == []  # etag-missing is conflict_status's


def test_etag_unchanged_after_a_change() -> None:
    """RFC 7232 2.1: a weak entity-tag SHOULD change when the representation changes."""
    same = headers(etag='W/"1"')
    t = trial(
        ok("get", 0, 10, on="User/u1", etag='W/"1"', observed=resource(title="a"), headers=same),
        ok("replace", 20, 30, on="User/u1", etag='W/"1"', observed=resource(title="b"),
           headers=same),
    )
    found = conformance.check(t)
    assert [v.kind for v in found] == ["etag-unchanged"]
    assert "title" in found[0].observed


def test_etag_kept_by_a_write_that_changes_nothing_is_fine() -> None:
    """A no-op PUT keeps its ETag; list order (a group's members) is not a change."""
    same = headers(etag='W/"1"')
    a = resource(members=[{"value": "m1"}, {"value": "m2"}])
    b = resource(members=[{"value": "m2"}, {"value": "m1"}])
    t = trial(
        ok("get", 0, 10, on="User/u1", etag='W/"1"', observed=a, headers=same),
        ok("replace", 20, 30, on="User/u1", etag='W/"1"', observed=b, headers=same),
        ok("get", 40, 50, on="User/u1", etag='W/"1"', observed={"id": "u1"}, headers=same),
    )
    assert "etag-unchanged" not in kinds(t)


def test_wrong_content_type() -> None:
    """RFC 7644 3.8: "Service providers MUST support the "Accept" header "Accept:
    application/scim+json"". application/json is not judged; a body that is not JSON is
    an unreadable answer, not this."""
    plain = {"content-type": "text/plain; charset=utf-8", "etag": 'W/"1"'}
    t = trial(ok("get", 0, 10, on="User/u1", observed=resource(), headers=plain))
    assert kinds(t) == ["wrong-content-type"]
    json_ = {"content-type": "application/json; charset=utf-8", "etag": 'W/"1"'}
    assert kinds(trial(ok("get", 0, 10, on="User/u1", observed=resource(), headers=json_))) == []
    text = fail("get", 0, 10, 404, on="User/u1", observed=None, headers={"content-type": "x"})
    assert kinds(trial(text)) == ["no-error-schema"]


def test_error_bodies() -> None:
    """RFC 7644 3.12: "implementers MUST return the errors in the body of the response in a
    JSON format"; "status ... expressed as a JSON string. REQUIRED."."""
    as_int = fail("get", 0, 10, 404, on="User/u1", observed=error(404), headers=SCIM)
    assert kinds(trial(as_int)) == ["error-status-not-string"]
    bare = fail("delete", 0, 10, 400, on="User/u1", observed={"message": "no"}, headers=SCIM)
    assert kinds(trial(bare)) == ["no-error-schema"]
    throttled = fail("get", 0, 10, 429, on="User/u1", observed={"message": "slow"}, headers=SCIM)
    assert kinds(trial(throttled)) == []
    cut = fail("get", 0, 10, 404, on="User/u1", observed=None, error="answer is not JSON",
               headers=SCIM)
    assert kinds(trial(cut)) == []  # unreadable JSON: counted in the outcomes, not named here


def test_conflicts_are_left_to_conflict_status() -> None:
    """One defect, one name: a 412 without the Error body in a trial that conflict_status
    judges is its ``no-error-schema``, not a second one here."""
    plain = fail("patch", 0, 10, 412, on="User/u1", observed={"x": 1}, headers=SCIM)
    assert kinds(trial(plain, checks=("conflict_status", "conformance"))) == []
    assert kinds(trial(plain)) == ["no-error-schema"]


def test_unknown_id_not_404() -> None:
    """RFC 7644 3.12: 404 "Specified resource (e.g., User) or endpoint does not exist"."""
    empty = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
             "totalResults": 0, "Resources": []}
    probe = ok("get", 0, 10, on="User/missing", observed=empty, headers=SCIM)
    assert kinds(trial(probe, kind=conformance.UNKNOWN_ID_TRIAL)) == ["unknown-id-not-404"]
    right = fail("get", 0, 10, 404, on="User/missing", observed=error("404"), headers=SCIM)
    assert kinds(trial(right, kind=conformance.UNKNOWN_ID_TRIAL)) == []
    refused = fail("get", 0, 10, 400, on="User/missing", observed=error("400"), headers=SCIM)
    assert kinds(trial(refused, kind=conformance.UNKNOWN_ID_TRIAL)) == ["unknown-id-not-404"]


def test_an_unknown_id_answered_with_no_word_on_it_is_left_to_the_outcomes() -> None:
    """A redirect (not followed), a 5xx, a 429 or an unreadable 2xx says nothing of the id:
    the outcomes name it ("fail (HTTP 302)", "info (HTTP 500)"), conformance does not."""
    moved = {"content-type": "text/plain", "location": "http://x/redirected/v2/Users/missing"}
    answers = [
        fail("get", 0, 10, 302, on="User/missing", headers=moved,
             error="answer is not JSON (text/plain)"),
        info("get", 0, 10, status=500, on="User/missing", observed=error("500"), headers=SCIM),
        fail("get", 0, 10, 429, on="User/missing", observed=error("429"), headers=SCIM),
        info("get", 0, 10, status=200, on="User/missing", headers={"content-type": "text/html"},
             error="answer is not JSON (text/html)"),
    ]
    for answer in answers:
        assert kinds(trial(answer, kind=conformance.UNKNOWN_ID_TRIAL)) == [], answer


def test_invalid_resource() -> None:
    """RFC 7643 3: "schemas" REQUIRED; 3.1: a non-empty "id"; meta.created "MUST be a
    DateTime" (scim2-models' Meta)."""
    no_schemas = {k: v for k, v in resource().items() if k != "schemas"}
    get = ok("get", 0, 10, on="User/u1", observed=no_schemas, headers=headers(etag='W/"1"'))
    assert kinds(trial(get)) == ["invalid-resource"]
    bad_meta = resource()
    bad_meta["meta"]["created"] = "yesterday"
    get = ok("get", 0, 10, on="User/u1", observed=bad_meta, headers=headers(etag='W/"1"'))
    found = conformance.check(trial(get))
    assert [v.kind for v in found] == ["invalid-resource"] and "created" in found[0].observed
    listing = {"Resources": [{"userName": "x"}], "totalResults": 1}
    search = ok("search", 0, 10, on="User", observed=listing, headers=SCIM)
    assert kinds(trial(search)) == ["invalid-resource"]
    extra_meta = resource()
    extra_meta["meta"]["vendorStamp"] = 7  # a server's own meta attribute is not refused
    get = ok("get", 0, 10, on="User/u1", observed=extra_meta, headers=headers(etag='W/"1"'))
    assert kinds(trial(get)) == []


def test_findings_group_by_endpoint() -> None:
    """Reported once per kind and endpoint (FindingGroup's subject)."""
    call = ok("create", 0, 10, on="User/u1", status=200, observed=resource(), headers=SCIM,
              endpoint="POST /Users")
    (found,) = conformance.check(trial(call))
    assert (found.kind, found.subject, found.resource) == ("created-200", "POST /Users", "User/u1")


def test_should_kinds_are_warnings_unless_the_gate_says_fail() -> None:
    assert {"version-mismatch", "etag-unchanged"} == SHOULD_KINDS
    assert is_warning("etag-unchanged")
    assert not is_warning("etag-unchanged", ("*",))
    assert not is_warning("etag-unchanged", ("etag-unchanged",))
    assert is_warning("version-mismatch", ("etag-unchanged",))
    assert not is_warning("created-200")


def test_a_meta_said_valid_without_scim2_models_is_one_it_accepts() -> None:
    # the shortcut around Meta.model_validate (bench/README.md) answers True only when
    # scim2-models accepts; everything else is still asked, and refused as before
    from pydantic import ValidationError
    from scim2_models import Meta

    from loadscim.checks.conformance import _surely_valid

    dates = [
        "2026-11-29T13:34:58.602367Z", "2026-11-29T13:34:58Z", "2026-11-29T13:34:58+01:00",
        "2026-11-29T13:34:58.1-05:30", "9999-12-31T23:59:59.999999Z", "2026-02-30T00:00:00Z",
        "2026-11-29 13:34:58Z", "2026-11-29", "2026-11-29T24:00:00Z", "2026-11-29T13:34:60Z",
        "2026-11-29T13:34:58.1234567Z", "2026-11-29T13:34:58", "0000-01-01T00:00:00Z",
        "2026-11-29T13:34:58+24:00", "yesterday", "", 1700000000,
    ]  # fmt: skip
    others = ["/Users/1", 'W/"1"', "", None, 1, True, ["x"]]
    metas = [{"created": d, "lastModified": d} for d in dates]
    metas += [{name: v} for name in ("resourceType", "location", "version") for v in others]
    for meta in metas:
        if _surely_valid(meta):
            try:
                Meta.model_validate(meta)
            except ValidationError:
                raise AssertionError(f"said valid, refused by scim2-models: {meta}") from None
    assert _surely_valid({"created": dates[0], "location": "/Users/1", "version": 'W/"1"'})

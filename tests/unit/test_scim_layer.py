"""The pure SCIM layer: payloads, namespace, parsers, endpoint names."""

import orjson
import pytest

from loadscim.scim import payloads
from loadscim.scim.namespace import Namespace, new_run_id, valid_run_id
from loadscim.scim.parse import endpoint_name, member_ids, parse_error, parse_list


def test_user_payload_has_schema_namespace_and_primary_email():
    body = payloads.user("loadscim-abc123-u1-1", external_id="x1", title="Engineer")
    assert body["schemas"] == [payloads.USER_SCHEMA]
    assert body["userName"] == "loadscim-abc123-u1-1"
    assert body["externalId"] == "x1"
    assert body["emails"] == [
        {"value": "loadscim-abc123-u1-1@example.com", "type": "work", "primary": True}
    ]
    assert body["active"] is True and body["title"] == "Engineer"
    assert orjson.loads(payloads.dumps(body)) == body


def test_group_and_patch_payloads():
    group = payloads.group("g", ["a", "b"])
    assert group["members"] == [{"value": "a"}, {"value": "b"}]
    body = payloads.patch([payloads.add_members(["a"]), payloads.remove_member("b")])
    assert body == {
        "schemas": [payloads.PATCH_SCHEMA],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": "a"}]},
            {"op": "remove", "path": 'members[value eq "b"]'},
        ],
    }
    assert payloads.set_active(False) == {"op": "replace", "path": "active", "value": False}


def test_bulk_payload():
    body = payloads.bulk(
        [payloads.bulk_op("POST", "/Users", bulk_id="u1", data={"userName": "x"})],
        fail_on_errors=1,
    )
    assert body["schemas"] == [payloads.BULK_REQUEST_SCHEMA]
    assert body["failOnErrors"] == 1
    assert body["Operations"][0] == {
        "method": "POST",
        "path": "/Users",
        "bulkId": "u1",
        "data": {"userName": "x"},
    }


def test_filters_escape_quotes_and_backslashes():
    assert payloads.eq_filter("userName", 'a"b\\c') == 'userName eq "a\\"b\\\\c"'
    assert payloads.sw_filter("userName", "loadscim-x-") == 'userName sw "loadscim-x-"'


def test_namespace_owns_only_its_run_case_insensitively():
    ns = Namespace("abc123")
    assert ns.user_name("u1-1") == "loadscim-abc123-u1-1"
    assert ns.owns("LOADSCIM-ABC123-u1-1")
    assert not ns.owns("loadscim-abc1234-u1")
    assert not ns.owns("canary-user-1")
    assert not ns.owns(None)
    assert ns.owns_resource({"displayName": "loadscim-abc123-g"})
    assert not ns.owns_resource({"userName": "alice", "externalId": "e"})


def test_run_ids():
    run_id = new_run_id()
    assert valid_run_id(run_id)
    assert not valid_run_id("ABC")
    assert not valid_run_id("a b c d")


def test_parse_error_reads_string_and_integer_status():
    body = {"schemas": [payloads.ERROR_SCHEMA], "status": "409", "scimType": "uniqueness"}
    error = parse_error(body)
    assert error is not None and error.status == 409 and error.scim_type == "uniqueness"
    assert parse_error({**body, "status": 409}).status == 409  # type: ignore[union-attr]
    assert parse_error({"status": "409"}) is None
    assert parse_error("<html>") is None


def test_parse_list():
    page = parse_list({"schemas": [payloads.LIST_SCHEMA], "totalResults": 0})
    assert page.total == 0 and page.resources == []
    page = parse_list(
        {
            "schemas": [payloads.LIST_SCHEMA],
            "totalResults": 1,
            "Resources": [{"id": "1"}],
            "startIndex": 1,
            "itemsPerPage": 1,
        }
    )
    assert page.resources == [{"id": "1"}] and page.start_index == 1
    for bad in ({"totalResults": 1}, [], {"schemas": [payloads.LIST_SCHEMA], "totalResults": "1"}):
        with pytest.raises(ValueError):
            parse_list(bad)


def test_member_ids():
    assert member_ids({"members": [{"value": "a"}, {"value": "b"}, {"x": 1}]}) == {"a", "b"}
    assert member_ids({"members": None}) == set()
    assert member_ids(None) == set()


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("PATCH", "/Users/2819c223", "PATCH /Users/{id}"),
        ("GET", "/Users?filter=userName%20eq%20%22x%22", "GET /Users"),
        ("GET", "/Groups/abc/", "GET /Groups/{id}"),
        ("POST", "/Bulk", "POST /Bulk"),
        ("GET", "/ServiceProviderConfig", "GET /ServiceProviderConfig"),
        ("POST", "/Users/.search", "POST /Users/.search"),
    ],
)
def test_endpoint_names(method, path, name):
    assert endpoint_name(method, path) == name

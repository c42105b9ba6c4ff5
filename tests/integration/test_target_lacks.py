"""The embedded target lacking a feature (no-patch, no-filter) or ignoring input
(group-create-drops-members), over real HTTP on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import quote

from target_http import GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, call
from test_target_faults import serve


def _user(url: str, name: str) -> str:
    reply = call("POST", f"{url}/Users", {"schemas": [USER_SCHEMA], "userName": name})
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def test_no_patch_says_so_and_answers_501() -> None:
    with serve("no-patch") as url:
        config = call("GET", f"{url}/ServiceProviderConfig").json()
        assert config["patch"]["supported"] is False
        uid = _user(url, "np1")
        body = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "title", "value": "x"}],
        }
        reply = call("PATCH", f"{url}/Users/{uid}", body)
        assert reply.status == 501 and reply.json()["status"] == "501"
        put = call(
            "PUT", f"{url}/Users/{uid}", {"schemas": [USER_SCHEMA], "userName": "np1", "title": "y"}
        )
        assert put.status == 200 and put.json()["title"] == "y"


def test_no_filter_says_so_and_lists_everything() -> None:
    with serve("no-filter") as url:
        assert call("GET", f"{url}/ServiceProviderConfig").json()["filter"]["supported"] is False
        _user(url, "nf1")
        _user(url, "nf2")
        query = quote('userName eq "nobody"')
        listing = call("GET", f"{url}/Users?filter={query}&startIndex=1&count=10").json()
        assert listing["totalResults"] == 2 and len(listing["Resources"]) == 2


def test_group_create_drops_members() -> None:
    with serve("group-create-drops-members") as url:
        uid = _user(url, "gm1")
        body = {"schemas": [GROUP_SCHEMA], "displayName": "g1", "members": [{"value": uid}]}
        created = call("POST", f"{url}/Groups", body)
        assert created.status == 201 and not created.json().get("members")
        read = call("GET", f"{url}/Groups/{created.json()['id']}").json()
        assert not read.get("members")
        add = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}],
        }
        assert call("PATCH", f"{url}/Groups/{created.json()['id']}", add).status in (200, 204)

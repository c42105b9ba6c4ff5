"""Unit tests of --user-template / --group-template and the body shaping (hand-written data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loadscim.errors import UsageError
from loadscim.preflight_write import unstored_paths
from loadscim.scim import payloads
from loadscim.scim.bodies import Bodies, user_values, with_formatted_name
from loadscim.scim.templates import attribute_paths, check_template, load_template

USER = payloads.USER_SCHEMA
GROUP = payloads.GROUP_SCHEMA
EXT = "urn:acme:params:scim:schemas:extension:acme:2.0:User"

USER_TEMPLATE: dict[str, Any] = {
    "schemas": [USER, EXT],
    "userName": "{userName}",
    "externalId": "{externalId}",
    "name": {"formatted": "{givenName} {familyName}", "givenName": "{givenName}"},
    "emails": [{"value": "{email}"}],
    "active": "{active}",
    EXT: {"costCenter": "CC-{externalId}"},
}


def write(tmp_path: Path, data: Any, name: str = "t.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_the_default_body_is_what_idps_send() -> None:
    body = payloads.user("loadscim-r1-u1-1", external_id="x", given_name="Ada", family_name="L")
    assert body["name"] == {"formatted": "Ada L", "familyName": "L", "givenName": "Ada"}
    assert body["emails"] == [
        {"value": "loadscim-r1-u1-1@example.com", "type": "work", "primary": True}
    ]
    assert payloads.email_of("a@b.example.org") == "a@b.example.org"


def test_user_template_renders_each_resource() -> None:
    template = check_template("User", "t.json", USER_TEMPLATE)
    body = payloads.user("loadscim-r1-u1-1", external_id="loadscim-r1-x-u1-1", given_name="Ada")
    rendered = Bodies(user_template=template).shape("User", body)
    assert rendered == {
        "schemas": [USER, EXT],
        "userName": "loadscim-r1-u1-1",
        "externalId": "loadscim-r1-x-u1-1",
        "name": {"formatted": "Ada Test", "givenName": "Ada"},
        "emails": [{"value": "loadscim-r1-u1-1@example.com"}],
        "active": True,
        EXT: {"costCenter": "CC-loadscim-r1-x-u1-1"},
    }
    # a value the resource lacks leaves its key out; a replace keeps its id
    replaced = Bodies(user_template=template).shape("User", {"id": "7", "userName": "n"})
    assert replaced["id"] == "7" and "externalId" not in replaced and "active" not in replaced
    assert "emails.value" in template.paths() and f"{EXT.lower()}:costcenter" in template.paths()


def test_group_template_keeps_the_scenarios_members() -> None:
    template = check_template(
        "Group", "g.json", {"schemas": [GROUP], "displayName": "{displayName}", "x": "y"}
    )
    body = payloads.group("loadscim-r1-g", ["u1", "u2"])
    assert Bodies(group_template=template).shape("Group", body) == {
        "schemas": [GROUP],
        "displayName": "loadscim-r1-g",
        "x": "y",
        "members": [{"value": "u1"}, {"value": "u2"}],
    }


@pytest.mark.parametrize(
    ("resource_type", "data", "words"),
    [
        ("User", {**USER_TEMPLATE, "nick": "{nickname}"}, "unknown placeholder {nickname} in"),
        (
            "User",
            {**USER_TEMPLATE, "userName": "x-{userName}"},
            '"userName" must be the placeholder',
        ),
        ("User", {k: v for k, v in USER_TEMPLATE.items() if k != "userName"}, "{userName}"),
        ("User", {**USER_TEMPLATE, "userName": "{userName}@corp.example"}, "alone"),
        ("User", {**USER_TEMPLATE, "externalId": "fixed"}, '"externalId" must hold'),
        ("User", {**USER_TEMPLATE, "schemas": [EXT]}, f'no "schemas" list with {USER}'),
        ("User", [USER_TEMPLATE], "holds a JSON list, not an object"),
        ("Group", {"schemas": [GROUP], "displayName": "team"}, "{displayName}"),
        (
            "Group",
            {"schemas": [GROUP], "displayName": "{displayName}", "members": []},
            'holds "members"',
        ),
        ("Group", {"schemas": [GROUP], "displayName": "{userName}"}, "unknown placeholder"),
    ],
)
def test_bad_templates_are_one_line(
    tmp_path: Path, resource_type: str, data: Any, words: str
) -> None:
    option = "--user-template" if resource_type == "User" else "--group-template"
    path = write(tmp_path, data)
    with pytest.raises(UsageError) as raised:
        load_template(resource_type, path)
    message = str(raised.value)
    assert message.startswith(f"{option} {path}: ") and words in message
    assert "\n" not in message and "; " in message  # the rule, then the fix


def test_unreadable_and_non_json_templates(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot be read"):
        load_template("User", str(tmp_path / "missing.json"))
    with pytest.raises(UsageError, match=r"is not JSON \(.*\); fix the JSON"):
        load_template("User", write(tmp_path, '{"userName": "{userName}",}'))


def test_formatted_name_is_completed_and_values_read() -> None:
    body = {"userName": "u", "name": {"givenName": "A", "familyName": "B"}}
    assert with_formatted_name(body)["name"]["formatted"] == "A B"
    assert with_formatted_name({"userName": "u"}) == {"userName": "u"}
    values = user_values({"userName": "u", "emails": [{"value": "x@example.org"}]})
    assert values["email"] == "x@example.org" and values["formatted"] is None
    assert user_values({"userName": "u"})["email"] == "u@example.com"


def test_the_recorded_value_leaves_out_what_is_not_judged() -> None:
    def judged(path: str, resource_type: str) -> bool:
        return path.split("[")[0].lower() not in ("title", "emails.type")

    bodies = Bodies(judged=judged)
    body = payloads.user("u", title="Boss")
    sent, value = bodies.for_call("create", "User", body, dict(body))
    assert sent["title"] == "Boss" and sent["emails"][0]["type"] == "work"  # sent as built
    assert "title" not in value and "type" not in value["emails"][0]
    operations = [
        {"op": "replace", "path": "title", "value": "x"},
        {"op": "replace", "path": "displayName", "value": "d"},
        {"op": "replace", "value": {"title": "t", "active": False}},
        {"op": "add", "path": "members", "value": [{"value": "m"}]},
    ]
    patch = {"Operations": operations}
    assert bodies.for_call("patch", "User", patch, operations)[1] == [
        operations[1],
        {"op": "replace", "value": {"active": False}},
        operations[3],
    ]


def test_bulk_creates_are_shaped() -> None:
    template = check_template("User", "t.json", USER_TEMPLATE)
    bulk = payloads.bulk(
        [
            payloads.bulk_op("POST", "/Users", bulk_id="a", data=payloads.user("u1")),
            payloads.bulk_op("DELETE", "/Users/9"),
        ]
    )
    shaped = Bodies(user_template=template).shape_bulk(bulk)
    assert shaped["Operations"][0]["data"]["schemas"] == [USER, EXT]
    assert shaped["Operations"][1] == bulk["Operations"][1]


def test_unstored_paths_compare_what_was_sent_with_the_read_back() -> None:
    sent = {
        "schemas": [USER],
        "userName": "u",
        "title": "Boss",
        "password": "secret",
        "groups": [],
        "emails": [{"value": "u@example.com", "type": "work", "primary": True}],
        EXT: {"costCenter": "1"},
    }
    read = {"id": "1", "USERNAME": "u", "emails": [{"value": "u@example.com", "primary": True}]}
    assert unstored_paths(sent, read) == ["title", "emails.type", f"{EXT}:costCenter"]
    assert attribute_paths({"a": {"b": 1}, "c": [{"d": 1}, {"e": 2}]}) == ["a.b", "c.d", "c.e"]
    body = {
        "schemas": [EXT],
        "id": "1",
        "meta": {"version": "1"},
        "c": [{"d": 1}, "x", {"d": 2, "e": 3}],
        "f": [],
        EXT: {"costCenter": "1", "manager": {"value": "m"}, "meta": {}},
    }
    assert attribute_paths(body) == ["c.d", "c.e", "f", f"{EXT}:costCenter", f"{EXT}:manager.value"]


def test_the_judged_part_is_asked_once_per_body_shape_and_exact_for_each():
    from loadscim.scim.bodies import Bodies

    asked = []

    def judged(path, resource_type):
        asked.append(path)
        return path.lower() not in ("name.formatted", "emails.type", "title")

    bodies = Bodies(judged=judged)
    first = {"userName": "a", "name": {"formatted": "A B", "givenName": "A"}, "title": "x"}
    second = {"userName": "b", "name": {"formatted": "C D", "givenName": "C"}, "title": "y"}
    assert bodies.judged_part("User", first) == {"userName": "a", "name": {"givenName": "A"}}
    asked_once = len(asked)
    assert bodies.judged_part("User", second) == {"userName": "b", "name": {"givenName": "C"}}
    assert len(asked) == asked_once  # the same shape: not asked again
    # other shapes: a scalar where an object was, a list of objects
    assert bodies.judged_part("User", {"name": "A B", "title": "x"}) == {"name": "A B"}
    emails = [{"value": "a@example.com", "type": "work"}, {"value": "b@example.com"}]
    assert bodies.judged_part("User", {"emails": emails}) == {
        "emails": [{"value": "a@example.com"}, {"value": "b@example.com"}]
    }


def _without(body: Any, path: str) -> dict[str, Any]:
    """The judged part's earlier way, one path at a time: the reference for the one pass."""
    kept = dict(body)
    if path.lower().startswith("urn:"):
        urn, _, rest = path.rpartition(":")
        inner = kept.get(urn)
        if isinstance(inner, dict):
            kept[urn] = _without(inner, rest)
        return kept
    head, _, rest = path.partition(".")
    if not rest:
        kept.pop(head, None)
        return kept
    inner = kept.get(head)
    if isinstance(inner, dict):
        kept[head] = _without(inner, rest)
    elif isinstance(inner, list):
        kept[head] = [_without(i, rest) if isinstance(i, dict) else i for i in inner]
    return kept


def test_the_judged_part_leaves_out_in_one_pass_what_leaving_out_each_path_would():
    import random

    from loadscim.scim.bodies import _drop_tree, _kept

    rng = random.Random(5)
    body = {
        "schemas": [USER, EXT],
        "userName": "a",
        "name": {"givenName": "A", "familyName": "B", "formatted": "A B"},
        "emails": [{"value": "a@x", "type": "work", "primary": True}, "odd", {"value": "b@x"}],
        "phoneNumbers": [],
        "title": "x",
        EXT: {"costCenter": "1", "manager": {"value": "m", "displayName": "M"}},
        "urn:scalar:Thing": "s",
        "urn:list:Ext": [{"a": 1, "b": 2}],
        "groups": [{"value": "g"}],
    }
    extra = ["name", "emails", EXT, "nope.deeper", "urn:scalar:Thing", "urn:list:Ext:a"]
    paths = [*attribute_paths(body), *extra]
    for _ in range(300):
        chosen = rng.sample(paths, rng.randint(0, len(paths)))
        expected: dict[str, Any] = dict(body)
        for path in chosen:
            expected = _without(expected, path)
        assert _kept(body, _drop_tree(chosen)) == expected, chosen
    assert body["name"] == {"givenName": "A", "familyName": "B", "formatted": "A B"}

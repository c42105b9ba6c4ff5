"""Unit tests of the embedded target's storage faults, on the storage itself (no server)."""

# scim2-models types resources loosely (Resource[Any], optional ids): read them as Any here.
# mypy: disable-error-code="arg-type, attr-defined, union-attr, var-annotated"

from __future__ import annotations

import json
import time
from typing import Any

import gevent
import pytest
from scim2_models import (
    InvalidValueException,
    NotFoundException,
    PreconditionFailedException,
    ResponseParameters,
    ScimProvider,
    SearchRequest,
    UniquenessException,
)
from scim2_server.service import ScimService
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

from loadscim.target.faults import FaultPlan
from loadscim.target.rows import InternalServerError
from loadscim.target.storage import FaultyStorage

PROVIDER = ScimProvider.from_discovery(
    load_default_schemas().values(),
    load_default_resource_types().values(),
    config=load_default_service_provider_config(),
)
SERVICE = ScimService(PROVIDER)
USER = SERVICE.get_resource_type("User")
GROUP = SERVICE.get_resource_type("Group")
UserModel = SERVICE.get_model(USER)
GroupModel = SERVICE.get_model(GROUP)
SHOWN = ResponseParameters()  # what the handler passes for a client's GET


def storage(*specs: str) -> FaultyStorage:
    return FaultyStorage(FaultPlan.parse(specs, seed=1))


def user(user_name: str, **extra: Any) -> Any:
    return UserModel.model_validate(
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, **extra}
    )


def search(store: FaultyStorage, scim_filter: str) -> list[Any]:
    request = SearchRequest.model_validate({"filter": scim_filter})
    return store.search([USER], request).resources


def race_creates(store: FaultyStorage, name: str, n: int) -> tuple[list[Any], int]:
    def create() -> Any:
        try:
            return store.create(USER, user(name))
        except UniquenessException:
            return None

    greenlets = [gevent.spawn(create) for _ in range(n)]
    gevent.joinall(greenlets, raise_error=True)
    created = [g.value for g in greenlets if g.value is not None]
    return created, n - len(created)


def test_clean_storage_creates_one_of_racing_duplicates() -> None:
    store = storage()
    created, refused = race_creates(store, "alice", 5)
    assert len(created) == 1 and refused == 4


def test_duplicate_create_keeps_both_and_survives_their_deletion() -> None:
    store = storage("duplicate-create")
    # The fault's pause is 1-10 ms; five uniqueness checks on a busy machine can take longer,
    # so the first insert would land before the last check. Pause long enough for all five.
    store.dice.pause = lambda name, low=0.0, high=0.0: 0.25  # type: ignore[method-assign]
    created, _ = race_creates(store, "alice", 5)
    assert len(created) == 5
    assert len(search(store, 'userName eq "alice"')) == 5
    assert len(search(store, 'userName eq "ALICE"')) == 5  # userName is caseExact false
    # a duplicate can still be updated (its userName is not a new conflict) ...
    first = created[0]
    first.display_name = "first"
    store.update(USER, first)
    # ... and every one can be deleted, in any order, without breaking the indexes
    for resource in [created[2], created[0], created[4], created[1], created[3]]:
        store.delete(USER, resource.id)
    assert search(store, 'userName eq "alice"') == []
    again = store.create(USER, user("alice"))
    assert again.id
    # a create that does not race still sees the value taken, fault or not
    with pytest.raises(UniquenessException):
        store.create(USER, user("Alice"))


def test_duplicate_create_leaves_external_id_alone() -> None:
    store = storage()
    store.create(USER, user("a", externalId="x"))
    store.create(USER, user("b", externalId="x"))  # externalId is not unique (RFC 7643)
    assert len(search(store, 'externalId eq "x"')) == 2


def test_500_on_conflict() -> None:
    store = storage("500-on-conflict")
    store.create(USER, user("alice"))
    with pytest.raises(InternalServerError) as raised:
        store.create(USER, user("alice"))
    assert raised.value.to_error().status == 500


def test_ignore_deactivate_answers_but_does_not_write() -> None:
    store = storage("ignore-deactivate")
    created = store.create(USER, user("alice", active=True))
    changed = store.get(USER, created.id)
    changed.active = False
    answered = store.update(USER, changed, expected_version=created.meta.version)
    assert answered.active is False
    assert store.get(USER, created.id).active is True
    # other changes still apply
    changed = store.get(USER, created.id)
    changed.display_name = "Alice"
    store.update(USER, changed)
    assert store.get(USER, created.id).display_name == "Alice"


def test_ignore_update_answers_but_does_not_write() -> None:
    store = storage("ignore-update")
    created = store.create(USER, user("alice"))
    changed = store.get(USER, created.id)
    changed.display_name = "Alice"
    assert store.update(USER, changed).display_name == "Alice"
    assert store.get(USER, created.id).display_name is None


def test_truncate_updates_cuts_changed_strings() -> None:
    store = storage("truncate-updates")
    created = store.create(USER, user("a-long-user-name-kept", title="a-long-title-at-create"))
    changed = store.get(USER, created.id)
    changed.title = "a-long-title-written-later"
    assert store.update(USER, changed).title == "a-long-title"
    kept = store.get(USER, created.id)
    assert kept.title == "a-long-title" and kept.user_name == "a-long-user-name-kept"


def test_write_back_stale_loses_the_update() -> None:
    store = storage("write-back-stale")
    created = store.create(USER, user("alice", title="first"))
    changed = store.get(USER, created.id)
    changed.title = "second"
    assert store.update(USER, changed).title == "second"  # answered as written
    assert store.get(USER, created.id).title == "first"


def test_delete_deactivates_keeps_the_user() -> None:
    store = storage("delete-deactivates")
    created = store.create(USER, user("alice", active=True))
    store.delete(USER, created.id)
    kept = store.get(USER, created.id)
    assert kept.active is False and kept.meta.version != created.meta.version
    assert [r.id for r in search(store, 'userName eq "alice"')] == [created.id]
    store.delete(USER, created.id)  # again: 204, nothing changes
    assert store.get(USER, created.id).meta.version == kept.meta.version
    group = store.create(GROUP, GroupModel(display_name="g"))
    store.delete(GROUP, group.id)  # groups have no active: really deleted
    with pytest.raises(NotFoundException):
        store.get(GROUP, group.id)


def test_lost_update_skips_the_version_check() -> None:
    clean, faulty = storage(), storage("lost-update")
    for store in (clean, faulty):
        created = store.create(USER, user("alice"))
        stale = store.get(USER, created.id)
        fresh = store.get(USER, created.id)
        fresh.display_name = "first"
        store.update(USER, fresh, expected_version=created.meta.version)
        stale.display_name = "second"
        if store is clean:
            with pytest.raises(PreconditionFailedException):
                store.update(USER, stale, expected_version=created.meta.version)
        else:
            store.update(USER, stale, expected_version=created.meta.version)
            assert store.get(USER, created.id).display_name == "second"


def test_stale_read_serves_the_past_to_clients_only() -> None:
    store = storage("stale-read=0.3")
    created = store.create(USER, user("alice", displayName="v1"))
    with pytest.raises(NotFoundException):
        store.get(USER, created.id, response_parameters=SHOWN)
    assert search(store, 'userName eq "alice"') == []
    assert store.get(USER, created.id).display_name == "v1"  # the handler's own read
    time.sleep(0.35)
    assert store.get(USER, created.id, response_parameters=SHOWN).display_name == "v1"

    changed = store.get(USER, created.id)
    changed.display_name = "v2"
    store.update(USER, changed)
    assert store.get(USER, created.id, response_parameters=SHOWN).display_name == "v1"
    assert [r.display_name for r in search(store, 'userName eq "alice"')] == ["v1"]
    time.sleep(0.35)
    assert store.get(USER, created.id, response_parameters=SHOWN).display_name == "v2"

    store.delete(USER, created.id)
    assert store.get(USER, created.id, response_parameters=SHOWN).display_name == "v2"
    assert len(search(store, 'userName eq "alice"')) == 1
    time.sleep(0.35)
    with pytest.raises(NotFoundException):
        store.get(USER, created.id, response_parameters=SHOWN)
    assert search(store, 'userName eq "alice"') == []


def test_strict_email_refuses_special_use_tlds() -> None:
    store = storage("strict-email")
    for address in ("a@example.test", "a@x.invalid", "a@host.local", "a@b.example", "nodomain"):
        with pytest.raises(InvalidValueException) as raised:
            store.create(USER, user(f"u-{address}", emails=[{"value": address}]))
        assert raised.value.to_error().status == 400
        assert "emails[0].value" in str(raised.value)
    created = store.create(USER, user("ok", emails=[{"value": "a@example.com", "type": "work"}]))
    changed = store.get(USER, created.id)
    changed.emails[0].value = "a@example.test"
    with pytest.raises(InvalidValueException):
        store.update(USER, changed)  # a PUT or PATCH is screened too
    assert store.get(USER, created.id).emails[0].value == "a@example.com"


def test_require_formatted_and_no_email_type() -> None:
    store = storage("require-formatted", "no-email-type")
    with pytest.raises(InvalidValueException, match=r"name\.formatted: Field required"):
        store.create(USER, user("a", name={"givenName": "A", "familyName": "B"}))
    formatted = {"givenName": "A", "familyName": "B", "formatted": "A B"}
    with pytest.raises(InvalidValueException, match=r"emails\[0\].type"):
        store.create(USER, user("a", name=formatted, emails=[{"value": "a@b.c", "type": "work"}]))
    with pytest.raises(InvalidValueException, match=r"emails\[0\].primary"):
        store.create(USER, user("a", name=formatted, emails=[{"value": "a@b.c", "primary": True}]))
    assert store.create(USER, user("a", name=formatted, emails=[{"value": "a@b.c"}])).id
    group = GroupModel.model_validate(
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g"}
    )
    assert store.create(GROUP, group).id  # groups have no name.formatted


def test_drop_attribute_stores_nothing_of_it() -> None:
    store = storage("drop-attribute=title,emails.type,displayName")
    created = store.create(
        USER,
        user("a", title="Boss", displayName="A", emails=[{"value": "a@b.c", "type": "work"}]),
    )
    assert created.title is None and created.display_name is None
    assert created.emails[0].type is None and created.emails[0].value == "a@b.c"
    changed = store.get(USER, created.id)
    changed.title = "Admiral"
    assert store.update(USER, changed).title is None
    assert store.get(USER, created.id).title is None
    group = GroupModel.model_validate(
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g"}
    )
    assert store.create(GROUP, group).display_name == "g"  # a group's name stays


def test_undeclare_leaves_attributes_out_of_the_schemas() -> None:
    from scim2_server.utils import load_default_schemas

    from loadscim.target.strict import undeclare

    schemas = [s.model_dump(mode="json", by_alias=True) for s in load_default_schemas().values()]
    body = json.dumps({"Resources": schemas}).encode()
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    left = json.loads(undeclare(("title", "emails.type", f"{enterprise}:department"), body))
    by_id = {s["id"]: s for s in left["Resources"]}
    user = {a["name"]: a for a in by_id["urn:ietf:params:scim:schemas:core:2.0:User"]["attributes"]}
    assert "title" not in user and "nickName" in user
    assert [s["name"] for s in user["emails"]["subAttributes"]] == ["value", "display", "primary"]
    names = [a["name"] for a in by_id[enterprise]["attributes"]]
    assert "department" not in names and "employeeNumber" in names
    one = json.loads(undeclare(("title",), json.dumps(by_id[enterprise]).encode()))
    assert one == by_id[enterprise]  # a plain name is a core schema's

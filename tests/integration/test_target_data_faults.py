"""The embedded target's data faults, for real: strict-email, require-formatted,
no-email-type, drop-attribute, no-schemas (a child process, real HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from target_http import ERROR_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, call

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

NAME = {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"}


@contextmanager
def serve(*faults: str) -> Iterator[str]:
    target = EmbeddedTarget(faults=faults, seed=1)
    with target:
        assert target.url is not None
        yield target.url
    assert target.returncode == 0, target.stderr_text()
    assert "Traceback" not in target.stderr_text()


def user(user_name: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": user_name, **extra}


def test_strict_email_and_require_formatted_refuse_like_real_validators() -> None:
    with serve("strict-email", "require-formatted") as url:
        email = [{"value": "ada@example.test", "type": "work", "primary": True}]
        refused = call("POST", f"{url}/Users", user("a", name=NAME, emails=email))
        assert refused.status == 400
        error = refused.json()
        assert error["schemas"] == [ERROR_SCHEMA] and error["scimType"] == "invalidValue"
        assert "special-use" in error["detail"]
        no_formatted = {"givenName": "Ada", "familyName": "Lovelace"}
        email = [{"value": "ada@example.com", "type": "work", "primary": True}]
        refused = call("POST", f"{url}/Users", user("a", name=no_formatted, emails=email))
        assert refused.status == 400 and "name.formatted" in refused.json()["detail"]
        created = call("POST", f"{url}/Users", user("a", name=NAME, emails=email))
        assert created.status == 201
        found = call("GET", f"{url}/Users?filter=userName%20eq%20%22a%22").json()
        assert found["totalResults"] == 1  # nothing of the refused creates was stored


def test_no_email_type_refuses_type_and_primary() -> None:
    with serve("no-email-type") as url:
        typed = [{"value": "ada@example.com", "type": "work"}]
        refused = call("POST", f"{url}/Users", user("a", emails=typed))
        assert refused.status == 400 and "emails[0].type" in refused.json()["detail"]
        plain = [{"value": "ada@example.com"}]
        assert call("POST", f"{url}/Users", user("a", emails=plain)).status == 201


def test_drop_attribute_answers_without_it_and_never_stores_it() -> None:
    with serve("drop-attribute=title,emails.type") as url:
        email = [{"value": "ada@example.com", "type": "work", "primary": True}]
        created = call("POST", f"{url}/Users", user("a", title="Boss", emails=email))
        assert created.status == 201
        body = created.json()
        assert "title" not in body and body["emails"] == [
            {"value": "ada@example.com", "primary": True}
        ]
        location = created.headers["location"]
        patch = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "title", "value": "Admiral"}],
        }
        assert call("PATCH", location, patch).status in (200, 204)
        assert "title" not in call("GET", location).json()


def test_no_schemas_hides_schemas_only() -> None:
    with serve("no-schemas") as url:
        assert call("GET", f"{url}/Schemas").status == 404
        assert call("GET", f"{url}/Schemas/{USER_SCHEMA}").status == 404
        assert call("GET", f"{url}/ResourceTypes").status == 200
        assert call("GET", f"{url}/ServiceProviderConfig").status == 200
    with serve() as url:
        assert call("GET", f"{url}/Schemas").status == 200


def test_undeclared_leaves_schemas_out_but_stores() -> None:
    with serve("undeclared=title") as url:
        schemas = call("GET", f"{url}/Schemas").json()["Resources"]
        core = next(s for s in schemas if s["id"] == USER_SCHEMA)
        assert "title" not in [a["name"] for a in core["attributes"]]
        one = call("GET", f"{url}/Schemas/{USER_SCHEMA}").json()
        assert "title" not in [a["name"] for a in one["attributes"]]
        created = call("POST", f"{url}/Users", user("a", title="Boss"))
        assert created.status == 201 and created.json()["title"] == "Boss"

"""The ``okta`` dialect: Okta's outbound SCIM 2.0 client.

Source: Okta's "SCIM 2.0 Protocol Reference" ("Okta and SCIM Version 2.0"),
https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20; its requests are in
``samples/okta-scim20-*.json``.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from loadscim.scim import payloads
from loadscim.scim.dialects.request import MemberLike, Request
from loadscim.scim.dialects.rfc import Dialect, check_changes, page_query, with_step
from loadscim.scim.patch import parse_filter, parse_path

OKTA_USER_AGENT = "Okta SCIM Client 1.0.0"
"""Documented on every request of Okta's SCIM 2.0 reference."""


@dataclass(frozen=True)
class OktaDialect(Dialect):
    """Okta's SCIM 2.0 client, as its "SCIM 2.0 Protocol Reference" shows it.

    Every request carries ``User-Agent: Okta SCIM Client 1.0.0``. Profile updates are a GET
    and a PUT of the whole user; PATCH only activates, deactivates (and syncs passwords,
    which loadscim does not model); users are never deleted; pushed groups are created empty
    and their membership changes by PATCH, each followed by a rename PATCH.
    """

    name: str = "okta"
    user_agent: str | None = OKTA_USER_AGENT

    unsupported: ClassVar[Mapping[str, str]] = {
        "hard_delete_user": "\"Okta doesn't perform DELETE operations on User objects in your "
        'SCIM application" (Okta SCIM 2.0 reference); use deprovision_user',
        "lookup_group": "Okta's SCIM 2.0 reference documents no group lookup by name; Okta "
        "imports groups with import_groups",
    }
    group_members_on_create: ClassVar[bool] = False

    def lookup_user(self, user_name: str) -> Request:
        """Okta: "Okta checks that the User object exists on the SCIM server through a GET
        method request with the filter=userName parameter", e.g. ``GET /scim/v2/Users?filter=
        userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100``."""
        query = {"filter": payloads.eq_filter("userName", user_name), **page_query(1)}
        return self._request("lookup_user", "search", "User", query=query)

    def lookup_user_by_external_id(self, external_id: str) -> Request:
        """Okta: "(or any other filter parameter that was configured with the SCIM
        integration). This check is performed using the eq (equal) operator"."""
        query = {"filter": payloads.eq_filter("externalId", external_id), **page_query(1)}
        return self._request("lookup_user_by_external_id", "search", "User", query=query)

    def create_user(
        self,
        user_name: str,
        external_id: str | None,
        given: str,
        family: str,
        email: str | None = None,
        active: bool = True,
        *,
        password: str | None = None,
    ) -> Request:
        """Okta: "If the User object isn't found on the SCIM server, then Okta attempts to
        create it through a POST method request that contains the user's application
        profile": ``userName``, ``name``, a primary work email, ``displayName``,
        ``locale`` ``en-US``, ``externalId``, ``groups: []``, a ``password`` and
        ``active``. Without ``password``, one is derived from the userName (stable)."""
        body: dict[str, Any] = {
            "schemas": [payloads.USER_SCHEMA],
            "userName": user_name,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"primary": True, "value": email or user_name, "type": "work"}],
            "displayName": f"{given} {family}",
            "locale": "en-US",
        }
        if external_id is not None:
            body["externalId"] = external_id
        body["groups"] = []
        body["password"] = password if password is not None else _password(user_name)
        body["active"] = active
        return self._request("create_user", "create", "User", body=body)

    def update_profile(
        self,
        user_id: str,
        current_resource: Mapping[str, Any] | None,
        changes: Mapping[str, Any],
    ) -> Request:
        """Okta: "To update a user, Okta first makes a GET method request to
        /Users/${userID} ... After the User object is retrieved from the SCIM server, Okta
        modifies the attributes that were changed and runs a PUT method request with the new
        body". ``current_resource`` is what that GET (:meth:`get_user`) returned; the PUT
        sends it back, ``id`` and ``meta`` included, with ``changes`` applied."""
        if not isinstance(current_resource, Mapping):
            raise ValueError("okta update_profile needs the resource its GET returned")
        check_changes(changes)
        body = copy.deepcopy(dict(current_resource))
        for path, value in changes.items():
            _set_path(body, path, value)
        return self._request("update_profile", "replace", "User", user_id, body=body)

    def set_active(self, user_id: str, active: bool) -> Request:
        """Okta: "When a user is deactivated, Okta sends this request":
        ``{"op":"replace","value":{"active":false}}`` (no path); reactivation likewise."""
        operation = self._op("replace", None, {"active": active})
        return self._patch("set_active", "User", user_id, [operation])

    def deprovision_user(self, user_id: str) -> Request:
        """Okta: "If a user is suspended, deactivated, or removed from your integration
        inside Okta, then Okta sends a request to your SCIM application to set the active
        attribute to false" (the :meth:`set_active` PATCH)."""
        request = self.set_active(user_id, False)
        return with_step(request, "deprovision_user")

    def create_group(
        self,
        display_name: str,
        member_ids: Sequence[str] = (),
        *,
        external_id: str | None = None,
    ) -> Request:
        """Okta (Push Groups): ``POST /Groups`` with
        ``{"schemas":[...Group],"displayName":"Test SCIMv2","members":[]}``; members follow
        by PATCH."""
        self._empty_group_only(member_ids, 'Okta pushes a group with "members": []')
        body: dict[str, Any] = {"schemas": [payloads.GROUP_SCHEMA], "displayName": display_name}
        if external_id is not None:
            body["externalId"] = external_id
        body["members"] = []
        return self._request("create_group", "create", "Group", body=body)

    def remove_members(self, group_id: str, member_ids: Iterable[str]) -> Request:
        """Okta: ``{"op":"remove","path":"members[value eq \\"<id>\\"]"}`` per member."""
        return super().remove_members(group_id, member_ids)

    def add_members(self, group_id: str, members: Iterable[MemberLike]) -> Request:
        """Okta: ``{"op":"add","path":"members","value":[{"value":"<id>",
        "display":"test.user@okta.local"}]}``."""
        return super().add_members(group_id, members)

    def change_members(
        self,
        group_id: str,
        add: Iterable[MemberLike] = (),
        remove: Iterable[str] = (),
    ) -> Request:
        """Okta (Update specific Group membership): one PATCH whose operations are the
        removals by value filter, then one add of ``members`` with ``value`` and
        ``display``."""
        return super().change_members(group_id, add, remove)

    def replace_members(self, group_id: str, members: Iterable[MemberLike]) -> Request:
        """Okta: "You can also send a full push of the membership to the SCIM server using
        the replace operation": ``{"op":"replace","path":"members","value":[...]}``."""
        return super().replace_members(group_id, members)

    def rename_group(self, group_id: str, display_name: str) -> Request:
        """Okta (Update a specific Group name): ``{"op":"replace","value":{"id":"<gid>",
        "displayName":"..."}}``, no path, the group's id inside the value."""
        operation = self._op("replace", None, {"id": group_id, "displayName": display_name})
        return self._patch("rename_group", "Group", group_id, [operation])

    def push_group_membership(
        self,
        group_id: str,
        display_name: str,
        add: Iterable[MemberLike] = (),
        remove: Iterable[str] = (),
    ) -> tuple[Request, ...]:
        """Okta: "The group name update operation is triggered each time there is a group
        membership update operation": the :meth:`change_members` PATCH, then the
        :meth:`rename_group` PATCH with the unchanged name (the reference does not say which
        comes first; loadscim sends the membership first)."""
        return (
            self.change_members(group_id, add, remove),
            self.rename_group(group_id, display_name),
        )

    def import_users(self, start_index: int = 1) -> Request:
        """Okta: "When importing User objects from the SCIM server, Okta accesses the
        /Users endpoint and processes them page by page":
        ``GET /scim/v2/Users?startIndex=1&count=100``, then ``startIndex`` + 100."""
        return super().import_users(start_index)

    def import_groups(self, start_index: int = 1) -> Request:
        """Okta: ``GET /scim/v2/Groups?startIndex=1&count=100``, then ``startIndex`` + 100."""
        return super().import_groups(start_index)


def _password(user_name: str) -> str:
    """A stable 8-character password for a user (Okta's sample: ``1mz050nq``)."""
    return hashlib.sha256(f"loadscim:{user_name}".encode()).hexdigest()[:8]


def _key(container: Mapping[str, Any], name: str) -> str:
    """The key of ``container`` that spells ``name`` (case-insensitively), or ``name``."""
    if name in container:
        return name
    lowered = name.lower()
    return next((k for k in container if isinstance(k, str) and k.lower() == lowered), name)


def _set_path(resource: dict[str, Any], path: str, value: Any) -> None:
    """Write ``value`` at an attribute path of a resource, as Okta edits the user it read.

    ``title``, ``name.middleName``, ``emails[type eq "work"].value`` (a new item with
    ``type: work`` when none matches) and ``urn:...:User:employeeNumber`` (the extension's
    schema is added to ``schemas``).
    """
    attribute, value_filter, sub = parse_path(path)
    container: dict[str, Any] = resource
    if attribute.lower().startswith("urn:"):
        urn, _, attribute = attribute.rpartition(":")
        schemas = resource.setdefault("schemas", [])
        if urn.lower() not in (s.lower() for s in schemas):
            schemas.append(urn)
        container = resource.setdefault(_key(resource, urn), {})
    key = _key(container, attribute)
    if value_filter is None:
        if sub is None:
            container[key] = value
        else:
            parent = container.setdefault(key, {})
            parent[_key(parent, sub)] = value
        return
    if sub is None:
        raise ValueError(f"path {path!r}: name a sub-attribute of the filtered value")
    connective, terms = parse_filter(value_filter)
    items = container.setdefault(key, [])
    for item in items:
        if isinstance(item, dict) and _matches(item, connective, terms):
            item[_key(item, sub)] = value
            return
    if connective != "and":
        raise ValueError(f"path {path!r}: no value matches, and an 'or' filter makes none")
    items.append({**dict(terms), sub: value})


def _matches(item: Mapping[str, Any], connective: str, terms: list[tuple[str, Any]]) -> bool:
    results = []
    for attribute, expected in terms:
        actual = item.get(_key(item, attribute))
        if isinstance(actual, str) and isinstance(expected, str):
            results.append(actual.lower() == expected.lower())
        else:
            results.append(actual == expected)
    return any(results) if connective == "or" else all(results)

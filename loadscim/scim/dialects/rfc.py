"""The ``rfc`` dialect (RFC 7644 as written) and the base class of the vendor dialects."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote

from loadscim.scim import payloads
from loadscim.scim.dialects.request import Member, MemberLike, Request, UnsupportedStep

IMPORT_COUNT = 100
"""Okta: "Okta uses count=100 as the pagination reference to return up to 100 elements"."""

_METHODS = {
    "create": "POST",
    "get": "GET",
    "search": "GET",
    "replace": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
}
_PATHS = {"User": "/Users", "Group": "/Groups"}


@dataclass(frozen=True)
class Dialect:
    """The ``rfc`` dialect (RFC 7644 as written), and the base of the vendor dialects.

    Every step returns a :class:`Request` (``push_group_membership`` a tuple of them).
    """

    name: str = "rfc"
    user_agent: str | None = None
    """The User-Agent header the identity provider sends (None: no header of its own)."""
    user_agent_documented: bool = True
    """False when :attr:`user_agent` is a guess (Entra ID)."""

    unsupported: ClassVar[Mapping[str, str]] = {}
    """Step name -> why this identity provider does not take that step."""
    group_members_on_create: ClassVar[bool] = True
    """Whether :meth:`create_group` sends members (the IdPs create groups empty)."""

    # -- helpers --------------------------------------------------------------------------

    def supports(self, step: str) -> bool:
        """Whether the dialect has the step (a method name such as ``hard_delete_user``)."""
        return callable(getattr(self, step, None)) and step not in self.unsupported

    def _require(self, step: str) -> None:
        reason = self.unsupported.get(step)
        if reason is not None:
            raise UnsupportedStep(f"dialect {self.name!r} has no {step}: {reason}")

    def _headers(self) -> dict[str, str]:
        return {"User-Agent": self.user_agent} if self.user_agent else {}

    def _request(
        self,
        step: str,
        kind: str,
        resource_type: str,
        resource_id: str | None = None,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Request:
        path = _PATHS[resource_type]
        if resource_id is not None:
            path = f"{path}/{quote(resource_id, safe='')}"
        return Request(
            method=_METHODS[kind],
            path=path,
            query=dict(query or {}),
            body=body,
            headers=self._headers(),
            kind=kind,
            resource_type=resource_type,
            resource_id=resource_id,
            step=step,
        )

    def _op(self, name: str, path: str | None = None, value: Any = None) -> dict[str, Any]:
        """One PATCH operation, its ``op`` spelled the way this identity provider spells it."""
        return payloads.patch_op(name, path, value)

    def _patch(
        self, step: str, resource_type: str, resource_id: str, operations: Iterable[Any]
    ) -> Request:
        body = payloads.patch(operations)
        return self._request(step, "patch", resource_type, resource_id, body=body)

    def _member_value(self, member: MemberLike) -> dict[str, Any]:
        member = Member.of(member)
        item: dict[str, Any] = {"value": member.value}
        if member.display is not None:
            item["display"] = member.display
        return item

    # -- users ----------------------------------------------------------------------------

    def lookup_user(self, user_name: str) -> Request:
        """``GET /Users?filter=userName eq "..."`` (RFC 7644 3.4.2.2)."""
        self._require("lookup_user")
        query = {"filter": payloads.eq_filter("userName", user_name)}
        return self._request("lookup_user", "search", "User", query=query)

    def lookup_user_by_external_id(self, external_id: str) -> Request:
        """``GET /Users?filter=externalId eq "..."``."""
        self._require("lookup_user_by_external_id")
        query = {"filter": payloads.eq_filter("externalId", external_id)}
        return self._request("lookup_user_by_external_id", "search", "User", query=query)

    def get_user(self, user_id: str) -> Request:
        """``GET /Users/{id}`` (RFC 7644 3.4.1)."""
        self._require("get_user")
        return self._request("get_user", "get", "User", user_id)

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
        """``POST /Users`` with a name, a primary work email and ``active`` (RFC 7644 3.3)."""
        self._require("create_user")
        body = payloads.user(
            user_name,
            external_id=external_id,
            given_name=given,
            family_name=family,
            active=active,
            email=email,
        )
        if password is not None:
            body["password"] = password
        return self._request("create_user", "create", "User", body=body)

    def update_profile(
        self,
        user_id: str,
        current_resource: Mapping[str, Any] | None,
        changes: Mapping[str, Any],
    ) -> Request:
        """``PATCH /Users/{id}`` with one ``replace`` per changed attribute path
        (RFC 7644 3.5.2.3). ``changes`` maps paths (``name.familyName``,
        ``emails[type eq "work"].value``, ``urn:...:User:employeeNumber``) to new values."""
        self._require("update_profile")
        check_changes(changes)
        operations = [self._op("replace", path, value) for path, value in changes.items()]
        return self._patch("update_profile", "User", user_id, operations)

    def set_active(self, user_id: str, active: bool) -> Request:
        """``{"op":"replace","path":"active","value":false}`` (RFC 7644 3.5.2.3)."""
        self._require("set_active")
        operation = self._op("replace", "active", active)
        return self._patch("set_active", "User", user_id, [operation])

    def deprovision_user(self, user_id: str) -> Request:
        """RFC 7644 has no soft delete: deprovisioning is ``DELETE /Users/{id}`` (3.6)."""
        self._require("deprovision_user")
        return self._request("deprovision_user", "delete", "User", user_id)

    def hard_delete_user(self, user_id: str) -> Request:
        """``DELETE /Users/{id}`` (RFC 7644 3.6)."""
        self._require("hard_delete_user")
        return self._request("hard_delete_user", "delete", "User", user_id)

    # -- groups ---------------------------------------------------------------------------

    def create_group(
        self,
        display_name: str,
        member_ids: Sequence[str] = (),
        *,
        external_id: str | None = None,
    ) -> Request:
        """``POST /Groups`` with its members (RFC 7643 4.2)."""
        self._require("create_group")
        body = payloads.group(display_name, member_ids, external_id=external_id)
        return self._request("create_group", "create", "Group", body=body)

    def _empty_group_only(self, member_ids: Sequence[str], why: str) -> None:
        if member_ids:
            raise UnsupportedStep(
                f"dialect {self.name!r} creates groups empty ({why}): create the group "
                f"without members, then add_members"
            )

    def lookup_group(self, display_name: str) -> Request:
        """``GET /Groups?filter=displayName eq "..."``."""
        self._require("lookup_group")
        query = {"filter": payloads.eq_filter("displayName", display_name)}
        return self._request("lookup_group", "search", "Group", query=query)

    def get_group(self, group_id: str) -> Request:
        """``GET /Groups/{id}``."""
        self._require("get_group")
        return self._request("get_group", "get", "Group", group_id)

    def add_members(self, group_id: str, members: Iterable[MemberLike]) -> Request:
        """``{"op":"add","path":"members","value":[{"value":"<id>"}]}`` (RFC 7644 3.5.2.1)."""
        self._require("add_members")
        return self._patch("add_members", "Group", group_id, self._add_ops(members))

    def _add_ops(self, members: Iterable[MemberLike]) -> list[dict[str, Any]]:
        values = [self._member_value(m) for m in members]
        return [self._op("add", "members", values)] if values else []

    def remove_members(self, group_id: str, member_ids: Iterable[str]) -> Request:
        """One ``{"op":"remove","path":"members[value eq \\"<id>\\"]"}`` per member
        (RFC 7644 3.5.2.2)."""
        self._require("remove_members")
        return self._patch("remove_members", "Group", group_id, self._remove_ops(member_ids))

    def _remove_ops(self, member_ids: Iterable[str]) -> list[dict[str, Any]]:
        return [
            self._op("remove", f"members[{payloads.eq_filter('value', member_id)}]")
            for member_id in member_ids
        ]

    def change_members(
        self,
        group_id: str,
        add: Iterable[MemberLike] = (),
        remove: Iterable[str] = (),
    ) -> Request:
        """One PATCH that removes and adds members: the remove operations, then the add."""
        self._require("change_members")
        operations = [*self._remove_ops(remove), *self._add_ops(add)]
        return self._patch("change_members", "Group", group_id, operations)

    def replace_members(self, group_id: str, members: Iterable[MemberLike]) -> Request:
        """``{"op":"replace","path":"members","value":[...]}``: the whole member list."""
        self._require("replace_members")
        operation = self._op("replace", "members", [self._member_value(m) for m in members])
        return self._patch("replace_members", "Group", group_id, [operation])

    def rename_group(self, group_id: str, display_name: str) -> Request:
        """``{"op":"replace","path":"displayName","value":"..."}``."""
        self._require("rename_group")
        operation = self._op("replace", "displayName", display_name)
        return self._patch("rename_group", "Group", group_id, [operation])

    def push_group_membership(
        self,
        group_id: str,
        display_name: str,
        add: Iterable[MemberLike] = (),
        remove: Iterable[str] = (),
    ) -> tuple[Request, ...]:
        """The requests a membership update of a group takes: here one
        :meth:`change_members` PATCH (``display_name`` is not sent)."""
        self._require("push_group_membership")
        return (self.change_members(group_id, add, remove),)

    def delete_group(self, group_id: str) -> Request:
        """``DELETE /Groups/{id}``."""
        self._require("delete_group")
        return self._request("delete_group", "delete", "Group", group_id)

    # -- import ---------------------------------------------------------------------------

    def import_users(self, start_index: int = 1) -> Request:
        """``GET /Users?startIndex=N&count=100`` (RFC 7644 3.4.2.4)."""
        self._require("import_users")
        return self._request("import_users", "search", "User", query=page_query(start_index))

    def import_groups(self, start_index: int = 1) -> Request:
        """``GET /Groups?startIndex=N&count=100``."""
        self._require("import_groups")
        return self._request("import_groups", "search", "Group", query=page_query(start_index))

    def next_import_index(self, start_index: int, total_results: int) -> int | None:
        """The ``startIndex`` of the next import page, or None after the last one. Okta:
        "the startIndex becomes startIndex+100 ... This pagination operation repeats until
        all pages are viewed"."""
        following = start_index + IMPORT_COUNT
        return following if following <= total_results else None


def page_query(start_index: int) -> dict[str, str]:
    return {"startIndex": str(start_index), "count": str(IMPORT_COUNT)}


def with_step(request: Request, step: str) -> Request:
    return dataclasses.replace(request, step=step)


def check_changes(changes: Mapping[str, Any]) -> None:
    if not changes:
        raise ValueError("update_profile needs at least one change")
    for path, value in changes.items():
        if value is None:
            raise ValueError(f"update_profile: {path!r} -> None; a change sets a value")

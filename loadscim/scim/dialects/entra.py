"""The ``entra`` and ``entra-compliant`` dialects: the Microsoft Entra ID provisioning service.

Sources: "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
(https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
and "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user
provisioning service"
(https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility),
whose ``aadOptscim062020`` flag gives ``entra-compliant``; their requests are in
``samples/entra-*.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from loadscim.scim import payloads
from loadscim.scim.dialects.request import Member, MemberLike, Request
from loadscim.scim.dialects.rfc import Dialect, check_changes, with_step
from loadscim.scim.patch import read_attribute

ENTRA_USER_AGENT_GUESS = "Microsoft Azure AD SCIM provisioning"
"""A GUESS: Microsoft's documentation does not say what User-Agent the provisioning service
sends. Third-party SCIM server code (found by code search) recognises Entra ID by the
substring ``microsoft azure ad scim provisioning``; the full header may say more."""

ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ENTRA_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
"""The second schema URI of Entra ID's Create Group request (tutorial sample)."""


_ENTRA_NO_IMPORT = (
    "Entra ID does not page through resources: it matches each one with a filter query "
    "(lookup_user, lookup_user_by_external_id, lookup_group)"
)


@dataclass(frozen=True)
class EntraDialect(Dialect):
    """The Microsoft Entra ID provisioning service (``entra``), or with the
    ``aadOptscim062020`` flag (``entra-compliant``, ``compliant=True``).

    By default "Microsoft Entra ID emits the values of op as Add, Replace, and Remove",
    sends ``active`` as the string ``"False"``, removes members by value, and replaces
    several attributes with one operation each. The flag makes ops lower-case and booleans
    real, removes members by a filter path, and puts a multi-attribute replace in one
    path-less object with dotted keys. Users are soft-deleted by ``active=false``; DELETE
    only on hard delete.
    """

    name: str = "entra"
    user_agent: str | None = ENTRA_USER_AGENT_GUESS
    user_agent_documented: bool = False
    compliant: bool = False
    """Whether the tenant URL carries ``aadOptscim062020``."""

    unsupported: ClassVar[Mapping[str, str]] = {
        "import_users": _ENTRA_NO_IMPORT,
        "import_groups": _ENTRA_NO_IMPORT,
        "replace_members": "Microsoft documents member adds and removes, never a replace "
        "of the whole member list",
    }
    group_members_on_create: ClassVar[bool] = False

    def _op(self, name: str, path: str | None = None, value: Any = None) -> dict[str, Any]:
        """Entra ID: "Microsoft Entra ID emits the values of op as Add, Replace, and Remove";
        with ``aadOptscim062020``, lower-case ``add``, ``replace``, ``remove``."""
        return payloads.patch_op(name if self.compliant else name.capitalize(), path, value)

    def _member_value(self, member: MemberLike) -> dict[str, Any]:
        """Entra ID (Update Group [Add Members]): ``{"$ref": null, "value": "<id>"}``."""
        return {"$ref": None, "value": Member.of(member).value}

    def lookup_user(self, user_name: str) -> Request:
        """Entra ID: "users are retrieved with their id and queried with their username and
        externalId": ``GET /Users?filter=userName eq "Test_User_..."``; only ``eq`` and
        ``and``."""
        return super().lookup_user(user_name)

    def lookup_user_by_external_id(self, external_id: str) -> Request:
        """Entra ID: "Microsoft Entra ID queries the service for a user with an externalId
        attribute value matching the mailNickname attribute value of a user". The tutorial
        prints it unquoted (``filter=externalId eq jyoung``), which is not a SCIM filter;
        loadscim quotes the value (``samples/entra-tutorial-query-by-externalid.json``)."""
        return super().lookup_user_by_external_id(external_id)

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
        """Entra ID (Create User): core and enterprise schemas, ``externalId`` (the Entra
        object), ``userName``, ``"active": true``, a primary work email,
        ``"meta": {"resourceType": "User"}``, a ``name`` with ``formatted`` and
        ``"roles": []``. Entra ID sends no password (``password`` is ignored)."""
        body: dict[str, Any] = {"schemas": [payloads.USER_SCHEMA, ENTERPRISE_USER_SCHEMA]}
        if external_id is not None:
            body["externalId"] = external_id
        body.update(
            {
                "userName": user_name,
                "active": active,
                "emails": [{"primary": True, "type": "work", "value": email or user_name}],
                "meta": {"resourceType": "User"},
                "name": {
                    "formatted": f"{given} {family}",
                    "familyName": family,
                    "givenName": given,
                },
                "roles": [],
            }
        )
        return self._request("create_user", "create", "User", body=body)

    def update_profile(
        self,
        user_id: str,
        current_resource: Mapping[str, Any] | None,
        changes: Mapping[str, Any],
    ) -> Request:
        """Entra ID (Update User [Multi-valued properties]): one ``Replace`` per changed
        path, e.g. ``emails[type eq \\"work\\"].value`` and ``name.familyName``; an
        attribute the user does not have yet is an ``Add`` ("Requests made to add a
        single-value string attribute": ``{"op":"Add","path":"nickName","value":"Babs"}``).
        With ``aadOptscim062020``, "Requests to replace multiple attributes" keep the
        filtered paths as their own ``replace`` and put the others in one path-less
        ``{"op":"replace","value":{"displayName":...,"name.givenName":...}}``.
        ``current_resource`` (what the service last saw; None: unknown) decides Add."""
        check_changes(changes)
        plain = {path: value for path, value in changes.items() if "[" not in path}
        if self.compliant and len(plain) > 1:
            operations = [
                self._op("replace", path, value) for path, value in changes.items() if "[" in path
            ]
            operations.append(self._op("replace", None, plain))
        else:
            operations = [
                self._op(_add_or_replace(current_resource, path), path, value)
                for path, value in changes.items()
            ]
        return self._patch("update_profile", "User", user_id, operations)

    def set_active(self, user_id: str, active: bool) -> Request:
        """Entra ID ("Requests made to disable users"): without the flag
        ``{"op":"Replace","path":"active","value":"False"}``, the boolean as a string; with
        ``aadOptscim062020`` ``{"op":"replace","path":"active","value":false}``."""
        value: Any = active if self.compliant else str(active)
        return self._patch("set_active", "User", user_id, [self._op("replace", "active", value)])

    def deprovision_user(self, user_id: str) -> Request:
        """Entra ID: "Soft-deleting a user active=false and restoring the user active=true
        ... The only time the user shouldn't be returned is when it's hard deleted" (the
        :meth:`set_active` PATCH)."""
        return with_step(self.set_active(user_id, False), "deprovision_user")

    def hard_delete_user(self, user_id: str) -> Request:
        """Entra ID (Delete User, "Deprovision a user"): ``DELETE /Users/{id}``."""
        return super().hard_delete_user(user_id)

    def create_group(
        self,
        display_name: str,
        member_ids: Sequence[str] = (),
        *,
        external_id: str | None = None,
    ) -> Request:
        """Entra ID: "Groups are created with an empty members list": ``POST /Groups`` with
        the core and ``ADSCIM/2.0/Group`` schemas, ``externalId`` (the Entra object id),
        ``displayName`` and ``"meta": {"resourceType": "Group"}``; members follow by
        PATCH."""
        self._empty_group_only(member_ids, "Entra ID creates groups with no members")
        body: dict[str, Any] = {"schemas": [payloads.GROUP_SCHEMA, ENTRA_GROUP_SCHEMA]}
        if external_id is not None:
            body["externalId"] = external_id
        body["displayName"] = display_name
        body["meta"] = {"resourceType": "Group"}
        return self._request("create_group", "create", "Group", body=body)

    def lookup_group(self, display_name: str) -> Request:
        """Entra ID (Get Group by displayName):
        ``GET /Groups?excludedAttributes=members&filter=displayName eq "displayName"``."""
        query = {
            "excludedAttributes": "members",
            "filter": payloads.eq_filter("displayName", display_name),
        }
        return self._request("lookup_group", "search", "Group", query=query)

    def get_group(self, group_id: str) -> Request:
        """Entra ID: "Requests to retrieve groups specify that the members attribute is to be
        excluded": ``GET /Groups/{id}?excludedAttributes=members``."""
        query = {"excludedAttributes": "members"}
        return self._request("get_group", "get", "Group", group_id, query=query)

    def add_members(self, group_id: str, members: Iterable[MemberLike]) -> Request:
        """Entra ID (Update Group [Add Members]):
        ``{"op":"Add","path":"members","value":[{"$ref":null,"value":"<id>"}]}``. With the
        flag the op is ``add`` (Microsoft shows no flagged sample of this request)."""
        return super().add_members(group_id, members)

    def _remove_ops(self, member_ids: Iterable[str]) -> list[dict[str, Any]]:
        if self.compliant:
            return super()._remove_ops(member_ids)
        values = [{"value": member_id} for member_id in member_ids]
        return [self._op("remove", "members", values)] if values else []

    def remove_members(self, group_id: str, member_ids: Iterable[str]) -> Request:
        """Entra ID ("Requests made to remove a group member"): without the flag
        ``{"op":"Remove","path":"members","value":[{"value":"u1091"}]}``; with
        ``aadOptscim062020`` ``{"op":"remove","path":"members[value eq \\"<id>\\"]"}``."""
        return super().remove_members(group_id, member_ids)

    def change_members(
        self,
        group_id: str,
        add: Iterable[MemberLike] = (),
        remove: Iterable[str] = (),
    ) -> Request:
        """Removals and adds in one PATCH. Microsoft shows them separately; its gallery
        checklist asks servers to "Support updating multiple group memberships with a single
        PATCH"."""
        return super().change_members(group_id, add, remove)

    def rename_group(self, group_id: str, display_name: str) -> Request:
        """Entra ID (Update Group [Non-member attributes]):
        ``{"op":"Replace","path":"displayName","value":"..."}`` (``replace`` with the flag)."""
        return super().rename_group(group_id, display_name)

    def delete_group(self, group_id: str) -> Request:
        """Entra ID (Delete Group): ``DELETE /Groups/{id}``."""
        return super().delete_group(group_id)


def _add_or_replace(current_resource: Mapping[str, Any] | None, path: str) -> str:
    """Entra ID adds an attribute the user does not have yet and replaces the others; a
    filtered path (``emails[type eq "work"].value``) is always replaced."""
    if current_resource is None or "[" in path:
        return "replace"
    return "add" if read_attribute(current_resource, path) is None else "replace"

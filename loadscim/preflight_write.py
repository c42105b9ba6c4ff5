"""The write pre-flight: before any load, one create the way the scenario creates.

It creates one namespaced User with the body the run sends (the scenario's dialect, shaped by
templates and /Schemas: :mod:`loadscim.scim.bodies`), reads it back, and for scenarios that
make groups, one Group (the body scenarios send, or the group template); then deletes them.
Then:

- a refused body (400, 422 ...) ends the run before the load: one line with the status, the
  server's ``detail`` and the fix (``--user-template`` / ``--group-template``), exit code 3
  (:class:`~loadscim.errors.BodyRefused`);
- an attribute sent, accepted, and absent from the read-back is not stored: it is listed in
  :attr:`Capabilities.unstored_attributes <loadscim.preflight.Capabilities>`, one note, and
  not judged ("the target does not store title, emails[].type: not judged");
- whatever happened (refused, unanswered, a delete that failed), what it made is looked up by
  its exact name and deleted: nothing of it stays on the target.

A create that gets no usable answer (5xx, 429, a timeout) is tried again a few times; if none
gets through, the run goes on without this check (a note says so): the load will meet and
count those answers itself.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from loadscim.client import ScimClient
from loadscim.errors import BodyRefused, TargetAuthError
from loadscim.ops import Op
from loadscim.preflight import Capabilities
from loadscim.scim import payloads
from loadscim.scim.dialects import Dialect
from loadscim.scim.namespace import Namespace
from loadscim.scim.templates import attribute_paths

ATTEMPTS = 4
READ_TRIES = 8
"""Read-backs tried while the new resource is not found yet (a lagging replica)."""
NOT_COMPARED = frozenset({"password", "groups", "meta", "schemas", "id"})
"""Top-level attributes never expected back: ``password`` is ``returned: never``, ``groups``
is read-only (RFC 7643 4.1)."""
_NOT_A_REFUSAL = frozenset({401, 403, 404, 405, 408, 409, 429})


def write_preflight(
    client: ScimClient,
    capabilities: Capabilities,
    namespace: Namespace,
    dialect: Dialect,
    *,
    url: str,
    group: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Capabilities, list[str]]:
    """Run the write pre-flight; the capabilities with ``unstored_attributes``, and notes.

    :raises BodyRefused: the target refused the create body.
    :raises TargetAuthError: the credentials may read but not write.
    """
    tag = f"preflight-{secrets.token_hex(3)}"
    literal = dialect.name != "rfc"  # sent as the scenario's users send it
    user_name = namespace.user_name(tag)
    group_name = namespace.display_name(f"{tag}g")
    notes: list[str] = []
    made: list[tuple[str, str]] = []
    try:
        request = dialect.create_user(
            user_name, namespace.external_id(tag), "Pre", "Flight", payloads.email_of(user_name)
        )
        created = _create(
            client, lambda: client.execute(request, literal=literal), "User", url, sleep
        )
        if created is None:
            notes.append(
                "write pre-flight: POST /Users got no usable answer; the bodies were not "
                "checked before the load"
            )
            return capabilities, notes
        made.append(("User", str(created.resource_id)))
        sent = created.value if isinstance(created.value, Mapping) else {}
        read = _read_back(client, "User", str(created.resource_id), sleep)
        if read is not None:
            unstored = unstored_paths(sent, read)
            if unstored:
                capabilities = dataclasses.replace(
                    capabilities, unstored_attributes=tuple(unstored)
                )
        if group and capabilities.lacks("Group") is None:
            # The groups scenarios make themselves (the IdPs' own group creates are judged
            # for compatibility during the run).
            group_body = payloads.group(group_name, external_id=namespace.external_id(f"{tag}g"))
            made_group = _create(
                client, lambda: client.create("Group", group_body), "Group", url, sleep
            )
            if made_group is not None:
                made.append(("Group", str(made_group.resource_id)))
    finally:
        _remove(client, made, user_name, group_name if group else None)
    note = capabilities.unjudged_note()
    if note:
        notes.append(note)
    return capabilities, notes


def _create(
    client: ScimClient,
    send: Callable[[], Op],
    resource_type: str,
    url: str,
    sleep: Callable[[float], None],
) -> Op | None:
    """The ok create, None if none got through; raise on a refusal."""
    for attempt in range(ATTEMPTS):
        op = send()
        if op.type == "ok" and op.resource_id:
            return op
        status = op.status
        if status in (401, 403):
            raise TargetAuthError(
                f"target {url}: the credentials may read but not write (HTTP {status} on the "
                f"write pre-flight's POST {op.endpoint.split(' ', 1)[-1]}); give credentials "
                "allowed to create and delete Users and Groups"
            )
        if status is not None and 400 <= status < 500 and status not in _NOT_A_REFUSAL:
            raise refusal(op, resource_type, url)
        wait = 1.0 if status != 429 else 2.0
        if attempt < ATTEMPTS - 1:
            sleep(wait)
    return None


def refusal(op: Op, resource_type: str, url: str) -> BodyRefused:
    """The one line of a refused pre-flight create: status, the server's detail, the fix."""
    detail = _detail(op.observed) or "no detail"
    scim_type = f" {op.scim_type}" if op.scim_type else ""
    option = "--user-template" if resource_type == "User" else "--group-template"
    path = "/Users" if resource_type == "User" else "/Groups"
    return BodyRefused(
        f"target {url}: the write pre-flight's POST {path} was refused (HTTP {op.status}"
        f"{scim_type}: {detail}); the target does not accept the {resource_type} body "
        f"loadscim sends: give {option} FILE with a body it accepts (README: Pointing it "
        "at your server)"
    )


def _detail(observed: Any) -> str:
    if not isinstance(observed, Mapping):
        return ""
    detail = observed.get("detail") or observed.get("message") or ""
    return " ".join(str(detail).split())[:300]


def _read_back(
    client: ScimClient, resource_type: str, resource_id: str, sleep: Callable[[float], None]
) -> Mapping[str, Any] | None:
    for _ in range(READ_TRIES):
        read = client.get(resource_type, resource_id, expect=(404,))
        if read.type == "ok" and isinstance(read.observed, Mapping):
            return read.observed
        sleep(0.5)
    return None


def unstored_paths(sent: Mapping[str, Any], read: Mapping[str, Any]) -> list[str]:
    """The attribute paths a create sent with a value and its read-back does not show
    (attribute names compared without case, RFC 7643 2.1)."""
    missing = []
    for path in attribute_paths(sent):
        if path.split(".", 1)[0].lower() in NOT_COMPARED:
            continue
        if _has(sent, path) and not _has(read, path):
            missing.append(path)
    return missing


def _has(body: Any, path: str) -> bool:
    """Whether ``body`` holds a non-empty value at ``path``."""
    if path.lower().startswith("urn:"):
        urn, _, rest = path.rpartition(":")
        return _has(_get(body, urn), rest)
    head, _, rest = path.partition(".")
    value = _get(body, head)
    if not rest:
        return value not in (None, "", [], {})
    items = value if isinstance(value, list) else [value]
    return any(_has(item, rest) for item in items)


def _get(body: Any, key: str) -> Any:
    if not isinstance(body, Mapping):
        return None
    for name, value in body.items():
        if isinstance(name, str) and name.lower() == key.lower():
            return value
    return None


def _remove(
    client: ScimClient, made: list[tuple[str, str]], user_name: str, group_name: str | None
) -> None:
    """Delete what the pre-flight made, then look its names up and delete what is found."""
    for resource_type, resource_id in sorted(made, key=lambda r: r[0] != "Group"):
        client.delete(resource_type, resource_id, expect=(404,))
    lookups = [("User", "userName", user_name)]
    if group_name is not None:
        lookups.insert(0, ("Group", "displayName", group_name))
    for resource_type, attribute, name in lookups:
        found = client.search(resource_type, payloads.eq_filter(attribute, name), expect=(404,))
        listing = found.observed if isinstance(found.observed, dict) else {}
        for resource in listing.get("Resources") or []:
            if (
                isinstance(resource, dict)
                and resource.get(attribute) == name
                and resource.get("id")
            ):
                client.delete(resource_type, str(resource["id"]), expect=(404,))

"""Pre-flight: before any load, make sure the target is a SCIM service we may talk to.

Reads ``/ServiceProviderConfig`` (RFC 7644 4) and turns every way that can go wrong into one
:class:`~loadscim.errors.TargetError` line that says which and how to fix it. Then reads one
user (credentials: the discovery endpoints are often public), ``/ResourceTypes`` (RFC 7644
4, RFC 7643 6) and ``/Schemas`` (RFC 7643 7), which are optional: a target that does not serve
them leaves the resource types, and what it declares, unknown (then loadscim sends and judges
as if it declared everything: :mod:`loadscim.scim.schemas`).

The :class:`Capabilities` decide which checks apply: a check whose feature the target says
it lacks (ETags, Bulk, PATCH, filters, a resource type) is reported "not applicable" with the
reason, never FAIL (:meth:`Capabilities.lacks`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from loadscim.client import Response, Transport
from loadscim.errors import NotScimError, TargetAuthError, TargetTLSError, TargetUnreachable
from loadscim.scim.schemas import DEFAULT_WRITABLE, Declared, parse
from loadscim.scim.templates import plain_path

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
_CREDENTIALS_FIX = (
    "set the bearer token in the environment variable named by --token-env (default "
    "LOADSCIM_TOKEN), or give --token-file FILE, or --basic-user NAME with the password in "
    "--basic-password-env (default LOADSCIM_PASSWORD)"
)

FEATURES: dict[str, tuple[str, str]] = {
    "patch": ("patch", "RFC 7644 3.5.2"),
    "bulk": ("bulk", "RFC 7644 3.7"),
    "etag": ("etag", "RFC 7644 3.14"),
    "filter": ("filter", "RFC 7644 3.4.2.2"),
    "sort": ("sort", "RFC 7644 3.4.2.3"),
    "change_password": ("changePassword", "RFC 7643 5"),
}
"""Capability attribute -> (its ServiceProviderConfig key, the section it enables)."""


@dataclass(frozen=True)
class Capabilities:
    """What the target's ServiceProviderConfig announces (RFC 7643 5)."""

    patch: bool = True
    bulk: bool = False
    bulk_max_operations: int = 0
    bulk_max_payload: int = 0
    filter: bool = True
    filter_max_results: int = 0
    etag: bool = False
    sort: bool = False
    change_password: bool = False
    resource_types: tuple[str, ...] | None = None
    """Names of the target's resource types (``User``, ``Group``); None: unknown."""
    raw: dict[str, Any] | None = None
    declared: Declared | None = None
    """What /Schemas declares; None: the target does not publish it."""
    writable_attribute: str = DEFAULT_WRITABLE
    """The User attribute scenarios write "some value" to (the title race, lifecycle's
    update): one the target declares writable, else ``title``."""
    unstored_attributes: tuple[str, ...] = ()
    """User attributes (paths such as ``title``, ``emails.type``) the write pre-flight sent,
    the target accepted, and its read-back did not show: not judged."""

    def judged(self, path: str, resource_type: str = "User") -> bool:
        """Whether checkers judge attribute ``path`` (``title``, ``name.givenName``,
        ``emails[type eq "work"].value``): not when the target does not declare it in
        /Schemas, nor when the write pre-flight saw it accepted and not stored."""
        plain = plain_path(path)
        lower = plain.lower()
        if resource_type == "User" and any(
            lower == u.lower() or lower.startswith(u.lower() + ".")
            for u in self.unstored_attributes
        ):
            return False
        return self.declared is None or self.declared.declares(resource_type, plain)

    def unjudged_note(self) -> str | None:
        """The capability note of the attributes not judged, or None."""
        if not self.unstored_attributes:
            return None
        names = ", ".join(a.replace("emails.", "emails[].") for a in self.unstored_attributes)
        return f"the target does not store {names}: not judged"

    def lacks(self, feature: str) -> str | None:
        """Why the target lacks ``feature`` (``patch``, ``bulk``, ``etag``, ``filter``,
        ``sort``, ``change_password``, or a resource type such as ``Group``), or None when
        it has it or does not say."""
        if feature in FEATURES:
            if getattr(self, feature):
                return None
            key, rfc = FEATURES[feature]
            return f"the target's ServiceProviderConfig says {key} is not supported ({rfc})"
        if self.resource_types is None or feature in self.resource_types:
            return None
        served = ", ".join(self.resource_types) or "none"
        return f"the target's /ResourceTypes has no {feature} (it serves: {served})"

    def describe(self) -> str:
        """One line: ``patch, bulk (maxOperations 1000, maxPayloadSize 1048576), etag ...``."""
        parts = []
        for feature, (key, _rfc) in FEATURES.items():
            has = getattr(self, feature)
            text = key if has else f"no {key}"
            if feature == "bulk" and has:
                text += (
                    f" (maxOperations {self.bulk_max_operations}, "
                    f"maxPayloadSize {self.bulk_max_payload})"
                )
            if feature == "filter" and has and self.filter_max_results:
                text += f" (maxResults {self.filter_max_results})"
            parts.append(text)
        if self.resource_types is not None:
            parts.append("resource types " + (", ".join(self.resource_types) or "none"))
        if self.declared is None:
            parts.append("no /Schemas")
        else:
            declared = ", ".join(sorted(self.declared.resources))
            parts.append(f"/Schemas for {declared} (writable attribute {self.writable_attribute})")
        return ", ".join(parts)

    @classmethod
    def from_config(cls, body: dict[str, Any]) -> Capabilities:
        def section(name: str) -> dict[str, Any]:
            value = body.get(name)
            return value if isinstance(value, dict) else {}

        def supported(name: str) -> bool:
            return section(name).get("supported") is True

        def number(name: str, key: str) -> int:
            value = section(name).get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        return cls(
            patch=supported("patch"),
            bulk=supported("bulk"),
            bulk_max_operations=number("bulk", "maxOperations"),
            bulk_max_payload=number("bulk", "maxPayloadSize"),
            filter=supported("filter"),
            filter_max_results=number("filter", "maxResults"),
            etag=supported("etag"),
            sort=supported("sort"),
            change_password=supported("changePassword"),
            raw=body,
        )


def check_target(
    transport: Transport, url: str, headers: dict[str, str], *, schemas: bool = True
) -> Capabilities:
    """GET /ServiceProviderConfig through ``transport`` and judge the answer; then read one
    user's id (``GET /Users?startIndex=1&count=1&attributes=id``: no more of a real account
    than its id), because the discovery endpoints are often served without authentication
    and only a resource endpoint shows refused credentials; then read /ResourceTypes, and
    /Schemas unless ``schemas`` is False.

    :raises TargetError: with one line naming the problem and the fix.
    """
    response = transport.send(
        "GET", "/ServiceProviderConfig", None, dict(headers), "GET /ServiceProviderConfig", ()
    )
    capabilities = judge(response, url)
    probe = transport.send(
        "GET", "/Users?startIndex=1&count=1&attributes=id", None, dict(headers), "GET /Users", ()
    )
    judge_probe(probe, url)
    answer = transport.send(
        "GET", "/ResourceTypes", None, dict(headers), "GET /ResourceTypes", ()
    )
    names = resource_type_names(answer)
    declared = None
    if schemas:
        published = transport.send("GET", "/Schemas", None, dict(headers), "GET /Schemas", ())
        declared = declarations(published, answer)
    return dataclasses.replace(
        capabilities,
        resource_types=names,
        declared=declared,
        writable_attribute=(
            declared.writable_attribute() if declared is not None else DEFAULT_WRITABLE
        ),
    )


def declarations(schemas_answer: Response, resource_types_answer: Response) -> Declared | None:
    """What the answers to GET /Schemas and GET /ResourceTypes declare (a
    :class:`~loadscim.scim.schemas.Declared`), or None when /Schemas is not served."""
    if schemas_answer.status != 200:
        return None
    body = schemas_answer.parse()
    if schemas_answer.error:
        return None
    types = None
    if resource_types_answer.status == 200:
        types = resource_types_answer.parse()
    return parse(body, types)


def resource_type_names(response: Response) -> tuple[str, ...] | None:
    """The ``name`` of every resource type in an answer to GET /ResourceTypes (a
    ListResponse, or a bare list as some servers send); None if it is not one."""
    if response.status != 200:
        return None
    body = response.parse()
    if response.error:
        return None
    items = body.get("Resources") if isinstance(body, dict) else body
    if not isinstance(items, list):
        return None
    names = [i.get("name") for i in items if isinstance(i, dict)]
    return tuple(n for n in names if isinstance(n, str))


def judge_probe(response: Response, url: str) -> None:
    """Refused credentials or a missing /Users in the answer to ``GET /Users?count=1``.

    Anything else (an error the load will meet and count, no answer) is left to the run.
    """
    if response.status in (401, 403):
        raise TargetAuthError(
            f"target {url}: credentials refused (HTTP {response.status} on GET /Users; "
            f"/ServiceProviderConfig answered without them); {_CREDENTIALS_FIX}"
        )
    if response.status == 404:
        raise NotScimError(
            f"target {url}: GET /Users answered 404; is the base URL right? It is the URL "
            "under which /Users lives, often ending in /scim/v2"
        )


def judge(response: Response, url: str) -> Capabilities:
    """The capabilities in a pre-flight answer, or the TargetError it amounts to."""
    where = f"target {url}"
    if response.status is None:
        kind = response.error_kind
        if kind == "refused":
            raise TargetUnreachable(
                f"{where}: connection refused, nothing listens there; start the SCIM "
                "server or fix --target (leave --target out to use the embedded target)"
            )
        if kind == "dns":
            raise TargetUnreachable(
                f"{where}: the host name does not resolve; check the spelling of --target"
            )
        if kind == "tls":
            raise TargetTLSError(
                f"{where}: TLS handshake failed ({response.error}); pass --ca-bundle FILE for "
                "a private CA, or --insecure to skip verification (not for production)"
            )
        if kind == "timeout":
            raise TargetUnreachable(
                f"{where}: no answer before the timeout; check that the URL and port are right "
                "and that the server is up"
            )
        raise TargetUnreachable(f"{where}: no answer ({response.error}); check --target")
    status = response.status
    if status in (401, 403):
        raise TargetAuthError(
            f"{where}: credentials refused (HTTP {status} on /ServiceProviderConfig); "
            f"{_CREDENTIALS_FIX}"
        )
    if status == 404:
        raise NotScimError(
            f"{where}: no /ServiceProviderConfig there (HTTP 404); is the base URL right? "
            "It is the URL under which /Users lives, often ending in /scim/v2"
        )
    if 300 <= status < 400:
        raise NotScimError(
            f"{where}: answered HTTP {status} (a redirect) to /ServiceProviderConfig; use the "
            "URL it redirects to as --target"
        )
    if status >= 400:
        raise NotScimError(
            f"{where}: answered HTTP {status} to GET /ServiceProviderConfig; check that the "
            "server is healthy and that --target is its SCIM base URL"
        )
    body = response.parse()
    if response.error or not isinstance(body, dict):
        raise NotScimError(
            f"{where}: GET /ServiceProviderConfig did not answer SCIM JSON "
            f"({response.error or 'not a JSON object'}); is --target a SCIM base URL?"
        )
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or SPC_SCHEMA not in schemas:
        raise NotScimError(
            f"{where}: the answer to GET /ServiceProviderConfig lacks the schema "
            f"{SPC_SCHEMA}; is --target a SCIM base URL?"
        )
    return Capabilities.from_config(body)

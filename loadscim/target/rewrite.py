"""Faults that change what a request says or what the application answered.

- Conflicts and versions: ``409-no-scimtype``, ``400-on-conflict``, ``409-on-if-match``,
  ``412-no-error``, ``etag-absent`` (:func:`rewrite_answer`).
- Protocol (:func:`_protocol`): ``created-200``, ``no-location``, ``location-mismatch`` on
  the 201 of a create; ``version-mismatch`` and ``resource-no-schemas`` on resources;
  ``error-status-int`` on Error bodies; ``unknown-id-200`` on the 404 of a GET by id.
- ``duplicate-listing``: a search's answer lists each resource it found twice.
- ``search-other-ids``: a search's answer gives other ids than the resources have (an
  internal key in upper case): GET by those ids is 404.
- ``duplicate-member``: a GET of a group (by id, or a search) lists its first member twice,
  as a join that repeats a row does.
- ``wrong-total``: a ListResponse's ``totalResults`` is the number of resources on the page
  (``itemsPerPage``), not the number that match.
- Bulk: ``bulk-no-location`` and ``bulk-drops-result`` change the BulkResponse (the
  operations were applied); ``bulk-bad-ref`` removes the members given by a ``bulkId:``
  reference before the application sees the request; ``bulk-always-413`` answers 413 to
  every /Bulk; ``bulk-error-no-detail`` makes the last operation of a /Bulk fail (its data
  loses ``userName`` and ``displayName``) and its failed result lose its ``response``;
  ``bulk-no-413`` advertises ``maxOperations`` 10 in the ServiceProviderConfig while the
  target goes on accepting its real limit.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from loadscim.target.faults import Dice

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

SCIM_JSON = "application/scim+json"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PROTOCOL_REWRITES = (
    "created-200",
    "no-location",
    "location-mismatch",
    "version-mismatch",
    "error-status-int",
    "unknown-id-200",
    "resource-no-schemas",
)
"""Faults that break the protocol's answer shapes (the conformance checker's kinds)."""
REWRITES = (
    "409-no-scimtype",
    "400-on-conflict",
    "409-on-if-match",
    "412-no-error",
    "etag-absent",
    "bulk-no-location",
    "bulk-drops-result",
    "duplicate-listing",
    "search-other-ids",
    "bulk-error-no-detail",
    "duplicate-member",
    "wrong-total",
    *PROTOCOL_REWRITES,
)
PROTOCOL = frozenset(PROTOCOL_REWRITES)
REQUEST_REWRITES = ("bulk-bad-ref", "bulk-always-413", "bulk-error-no-detail")
SPC_REWRITES = ("bulk-no-413",)
ADVERTISED_MAX_OPERATIONS = 10
BULK_ID = "bulkId:"

Headers = list[tuple[str, str]]
_LISTING = ("duplicate-listing", "search-other-ids", "duplicate-member", "wrong-total")


def scim_error(status: int, detail: str, scim_type: str | None = None) -> bytes:
    """The body of a SCIM Error (RFC 7644 3.12)."""
    error: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(status),
        "detail": detail,
    }
    if scim_type:
        error["scimType"] = scim_type
    return json.dumps(error).encode()


def _method(environ: WSGIEnvironment) -> str:
    return str(environ.get("REQUEST_METHOD", "")).upper()


def _path(environ: WSGIEnvironment) -> str:
    path: str = environ.get("PATH_INFO", "") or "/"
    if path == "/v2" or path.startswith("/v2/"):
        path = path[3:] or "/"
    return path.rstrip("/")


def _is_create(environ: WSGIEnvironment) -> bool:
    return _method(environ) == "POST" and _path(environ) in ("/Users", "/Groups")


def _is_bulk(environ: WSGIEnvironment) -> bool:
    return _method(environ) == "POST" and _path(environ) == "/Bulk"


def rewrite_answer(
    faults: tuple[str, ...],
    dice: Dice,
    environ: WSGIEnvironment,
    status: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> tuple[str, list[tuple[str, str]], bytes]:
    """The application's answer as a server with these faults gives it."""
    scim = [("Content-Type", SCIM_JSON)]
    if status.startswith("409"):
        if "400-on-conflict" in faults and _is_create(environ) and dice.roll("400-on-conflict"):
            detail = "Bad request (injected by --fault 400-on-conflict)"
            return "400 Bad Request", scim, scim_error(400, detail, "invalidValue")
        if "409-no-scimtype" in faults and dice.roll("409-no-scimtype"):
            error = json.loads(body or b"{}")
            error.pop("scimType", None)
            return status, headers, json.dumps(error).encode()
    if status.startswith("412"):
        if "409-on-if-match" in faults and dice.roll("409-on-if-match"):
            return "409 Conflict", scim, scim_error(409, "Conflict (--fault 409-on-if-match)")
        if "412-no-error" in faults and dice.roll("412-no-error"):
            return status, [("Content-Type", "text/plain")], b"Precondition Failed\n"
    if "etag-absent" in faults and dice.roll("etag-absent"):
        headers = [(k, v) for k, v in headers if k.lower() != "etag"]
        if status.startswith("2") and body:
            document = json.loads(body)
            listed = document.get("Resources") if isinstance(document, dict) else None
            for resource in [document, *(listed if isinstance(listed, list) else [])]:
                if isinstance(resource, dict) and isinstance(resource.get("meta"), dict):
                    resource["meta"].pop("version", None)
            body = json.dumps(document).encode()
    if PROTOCOL.intersection(faults):
        status, headers, body = _protocol(faults, dice, environ, status, headers, body)
    if status.startswith("2") and body:
        body = _listing(faults, dice, body, _method(environ))
    if body and status.startswith("2") and _is_bulk(environ):
        body = _bulk_answer(faults, dice, body)
    return status, headers, body


def _protocol(
    faults: tuple[str, ...],
    dice: Dice,
    environ: WSGIEnvironment,
    status: str,
    headers: Headers,
    body: bytes,
) -> tuple[str, Headers, bytes]:
    """The protocol faults: what the answer says, not what was stored."""
    if status.startswith("201") and _is_create(environ):
        if "created-200" in faults and dice.roll("created-200"):
            status = "200 OK"
        elif "no-location" in faults and dice.roll("no-location"):
            headers = [(k, v) for k, v in headers if k.lower() != "location"]
        elif "location-mismatch" in faults and dice.roll("location-mismatch"):
            headers = [
                (k, v.rsplit("/", 1)[0] if k.lower() == "location" else v) for k, v in headers
            ]
    unknown = status.startswith("404") and _method(environ) == "GET" and _is_by_id(environ)
    if unknown and "unknown-id-200" in faults and dice.roll("unknown-id-200"):
        empty = {"schemas": [LIST_RESPONSE], "totalResults": 0, "Resources": []}
        return "200 OK", [("Content-Type", SCIM_JSON)], json.dumps(empty).encode()
    if not body:
        return status, headers, body
    document = json.loads(body)
    if not isinstance(document, dict):
        return status, headers, body
    if status[:1] in ("4", "5"):
        code = document.get("status")
        numeric = isinstance(code, str) and code.isdigit()
        if numeric and "error-status-int" in faults and dice.roll("error-status-int"):
            document["status"] = int(str(code))
        return status, headers, json.dumps(document).encode()
    listed = document.get("Resources")
    resources = [document, *(listed if isinstance(listed, list) else [])]
    resources = [r for r in resources if isinstance(r, dict) and "id" in r]
    if "resource-no-schemas" in faults:
        for resource in resources:
            if dice.roll("resource-no-schemas"):
                resource.pop("schemas", None)
    meta = document.get("meta")
    if "version-mismatch" in faults and isinstance(meta, dict) and "version" in meta:
        version = str(meta["version"])
        if dice.roll("version-mismatch"):
            meta["version"] = version[2:] if version.startswith("W/") else f"W/{version}"
    return status, headers, json.dumps(document).encode()


def _is_by_id(environ: WSGIEnvironment) -> bool:
    parts = _path(environ).strip("/").split("/")
    return len(parts) == 2 and parts[0] in ("Users", "Groups")


def _listing(faults: tuple[str, ...], dice: Dice, body: bytes, method: str = "GET") -> bytes:
    """``duplicate-listing``, ``search-other-ids``, ``wrong-total`` on a ListResponse, and
    ``duplicate-member`` on a read of groups."""
    if not any(f in faults for f in _LISTING):
        return body
    document = json.loads(body)
    listed = document.get("Resources") if isinstance(document, dict) else None
    if "duplicate-member" in faults and method == "GET" and isinstance(document, dict):
        for resource in listed if isinstance(listed, list) else [document]:
            members = resource.get("members") if isinstance(resource, dict) else None
            if isinstance(members, list) and members and dice.roll("duplicate-member"):
                members.append(members[0])
    if "wrong-total" in faults and isinstance(listed, list):
        document["totalResults"] = len(listed)
    if not isinstance(listed, list) or not listed:
        return json.dumps(document).encode()
    if "search-other-ids" in faults and dice.roll("search-other-ids"):
        for resource in listed:
            if isinstance(resource, dict) and isinstance(resource.get("id"), str):
                resource["id"] = resource["id"].upper()
    if "duplicate-listing" in faults and dice.roll("duplicate-listing"):
        document["Resources"] = listed + listed
        document["totalResults"] = document["itemsPerPage"] = len(listed) * 2
    return json.dumps(document).encode()


def _bulk_answer(faults: tuple[str, ...], dice: Dice, body: bytes) -> bytes:
    document = json.loads(body)
    results = document.get("Operations") if isinstance(document, dict) else None
    if not isinstance(results, list):
        return body
    if "bulk-no-location" in faults and dice.roll("bulk-no-location"):
        for result in results:
            if isinstance(result, dict):
                result.pop("location", None)
    if "bulk-error-no-detail" in faults:
        for result in results:
            if isinstance(result, dict) and not str(result.get("status", "")).startswith("2"):
                result.pop("response", None)
    if "bulk-drops-result" in faults and results and dice.roll("bulk-drops-result"):
        results.pop()
    return json.dumps(document).encode()


def rewrite_request(
    faults: tuple[str, ...], dice: Dice, environ: WSGIEnvironment
) -> tuple[str, Headers, bytes] | None:
    """Change a /Bulk request before the application sees it, or answer in its place."""
    if not _is_bulk(environ):
        return None
    if "bulk-always-413" in faults and dice.roll("bulk-always-413"):
        detail = "Payload too large (injected by --fault bulk-always-413)"
        return "413 Payload Too Large", [("Content-Type", SCIM_JSON)], scim_error(413, detail)
    bad_ref = "bulk-bad-ref" in faults and dice.roll("bulk-bad-ref")
    failing = "bulk-error-no-detail" in faults and dice.roll("bulk-error-no-detail")
    if bad_ref or failing:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            document = json.loads(body)
            operations = document.get("Operations") or []
            if failing and operations and isinstance(operations[-1].get("data"), dict):
                for required in ("userName", "displayName"):
                    operations[-1]["data"].pop(required, None)
            for operation in operations if bad_ref else []:
                data = operation.get("data") if isinstance(operation, dict) else None
                members = data.get("members") if isinstance(data, dict) else None
                if isinstance(data, dict) and isinstance(members, list):
                    data["members"] = [
                        m
                        for m in members
                        if not (isinstance(m, dict) and str(m.get("value", "")).startswith(BULK_ID))
                    ]
            body = json.dumps(document).encode()
        except (ValueError, AttributeError):
            pass
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    return None


def rewrite_service_provider_config(faults: tuple[str, ...], body: bytes) -> bytes:
    """``bulk-no-413``: a lower ``maxOperations`` than the target enforces."""
    document = json.loads(body)
    bulk = document.get("bulk") if isinstance(document, dict) else None
    if "bulk-no-413" in faults and isinstance(bulk, dict) and bulk.get("supported"):
        bulk["maxOperations"] = ADVERTISED_MAX_OPERATIONS
    return json.dumps(document).encode()

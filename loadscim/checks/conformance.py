"""conformance: sampled answers are SCIM answers (RFC 7643, RFC 7644), graded by keyword.

Every answer of a trial is judged, and outside trials every Nth (``--conformance-every``):
the client keeps a sampled answer's ``Content-Type``, ``Location`` and ``ETag`` in
``Op.headers`` (:mod:`loadscim.client`); an op without them was not sampled and is not
judged. A MUST (or SHALL, or REQUIRED) broken fails the run; a SHOULD broken is a warning
(:data:`loadscim.checks.kinds.SHOULD_KINDS`) unless the gate's ``should`` line makes it fail.

The rules, by kind:

- ``created-200`` (MUST): RFC 7644 3.3, "When the service provider successfully creates the
  new resource, an HTTP response SHALL be returned with HTTP status code 201 (Created)." An
  ok create answered with another 2xx.
- ``no-location`` and ``location-mismatch`` (MUST): RFC 7644 3.3, "The URI of the created
  resource SHALL include, in the HTTP "Location" header and the HTTP body, a JSON
  representation [RFC7159] with the attribute "meta.location"." A 201 without
  ``Location``; a 201 whose ``Location`` is not its body's ``meta.location`` (a relative
  one of the two is compared with the end of the other).
- ``version-mismatch`` (SHOULD): RFC 7644 3.14, "When supported, SCIM ETags MUST be
  specified as an HTTP header and SHOULD be specified within the 'version' attribute
  contained in the resource's 'meta' attribute" (RFC 7643 3.1: "This value must be the same
  as the entity-tag (ETag) HTTP response header", lower case). An answer with an ``ETag``
  header and a resource body whose ``meta.version`` is absent or another value.
- ``etag-unchanged`` (SHOULD): RFC 7232 2.1, an origin server "SHOULD change a weak
  entity-tag whenever it considers prior representations to be unacceptable as a substitute
  for the current representation" (a strong one changes with every change). Two answers of
  one trial for one resource with the same ETag (header, else ``meta.version``) and
  different values of an attribute both show (``meta`` aside): an If-Match with that ETag
  cannot tell the two states apart, so a stale write goes through.
- ``wrong-content-type`` (MUST): RFC 7644 3.8, "Service providers MUST support the "Accept"
  header "Accept: application/scim+json"" (loadscim sends it). A JSON answer labelled
  neither ``application/scim+json`` nor ``application/json`` (which 3.8 also names; not
  judged).
- ``no-error-schema`` (MUST): RFC 7644 3.12, "implementers MUST return the errors in the
  body of the response in a JSON format, using the attributes described below", identified
  by ``urn:ietf:params:scim:api:messages:2.0:Error``. A 4xx or 5xx (not 429, RFC 6585's)
  without that body; the 409s and 412s of writes in a trial that ``conflict_status``
  judges are left to it (one defect, one name).
- ``error-status-not-string`` (MUST): RFC 7644 3.12, "status: The HTTP status code (see
  Section 6 of [RFC7231]) expressed as a JSON string. REQUIRED." An Error body whose
  ``status`` is absent or not a string.
- ``unknown-id-not-404`` (MUST): RFC 7644 3.12's status table, "404 (Not Found) ...
  Specified resource (e.g., User) or endpoint does not exist", under its MUST above. In a
  trial of kind ``unknown-id`` (one GET of an id no server issued, made once per load
  process by :class:`loadscim.users.base.ScimUser`), a readable 2xx or a 4xx other than
  404 (a redirect, a 5xx, a 429 or an unreadable answer says nothing of the id: the
  outcomes count it).
- ``invalid-resource`` (MUST): RFC 7643 3, "schemas ... REQUIRED"; RFC 7643 3.1, "Each
  representation of the resource MUST include a non-empty "id" value", and ``meta``'s
  ``created`` and ``lastModified`` "MUST be a DateTime" (checked with scim2-models' ``Meta``,
  with its ``location`` and ``version``). A resource answered by a create, read, replace
  or PATCH, or listed by a search, that breaks one.

Not judged: ``meta.resourceType`` (RFC 7643 3.1 gives it no keyword of its own), whole
resources against scim2-models' ``User`` / ``Group`` (they refuse extension schemas the
model does not know and e-mail values a server may store as sent: false verdicts against
real servers, and ~190 us per body).

Trial contract (any ``trial.kind``; ``unknown-id`` adds its rule): completions with
``headers``, ``status``, ``observed`` (the body), ``etag`` and ``endpoint`` (the subject of
each finding: reported once per kind and endpoint).

Violation kinds: ``created-200``, ``no-location``, ``location-mismatch``,
``wrong-content-type``, ``no-error-schema``, ``error-status-not-string``,
``unknown-id-not-404``, ``invalid-resource`` (MUST); ``version-mismatch``,
``etag-unchanged`` (SHOULD).
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

import orjson

from loadscim.checks.common import Report, listed, resource_key, resource_name, short
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.parse import is_error

NAME = "conformance"
UNKNOWN_ID_TRIAL = "unknown-id"
"""The kind of the trial whose GET addresses an id no server issued."""
SAMPLE_TRIAL = "sample"
"""The kind of the one-op trial of an answer sampled outside trials
(:meth:`loadscim.recorder.Recorder.sample`)."""
JSON_TYPES = frozenset({"application/scim+json", "application/json"})
RESOURCE_KINDS = frozenset({"create", "get", "replace", "patch"})
CONFLICT_WRITES = frozenset({"create", "replace", "patch", "delete"})
META_ATTRIBUTES = frozenset({"resourceType", "created", "lastModified", "location", "version"})
NOT_JUDGED_ERRORS = frozenset({429})
"""RFC 6585's Too Many Requests: often a gateway's, not the SCIM service's."""


def check(trial: Trial) -> list[Violation]:
    """Sampled answers follow the RFCs' MUSTs and SHOULDs (see the module docstring).

    "When the service provider successfully creates the new resource, an HTTP response SHALL
    be returned with HTTP status code 201 (Created)" (RFC 7644 3.3), and the rest above.
    """
    report = Report(NAME, trial)
    conflicts_judged = "conflict_status" in trial.checks
    seen: dict[tuple[tuple[str, str], str], Op] = {}
    metas: set[str] = set()
    for op in completions(trial.ops):
        headers = op.headers
        if headers is None or op.status is None:
            continue
        if (
            trial.kind == UNKNOWN_ID_TRIAL and op.kind == "get" and op.status != 404
            and _speaks_of_the_resource(op)
        ):
            _add(report, "unknown-id-not-404", op,
                 "404 with the SCIM Error for an id no server issued (RFC 7644 3.12)",
                 f"{op.status} {short(op.observed, 60)}")
            continue
        body = op.observed
        _content_type(report, op, headers, body)
        if op.status >= 400:
            judged_elsewhere = (
                conflicts_judged and op.kind in CONFLICT_WRITES and op.status in (409, 412)
            )
            if op.status not in NOT_JUDGED_ERRORS and not judged_elsewhere:
                _error_body(report, op, headers, body)
            continue
        if op.type != "ok":
            continue
        if op.kind == "create":
            _created(report, op, headers, body)
        if op.kind in RESOURCE_KINDS and isinstance(body, dict):
            _resource(report, op, body, metas)
            _version(report, op, headers, body)
            _etag_changes(report, op, body, seen)
        elif op.kind == "search":
            for resource in listed(op):
                _resource(report, op, resource, metas)
    return report.violations


def _speaks_of_the_resource(op: Op) -> bool:
    """Whether an answer is the server's word on the resource: a readable 2xx, or a 4xx
    (not 429). A redirect (not followed: a ``fail`` outcome, "fail (HTTP 302)"), a 5xx or an
    unreadable 2xx (``info``, "info (HTTP 500)") and a 429 are named by the outcomes, not
    here (one defect, one name)."""
    status = op.status or 0
    if 200 <= status < 300:
        return op.type == "ok"
    return 400 <= status < 500 and status not in NOT_JUDGED_ERRORS


def _add(report: Report, kind: str, op: Op, expected: str, observed: str) -> None:
    key = resource_key(op)
    where = resource_name(key) if key else op.endpoint
    report.add(kind, where, expected, observed, [op], subject=op.endpoint)


def _content_type(report: Report, op: Op, headers: dict[str, str], body: Any) -> None:
    if body is None:
        return  # no body, or not JSON (an unreadable answer is judged as such elsewhere)
    label = headers.get("content-type", "")
    if _media(headers) not in JSON_TYPES:
        _add(report, "wrong-content-type", op,
             'Content-Type application/scim+json on a JSON answer (RFC 7644 3.8)',
             f"Content-Type {label or '(none)'!r}")


def _media(headers: dict[str, str]) -> str:
    return _media_type(headers.get("content-type", ""))


@functools.lru_cache(maxsize=64)
def _media_type(label: str) -> str:
    """``application/scim+json`` of ``application/scim+json; charset=utf-8`` (a server
    answers with few labels: remembered)."""
    return label.split(";", 1)[0].strip().lower()


def _error_body(report: Report, op: Op, headers: dict[str, str], body: Any) -> None:
    if body is None and op.error and _media(headers) in JSON_TYPES:
        return  # JSON cut short or broken: an unreadable answer (counted in the outcomes)
    if not is_error(body):
        _add(report, "no-error-schema", op,
             f"{op.status} with a SCIM Error body (RFC 7644 3.12)",
             f"{op.status} with {short(body, 60)}")
    elif not isinstance(body.get("status"), str):
        _add(report, "error-status-not-string", op,
             'an Error "status" that is a JSON string, e.g. "404" (RFC 7644 3.12)',
             f"status {short(body.get('status'), 40)}")


def _created(report: Report, op: Op, headers: dict[str, str], body: Any) -> None:
    if op.status != 201:
        _add(report, "created-200", op,
             "201 Created for a successful create (RFC 7644 3.3)", f"{op.status}")
        return
    location = headers.get("location")
    if not location:
        _add(report, "no-location", op,
             "a Location header on 201 Created (RFC 7644 3.3)", "no Location header")
        return
    meta = body.get("meta") if isinstance(body, dict) else None
    in_body = meta.get("location") if isinstance(meta, dict) else None
    if not _same_location(location, in_body):
        _add(report, "location-mismatch", op,
             "the Location header equal to meta.location (RFC 7644 3.3)",
             f"Location {short(location, 70)}, meta.location {short(in_body, 70)}")


def _same_location(header: str, in_body: Any) -> bool:
    if not isinstance(in_body, str) or not in_body:
        return False
    a, b = header.rstrip("/"), in_body.rstrip("/")
    return a == b or (a.startswith("/") and b.endswith(a)) or (b.startswith("/") and a.endswith(b))


def _resource(report: Report, op: Op, body: dict[str, Any], metas: set[str]) -> None:
    """schemas and id on every body; ``meta`` through scim2-models on the first body of each
    endpoint in the trial (about 30 us each, so not on every answer; its sub-attributes
    that RFC 7643 3.1 defines, so that a server's extra ones are not refused)."""
    problems = []
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or not schemas:
        problems.append("no schemas")
    rid = body.get("id")
    if not isinstance(rid, str) or not rid:
        problems.append("no id")
    meta = body.get("meta")
    if isinstance(meta, dict):
        if op.endpoint in metas:
            meta = None
        else:
            metas.add(op.endpoint)
    if isinstance(meta, dict):
        fields = meta if meta.keys() <= META_ATTRIBUTES else {
            k: v for k, v in meta.items() if k in META_ATTRIBUTES
        }  # fmt: skip
        refused = None if _surely_valid(fields) else _meta_refused(fields)
        if refused:
            problems.append(refused)
    elif meta is not None:
        problems.append(f"meta {short(meta, 30)}")
    if problems:
        _add(report, "invalid-resource", op,
             "a resource with schemas (RFC 7643 3), a non-empty id and a valid meta "
             "(RFC 7643 3.1)", "; ".join(problems))


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")
_DATES = ("created", "lastModified")


def _meta_refused(fields: dict[str, Any]) -> str | None:
    """What scim2-models' ``Meta`` refuses in ``fields`` (``meta.<where>: <why>``), or None.
    Imported on first use: scim2-models takes half a second to import, in every process that
    imports loadscim (the CLI, each Locust process), and most runs never ask it (see
    :func:`_surely_valid`)."""
    from pydantic import ValidationError
    from scim2_models import Meta

    try:
        Meta.model_validate(fields)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"meta.{where}: {first.get('msg', '')}"
    return None


def _surely_valid(meta: dict[str, Any]) -> bool:
    """True only for a ``meta`` that scim2-models' ``Meta`` accepts (its strings strings,
    its DateTimes RFC 3339 dates that exist), so it need not be asked (that costs about
    8 us, on every trial's answers: bench/README.md); anything else is asked."""
    for name, value in meta.items():
        if value is None:
            continue
        if not isinstance(value, str):
            return False
        if name in _DATES:
            if not _RFC3339.fullmatch(value):
                return False
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return False
    return True


def _version(report: Report, op: Op, headers: dict[str, str], body: dict[str, Any]) -> None:
    etag = headers.get("etag")
    if not etag or "id" not in body:
        return
    meta = body.get("meta")
    version = meta.get("version") if isinstance(meta, dict) else None
    if version != etag:
        _add(report, "version-mismatch", op,
             "meta.version equal to the ETag header (RFC 7644 3.14, RFC 7643 3.1)",
             f"ETag {etag}, meta.version {short(version, 40)}")


def _etag_changes(
    report: Report, op: Op, body: dict[str, Any], seen: dict[tuple[tuple[str, str], str], Op]
) -> None:
    if not op.etag:
        return
    key = resource_key(op)
    if key is None or body.get("id") != key[1]:
        return
    first = seen.setdefault((key, op.etag), op)
    if first is op or not isinstance(first.observed, dict):
        return
    changed = _changed(first.observed, body)
    if changed:
        seen[(key, op.etag)] = op  # one finding per change, not one per later answer
        path, before, after = changed
        _add(
            report,
            "etag-unchanged",
            op,
            "a new ETag once the resource changed (RFC 7232 2.1, RFC 7644 3.14)",
            f"ETag {op.etag} for {path} {short(before, 30)} and {short(after, 30)}",
        )


def _changed(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> tuple[str, Any, Any] | None:
    """The first attribute (``meta`` aside; a sub-attribute of a complex one) both bodies show
    with different values: its path and the two values."""
    for name in sorted(a.keys() & b.keys()):
        if name == "meta" or _canonical(a[name]) == _canonical(b[name]):
            continue
        if isinstance(a[name], dict) and isinstance(b[name], dict) and not prefix:
            inner = _changed(a[name], b[name], f"{name}.")
            if inner is not None:
                return inner
        return f"{prefix}{name}", a[name], b[name]
    return None


def _canonical(value: Any) -> Any:
    """A value with its lists' order ignored (a group's members come in any order)."""
    if isinstance(value, list):
        return sorted(orjson.dumps(item, option=orjson.OPT_SORT_KEYS) for item in value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)

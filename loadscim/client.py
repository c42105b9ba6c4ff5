"""ScimClient: one SCIM call in, one invocation Op and one completion Op out.

The client knows SCIM (paths, headers, bodies, ETags, Error bodies) and the op model; it
does not know how bytes travel. That is the :class:`Transport`'s job: the Locust transport
(in :mod:`loadscim.harness.transport`) sends through geventhttpclient and reports to Locust's
statistics, another one can send through anything else.

Every call:

1. builds an invocation Op and hands it to the sink (start time taken just before sending);
2. sends through the transport (after a 429, waits ``Retry-After`` and resends the same
   request as the client's :class:`~loadscim.throttle.Throttle` allows);
3. classifies the answer (:func:`loadscim.ops.classify_status`; no answer, or a 2xx whose
   body cannot be read, is ``info``; a connection refused before sending is ``fail``);
4. hands the completion Op to the sink and returns it.

``expect`` lists statuses the scenario expects besides 2xx (a 404 after DELETE, a 409 in a
duplicate race): the transport does not count them as failures in Locust's statistics.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import orjson

from loadscim.ops import Op, Trial, classify_status
from loadscim.scim.bodies import Bodies
from loadscim.scim.dialects import Request
from loadscim.scim.parse import endpoint_name, parse_error
from loadscim.scim.payloads import SCIM_MEDIA_TYPE, dumps
from loadscim.throttle import Throttle

RESOURCE_PATHS = {"User": "/Users", "Group": "/Groups"}


@dataclass
class Response:
    """What a transport got back.

    ``status`` is None when no HTTP answer arrived; ``error`` then says why, and ``sent``
    says whether the request may have reached the server (False only when the connection
    could not even be opened).
    """

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    sent: bool = True
    error_kind: str | None = None
    """For a missing answer: ``refused``, ``dns``, ``tls``, ``timeout``, ``reset`` or ``other``."""
    json: Any = None
    """The parsed body, once :meth:`parse` ran."""
    parsed: bool = False
    lines: Callable[[str], list[str]] | None = None
    """The values of one header field by its lower-case name, when ``headers`` can give
    them without a scan (geventhttpclient's case-insensitive Headers); else None."""

    def values_of(self, name: str) -> list[str]:
        """The values of header field ``name`` (lower case), in the order received."""
        if self.lines is not None:
            return self.lines(name)
        return [value for key, value in self.headers.items() if key.lower() == name]

    def parse(self) -> Any:
        """Parse the body as JSON once; an unreadable body sets ``error``."""
        if not self.parsed:
            self.parsed = True
            if self.body:
                try:
                    self.json = orjson.loads(self.body)
                except orjson.JSONDecodeError as e:
                    ctype = next(iter(self.values_of("content-type")), "no content type")
                    self.error = self.error or f"answer is not JSON ({ctype}): {e}"[:200]
        return self.json


class Transport(Protocol):
    """Sends one HTTP request; never raises for network trouble (it returns a Response)."""

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        name: str,
        expect: Collection[int],
    ) -> Response: ...


OpSink = Callable[[Op], None]


def _now_us() -> int:
    return time.perf_counter_ns() // 1000


class ScimClient:
    """SCIM calls that record themselves as Ops.

    :param transport: how requests travel.
    :param sink: receives every invocation and completion (a trial's ``ops.append``, the
        recorder ...); a per-call ``sink`` overrides it.
    :param process: the logical client name written into each Op.
    :param headers: sent with every request (Authorization, User-Agent ...).
    :param on_complete: called with every completion (latency recording, the model).
    :param on_invoke: called with the invocation of every write that addresses a resource by
        id, before it is sent (the model knows which resources have a write in flight).
    :param throttle: after a 429, holds this client's requests until Retry-After has passed
        and resends the throttled request as its policy allows (clients made by
        :meth:`for_trial` share it); only the last answer becomes the completion.
    :param bodies: shapes every User and Group create and replace (and /Bulk) for the
        target before it is sent and recorded (templates, /Schemas): :mod:`loadscim.scim.bodies`.
    :param sample_every: the answers the ``conformance`` checker judges: every answer of a
        trial, and outside trials the answer of every call whose ``seq`` is a multiple of
        it (0: none). A sampled completion carries its :data:`SAMPLED_HEADERS` in
        ``Op.headers``; one outside a trial also goes to ``on_sample``. An answer not
        sampled costs one modulo.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        sink: OpSink | None = None,
        process: str = "",
        headers: Mapping[str, str] | None = None,
        on_complete: Callable[[Op], None] | None = None,
        on_invoke: Callable[[Op], None] | None = None,
        seq: Callable[[], int] | None = None,
        throttle: Throttle | None = None,
        bodies: Bodies | None = None,
        sample_every: int = 0,
        on_sample: Callable[[Op], None] | None = None,
    ) -> None:
        self.transport = transport
        self.sample_every = sample_every
        self.on_sample = on_sample
        self.bodies = bodies
        self.throttle = throttle
        self.sink = sink
        self.process = process
        self.headers = {"Accept": SCIM_MEDIA_TYPE, **(headers or {})}
        self.on_complete = on_complete
        self.on_invoke = on_invoke
        self.trial = ""
        self._counter = 0
        self._seq = seq or self._next_seq

    def for_trial(self, trial: Trial, process: str | None = None) -> ScimClient:
        """A client like this one whose ops go to ``trial`` (and carry its id)."""
        clone = object.__new__(type(self))  # copy.copy, without its reduce protocol
        clone.__dict__.update(self.__dict__)
        clone.sink = trial.ops.append
        clone.trial = trial.id
        if process is not None:
            clone.process = process
        return clone

    def _next_seq(self) -> int:
        self._counter += 1
        return self._counter

    # -- resources ----------------------------------------------------------------------

    def create(self, resource_type: str, body: Mapping[str, Any], **kw: Any) -> Op:
        return self.call(
            "POST",
            RESOURCE_PATHS[resource_type],
            "create",
            resource_type,
            body=body,
            value=dict(body),
            endpoint=_ENDPOINTS["POST", resource_type],
            **kw,
        )

    def get(
        self,
        resource_type: str,
        resource_id: str,
        *,
        params: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> Op:
        path = f"{RESOURCE_PATHS[resource_type]}/{quote(resource_id, safe='')}"
        return self.call(
            "GET",
            path,
            "get",
            resource_type,
            resource_id=resource_id,
            params=params,
            endpoint=_by_id("GET", resource_type, resource_id),
            **kw,
        )

    def search(
        self,
        resource_type: str,
        filter: str | None = None,
        *,
        start_index: int | None = None,
        count: int | None = None,
        params: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> Op:
        query: dict[str, str] = {}
        if filter is not None:
            query["filter"] = filter
        if start_index is not None:
            query["startIndex"] = str(start_index)
        if count is not None:
            query["count"] = str(count)
        query.update(params or {})
        return self.call(
            "GET",
            RESOURCE_PATHS[resource_type],
            "search",
            resource_type,
            endpoint=_ENDPOINTS["GET", resource_type],
            params=query,
            value=query or None,
            **kw,
        )

    def replace(
        self,
        resource_type: str,
        resource_id: str,
        body: Mapping[str, Any],
        *,
        if_match: str | None = None,
        **kw: Any,
    ) -> Op:
        path = f"{RESOURCE_PATHS[resource_type]}/{quote(resource_id, safe='')}"
        return self.call(
            "PUT",
            path,
            "replace",
            resource_type,
            resource_id=resource_id,
            endpoint=_by_id("PUT", resource_type, resource_id),
            body=body,
            value=dict(body),
            if_match=if_match,
            **kw,
        )

    def patch(
        self,
        resource_type: str,
        resource_id: str,
        body: Mapping[str, Any],
        *,
        if_match: str | None = None,
        **kw: Any,
    ) -> Op:
        """PATCH with a whole PatchOp body; the Op's value is its ``Operations`` list."""
        path = f"{RESOURCE_PATHS[resource_type]}/{quote(resource_id, safe='')}"
        return self.call(
            "PATCH",
            path,
            "patch",
            resource_type,
            resource_id=resource_id,
            endpoint=_by_id("PATCH", resource_type, resource_id),
            body=body,
            value=list(body.get("Operations") or ()),
            if_match=if_match,
            **kw,
        )

    def delete(
        self, resource_type: str, resource_id: str, *, if_match: str | None = None, **kw: Any
    ) -> Op:
        path = f"{RESOURCE_PATHS[resource_type]}/{quote(resource_id, safe='')}"
        return self.call(
            "DELETE",
            path,
            "delete",
            resource_type,
            resource_id=resource_id,
            endpoint=_by_id("DELETE", resource_type, resource_id),
            if_match=if_match,
            **kw,
        )

    def bulk(self, body: Mapping[str, Any], **kw: Any) -> Op:
        return self.call(
            "POST",
            "/Bulk",
            "bulk",
            "",
            body=body,
            value={"operations": len(body.get("Operations") or ())},
            **kw,
        )

    def execute(self, request: Request, **kw: Any) -> Op:
        """Send a :class:`~loadscim.scim.dialects.Request` built by an IdP dialect.

        It is recorded as ScimClient's own method for that kind would record it (the body of
        a create or replace, the ``Operations`` of a PATCH, the query of a search), with the
        dialect's headers (User-Agent) over the client's; ``headers=`` in ``kw`` go on top.
        ``literal=True``: an identity provider's request as it sends it, which the body
        shaping leaves as it is beyond ``name.formatted`` and a template
        (:meth:`loadscim.scim.bodies.Bodies.shape`).
        """
        args = request.call_args()
        extra = kw.pop("headers", None)
        if extra:
            args["headers"] = {**(args["headers"] or {}), **extra}
        return self.call(**args, **kw)

    def discover(self, path: str, **kw: Any) -> Op:
        """A discovery GET: ``/ServiceProviderConfig``, ``/ResourceTypes``, ``/Schemas``."""
        return self.call("GET", path, "config", "", **kw)

    # -- the one place that sends -------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        kind: str,
        resource_type: str,
        *,
        resource_id: str | None = None,
        body: Any = None,
        value: Any = None,
        params: Mapping[str, str] | None = None,
        if_match: str | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Collection[int] = (),
        trial: str = "",
        process: str | None = None,
        sink: OpSink | None = None,
        raw_body: bytes | None = None,
        literal: bool = False,
        endpoint: str | None = None,
    ) -> Op:
        """Send one request and return its completion Op (``endpoint``: its statistics name
        when the caller knows it, else :func:`~loadscim.scim.parse.endpoint_name`)."""
        sink = sink or self.sink
        if self.bodies is not None and raw_body is None:
            body, value = self.bodies.for_call(kind, resource_type, body, value, literal)
        full_path = f"{path}?{urlencode(params, quote_via=quote)}" if params else path
        name = endpoint or endpoint_name(method, path)
        payload = raw_body if raw_body is not None else (None if body is None else dumps(body))
        request_headers = self.headers  # not copied unless this call adds to it
        if headers or if_match is not None or payload is not None:
            request_headers = {**request_headers, **(headers or {})}
            if if_match is not None:
                request_headers["If-Match"] = if_match
            if payload is not None:
                request_headers.setdefault("Content-Type", SCIM_MEDIA_TYPE)
        if self.throttle is not None and self.throttle.until:
            self.throttle.wait()  # a 429 was seen: hold until its Retry-After has passed

        invocation = Op(  # by position (Op's field order): one made per call
            "invoke",
            kind,
            self._seq(),
            trial or self.trial,
            self.process if process is None else process,
            resource_type,
            resource_id,
            value,
            if_match,
            None,  # status
            None,  # scim_type
            None,  # etag
            None,  # observed
            None,  # error
            _now_us(),  # start_us
            None,  # end_us
            name,  # endpoint
        )
        if sink is not None:
            sink(invocation)
        if self.on_invoke is not None and resource_id and invocation.is_write:
            self.on_invoke(invocation)
        send = self.transport.send if self.throttle is None else self._send_throttled
        try:
            response = send(method, full_path, payload, request_headers, name, expect)
        except BaseException:
            # The user was stopped (GreenletExit at the end of a run) while its write may be
            # on the wire: the model must know it may have been applied, or reconciliation
            # judges the server for a write it never heard about.
            if self.on_complete is not None and invocation.is_write:
                self.on_complete(complete(invocation, ABANDONED, _now_us()))
            raise
        end = _now_us()
        completion = complete(invocation, response, end)
        sampled = bool(invocation.trial) or (
            self.sample_every > 0 and invocation.seq % self.sample_every == 0
        )
        if sampled:
            completion.headers = sampled_headers(response)
        if sink is not None:
            sink(completion)
        if self.on_complete is not None:
            self.on_complete(completion)
        if sampled and not invocation.trial and self.on_sample is not None:
            self.on_sample(completion)
        return completion

    def _send_throttled(
        self,
        method: str,
        path: str,
        payload: bytes | None,
        headers: dict[str, str],
        name: str,
        expect: Collection[int],
    ) -> Response:
        """Send; after a 429, wait Retry-After and resend the same request while the throttle
        allows (a 429 is not applied, so a write is safe to resend). A 429 that will be
        resent is expected (not a failure in Locust's statistics); the caller records only
        the last answer."""
        throttle = self.throttle
        assert throttle is not None
        attempt, waited = 0, 0.0
        while True:
            retry = throttle.may_retry(attempt, waited)
            response = self.transport.send(
                method, path, payload, headers, name, (*expect, 429) if retry else expect
            )
            if response.status != 429:
                return response
            throttle.saw(response.status, response.headers, retry)
            if not retry:
                return response
            attempt += 1
            waited += throttle.wait()


def _by_id(method: str, resource_type: str, resource_id: str) -> str | None:
    """``endpoint_name`` of a call on one resource, ``PATCH /Users/{id}``, without parsing
    the path (None for the ids whose path is no resource's: ``""``, ``.search``)."""
    if not resource_id or resource_id == ".search":
        return None
    return _BY_ID[method, resource_type]


_BY_ID = {
    (method, resource_type): f"{method} {path}/{{id}}"
    for method in ("GET", "PUT", "PATCH", "DELETE")
    for resource_type, path in RESOURCE_PATHS.items()
}
_ENDPOINTS = {
    (method, resource_type): f"{method} {path}"
    for method in ("GET", "POST")
    for resource_type, path in RESOURCE_PATHS.items()
}
"""``endpoint_name`` of a create (``POST /Users``) and of a search (``GET /Users``)."""


ABANDONED = Response(None, error="abandoned: the caller stopped before the answer", sent=True)
"""A write whose answer nobody waited for (its user was stopped): ``info``."""


def complete(invocation: Op, response: Response, end_us: int) -> Op:
    """The completion Op of ``invocation`` given the transport's ``response``."""
    status = response.status
    resource_id = invocation.resource_id
    scim_type = etag = observed = None
    error = response.error
    if status is None:
        kind = "info" if response.sent else "fail"
    else:
        kind = classify_status(status)
        observed = response.parse()
        error = response.error
        if error and kind == "ok":
            # A 2xx whose answer cannot be read (an HTML page, a cut body) is not a SCIM
            # server saying it happened: a proxy may have answered, or the server broke
            # after applying it. Nobody knows: ``info``. A non-2xx keeps what its status
            # says.
            kind = "info"
        parsed = parse_error(observed)
        if parsed is not None:
            scim_type = parsed.scim_type
        etags = response.values_of("etag")
        etag = etags[0] if etags else None
        if isinstance(observed, dict):
            if etag is None:
                meta = observed.get("meta")
                if isinstance(meta, dict) and isinstance(meta.get("version"), str):
                    etag = meta["version"]
            if invocation.kind == "create" and kind == "ok":
                created_id = observed.get("id")
                if isinstance(created_id, str):
                    resource_id = created_id
    return Op(
        kind,
        invocation.kind,
        invocation.seq,
        invocation.trial,
        invocation.process,
        invocation.resource_type,
        resource_id,
        invocation.value,
        invocation.if_match,
        status,
        scim_type,
        etag,
        observed,
        error,
        invocation.start_us,
        end_us,
        invocation.endpoint,
    )


SAMPLED_HEADERS = ("content-type", "location", "etag")
"""The header fields a sampled answer keeps (:mod:`loadscim.checks.conformance` reads them)."""


def sampled_headers(response: Response) -> dict[str, str]:
    """The :data:`SAMPLED_HEADERS` of an answer, by lower-case name (the last value of a
    field sent more than once)."""
    kept = {}
    for name in SAMPLED_HEADERS:
        values = response.values_of(name)
        if values:
            kept[name] = values[-1]
    return kept

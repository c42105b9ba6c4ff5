"""The Locust transport: ScimClient requests through a FastHttpSession's connections.

Requests appear in Locust's statistics under their normalised endpoint name; a status the
scenario expects (``expect``) is reported as a success, every other non-2xx and every
transport error as a failure.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust.contrib.fasthttp import FastHttpSession
from locust.event import EventHook
from locust.exception import CatchResponseError

import re
import time
import zlib
from collections.abc import Callable, Collection, Mapping
from typing import Any, cast

import geventhttpclient.client as _ghc
from geventhttpclient.client import HTTPClient
from geventhttpclient.header import Headers
from geventhttpclient.url import URL, requote_uri

from loadscim.client import Response
from loadscim.http import describe as _describe
from loadscim.http import error_kind

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _retry_reads_only(method: str) -> bool:
    """geventhttpclient's choice of what to resend after a connection closed, narrowed.

    geventhttpclient silently resends an idempotent request (GET, PUT, DELETE ...) when the
    connection closes after the request was sent. For a write that hides the truth from
    the op model: a DELETE applied whose answer was lost is resent, hears 404, and would be
    recorded as a definite ``fail``. loadscim resends reads only, so a lost answer to a write
    is seen as what it is: ``info``.
    """
    return method.upper() in READ_METHODS


if hasattr(_ghc, "_may_retry_after_send_error"):
    _ghc._may_retry_after_send_error = _retry_reads_only

__all__ = ["LocustTransport", "error_kind", "quiet_session"]


class LocustTransport:
    """Send through a FastHttpSession's connection pool, reporting to Locust's statistics.

    It uses the session's geventhttpclient ``HTTPClient`` (its connections, TLS context and
    timeouts) directly, not the session's ``request``: loadscim never follows redirects,
    keeps no cookies and judges statuses itself, and the user agent layer that does those
    (a request object, a cookie jar, a redirect loop per call) cost about a quarter of a
    request's CPU in the load generator (bench/README.md). Each request is reported to the
    session's request event as ``FastHttpSession.request`` reports it: method, name,
    response time, length, the user's context, and an exception when it failed.
    """

    def __init__(self, session: FastHttpSession) -> None:
        self.session = session
        base = URL(session.base_url or "")
        self._prefix = base.path.rstrip("/")
        self._base = base
        self._http: HTTPClient | None = None

    def _client(self) -> HTTPClient:
        if self._http is None:
            self._http = self.session.client.clientpool.get_client(self._base)
        return self._http

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        name: str,
        expect: Collection[int],
    ) -> Response:
        session = self.session
        user = session.user
        context = user.context() if user is not None else {}
        uri = self._prefix + path
        if not _SAFE_URI.fullmatch(uri):
            uri = requote_uri(uri)
        start_time = time.time()
        started = time.perf_counter()
        answer = None
        try:
            answer = self._client().request(method, uri, body=body, headers=headers)
            content = answer.read()
            if content and content[0] not in _JSON_STARTS:  # JSON never starts compressed
                encoding = answer.get("content-encoding")
                if encoding:
                    content = _decode(content, str(encoding))
            response = _response(answer.status_code, answer, content)
        except Exception as e:  # every network or HTTP problem is an answer
            elapsed_ms = (time.perf_counter() - started) * 1000
            status = answer.status_code if answer is not None else None
            message = _describe(e)
            if status:
                response = _response(status, answer, b"", error=message)
                failure = f"HTTP {status}, unreadable answer: {message}"
            else:
                kind = error_kind(e)
                sent = kind not in ("refused", "dns", "tls")
                response = Response(None, error=message, sent=sent, error_kind=kind)
                failure = f"no answer: {message}"
        else:
            elapsed_ms = (time.perf_counter() - started) * 1000
            status = response.status or 0
            response.parse()
            if response.error is not None:
                failure = f"HTTP {status}, {response.error}"
            elif 200 <= status < 300 or status in expect:
                failure = ""
            else:
                failure = f"HTTP {status}"
        session.request_event.fire(
            request_type=method,
            name=name,
            response_time=elapsed_ms,
            response_length=len(response.body),
            response=answer,
            context=context,
            exception=CatchResponseError(failure) if failure else None,
            start_time=start_time,
            url=f"{session.base_url}{path}",
        )
        return response


_JSON_STARTS = frozenset(b"{[")
"""The first byte of a JSON object or array answer (``{``, ``[``)."""

_SAFE_URI = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
"""A request URI that needs no quoting (ScimClient quotes ids and queries itself)."""


def _response(status: int, answer: Any, content: bytes, error: str | None = None) -> Response:
    """A Response with the answer's header fields: geventhttpclient's case-insensitive
    Headers, not copied, whose ``getlist`` gives a field's values without a scan."""
    fields: Headers = answer.info()
    headers = cast(Mapping[str, str], fields)
    return Response(status, headers, content, error=error, lines=_lines(fields))


def _lines(fields: Headers) -> Callable[[str], list[str]]:
    """``fields.getlist``, asking first whether the field is there (``getlist`` of a
    missing field raises and catches a KeyError: most fields asked for are missing)."""
    has, getlist = fields.__contains__, fields.getlist
    return lambda name: getlist(name) if has(name) else []


def _decode(content: bytes, encoding: str) -> bytes:
    """Undo a ``Content-Encoding`` the server applied although none was asked for."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(content, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompress(content)
    if encoding == "identity":
        return content
    raise ValueError(f"answer in an unsupported Content-Encoding {encoding!r}")


def quiet_session(
    base_url: str, *, concurrency: int = 10, insecure: bool = False, **kwargs: Any
) -> FastHttpSession:
    """A FastHttpSession whose requests do not appear in Locust's statistics.

    For work outside the measured load: pre-flight, reconciliation, cleanup.
    """
    return FastHttpSession(
        base_url,
        request_event=EventHook(),
        user=None,
        insecure=insecure,
        concurrency=concurrency,
        max_retries=0,
        **kwargs,
    )

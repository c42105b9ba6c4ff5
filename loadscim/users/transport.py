"""The Locust transport: ScimClient requests through Locust's FastHttpSession.

Requests appear in Locust's statistics under their normalised endpoint name; a status the
scenario expects (``expect``) is reported as a success, every other non-2xx and every
transport error as a failure.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust.contrib.fasthttp import FastHttpSession, LocustBadStatusCode
from locust.event import EventHook

from collections.abc import Collection
from typing import Any

import geventhttpclient.client as _ghc

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
    """Send through a FastHttpSession (geventhttpclient), reporting to Locust's statistics."""

    def __init__(self, session: FastHttpSession) -> None:
        self.session = session

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        name: str,
        expect: Collection[int],
    ) -> Response:
        with self.session.request(
            method,
            path,
            data=body,  # type: ignore[arg-type]
            headers=headers,
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as r:
            status = r.status_code
            error = getattr(r, "error", None)
            if not status:
                error = error or r.request_meta.get("exception")
                r.failure(f"no answer: {_describe(error)}")
                kind = error_kind(error)
                return Response(
                    None,
                    error=_describe(error),
                    sent=kind not in ("refused", "dns", "tls"),
                    error_kind=kind,
                )
            problem = r.request_meta.get("exception")
            if isinstance(problem, LocustBadStatusCode):
                problem = None  # only says the status is not 2xx: we judge statuses ourselves
            content = b""
            try:
                content = r.content or b""
            except Exception as e:  # a truncated or undecodable body
                problem = problem or e
            headers_out = dict(r.headers.items()) if r.headers is not None else {}
            if problem is not None:
                r.failure(f"HTTP {status}, unreadable answer: {_describe(problem)}")
                return Response(status, headers_out, content, error=_describe(problem))
            response = Response(status, headers_out, content)
            response.parse()
            if response.error is not None:
                r.failure(f"HTTP {status}, {response.error}")
            elif 200 <= status < 300 or status in expect:
                r.success()
            else:
                r.failure(f"HTTP {status}")
            return response


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

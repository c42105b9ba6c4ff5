"""A small HTTP transport of loadscim's own, for work outside Locust, and TLS settings.

:class:`HttpTransport` implements :class:`loadscim.client.Transport` over the standard
library's ``http.client`` (one keep-alive connection per thread), for ``loadscim cleanup``
and anything else that must not import locust. It never follows a redirect (a redirect
would carry the credentials to wherever it points), never resends a write (only a read, once,
on a keep-alive connection the server had closed), caps the size of an answer it reads,
and turns every network problem into a :class:`~loadscim.client.Response` without a status
(never an exception), saying whether the request may have been sent.

:func:`error_kind` names network trouble the same way for this transport and Locust's;
:func:`ssl_context` builds the TLS context both use: certificates verified against the
system's CAs, or against ``--ca-bundle`` only, or (``--insecure``) not at all.

Under gevent's monkey-patching (a Locust process) the standard library's ``socket`` and
``ssl`` are gevent's, so this module works there too.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import socket
import ssl
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from loadscim.client import Response
from loadscim.errors import UsageError

MAX_BODY_BYTES = 64 * 1024 * 1024
"""An answer larger than this is not read (a server gone mad must not exhaust memory)."""
USER_AGENT = "loadscim"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def error_kind(error: object) -> str:
    """What kind of network trouble ``error`` is: refused, dns, tls, timeout, reset, other."""
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, socket.gaierror):
        return "dns"
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return "tls"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(error, ConnectionResetError | BrokenPipeError):
        return "reset"
    text = str(error).lower()
    if type(error).__name__ == "Timeout" or "timed out" in text or "timeout" in text:
        return "timeout"  # gevent.Timeout, without importing gevent here
    if "certificate" in text or "ssl" in text:
        return "tls"
    return "other"


def describe(error: object) -> str:
    """``Type: message``, at most 200 characters, for a Response's ``error``."""
    if error is None:
        return "unknown error"
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:200]


# -- TLS ------------------------------------------------------------------------------


def check_ca_bundle(path: str) -> str:
    """The path of a readable PEM bundle of CA certificates, or a one-line UsageError."""
    fix = "give a PEM file of the CA certificates that signed the target's certificate"
    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        raise UsageError(f"--ca-bundle {path!r}: no such file; {fix}") from None
    except IsADirectoryError:
        raise UsageError(f"--ca-bundle {path!r}: is a directory, not a file; {fix}") from None
    except PermissionError:
        raise UsageError(
            f"--ca-bundle {path!r}: cannot be read (permission denied); {fix}"
        ) from None
    except (ssl.SSLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
        raise UsageError(
            f"--ca-bundle {path!r}: holds no certificate Python can load ({reason}); {fix}"
        ) from None
    return path


def ssl_context(ca_bundle: str | None = None, insecure: bool = False) -> ssl.SSLContext:
    """The client TLS context: verified (system CAs, or only ``ca_bundle``), or not at all."""
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_bundle or None)


def insecure_warning(url: str) -> str:
    """The line printed when certificate verification is off for an https target."""
    return (
        f"[loadscim] warning: --insecure: the TLS certificate of {url} is NOT verified; "
        "anyone between here and the target can read the credentials and the traffic"
    )


DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class HttpSettings:
    """How loadscim connects: TLS verification and the per-request timeout."""

    ca_bundle: str | None = None
    insecure: bool = False
    timeout: float | None = None
    """Seconds to connect and for each read; None: the default of each client."""

    def context(self) -> ssl.SSLContext:
        return ssl_context(self.ca_bundle, self.insecure)


def settings_from_options(options: Any) -> HttpSettings:
    """The HttpSettings of the connection options (:mod:`loadscim.options`); a one-line
    UsageError if not valid."""
    ca_bundle = getattr(options, "ca_bundle", None) or None
    insecure = bool(getattr(options, "insecure", False))
    if ca_bundle and insecure:
        raise UsageError(
            f"--insecure and --ca-bundle {ca_bundle!r}: one turns verification off, the other "
            "says how to verify; give only one (--ca-bundle is the safe choice)"
        )
    if ca_bundle:
        check_ca_bundle(ca_bundle)
    raw = getattr(options, "request_timeout", None)
    timeout = None
    if raw is not None and raw != "":
        try:
            timeout = float(raw)
        except (TypeError, ValueError):
            timeout = math.nan
        if not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT_S:
            raise UsageError(
                f"--request-timeout {raw!r}: a timeout is a number of seconds above 0 and at "
                f"most {MAX_TIMEOUT_S:g}; write e.g. --request-timeout 10"
            )
    return HttpSettings(ca_bundle, insecure, timeout)


# -- the transport ----------------------------------------------------------------------


class HttpTransport:
    """Requests over ``http.client`` to one base URL (scheme, host, port, path prefix).

    :param base_url: the SCIM base, such as ``https://scim.example.com/scim/v2``.
    :param timeout: seconds for connecting and for each read.
    :param context: the TLS context for https (default: :func:`ssl_context`).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        context: ssl.SSLContext | None = None,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.context = context if context is not None or not self.https else ssl_context()
        self.max_body = max_body
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _new_connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection
        if self.https:
            connection = http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        else:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        with self._lock:
            self._all.append(connection)
        return connection

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._new_connection()
        return connection

    def _drop(self, connection: http.client.HTTPConnection) -> None:
        with contextlib.suppress(Exception):
            connection.close()

    def close(self) -> None:
        """Close every connection this transport opened."""
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            self._drop(connection)

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        name: str,
        expect: Collection[int] = (),
    ) -> Response:
        url_path = self.prefix + path
        sent_headers = {"User-Agent": USER_AGENT, **headers}
        if body is not None:
            sent_headers["Content-Length"] = str(len(body))
        for attempt in (1, 2):
            connection = self._connection()
            reused = connection.sock is not None
            if not reused:
                try:
                    connection.connect()
                except Exception as error:  # refused, DNS, TLS, timeout: nothing was sent
                    self._drop(connection)
                    return Response(
                        None, error=describe(error), sent=False, error_kind=error_kind(error)
                    )
            try:
                connection.request(method, url_path, body=body, headers=sent_headers)
                answer = connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                self._drop(connection)
                if reused and attempt == 1 and method in READ_METHODS:
                    continue  # a keep-alive connection the server had closed: once more
                # A write is never resent: its answer may be what was lost (op model: info).
                return Response(None, error=describe(e), error_kind=error_kind(e))
            except Exception as error:
                self._drop(connection)
                return Response(None, error=describe(error), error_kind=error_kind(error))
            return self._read(connection, answer)
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(
        self, connection: http.client.HTTPConnection, answer: http.client.HTTPResponse
    ) -> Response:
        headers = dict(answer.getheaders())
        too_big = f"the answer is larger than {self.max_body // (1024 * 1024)} MB; not read"
        try:
            if answer.length is not None:
                if answer.length > self.max_body:
                    self._drop(connection)
                    return Response(answer.status, headers, b"", error=too_big)
                content = answer.read()  # IncompleteRead if the body is cut short
            else:  # chunked, or until the connection closes
                pieces: list[bytes] = []
                size = 0
                while piece := answer.read(1024 * 1024):
                    pieces.append(piece)
                    size += len(piece)
                    if size > self.max_body:
                        self._drop(connection)
                        return Response(answer.status, headers, b"", error=too_big)
                content = b"".join(pieces)
        except http.client.IncompleteRead as error:
            self._drop(connection)
            return Response(
                answer.status,
                headers,
                error.partial,
                error=f"the answer was cut short ({len(error.partial)} bytes received)",
            )
        except Exception as error:
            self._drop(connection)
            return Response(answer.status, headers, b"", error=describe(error))
        return Response(answer.status, headers, content)

"""HTTP-level faults of the embedded target: a WSGI middleware and a gevent handler class.

The middleware answers in place of the application (error-rate, throttle, non-json,
redirect, 500-on-pathless-patch, 400-on-pathless-patch: nothing applied), drops the
connection (reset, timeout: nothing applied; drop-after-commit: applied), or changes the
application's answer (truncated-json, wrong-content-type, huge-body: applied; and the
rewrites of :mod:`loadscim.target.rewrite`). ``latency`` delays every answer,
``slow-create`` the creates (POST /Users, POST /Groups; one at a time) before they reach the
application, and ``stall`` freezes the whole process now and then. ``no-schemas`` answers 404
to /Schemas.

The robustness faults and error-rate only touch resource endpoints (/Users, /Groups, /Bulk,
searches), never discovery (/ServiceProviderConfig, /ResourceTypes, /Schemas), so that a
pre-flight still works. Closing a connection without an answer needs the socket, which
:class:`FaultAwareHandler` puts in the environ and closes when the middleware raises
:class:`DropConnection`.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import struct
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import gevent
import gevent.lock
from gevent import monkey
from gevent.pywsgi import WSGIHandler
from gevent.socket import wait_read

from loadscim.target.faults import Dice, FaultPlan, Latency, SlowCreate, Stall
from loadscim.target.rewrite import (
    REQUEST_REWRITES,
    REWRITES,
    SCIM_JSON,
    SPC_REWRITES,
    rewrite_answer,
    rewrite_request,
    rewrite_service_provider_config,
    scim_error,
)
from loadscim.target.strict import undeclare

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SOCKET_KEY = "loadscim.target.socket"
REDIRECT_PREFIX = "/redirected"
DISCOVERY = frozenset({"ServiceProviderConfig", "ResourceTypes", "Schemas"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HUGE_BODY_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 60.0

# The order in which the faults that answer in place of the application are tried.
_BEFORE = ("error-rate", "throttle", "reset", "timeout", "redirect", "non-json")
PATHLESS_500 = "500-on-pathless-patch"
PATHLESS_400 = "400-on-pathless-patch"
_AFTER = ("truncated-json", "wrong-content-type", "huge-body")

_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
    b"<body><h1>Please sign in</h1><p>Your session has expired.</p></body></html>\n"
)


class DropConnection(Exception):
    """Raised by the middleware to close the connection without an answer."""

    def __init__(self, reset: bool) -> None:
        super().__init__("reset" if reset else "close")
        self.reset = reset


class FaultAwareHandler(WSGIHandler):
    """gevent's WSGI handler, able to close a connection without answering.

    It also turns Nagle's algorithm off: gevent writes the headers and the body of an answer
    in two sends, and with Nagle on, the body waits for the client's delayed ACK of the
    headers (40 ms on Linux) on every keep-alive answer.
    """

    def handle(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle()

    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        environ[SOCKET_KEY] = self.socket
        return environ

    def run_application(self) -> None:
        try:
            super().run_application()
        except DropConnection as drop:
            # Nothing was written. The handler closes the socket once the request is over.
            self.close_connection = True
            if drop.reset:
                # A zero linger turns the close into a TCP RST.
                with contextlib.suppress(OSError):
                    self.socket.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )


def scim_path(environ: WSGIEnvironment) -> str:
    path: str = environ.get("PATH_INFO", "") or "/"
    if path == "/v2" or path.startswith("/v2/"):
        path = path[3:] or "/"
    return path


def _first_segment(environ: WSGIEnvironment) -> str:
    return scim_path(environ).strip("/").split("/", 1)[0].removesuffix(".scim")


def is_resource_request(environ: WSGIEnvironment) -> bool:
    """True for /Users, /Groups, /Bulk, searches; False for the discovery endpoints."""
    return _first_segment(environ) not in DISCOVERY


def is_create(environ: WSGIEnvironment) -> bool:
    """POST /Users or POST /Groups (not /Bulk, not a search)."""
    if environ.get("REQUEST_METHOD", "").upper() != "POST":
        return False
    return scim_path(environ).rstrip("/") in ("/Users", "/Groups")


def _has_pathless_patch(environ: WSGIEnvironment) -> bool:
    """A PATCH whose PatchOp has an operation without ``path`` (Okta's deactivate). The body
    is read and put back for the application."""
    if environ.get("REQUEST_METHOD", "").upper() != "PATCH":
        return False
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
    except (OSError, ValueError):
        return False
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        operations = json.loads(body).get("Operations")
    except (ValueError, AttributeError):
        return False
    return isinstance(operations, list) and any(
        isinstance(op, dict) and not op.get("path") for op in operations
    )


def is_write(environ: WSGIEnvironment) -> bool:
    return environ.get("REQUEST_METHOD", "").upper() in WRITE_METHODS and not scim_path(
        environ
    ).rstrip("/").endswith(".search")


def _wait_for_client_to_leave(environ: WSGIEnvironment, seconds: float) -> None:
    """Hold a request up to ``seconds``, or until the client closes its side."""
    try:
        environ["wsgi.input"].read()  # so that the socket shows the client's EOF
    except (OSError, ValueError):
        return
    sock = environ.get(SOCKET_KEY)
    if sock is not None and hasattr(sock, "pending"):
        sock = None  # TLS: recv(MSG_PEEK) is not allowed; hold the whole time
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if sock is None:
            gevent.sleep(remaining)
            return
        try:
            wait_read(sock.fileno(), timeout=min(remaining, 1.0))
        except TimeoutError:
            continue
        except (OSError, ValueError):
            return
        try:
            if not sock.recv(1, socket.MSG_PEEK):
                return  # the client went away
        except OSError:
            return
        gevent.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


class FaultMiddleware:
    """Wrap a WSGI application with the HTTP-level faults of a plan."""

    def __init__(self, app: WSGIApplication, plan: FaultPlan, dice: Dice) -> None:
        self.app = app
        self.plan = plan
        self.dice = dice
        latency = plan.get("latency")
        self.latency = latency.milliseconds / 1000.0 if isinstance(latency, Latency) else 0.0
        slow = plan.get("slow-create")
        self.slow_create = slow.milliseconds / 1000.0 if isinstance(slow, SlowCreate) else 0.0
        self.create_worker = gevent.lock.Semaphore(1)
        self.before = tuple(name for name in _BEFORE if name in plan)
        self.pathless_500 = PATHLESS_500 in plan
        self.pathless_400 = PATHLESS_400 in plan
        self.after = tuple(name for name in _AFTER if name in plan)
        self.rewrite = tuple(name for name in REWRITES if name in plan)
        self.rewrite_request = tuple(name for name in REQUEST_REWRITES if name in plan)
        self.rewrite_spc = tuple(name for name in SPC_REWRITES if name in plan)
        self.drop_after_commit = "drop-after-commit" in plan
        self.no_schemas = "no-schemas" in plan
        self.undeclared = plan.dropped_attributes("undeclared")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        redirected = path == REDIRECT_PREFIX or path.startswith(REDIRECT_PREFIX + "/")
        if redirected:
            environ["PATH_INFO"] = path[len(REDIRECT_PREFIX) :] or "/"
        if self.no_schemas and _first_segment(environ) == "Schemas":
            body = scim_error(404, "Not found (injected by --fault no-schemas)")
            return self._send(start_response, "404 Not Found", [("Content-Type", SCIM_JSON)], body)
        if self.undeclared and _first_segment(environ) == "Schemas":
            status, headers, body = self._run_app(environ)
            return self._send(start_response, status, headers, undeclare(self.undeclared, body))
        if is_resource_request(environ):
            if self.rewrite_request:
                answer = rewrite_request(self.rewrite_request, self.dice, environ)
                if answer is not None:
                    return self._send(start_response, *answer)
            for name in self.before:
                if name == "redirect" and redirected:
                    continue
                if self.dice.roll(name):
                    return self._answer_instead(name, environ, start_response)
            if self.pathless_400 and _has_pathless_patch(environ) and self.dice.roll(PATHLESS_400):
                detail = f"PATCH operations need a path (injected by --fault {PATHLESS_400})"
                error = scim_error(400, detail, "invalidPath")
                headers = [("Content-Type", SCIM_JSON)]
                return self._send(start_response, "400 Bad Request", headers, error)
            if self.pathless_500 and _has_pathless_patch(environ) and self.dice.roll(PATHLESS_500):
                detail = f"Internal server error (injected by --fault {PATHLESS_500})"
                headers = [("Content-Type", SCIM_JSON)]
                error = scim_error(500, detail)
                return self._send(start_response, "500 Internal Server Error", headers, error)
            if self.slow_create and is_create(environ):
                # One create at a time, like a server hashing passwords on one core; the
                # application's own lock is not held meanwhile, so nothing else waits.
                with self.create_worker:
                    gevent.sleep(self.slow_create)
        if not (self.after or self.drop_after_commit or self.rewrite or self.rewrite_spc):
            self._delay()
            return self.app(environ, start_response)
        return self._answer_changed(environ, start_response)

    def _delay(self) -> None:
        if self.latency:
            gevent.sleep(self.latency)

    def _send(
        self,
        start_response: StartResponse,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> list[bytes]:
        self._delay()
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        if not status.startswith(("204", "304")):
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    def _answer_instead(
        self, name: str, environ: WSGIEnvironment, start_response: StartResponse
    ) -> list[bytes]:
        """Answer a request without passing it to the application."""
        if name == "error-rate":
            body = scim_error(500, "Internal server error (injected by --fault error-rate)")
            return self._send(
                start_response, "500 Internal Server Error", [("Content-Type", SCIM_JSON)], body
            )
        if name == "throttle":
            body = scim_error(429, "Too many requests (injected by --fault throttle)")
            headers = [("Content-Type", SCIM_JSON), ("Retry-After", "1")]
            return self._send(start_response, "429 Too Many Requests", headers, body)
        if name == "reset":
            raise DropConnection(reset=True)
        if name == "timeout":
            _wait_for_client_to_leave(environ, TIMEOUT_SECONDS)
            raise DropConnection(reset=False)
        if name == "redirect":
            location = (
                f"{environ.get('wsgi.url_scheme', 'http')}://"
                f"{environ.get('HTTP_HOST') or environ.get('SERVER_NAME', '127.0.0.1')}"
                f"{REDIRECT_PREFIX}{environ.get('PATH_INFO', '')}"
            )
            if environ.get("QUERY_STRING"):
                location += "?" + environ["QUERY_STRING"]
            return self._send(
                start_response,
                "302 Found",
                [("Location", location), ("Content-Type", "text/plain")],
                b"Moved\n",
            )
        # non-json
        return self._send(
            start_response, "200 OK", [("Content-Type", "text/html; charset=utf-8")], _HTML
        )

    def _run_app(self, environ: WSGIEnvironment) -> tuple[str, list[tuple[str, str]], bytes]:
        """Run the application; its status, headers and whole body."""
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            captured["status"] = status
            captured["headers"] = list(headers)
            return chunks.append

        result = self.app(environ, capture)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        body = b"".join(chunks)
        status: str = captured["status"]
        headers: list[tuple[str, str]] = captured["headers"]
        return status, headers, body

    def _answer_changed(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> list[bytes]:
        """Run the application, then drop or change its answer."""
        status, headers, body = self._run_app(environ)
        resource = is_resource_request(environ)

        if (
            self.drop_after_commit
            and resource
            and is_write(environ)
            and self.dice.roll("drop-after-commit")
        ):
            raise DropConnection(reset=False)

        if self.rewrite_spc and _first_segment(environ) == "ServiceProviderConfig":
            body = rewrite_service_provider_config(self.rewrite_spc, body)
        if resource and self.rewrite:
            status, headers, body = rewrite_answer(
                self.rewrite, self.dice, environ, status, headers, body
            )
        if resource and body:
            for name in self.after:
                if not self.dice.roll(name):
                    continue
                if name == "truncated-json":
                    body = body[: len(body) // 2]
                elif name == "wrong-content-type":
                    headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
                    headers.append(("Content-Type", "text/plain; charset=utf-8"))
                elif name == "huge-body" and status.startswith("2"):
                    # Trailing whitespace keeps the JSON document the same.
                    body += b" " * max(0, HUGE_BODY_BYTES - len(body))
                break
        return self._send(start_response, status, headers, body)


def start_stall(plan: FaultPlan) -> gevent.Greenlet | None:
    """Start the greenlet that freezes the whole process (the unpatched time.sleep)."""
    stall = plan.get("stall")
    if not isinstance(stall, Stall):
        return None
    blocking_sleep: Callable[[float], None] = monkey.get_original("time", "sleep")

    def freeze_now_and_then() -> None:
        while True:
            gevent.sleep(stall.every_seconds)
            blocking_sleep(stall.milliseconds / 1000.0)

    return gevent.spawn(freeze_now_and_then)

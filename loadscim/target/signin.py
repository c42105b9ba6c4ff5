"""The embedded target's sign-in endpoint: a stand-in for a service the SCIM server provisions.

Provisioning guides ask to confirm effects beyond the SCIM API: a provisioned user can sign in
to the linked service, a deprovisioned one no longer can. ``GET /signin?user=<userName>``
answers as such a service would, from the target's own store (read fresh, never through a
lagging view)::

    200 {"access": "granted", "user": ...}    the user exists and is not active=false
    403 {"access": "denied", "reason": ...}   no such user, or active=false

It sits in front of the SCIM application: no bearer token, and no SCIM fault applies to it
(latency, error-rate ...). The userName is matched as SCIM does, ignoring case (RFC 7643
4.1.1). A granted sign-in opens a session, keyed by userName.

Fault ``sessions-survive``: a user with a session keeps access after deactivation or
DELETE (the service trusts its session instead of asking again), the failure downstream
probes exist to catch (``access-after-deprovision``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

PATH = "/signin"
FAULT = "sessions-survive"


class SignIn:
    """WSGI middleware serving :data:`PATH` from ``storage``; everything else goes to ``app``."""

    def __init__(self, app: Any, storage: Any, plan: Any) -> None:
        self.app = app
        self.storage = storage
        self.survive = plan is not None and FAULT in plan
        self.sessions: set[str] = set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        users = parse_qs(environ.get("QUERY_STRING", "")).get("user") or []
        if environ.get("REQUEST_METHOD", "GET").upper() not in ("GET", "HEAD"):
            return _answer(start_response, 405, {"error": "GET /signin?user=<userName>"})
        if len(users) != 1 or not users[0]:
            return _answer(start_response, 400, {"error": "give one ?user=<userName>"})
        name = users[0]
        key = name.lower()
        if self.survive and key in self.sessions:
            return _answer(start_response, 200, {"access": "granted", "user": name})
        found = self._find(key)
        if found is None:
            self.sessions.discard(key)
            return _answer(start_response, 403, {"access": "denied", "reason": "no such user"})
        if found.active is False:
            self.sessions.discard(key)
            return _answer(start_response, 403, {"access": "denied", "reason": "inactive"})
        self.sessions.add(key)
        return _answer(start_response, 200, {"access": "granted", "user": name})

    def _find(self, key: str) -> Any:
        """The stored User of that userName (any case), or None."""
        for resource in self.storage.resources:
            user_name = getattr(resource, "user_name", None)
            if isinstance(user_name, str) and user_name.lower() == key:
                return resource
        return None


def _answer(start_response: Any, status: int, body: dict[str, Any]) -> list[bytes]:
    text = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed"}
    start_response(
        f"{status} {reason[status]}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(text)))],
    )
    return [text]

"""Request-side faults of the embedded target for defects real servers show (issue 10).

- ``patch-conflict-500[=F]``: a PUT or PATCH of a resource takes 2-8 ms more (a
  transaction), and one that arrives while another PUT or PATCH of the same resource is in
  flight answers 500 without being applied, as servers whose row locks deadlock or whose
  optimistic locking fails with an unmapped exception do.
- ``page-skips``: ``startIndex`` is taken as 0-based, so every page starts one resource
  late: the first resource of the list is never listed (RFC 7644 3.4.2.4: "The 1-based
  index of the first query result").

- ``no-auth``: with ``--token``, a request without it or with a wrong one is served as if
  it had carried the token (an authentication filter left out of the resource routes).

A :class:`Defects` WSGI middleware does them; it sits inside the HTTP fault middleware
(:mod:`loadscim.target.middleware`), like :mod:`loadscim.target.lacks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

import gevent

from loadscim.target.faults import Dice, FaultPlan
from loadscim.target.middleware import SCIM_JSON, is_resource_request, scim_error, scim_path

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

NAMES = ("patch-conflict-500", "page-skips", "no-auth")
CONFLICT = "patch-conflict-500"


def wrap(
    app: WSGIApplication, plan: FaultPlan, dice: Dice, token: str | None = None
) -> WSGIApplication:
    """``app`` with the request-side defects of ``plan`` (``app`` itself if it has none);
    ``token`` is the bearer token the target requires (``no-auth`` lets anyone in)."""
    if not any(name in plan for name in NAMES):
        return app
    return Defects(app, plan, dice, token)


class Defects:
    """500 on concurrent updates of one resource; 0-based ``startIndex``; no auth."""

    def __init__(
        self, app: WSGIApplication, plan: FaultPlan, dice: Dice, token: str | None
    ) -> None:
        self.app = app
        self.authorization = f"Bearer {token}" if token and "no-auth" in plan else None
        self.dice = dice
        self.conflict = CONFLICT in plan
        self.page_skips = "page-skips" in plan
        self.in_flight: dict[str, int] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.authorization is not None:
            environ["HTTP_AUTHORIZATION"] = self.authorization
        if not is_resource_request(environ):
            return self.app(environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "")).upper()
        if self.page_skips and method == "GET" and environ.get("QUERY_STRING"):
            environ["QUERY_STRING"] = _zero_based(environ["QUERY_STRING"])
        path = scim_path(environ).rstrip("/")
        if not (self.conflict and method in ("PUT", "PATCH") and path.count("/") == 2):
            return self.app(environ, start_response)
        if self.in_flight.get(path) and self.dice.roll(CONFLICT):
            body = scim_error(500, f"Deadlock detected (injected by --fault {CONFLICT})")
            headers = [("Content-Type", SCIM_JSON), ("Content-Length", str(len(body)))]
            start_response("500 Internal Server Error", headers)
            return [body]
        self.in_flight[path] = self.in_flight.get(path, 0) + 1
        try:
            gevent.sleep(self.dice.pause(CONFLICT, 0.002, 0.008))
            return list(self.app(environ, start_response))
        finally:
            self.in_flight[path] -= 1
            if not self.in_flight[path]:
                del self.in_flight[path]


def _zero_based(query: str) -> str:
    """The query with ``startIndex`` one higher (a server taking it as 0-based)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    changed = False
    for i, (key, value) in enumerate(pairs):
        if key == "startIndex" and value.isdigit():
            pairs[i] = (key, str(int(value) + 1))
            changed = True
    return urlencode(pairs) if changed else query

"""Faults of the embedded target that make it a server lacking a feature, or ignoring input.

- ``no-patch``: the ServiceProviderConfig says ``patch.supported: false`` (set by
  :func:`lacking_config`), and every PATCH of a resource answers 501 Not Implemented, as RFC
  7644 3.12 lets a service provider answer a request for an unsupported operation.
- ``no-filter``: the ServiceProviderConfig says ``filter.supported: false``, and the
  ``filter`` parameter of a search (GET query or POST ``/.search`` body) is ignored: the
  answer lists every resource of the type, as some servers do.
- ``group-create-drops-members[=F]``: ``POST /Groups`` ignores ``members``: the group is
  created empty (and answered 201 as such), as a server that only takes members by PATCH.

A :class:`LackingFeatures` WSGI middleware does the request side; it sits inside the HTTP
fault middleware, so that robustness faults still apply to what it passes on.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from loadscim.target.faults import Dice, FaultPlan
from loadscim.target.middleware import SCIM_JSON, is_resource_request, scim_error, scim_path

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

NAMES = ("no-patch", "no-filter", "group-create-drops-members")


def lacking_config(config: Any, plan: FaultPlan) -> None:
    """Turn the features the plan removes off in the ServiceProviderConfig (in place)."""
    from scim2_models import Filter, Patch

    if "no-patch" in plan:
        config.patch = Patch(supported=False)
    if "no-filter" in plan:
        config.filter = Filter(supported=False, max_results=config.filter.max_results or 1000)


def wrap(app: WSGIApplication, plan: FaultPlan, dice: Dice) -> WSGIApplication:
    """``app`` with the request-side faults of ``plan`` (``app`` itself if it has none)."""
    if not any(name in plan for name in NAMES):
        return app
    return LackingFeatures(app, plan, dice)


class LackingFeatures:
    """Refuse PATCH, ignore filters, drop a group create's members."""

    def __init__(self, app: WSGIApplication, plan: FaultPlan, dice: Dice) -> None:
        self.app = app
        self.dice = dice
        self.no_patch = "no-patch" in plan
        self.no_filter = "no-filter" in plan
        self.drops_members = "group-create-drops-members" in plan

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not is_resource_request(environ):
            return self.app(environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "")).upper()
        parts = scim_path(environ).strip("/").split("/")
        if self.no_patch and method == "PATCH":
            body = scim_error(501, "PATCH is not supported (--fault no-patch)")
            start_response(
                "501 Not Implemented",
                [("Content-Type", SCIM_JSON), ("Content-Length", str(len(body)))],
            )
            return [body]
        if self.no_filter and method == "GET" and environ.get("QUERY_STRING"):
            query = parse_qsl(environ["QUERY_STRING"], keep_blank_values=True)
            environ["QUERY_STRING"] = urlencode([(k, v) for k, v in query if k != "filter"])
        if self.no_filter and method == "POST" and parts[-1] == ".search":
            _rewrite_body(environ, "filter")
        if (
            self.drops_members
            and method == "POST"
            and parts == ["Groups"]
            and self.dice.roll("group-create-drops-members")
        ):
            _rewrite_body(environ, "members")
        return self.app(environ, start_response)


def _rewrite_body(environ: WSGIEnvironment, drop: str) -> None:
    """Remove the top-level key ``drop`` from a JSON request body (left alone if not JSON)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and drop in body:
        del body[drop]
        raw = json.dumps(body).encode()
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))

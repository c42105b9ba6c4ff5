"""A ScimClient that honours what the target lacks: no PATCH, no filters.

RFC 7644 3.5.2 and 3.4.2.2 make PATCH and filtering optional, and a service provider says
which it has in its ServiceProviderConfig (RFC 7643 5: ``patch.supported``,
``filter.supported``). Identity providers work with such servers, and so does every
scenario, through :func:`with_fallbacks`:

- without PATCH, an update is a GET of the resource and a PUT of the whole resource with the
  operations applied (:func:`loadscim.scim.apply.apply_patch`), as Okta updates profiles;
  a membership change is a PUT of the group with the new member list. Both are recorded as
  what they are (a ``get`` and a ``replace``), and the checkers judge the PUT;
- without filters, a lookup by ``attr eq "value"`` pages through the resources
  (``startIndex``/``count``, RFC 7644 3.4.2.4) and keeps those that match. Each page is
  recorded as a search without a filter; the lookup itself is recorded as one ``search``
  op whose ``value`` holds the filter (and ``"by": "paging"``) and whose ``observed`` is a
  ListResponse of the matches, so the checkers that judge a lookup's result judge that.
  It is not counted as a request (the pages are).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from typing import Any

from loadscim.client import RESOURCE_PATHS, ScimClient
from loadscim.ops import Op
from loadscim.preflight import Capabilities
from loadscim.scim.apply import apply_patch
from loadscim.scim.dialects import Request
from loadscim.scim.parse import parse_list
from loadscim.scim.patch import PatchError, filter_matches, parse_filter

PAGE_SIZE = 100
MAX_PAGES = 100
"""A paged lookup reads at most this many pages (10,000 resources), then answers ``info``."""
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
_PASSED_ON = ("headers", "process", "sink")


def with_fallbacks(client: ScimClient, capabilities: Capabilities | None) -> ScimClient:
    """``client`` itself, or a :class:`FallbackClient` like it when the target lacks PATCH
    or filters."""
    if capabilities is None or (capabilities.patch and capabilities.filter):
        return client
    fallback = FallbackClient.__new__(FallbackClient)
    fallback.__dict__.update(copy.copy(client.__dict__))
    fallback.put_for_patch = not capabilities.patch
    fallback.page_for_filter = not capabilities.filter
    return fallback


class FallbackClient(ScimClient):
    """ScimClient with PUT for PATCH and paging for filters (see the module docstring)."""

    put_for_patch = False
    page_for_filter = False

    def patch(
        self,
        resource_type: str,
        resource_id: str,
        body: Any,
        *,
        if_match: str | None = None,
        **kw: Any,
    ) -> Op:
        if not self.put_for_patch:
            return super().patch(resource_type, resource_id, body, if_match=if_match, **kw)
        operations = list(body.get("Operations") or ())
        read = self.get(resource_type, resource_id, **_passed(kw, "expect"))
        if read.type != "ok" or not isinstance(read.observed, dict):
            return read  # nothing was written
        try:
            replacement = apply_patch(read.observed, operations)
        except PatchError:
            return super().patch(resource_type, resource_id, body, if_match=if_match, **kw)
        return self.replace(resource_type, resource_id, replacement, if_match=if_match, **kw)

    def search(self, resource_type: str, filter: str | None = None, **kw: Any) -> Op:
        if filter is None or not self.page_for_filter or not _simple(filter):
            return super().search(resource_type, filter, **kw)
        return self._paged_lookup(resource_type, filter, kw)

    def execute(self, request: Request, **kw: Any) -> Op:
        headers = {**request.headers, **(kw.pop("headers", None) or {})}
        if self.put_for_patch and request.kind == "patch" and request.resource_id:
            return self.patch(
                request.resource_type, request.resource_id, request.body, headers=headers, **kw
            )
        query = dict(request.query)
        text = query.get("filter")
        if self.page_for_filter and request.kind == "search" and text and _simple(text):
            return self._paged_lookup(request.resource_type, text, {"headers": headers, **kw})
        return super().execute(request, headers=headers, **kw)

    def _paged_lookup(self, resource_type: str, text: str, kw: dict[str, Any]) -> Op:
        sink = kw.get("sink") or self.sink
        invocation = Op(
            type="invoke",
            kind="search",
            seq=self._seq(),
            trial=self.trial,
            process=kw.get("process") or self.process,
            resource_type=resource_type,
            value={"filter": text, "by": "paging"},
            endpoint=f"GET {RESOURCE_PATHS[resource_type]} (paged lookup)",
            start_us=time.perf_counter_ns() // 1000,  # the clock of ScimClient.call
        )
        if sink is not None:
            sink(invocation)
        found: list[dict[str, Any]] = []
        start, page, error = 1, None, None
        for _ in range(MAX_PAGES):
            page = super().search(resource_type, start_index=start, count=PAGE_SIZE, **_passed(kw))
            if page.type != "ok":
                break
            try:
                listing = parse_list(page.observed)
            except ValueError as e:
                error = f"page at startIndex {start} is not a ListResponse: {e}"
                break
            found += [r for r in listing.resources if filter_matches(text, r)]
            start += len(listing.resources)
            if not listing.resources or start > listing.total:
                break
        else:
            error = f"stopped after {MAX_PAGES} pages of {PAGE_SIZE}"
        completion = dataclasses.replace(
            invocation,
            type="info" if error else (page.type if page else "info"),
            status=page.status if page else None,
            observed={"schemas": [LIST_SCHEMA], "totalResults": len(found), "Resources": found}
            if page is not None and page.type == "ok" and not error
            else (page.observed if page else None),
            error=error or (page.error if page else "no page read"),
            end_us=time.perf_counter_ns() // 1000,
        )
        if sink is not None:
            sink(completion)
        return completion


def _passed(kw: dict[str, Any], *also: str) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if k in (*_PASSED_ON, *also)}


def _simple(text: str) -> bool:
    """Whether a filter is one loadscim can apply itself (``attr eq value`` terms)."""
    try:
        parse_filter(text)
    except PatchError:
        return False
    return True

"""Authentication probes: a run that needs credentials checks that nobody else gets in.

Once per process (the first user of a scenario that calls :func:`probe_authentication`,
lifecycle and okta_crud do), when the run sends credentials, one ``auth-probe`` trial:

    GET /Users?count=1          without an Authorization header    (expect 401/403)
    POST /Users                 without it, a namespaced user        (expect 401/403)
    GET /Users?count=1          with a wrong bearer token (or Basic password)
    POST /Users                 with it, another namespaced user
    GET /Users?filter=userName eq "..."   with the run's credentials, per create: none

Six requests, judged by the ``authentication`` checker (:mod:`loadscim.checks.authentication`).
A run without credentials skips it (the target evidently needs none): nothing to refuse.
The discovery endpoints are not probed: RFC 7644 lets /ServiceProviderConfig be public.
"""

from __future__ import annotations

import base64
import contextlib
import secrets

from loadscim.scim import payloads
from loadscim.scim.parse import parse_list
from loadscim.users.base import ScimUser

REFUSALS = (401, 403)


def probe_authentication(user: ScimUser) -> None:
    """Run the probe trial, unless the run has no credentials or this process probed."""
    rt = user.rt
    if rt.credentials.scheme == "none" or "authentication" in rt.recorder.checker_stats:
        return
    wrong = (
        "Basic " + base64.b64encode(b"loadscim-probe:wrong-password").decode()
        if rt.credentials.scheme == "basic"
        else f"Bearer loadscim-wrong-token-{secrets.token_hex(8)}"
    )
    lacking = {f"{user.process}.no-credentials": None, f"{user.process}.wrong-token": wrong}
    probes = {process: process.rsplit(".", 1)[1].replace("-", " ") for process in lacking}
    with user.trial("auth-probe", ("authentication",), probes=probes) as t:
        names = []
        for process, authorization in lacking.items():
            client = t.scim.for_trial(t.trial, process=process)
            headers = {k: v for k, v in client.headers.items() if k.lower() != "authorization"}
            if authorization is not None:
                headers["Authorization"] = authorization
            client.headers = headers
            client.search("User", count=1, expect=REFUSALS)
            name = user.ns.user_name(f"{user.tag()}-{process.rsplit('.', 1)[1]}")
            names.append(name)
            client.create("User", payloads.user(name), expect=REFUSALS)
        for name in names:
            found = t.scim.search("User", payloads.eq_filter("userName", name))
            with contextlib.suppress(ValueError):
                for resource in parse_list(found.observed).resources:
                    if user.ns.owns_resource(resource) and isinstance(resource.get("id"), str):
                        t.discard_later("User", resource["id"])

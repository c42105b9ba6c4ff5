"""Downstream probes: does deprovisioning end access to the services the SCIM server feeds?

Provisioning guides ask to confirm effects beyond the SCIM API: a provisioned user can sign in
to each linked service, a deprovisioned one no longer can. A *probe* asks a linked service
whether a user has access: ``--probe URL-TEMPLATE`` (an HTTP GET; the template names the
user's identity) with ``--probe-expect BEFORE,AFTER`` (the statuses meaning "has access" and
"has none", default ``200,401/403/404``), or a Python callable a scenario sets (a user
class's ``downstream_probe``: identity in, True / False / None or a status out).

For each deprovisioning the run makes (a DELETE of a User, or a write setting ``active``
false), while the load runs and within a bound: the probe is asked once just before the
write is sent (access must be there, else nothing is judged), then polled from the write's
ok answer until access is gone. The delay is timed like a visibility kind
(``downstream-revoke``); a probe still granting access once the window (``--probe-window``,
else the consistency window, else :data:`DEFAULT_WINDOW_S`) has passed is the violation
``access-after-deprovision`` (:mod:`loadscim.checks.downstream`).

Pure: no locust, no gevent, no I/O (the polling is :mod:`loadscim.harness.probes`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from loadscim.errors import UsageError
from loadscim.scim.patch import PatchError, attribute_writes, normalise

PLACEHOLDERS = {
    "userName": "the user's userName",
    "id": "the user's SCIM id",
    "origin": "scheme://host:port of the SCIM target",
    "target": "the SCIM base URL",
}
DEFAULT_EXPECT = "200,401/403/404"
DEFAULT_WINDOW_S = 5.0
PROBE_BURST = 50
PROBE_RATE = 1.0
"""Deprovisionings probed per load-generating process at most: :data:`PROBE_BURST`, and
:data:`PROBE_RATE` more per second of the run (:func:`probe_budget`)."""
PROBE_PARALLEL = 20
"""Probes polling at the same time at most (a deprovisioning beyond it is not probed)."""
KIND = "downstream-revoke"
"""The visibility kind of the time from a deprovisioning's answer to the end of access."""

_FORMAT = string.Formatter()


@dataclass(frozen=True)
class Expect:
    """Statuses that mean "has access" (``before``) and "has no access" (``after``)."""

    before: frozenset[int]
    after: frozenset[int]

    def access(self, status: int | None) -> bool | None:
        """True (access), False (none) or None (neither: an error, a timeout)."""
        if status in self.before:
            return True
        if status in self.after:
            return False
        return None


def parse_expect(text: str, flag: str = "--probe-expect") -> Expect:
    """``200,403`` or ``200,401/403/404``: the statuses before and after deprovisioning."""
    rule = (
        f"{flag} {text!r}: give the HTTP statuses meaning access and no access, separated "
        f"by a comma (several with /), e.g. {flag} 200,403"
    )
    parts = str(text).split(",")
    if len(parts) != 2:
        raise UsageError(rule)
    sets = []
    for part in parts:
        try:
            codes = frozenset(int(c) for c in part.split("/"))
        except ValueError:
            raise UsageError(rule) from None
        if not codes or any(not 100 <= c <= 599 for c in codes):
            raise UsageError(rule)
        sets.append(codes)
    if sets[0] & sets[1]:
        raise UsageError(f"{rule}; a status cannot mean both")
    return Expect(sets[0], sets[1])


def check_template(text: str, flag: str = "--probe") -> str:
    """The probe URL template, or a one-line UsageError: an http(s) URL whose placeholders
    are among :data:`PLACEHOLDERS` and name the user (``{userName}`` or ``{id}``)."""
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    example = f"{flag} 'https://app.example.com/signin?user={{userName}}'"
    try:
        names = {name for _, name, _, _ in _FORMAT.parse(text) if name is not None}
    except ValueError as e:
        raise UsageError(f"{flag} {text!r}: {e}; write e.g. {example}") from None
    unknown = sorted(n for n in names if n not in PLACEHOLDERS)
    if unknown:
        raise UsageError(f"{flag} {text!r}: unknown placeholder {{{unknown[0]}}}; known: {known}")
    if not names & {"userName", "id"}:
        raise UsageError(
            f"{flag} {text!r}: the URL must name the user with {{userName}} or {{id}}; "
            f"write e.g. {example}"
        )
    sample = fill(text, {"userName": "u", "id": "1"}, "http://127.0.0.1:1/v2")
    parts = urlsplit(sample)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{flag} {text!r}: a probe is an http:// or https:// URL; {example}")
    return text


def fill(template: str, identity: dict[str, str], target: str) -> str:
    """The probe URL for one user: identity values URL-quoted, ``{origin}`` and ``{target}``
    from the SCIM base URL as they are."""
    parts = urlsplit(target)
    values = {
        "origin": f"{parts.scheme}://{parts.netloc}",
        "target": target.rstrip("/"),
        **{k: quote(str(v), safe="") for k, v in identity.items()},
    }
    return template.format_map(_Missing(values))


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def deprovisioning(op: Any) -> str | None:
    """``delete`` or ``deactivate`` when the write ``op`` deprovisions a User, else None."""
    if op.resource_type != "User" or not op.resource_id:
        return None
    if op.kind == "delete":
        return "delete"
    if op.kind not in ("patch", "replace"):
        return None
    operations = op.value if op.kind == "patch" else [{"op": "replace", "value": op.value}]
    try:
        writes = attribute_writes(operations)
    except PatchError:
        return None
    for path, value in writes.items():
        if path.lower() == "active" and normalise("active", value) is False:
            return "deactivate"
    return None


def probe_budget(elapsed_s: float) -> int:
    """How many deprovisionings a process may have probed ``elapsed_s`` into the run."""
    return PROBE_BURST + int(max(0.0, elapsed_s) * PROBE_RATE)


def window_s(probe_window: float, consistency_window: float) -> float:
    """``--probe-window``, else the consistency window, else :data:`DEFAULT_WINDOW_S`."""
    return probe_window or consistency_window or DEFAULT_WINDOW_S

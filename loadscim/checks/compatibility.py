"""compatibility: the target accepts the identity provider's requests as the IdP sends them.

An identity provider does not adapt to a server: Okta and Microsoft Entra ID send their own
literal requests (the dialects of :mod:`loadscim.scim.dialects`, from their vendors'
documentation), and a request the server refuses is a provisioning error in the IdP, on
every cycle, for every object it touches: Entra ID keeps failed objects in escrow and
quarantines a synchronization job whose escrows pass a threshold (Microsoft Graph,
``synchronizationQuarantine``: ``EncounteredBaseEscrowThreshold`` ...); a membership PATCH
that is refused leaves access in place. The rule, per request:

- RFC 7644 3.12: a refusal of the request *as written* is a 400 (``invalidSyntax``,
  ``invalidValue``, ``invalidPath``, ``noTarget``, ``invalidFilter``, ``mutability`` ...);
  and per RFC 7644 3.2, "501 (Not Implemented) Service provider does not support the
  request operation". A 405, 415 or 422 refuses the request's method, media type or shape
  the same way. Each such answer to an IdP's request is a finding: this server cannot
  serve that IdP (that step, at that endpoint).
- A server error that repeats for the same request shape is a finding too: a server that
  crashes on Okta's path-less PATCH crashes on it every time, and the IdP fails that step on
  every cycle. Per dialect step and endpoint, a 5xx (not 501, a refusal above; not 503 or
  504, which say the server or a gateway is overloaded, not that the request is wrong) is a
  finding when that step was answered with one at least :data:`REPEAT_MIN` times *and* in
  more than half of its sends (:data:`REPEAT_SHARE`). A lone or occasional 5xx stays what
  the op model says, ``info``: a server that fails 5% of all requests at random gets no
  compatibility finding (its errors count against the ``errors`` gate line).
- Not findings: 2xx; 404 (the resource is gone, or Okta's "not found" lookup), 409 / 412
  (conflicts, judged by ``conflict_status``), 401 / 403 (credentials), 413 / 429 (limits
  and throttling), a 5xx that does not repeat as above.

This is not a trial checker: :class:`loadscim.users.base.ScimUser` judges each request an IdP
dialect (not ``rfc``) built, as it completes (:meth:`loadscim.recorder.Recorder.judge_request`),
so the counts are per request. Findings are reported per endpoint, status, scimType and
dialect step (``compatibility: PATCH /Groups/{id} answered 400 invalidValue to entra
remove_members (12 times): ...``) and fail the run like any violation (a gate may allow some
with ``[violations] compatibility = N``).

Violation kinds: ``refused`` (``resource`` the endpoint, ``expected`` what was sent,
``observed`` the status, scimType and detail), counted per request; ``server-error`` (the
same fields), counted per 5xx answer of a step that meets the rule, decided over the whole
run (:class:`ServerErrors`, merged across workers) when the summary is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loadscim.ops import Op, Violation, describe
from loadscim.scim.parse import parse_error

NAME = "compatibility"
REFUSALS = frozenset({400, 405, 415, 422, 501})
"""Statuses that refuse a request as written (RFC 7644 3.12, 3.2)."""
NOT_SHAPE_ERRORS = frozenset({501, 503, 504})
"""5xx statuses that say nothing about the request's shape: 501 is a refusal (above), 503 and
504 an overloaded server or gateway."""
REPEAT_MIN = 3
"""5xx answers a step needs before its server errors are a finding ..."""
REPEAT_SHARE = 0.5
"""... and the share of its sends they must exceed."""


@dataclass(frozen=True)
class Finding:
    """One refused IdP request: where, what the server said, which dialect step."""

    dialect: str
    step: str
    endpoint: str
    status: int
    scim_type: str
    detail: str

    @property
    def key(self) -> str:
        """Findings with the same key are counted together."""
        return "|".join((self.endpoint, str(self.status), self.scim_type, self.dialect, self.step))

    def line(self, count: int) -> str:
        """``PATCH /Groups/{id} answered 400 invalidValue to entra remove_members (3 times)``."""
        answer = f"{self.status} {self.scim_type}".strip()
        times = "once" if count == 1 else f"{count} times"
        text = f"{self.endpoint} answered {answer} to {self.dialect} {self.step} ({times})"
        return f"{text}: {self.detail}" if self.detail else text


def refusal(op: Op, dialect: str, step: str) -> Finding | None:
    """The finding in the completion ``op`` of a request ``dialect`` built, or None."""
    if op.type == "invoke" or op.status not in REFUSALS:
        return None
    return _finding(op, dialect, step)


def _finding(op: Op, dialect: str, step: str) -> Finding:
    error = parse_error(op.observed)
    detail = (error.detail or "") if error is not None else ""
    return Finding(
        dialect=dialect,
        step=step or op.kind,
        endpoint=op.endpoint or f"{op.kind} {op.resource_type}",
        status=int(op.status or 0),
        scim_type=op.scim_type or "",
        detail=" ".join(detail.split())[:160],
    )


def violation(finding: Finding, op: Op) -> Violation:
    """The violation a refusal counts as."""
    return _violation(finding, op, "refused")


def _violation(finding: Finding, op: Op, kind: str) -> Violation:
    answer = f"{finding.status} {finding.scim_type}".strip()
    observed = f"{answer}: {finding.detail}" if finding.detail else answer
    return Violation(
        checker=NAME,
        kind=kind,
        trial=op.trial,
        resource=finding.endpoint,
        expected=f"{finding.dialect} {finding.step} accepted (2xx), as the IdP sends it",
        observed=observed,
        ops=(describe(op, op.start_us),),
        subject=f"{finding.endpoint} ({finding.dialect} {finding.step})",
    )


def is_server_error(op: Op) -> bool:
    """A 5xx answer that may point at the request's shape (not 501, 503, 504)."""
    status = op.status or 0
    return op.type != "invoke" and 500 <= status < 600 and status not in NOT_SHAPE_ERRORS


@dataclass
class Tally:
    """One request shape's sends and 5xx answers, with the first 5xx as the example."""

    sends: int = 0
    errors: int = 0
    finding: Finding | None = None
    example: Violation | None = None

    @property
    def repeats(self) -> bool:
        """At least :data:`REPEAT_MIN` 5xx, in more than :data:`REPEAT_SHARE` of the sends."""
        return self.errors >= REPEAT_MIN and self.errors > REPEAT_SHARE * self.sends


@dataclass
class ServerErrors:
    """5xx answers per identity-provider request shape: endpoint, dialect and step."""

    tallies: dict[tuple[str, str, str], Tally] = field(default_factory=dict)

    def add(self, op: Op, dialect: str, step: str) -> None:
        """Count one completed request ``dialect``'s ``step`` built."""
        endpoint = op.endpoint or f"{op.kind} {op.resource_type}"
        key = (endpoint, dialect, step or op.kind)
        tally = self.tallies.get(key)
        if tally is None:
            tally = self.tallies[key] = Tally()
        tally.sends += 1
        if is_server_error(op):
            tally.errors += 1
            if tally.finding is None:
                tally.finding = _finding(op, dialect, step)
                tally.example = _violation(tally.finding, op, "server-error")

    def repeated(self) -> list[Tally]:
        """The shapes whose 5xx answers repeat (the findings), most errors first."""
        found = [t for t in self.tallies.values() if t.repeats and t.finding is not None]
        return sorted(found, key=lambda t: -t.errors)

    def drain(self) -> list[dict[str, Any]]:
        """The tallies as plain data, and reset (a worker's report to the master)."""
        data = [
            {
                "key": list(key),
                "sends": t.sends,
                "errors": t.errors,
                "finding": vars(t.finding) if t.finding is not None else None,
                "example": t.example.to_dict() if t.example is not None else None,
            }
            for key, t in self.tallies.items()
        ]
        self.tallies = {}
        return data

    def absorb(self, data: list[dict[str, Any]]) -> None:
        """Add what another process's :meth:`drain` gave."""
        for item in data:
            endpoint, dialect, step = item["key"]
            key = (str(endpoint), str(dialect), str(step))
            tally = self.tallies.get(key)
            if tally is None:
                tally = self.tallies[key] = Tally()
            tally.sends += int(item.get("sends", 0))
            tally.errors += int(item.get("errors", 0))
            if tally.finding is None and item.get("finding"):
                tally.finding = Finding(**item["finding"])
                example = item.get("example")
                tally.example = Violation.from_dict(example) if example else None


def server_error_line(tally: Tally) -> str:
    """``PATCH /Users/{id} answered 500 to okta set_active 40 times in 40 sends: ...``."""
    finding = tally.finding
    assert finding is not None
    answer = f"{finding.status} {finding.scim_type}".strip()
    text = (
        f"{finding.endpoint} answered {answer} to {finding.dialect} {finding.step} "
        f"{tally.errors} times in {tally.sends} sends (a server error that repeats)"
    )
    return f"{text}: {finding.detail}" if finding.detail else text

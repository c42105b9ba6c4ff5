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
- Not findings: 2xx; 404 (the resource is gone, or Okta's "not found" lookup), 409 / 412
  (conflicts, judged by ``conflict_status``), 401 / 403 (credentials), 413 / 429 (limits
  and throttling), 5xx (server errors: ``info``, judged elsewhere).

This is not a trial checker: :class:`loadscim.users.base.ScimUser` judges each request an IdP
dialect (not ``rfc``) built, as it completes (:meth:`loadscim.recorder.Recorder.judge_request`),
so the counts are per request. Findings are reported per endpoint, status, scimType and
dialect step (``compatibility: PATCH /Groups/{id} answered 400 invalidValue to entra
remove_members (12 times): ...``) and fail the run like any violation (a gate may allow some
with ``[violations] compatibility = N``).

Violation kind: ``refused`` (``resource`` the endpoint, ``expected`` what was sent,
``observed`` the status, scimType and detail).
"""

from __future__ import annotations

from dataclasses import dataclass

from loadscim.ops import Op, Violation, describe
from loadscim.scim.parse import parse_error

NAME = "compatibility"
REFUSALS = frozenset({400, 405, 415, 422, 501})
"""Statuses that refuse a request as written (RFC 7644 3.12, 3.2)."""


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
    """The violation a finding counts as."""
    answer = f"{finding.status} {finding.scim_type}".strip()
    observed = f"{answer}: {finding.detail}" if finding.detail else answer
    return Violation(
        checker=NAME,
        kind="refused",
        trial=op.trial,
        resource=finding.endpoint,
        expected=f"{finding.dialect} {finding.step} accepted (2xx), as the IdP sends it",
        observed=observed,
        ops=(describe(op, op.start_us),),
    )

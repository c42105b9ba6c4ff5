"""Every violation kind, in one registry: what the server did, and the seeded fault that shows it.

A finding is named for what the server did (DESIGN.md), once per kind and subject, with a
count and examples (:class:`loadscim.summary.FindingGroup`). Each kind a checker can report is
here, with one line saying what it means ("What each finding means" in
docs/staging-safety.md lists them all, which a test checks) and the embedded target's fault
and scenario that show it on real HTTP (tests/integration/matrix.py has a row for each; a
kind without a fault fails tests/integration/test_mutation_matrix.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One violation kind."""

    name: str
    meaning: str
    shown_by: tuple[str, str] | None
    """``(fault, scenario)`` that shows it in ``tests/integration/test_mutation_matrix.py``
    (or another integration test), or None."""
    keyword: str = "MUST"
    """The RFC keyword of the rule it breaks: a ``MUST`` violation fails the run; a
    ``SHOULD`` one is a warning unless the gate's ``should`` line makes it fail
    (:func:`is_warning`)."""


_KINDS = (
    Kind("create-dropped", "a create's answer and first read lack what it was sent",
         ("group-create-drops-members", "racing_patch")),
    Kind("not-stored", "an attribute ok writes set that no answer ever shows",
         ("drop-attribute=title", "lifecycle")),
    Kind("stale-read", "a read shows an older value than an ok write before it",
         ("ignore-deactivate", "okta_crud")),
    Kind("not-visible", "an ok write not shown by a read started after the consistency window",
         ("replica-lag=300", "lifecycle")),
    Kind("flapping", "a read showed an older state than an earlier read of the same view",
         ("replica-lag=300 flap", "lifecycle")),
    Kind("not-found-after-write", "404 for a resource created before the read",
         ("stale-read=3", "onboarding_burst")),
    Kind("found-after-delete", "the resource read after an ok DELETE",
         ("delete-deactivates", "lifecycle")),
    Kind("lost-member", "an ok membership add missing from the final state",
         ("lost-update", "racing_patch")),
    Kind("lost-remove", "an ok membership remove undone", ("lost-update", "entra_group_churn")),
    Kind("phantom-member", "a member no write added",
         ("membership-bleed", "racing_patch")),
    Kind("lost-write", "an older value overwrote a later ok write",
         ("write-back-stale=0.5", "racing_patch")),
    Kind("unwritten-value", "a final value nobody wrote",
         ("truncate-updates", "racing_patch")),
    Kind("if-match-ignored", "two ok writes with the same If-Match",
         ("ignore-if-match", "racing_patch")),
    Kind("not-412", "a write that lost an If-Match race refused with another status",
         ("409-on-if-match", "racing_patch")),
    Kind("etag-missing", "no ETag on a read although the server advertises ETags",
         ("etag-absent", "racing_patch")),
    Kind("duplicate-201", "two accounts created for one unique value",
         ("duplicate-create", "duplicate_race")),
    Kind("case-duplicate", "a userName differing only in case from an account made a second one",
         ("case-duplicates", "duplicate_race")),
    Kind("case-sensitive-filter", "a userName eq lookup in another case finds no account",
         ("case-sensitive-filter", "duplicate_race")),
    Kind("lookup-count", "the lookup after a create race finds too many or none",
         ("duplicate-create", "duplicate_race")),
    Kind("lookup-missing", "the lookup does not list an ok create's id",
         ("search-other-ids", "duplicate_race")),
    Kind("wrong-status", "a taken unique value refused with another 4xx than 409",
         ("400-on-conflict", "duplicate_race")),
    Kind("no-uniqueness-scimtype", "a 409 without scimType uniqueness",
         ("409-no-scimtype", "duplicate_race")),
    Kind("no-error-schema", "an error answer without the SCIM Error body",
         ("412-no-error", "racing_patch")),
    Kind("5xx-on-conflict", "a conflict answered 5xx", ("500-on-conflict", "duplicate_race")),
    Kind("5xx-under-contention", "a PUT, PATCH or DELETE racing another write answered 5xx",
         ("patch-conflict-500", "racing_patch")),
    Kind("zombie-active", "active after an ok deactivation",
         ("ignore-deactivate", "deprovision_storm")),
    Kind("lost-deactivation", "a deactivation undone by a profile write racing it",
         ("lost-deactivation", "deprovision_storm")),
    Kind("zombie-present", "found after an ok DELETE", ("delete-deactivates", "deprovision_storm")),
    Kind("zombie-listed", "listed by a search after an ok DELETE",
         ("delete-deactivates", "deprovision_storm")),
    Kind("missing", "a resource the run made and did not delete is gone",
         ("stale-read=3", "onboarding_burst")),
    Kind("duplicate", "the userName filter finds a resource twice",
         ("duplicate-listing", "lifecycle")),
    Kind("stale", "at the end, attributes other than the last ok write",
         ("ignore-update", "lifecycle")),
    Kind("applied-without-answer", "a write whose answer was lost was applied",
         ("drop-after-commit", "retries")),
    Kind("replay-status", "a replayed DELETE not answered 404", ("delete-deactivates", "retries")),
    Kind("replay-final-state", "a replayed request changed the final state",
         ("delete-deactivates", "retries")),
    Kind("duplicate-member", "a member listed twice in one read of a group",
         ("non-idempotent-replay", "retries")),
    Kind("duplicate-value", "a replayed add listed a value twice",
         ("non-idempotent-replay", "retries")),
    Kind("bulk-unapplied", "a Bulk operation reported ok but not applied",
         ("bulk-partial", "bulk_burst")),
    Kind("bulk-mismatch", "a Bulk create shows other data than was sent",
         ("drop-attribute=externalId", "bulk_burst")),
    Kind("bulk-missing-result", "a Bulk operation without a result",
         ("bulk-drops-result", "bulk_burst")),
    Kind("bulk-no-location", "an ok Bulk create without a location",
         ("bulk-no-location", "bulk_burst")),
    Kind("bulk-error-no-detail", "a failed Bulk operation without an error body",
         ("bulk-error-no-detail", "bulk_burst")),
    Kind("bulk-unresolved-ref", "a bulkId reference not resolved",
         ("bulk-bad-ref", "bulk_burst")),
    Kind("no-413", "a Bulk request over the limits not answered 413",
         ("bulk-no-413", "bulk_burst")),
    Kind("413-within-limits", "a Bulk request within the limits answered 413",
         ("bulk-always-413", "bulk_burst")),
    Kind("unauthenticated-served", "a request without valid credentials served",
         ("no-auth", "lifecycle")),
    Kind("paging-skipped", "a resource there throughout a paging listed on no page",
         ("page-skips", "deprovision_storm")),
    Kind("wrong-total", "a page's totalResults outside what matched while it was served",
         ("wrong-total", "deprovision_storm")),
    Kind("refused", "an identity provider's request as written refused",
         ("400-on-pathless-patch", "okta_crud")),
    Kind("access-after-deprovision", "a linked service still grants access after the window "
         "that followed an ok deprovisioning", ("sessions-survive", "lifecycle")),
    Kind("server-error", "a 5xx that repeats for one identity provider request shape",
         ("500-on-pathless-patch", "okta_crud")),
    # conformance: sampled answers against RFC 7643 / 7644 (loadscim/checks/conformance.py)
    Kind("created-200", "a create answered with another 2xx than 201",
         ("created-200", "lifecycle")),
    Kind("no-location", "a 201 without a Location header", ("no-location", "lifecycle")),
    Kind("location-mismatch", "a 201 whose Location is not the body's meta.location",
         ("location-mismatch", "lifecycle")),
    Kind("version-mismatch", "meta.version absent or not the ETag header",
         ("version-mismatch", "lifecycle"), "SHOULD"),
    Kind("etag-unchanged", "one ETag for two different states of a resource",
         ("etag-unchanged", "lifecycle"), "SHOULD"),
    Kind("wrong-content-type", "a JSON answer not labelled application/scim+json",
         ("wrong-content-type=1", "lifecycle")),
    Kind("error-status-not-string", "an Error body whose status is not a JSON string",
         ("error-status-int", "lifecycle")),
    Kind("unknown-id-not-404", "a GET of an id never issued not answered 404",
         ("unknown-id-200", "racing_patch")),
    Kind("invalid-resource", "a resource answer without schemas or id, or with a bad meta",
         ("resource-no-schemas", "lifecycle")),
)  # fmt: skip

KINDS: dict[str, Kind] = {kind.name: kind for kind in _KINDS}

SHOULD_KINDS: frozenset[str] = frozenset(k.name for k in _KINDS if k.keyword == "SHOULD")
"""Kinds that break a SHOULD of the RFCs: warnings by default."""


def is_warning(kind: str, failing: frozenset[str] | tuple[str, ...] = ()) -> bool:
    """Whether a violation of ``kind`` is only a warning: a SHOULD kind that the gate's
    ``should`` line (``failing``, ``*`` for all of them) does not make fail."""
    return kind in SHOULD_KINDS and kind not in failing and "*" not in failing

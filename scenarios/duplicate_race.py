"""Duplicate race: concurrent creates of one account (same userName; same externalId), and of
groups with one displayName.

Models: an identity provider whose parallel provisioning jobs, or whose retries after a
timeout, POST the same user several times at once; --fan-out creates in flight together,
then the lookup by filter an IdP makes before acting; then the userName in upper case (a create
that must get 409, a lookup that must find the account, as Okta's spec test does).
Dialect: the creates and lookups are --dialect's (Okta's body with password and groups, its
lookup with startIndex and count; Entra's create and externalId matching query); default rfc.
Checks: duplicate_create (one 201 per userName, 409 uniqueness for the others, the lookup
finds exactly one), conflict_status (no 5xx under contention, Error bodies), compatibility
(with a vendor dialect).
Expected verdict on the clean embedded target: PASS (in every dialect).
Fails with: --target-fault duplicate-create, 500-on-conflict, case-duplicates,
case-sensitive-filter, 500-on-duplicate-group.

    loadscim run duplicate_race --users 4 --duration 30s --gate gates/duplicate_race.toml \
        -- --fan-out 10
    loadscim run duplicate_race --dialect okta --users 4 --duration 30s
"""

from loadscim.users.duplicate_race import DuplicateRaceUser

__all__ = ["DuplicateRaceUser"]

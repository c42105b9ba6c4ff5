"""Okta CRUD: the steps of Okta's SCIM "CRUD" test, as concurrent load, in Okta's requests.

Models: Okta provisioning many users at once through its CRUD test's steps (the okta dialect
by default: Okta's SCIM 2.0 reference requests and User-Agent): create (existence check by
filter, then POST), verify, update the first name (GET, then PUT of the whole user), verify,
deactivate (path-less PATCH active=false), verify, reactivate, reassign (existence check,
profile push), verify, unassign (PATCH active=false: Okta never DELETEs users), verify.
Checks: read_your_writes (every verify step), reconcile (end of run: each account present
once, inactive, with its last profile), compatibility (the target refuses none of Okta's
requests), and the error-rate gate.
Expected verdict on the clean embedded target: PASS.
Fails with: --target-fault ignore-deactivate (read_your_writes, reconcile zombie-active).

    loadscim run okta_crud --users 10 --duration 1m --gate gates/okta_crud.toml
"""

from loadscim.users.okta_crud import OktaCrudUser

__all__ = ["OktaCrudUser"]

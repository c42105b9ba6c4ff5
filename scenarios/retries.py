"""Retries: an identity provider replaying writes after a timeout or a lost answer.

Models: the IdP's retry path: the same POST after it succeeded (-> 409, then one account),
the same PATCH twice, the same PUT twice, a membership PATCH twice, DELETE twice (-> 404).
Checks: idempotency (replays converge, never a duplicate), answered (a write proven applied
got an answer), conflict_status.
Expected verdict on the clean embedded target: PASS.
Fails with: --target-fault drop-after-commit (answered).

    loadscim run retries --users 4 --duration 30s
"""

from loadscim.users.retries import RetriesUser

__all__ = ["RetriesUser"]

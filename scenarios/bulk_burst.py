"""Bulk burst: POST /Bulk with many creates, bulkId references, over the limit, in parallel.

Models: an identity provider's initial sync through the Bulk endpoint (RFC 7644 3.7): requests
of --bulk-size user creates plus a group whose members reference them by bulkId, several such
requests racing, and a request of maxOperations + 1 operations (from ServiceProviderConfig).
Checks: bulk (per-operation results match what happened, bulkId references resolved, 413
over the limits, nothing reported ok that did not apply).
Expected verdict on the clean embedded target: PASS ("not applicable" on a target without Bulk).
Fails with: --target-fault bulk-partial (bulk).

    loadscim run bulk_burst --users 2 --duration 30s -- --bulk-size 50
"""

from loadscim.users.bulk_burst import BulkBurstUser

__all__ = ["BulkBurstUser"]

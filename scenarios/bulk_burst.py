"""Bulk burst: POST /Bulk with many creates, bulkId references, over the limit, in parallel.

Models: an identity provider's initial sync through the Bulk endpoint (RFC 7644 3.7): requests
of --bulk-size user creates plus a group whose members reference them by bulkId, several such
requests racing, and a request of maxOperations + 1 operations (from ServiceProviderConfig).
Checks: bulk (per-operation results match what happened, bulkId references resolved, 413
over the limits, nothing reported ok that did not apply).
Dialect: none of the IdPs uses /Bulk; --dialect only sets the User-Agent.
Expected verdict on the clean embedded target: PASS; on a target whose ServiceProviderConfig
says bulk is not supported: PASS with bulk "not applicable" (nothing is sent).
Fails with: --target-fault bulk-partial (bulk).

    loadscim run bulk_burst --users 2 --duration 30s --gate gates/bulk_burst.toml \
        -- --bulk-size 50
"""

from loadscim.users.bulk_burst import BulkBurstUser

__all__ = ["BulkBurstUser"]

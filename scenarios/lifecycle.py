"""Lifecycle: the provisioning lifecycle of Okta's SCIM CRUD test, as concurrent load.

Models: an identity provider walking accounts through lookup, create, verify, profile update
(PUT), deactivate, reactivate and deprovision (PATCH active=false or DELETE), many users at
once, each on namespaced accounts of its own.
Checks: read_your_writes (every verify step), reconcile (end of run: missing, duplicate,
stale, zombie), latency and error-rate gates.
Expected verdict on the clean embedded target: PASS.

    loadscim run lifecycle --users 10 --duration 30s
    locust -f scenarios/lifecycle.py --host http://127.0.0.1:8080/v2
"""

from loadscim.users.lifecycle import LifecycleUser

__all__ = ["LifecycleUser"]

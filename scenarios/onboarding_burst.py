"""Onboarding burst: a spike of new hires, from 0 to --users users within seconds.

Models: the first morning of a big intake, or an HR system's batch landing in the identity
provider: users appear all at once (the spike load shape: 0 -> --users within --shape-ramp,
from --shape-at, held --shape-hold or to the end), each provisioning new accounts as the
IdP of --dialect does (lookup by userName, create, verify, set the title, verify).
Checks: read_your_writes (every verify step), reconcile (end of run), compatibility (with a
vendor dialect), and the error-rate gate; watch the latency of the spike in the report.
Expected verdict on the clean embedded target: PASS.
Fails with: --target-fault stale-read (read_your_writes).

    loadscim run onboarding_burst --users 50 --duration 1m --gate gates/onboarding_burst.toml \
        -- --shape-at 10s --shape-ramp 2s --shape-hold 30s --shape-base 2
"""

from loadscim.users.onboarding import OnboardingUser
from loadscim.users.shapes import LoadscimShape


class OnboardingSpike(LoadscimShape):
    """The spike shape by default (--shape flat for a plain run)."""

    default = "spike"


__all__ = ["OnboardingSpike", "OnboardingUser"]

"""The run namespace: every resource a run creates carries ``loadscim-<run id>-``.

It is in ``userName``, ``displayName`` and ``externalId``, so that a run (or ``loadscim
cleanup``) can tell its own resources from everything else on a shared tenant.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

PREFIX = "loadscim-"
_RUN_ID = re.compile(r"^[a-z0-9]{4,32}$")


def new_run_id() -> str:
    """A fresh run id: 10 lower-case hex characters."""
    return secrets.token_hex(5)


def valid_run_id(run_id: str) -> bool:
    """Whether ``run_id`` can be a run id: 4 to 32 lower-case letters and digits."""
    return bool(_RUN_ID.match(run_id))


@dataclass(frozen=True)
class Namespace:
    """Names for one run's resources. ``tag`` makes a name unique within the run."""

    run_id: str

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{self.run_id}-"

    def user_name(self, tag: str) -> str:
        return f"{self.prefix}{tag}"

    def display_name(self, tag: str) -> str:
        return f"{self.prefix}{tag}"

    def external_id(self, tag: str) -> str:
        return f"{self.prefix}x-{tag}"

    def owns(self, value: object) -> bool:
        """Whether a userName / displayName / externalId belongs to this run (case-insensitive,
        as userName is ``caseExact: false`` in RFC 7643 4.1.1)."""
        return isinstance(value, str) and value.lower().startswith(self.prefix.lower())

    def owns_resource(self, resource: dict[str, object]) -> bool:
        """Whether a resource as returned by the server carries this run's namespace."""
        return any(
            self.owns(resource.get(key)) for key in ("userName", "displayName", "externalId")
        )

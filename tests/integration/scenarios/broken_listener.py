"""A probe whose own request listener raises once: the run must not vouch for itself."""

from locust import events

from probe import ProbeUser  # noqa: F401

from loadscim.users.base import ScimUser  # noqa: F401  (registers loadscim)

_raised: list[bool] = []


@events.request.add_listener
def _explode(**_kw):
    if not _raised:
        _raised.append(True)
        raise RuntimeError("a bug in a listener")

"""Time to visibility: how long after an ok write a read shows it.

Many SCIM services are eventually consistent: a created user is readable by id at once but
found by a ``userName`` filter later; a deactivation reaches the list view after a delay.
For a sample of its ok writes a scenario polls (bounded in count and in time) until the write
is visible, and the delay, from the write's answer to the answer of the first read that shows
it, goes into one HdrHistogram per *visibility kind* (integer microseconds, merged across
workers like the endpoint histograms). A write the polls never saw is counted as not seen.

The kinds, and the read that shows each (``KINDS``):

- ``create-by-id``: GET of the new id answers it;
- ``create-by-filter``: a ``userName eq`` filter lists it;
- ``deactivate``: the ``userName`` filter lists it with ``active`` false;
- ``delete``: the ``userName`` filter no longer lists it;
- ``member-add`` / ``member-remove``: a GET of the group lists / no longer lists the member;
- ``downstream-revoke``: a linked service's probe no longer grants a deprovisioned user
  access (``--probe``, :mod:`loadscim.probe`).

Gate lines (``[visibility] "create-by-filter" = "p99 < 2s"``) use the latency grammar
(:mod:`loadscim.config`); the verdict reads the histograms (:mod:`loadscim.verdict`).

``--consistency-window T`` (default 0) is how long after a write's answer a read may still
miss it: the checkers take it into account (:mod:`loadscim.checks.register`), and polls go on
until the window has passed, so a write not visible by then is caught (``not-visible``).

Pure: no locust, no gevent, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from loadscim.summary import EndpointStats, new_histogram, record_us

KINDS: dict[str, str] = {
    "create-by-id": "a GET of the new id answers it",
    "create-by-filter": "a userName filter lists the new account",
    "deactivate": "the userName filter lists the account with active false",
    "delete": "the userName filter no longer lists the deleted account",
    "member-add": "a GET of the group lists the new member",
    "member-remove": "a GET of the group no longer lists the removed member",
    "downstream-revoke": "a downstream probe no longer grants the deprovisioned user access "
    "(loadscim.probe)",
}
"""Every visibility kind and the read that shows it. Another kind is added here (one line),
and a gate ``[visibility]`` line naming it is then accepted."""

WINDOW_KEY = "consistency_window_s"
"""Where a summary's ``extra`` and a history's trial ``meta`` keep the window (seconds)."""

GRACE_S = 1.0
"""Polls go on this long past the window (so a write seen late is still measured)."""
FIRST_INTERVAL_S = 0.01
MAX_INTERVAL_S = 0.05
MAX_POLLS = 60
"""At most this many reads per sampled write (about window + GRACE_S at 50 ms apart)."""


@dataclass(frozen=True)
class PollPlan:
    """When to read again, and when to give up, for one sampled write."""

    window_s: float = 0.0
    grace_s: float = GRACE_S
    first_interval_s: float = FIRST_INTERVAL_S
    max_interval_s: float = MAX_INTERVAL_S
    max_polls: int = MAX_POLLS

    @property
    def limit_s(self) -> float:
        """Give up once this long has passed since the write's answer."""
        return self.window_s + self.grace_s

    def interval(self, polls: int) -> float:
        """The pause before read number ``polls + 1`` (doubling from the first interval)."""
        return min(self.max_interval_s, self.first_interval_s * (2 ** max(0, polls - 1)))

    def gives_up(self, polls: int, elapsed_s: float) -> bool:
        return polls >= self.max_polls or elapsed_s >= self.limit_s


def new_stats(kind: str) -> EndpointStats:
    """The stats of one visibility kind: ``requests`` counts the sampled writes,
    ``failures`` those the polls never saw, ``hist`` the delays of the others."""
    return EndpointStats(kind, hist=new_histogram())


def record(stats: EndpointStats, delay_us: int | None) -> None:
    """One sampled write: its delay, or None when the polls gave up."""
    stats.requests += 1
    if delay_us is None:
        stats.failures += 1
    else:
        record_us(stats.hist, max(delay_us, 1))


def unknown_kind(kind: str) -> str | None:
    """Why ``kind`` is not a visibility kind, or None."""
    if kind in KINDS:
        return None
    return f"unknown visibility kind {kind!r}; known: {', '.join(KINDS)}"

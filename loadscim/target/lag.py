"""Lagging views of the embedded target's storage: what a read replica shows.

A :class:`LagView` keeps, per resource written lately, the state a lagging reader sees (the
*base*) and the writes it does not see yet, each with the time it becomes visible. Writes
become visible in the order they were made (a later write waits for an earlier one), so a
reader never sees a resource go back, unless it asks for the *older* view: the state before
the last write it saw, kept ``keep_s`` after that write became visible (the ``flap`` fault).

Stored resources are never changed in place (every write stores a new object), so the views
keep references, and readers copy. The caller holds the storage's lock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CURRENT: Any = object()
"""The reader sees the resource as it is now."""
_NOTHING: Any = object()


@dataclass
class _Lag:
    base: Any
    """The state the reader sees (None: absent)."""
    writes: deque[tuple[float, Any]] = field(default_factory=deque)
    """(visible at, state after the write), oldest first."""
    previous: Any = _NOTHING
    """The state before ``base`` (None: absent), for an older read."""
    previous_until: float = 0.0


class LagView:
    """A lagging reader's view of every resource: each write visible ``delay()`` seconds
    after it was made (and after the writes before it)."""

    def __init__(self, delay: Callable[[], float], keep_s: float = 0.0) -> None:
        self._delay = delay
        self.keep_s = keep_s
        self._lags: dict[Any, _Lag] = {}
        self._last_purge = 0.0

    def remember(self, key: Any, before: Any, after: Any, now: float) -> None:
        """A write of ``key`` from ``before`` to ``after`` (None: absent), made at ``now``."""
        lag = self._lags.get(key)
        if lag is not None:
            self._expire(lag, now)
        if lag is None:
            lag = self._lags[key] = _Lag(before)
        elif not lag.writes:
            lag.base = before
        lag.writes.append((now + max(0.0, self._delay()), after))
        if now - self._last_purge > 1.0:
            self._last_purge = now
            for old in [k for k, held in self._lags.items() if not self._expire(held, now)]:
                del self._lags[old]

    def held(self) -> list[Any]:
        return list(self._lags)

    def view(self, key: Any, now: float, older: bool = False) -> Any:
        """What the reader sees of ``key``: :data:`CURRENT`, None (absent) or a resource."""
        lag = self._lags.get(key)
        if lag is None:
            return CURRENT
        if not self._expire(lag, now):
            del self._lags[key]
            return CURRENT
        if older and lag.previous is not _NOTHING and lag.previous_until > now:
            return lag.previous
        return lag.base if lag.writes else CURRENT

    def _expire(self, lag: _Lag, now: float) -> bool:
        """Fold the writes visible by ``now`` into the base; False once nothing is held."""
        while lag.writes and lag.writes[0][0] <= now:
            visible_at, state = lag.writes.popleft()
            if self.keep_s:
                lag.previous, lag.previous_until = lag.base, visible_at + self.keep_s
            lag.base = state
        return bool(lag.writes) or lag.previous_until > now

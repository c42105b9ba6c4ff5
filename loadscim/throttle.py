"""429 Too Many Requests, honoured: a client that is told to wait, waits.

RFC 6585 4: 429 "indicates that the user has sent too many requests in a given amount of
time"; the response "MAY include a Retry-After header indicating how long to wait before
making a new request" (RFC 9110 10.2.3: a number of seconds, or an HTTP date).

A :class:`Throttle` belongs to one simulated client (a Locust user and the trial clients
cloned from it, or the cleanup client): after a 429 it holds that client's *next* request
until ``Retry-After`` has passed (1 s when the header is missing or unreadable, at most
:data:`MAX_WAIT_S`). It never retries the throttled request: a 429 is a ``fail`` completion
(the server says it did not happen), counted in :class:`ThrottleStats` with the time waited,
which the report shows as a note.

Waiting uses ``time.sleep``, which is gevent's in a Locust process (only that client waits).
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

DEFAULT_WAIT_S = 1.0
"""The wait after a 429 without a readable Retry-After."""
MAX_WAIT_S = 60.0
"""The longest wait a Retry-After can impose on one client."""


def retry_after_seconds(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float:
    """Seconds to wait according to ``Retry-After`` (delay-seconds or an HTTP date).

    Missing or unreadable: :data:`DEFAULT_WAIT_S`; clamped to 0 .. :data:`MAX_WAIT_S`.
    """
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return DEFAULT_WAIT_S
    text = value.strip()
    seconds: float
    if text.isascii() and text.isdigit():
        seconds = float(text)
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return DEFAULT_WAIT_S
        if when.tzinfo is None:
            return DEFAULT_WAIT_S
        seconds = when.timestamp() - now()
    if not math.isfinite(seconds):
        return DEFAULT_WAIT_S
    return min(max(seconds, 0.0), MAX_WAIT_S)


@dataclass
class ThrottleStats:
    """429 answers and seconds spent waiting, over every client of a process."""

    answers: int = 0
    waited_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, answers: int = 0, waited_s: float = 0.0) -> None:
        with self.lock:
            self.answers += answers
            self.waited_s += waited_s

    def take(self) -> dict[str, float]:
        """The counts as plain data, reset to zero (a worker's report to the master)."""
        with self.lock:
            data = {"answers": self.answers, "waited_s": self.waited_s}
            self.answers, self.waited_s = 0, 0.0
        return data

    def note(self) -> str | None:
        """The report's line, or None when nothing was throttled."""
        if not self.answers:
            return None
        return (
            f"throttled: {self.answers} answers 429 (Too Many Requests), waited "
            f"{self.waited_s:.1f} s in all before the next requests (Retry-After honoured)"
        )


class Throttle:
    """One client's pause after a 429: call :meth:`wait` before sending, :meth:`saw` after."""

    def __init__(
        self,
        stats: ThrottleStats | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stats = stats if stats is not None else ThrottleStats()
        self.sleep = sleep
        self.clock = clock
        self.until = 0.0

    def wait(self) -> float:
        """Hold the caller until the last Retry-After has passed; the seconds waited."""
        remaining = self.until - self.clock()
        if remaining <= 0:
            return 0.0
        self.sleep(remaining)
        self.stats.add(waited_s=remaining)
        return remaining

    def saw(self, status: int | None, headers: Mapping[str, str]) -> None:
        """Take note of an answer: a 429 sets the time before which nothing is sent."""
        if status != 429:
            return
        self.stats.add(answers=1)
        self.until = max(self.until, self.clock() + retry_after_seconds(headers))

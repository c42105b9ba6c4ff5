"""429 Too Many Requests, honoured as identity providers do: wait ``Retry-After``, resend.

RFC 6585 4: 429 "indicates that the user has sent too many requests in a given amount of
time"; the response "MAY include a Retry-After header indicating how long to wait before
making a new request" (RFC 9110 10.2.3: a number of seconds, or an HTTP date). A 429 means
the request was not applied, so resending it, a write included, is safe; Okta and Microsoft
Entra ID both back off and resend a throttled request rather than fail it.

A :class:`Throttle` belongs to one simulated client (a Locust user and the trial clients
cloned from it, or the cleanup client). After a 429 it holds that client's requests until
``Retry-After`` has passed (1 s when the header is missing or unreadable, at most
:data:`MAX_WAIT_S`). :class:`loadscim.client.ScimClient` then resends the same request, at
most ``retries`` times, and not once that request has waited ``max_wait_s`` in all (a single
wait is ``Retry-After``, so one request waits at most ``max_wait_s`` plus one such wait).
Only a request that never got through is a ``fail`` (its last answer, a 429); the 429s
before a resend are counted in :class:`ThrottleStats`, not recorded as failed ops. A
``Throttle`` with ``retries=0`` (the default; the cleanup client's) never resends: the 429 is
the ``fail`` completion, and only the client's next request waits.

Waiting uses ``time.sleep``, which is gevent's in a Locust process (only that client waits).
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from loadscim.duration import parse_duration
from loadscim.errors import UsageError

DEFAULT_WAIT_S = 1.0
"""The wait after a 429 without a readable Retry-After."""
MAX_WAIT_S = 60.0
"""The longest wait a Retry-After can impose on one client at a time."""
DEFAULT_RETRIES = 5
"""Resends of one throttled request of the load (``--throttle-retries``)."""
DEFAULT_MAX_WAIT_S = 60.0
"""Seconds one request of the load may wait in all before it is not resent again
(``--throttle-max-wait``)."""


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
    """429 answers, resends and seconds spent waiting, over every client of a process."""

    answers: int = 0
    """429 answers received."""
    waited_s: float = 0.0
    retried: int = 0
    """429 answers after which the same request was sent again."""
    gave_up: int = 0
    """Requests whose last answer was a 429: they never got through (``fail``)."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self, answers: int = 0, waited_s: float = 0.0, retried: int = 0, gave_up: int = 0
    ) -> None:
        with self.lock:
            self.answers += answers
            self.waited_s += waited_s
            self.retried += retried
            self.gave_up += gave_up

    def take(self) -> dict[str, float]:
        """The counts as plain data, reset to zero (a worker's report to the master)."""
        with self.lock:
            data = {
                "answers": self.answers,
                "waited_s": self.waited_s,
                "retried": self.retried,
                "gave_up": self.gave_up,
            }
            self.answers = self.retried = self.gave_up = 0
            self.waited_s = 0.0
        return data

    def absorb(self, data: Mapping[str, float]) -> None:
        """Add what :meth:`take` gave (another process's counts)."""
        self.add(
            int(data.get("answers", 0)),
            float(data.get("waited_s", 0.0)),
            int(data.get("retried", 0)),
            int(data.get("gave_up", 0)),
        )

    def to_dict(self) -> dict[str, float]:
        return {
            "answers": self.answers,
            "retried": self.retried,
            "gave_up": self.gave_up,
            "waited_s": round(self.waited_s, 3),
        }

    def note(self, requests: int = 0) -> str | None:
        """The report's line, or None when nothing was throttled.

        ``throttled: 50 answers 429 (Too Many Requests) to 1200 requests (4.17%); 48 resent
        after Retry-After, 2 requests never got through; waited 45.9 s in all``.
        """
        if not self.answers:
            return None
        of = f" to {requests} requests ({100.0 * self.answers / requests:.3g}%)" if requests else ""
        never = "request" if self.gave_up == 1 else "requests"
        return (
            f"throttled: {self.answers} answers 429 (Too Many Requests){of}; "
            f"{self.retried} resent after Retry-After, {self.gave_up} {never} never got "
            f"through; waited {self.waited_s:.1f} s in all"
        )


class Throttle:
    """One client's pause after a 429 and its resend policy.

    Call :meth:`wait` before sending, :meth:`may_retry` to know whether a 429 to the coming
    send will be resent, and :meth:`saw` with every answer.
    """

    def __init__(
        self,
        stats: ThrottleStats | None = None,
        *,
        retries: int = 0,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        deadline: float | None = None,
    ) -> None:
        self.stats = stats if stats is not None else ThrottleStats()
        self.retries = retries
        self.max_wait_s = max_wait_s
        self.sleep = sleep
        self.clock = clock
        self.until = 0.0
        self.deadline = deadline
        """A ``clock`` time after which nothing is resent and no wait runs past (a time
        budget: the reconciliation's reads must end well inside the worker report timeout)."""

    def wait(self) -> float:
        """Hold the caller until the last Retry-After has passed; the seconds waited."""
        now = self.clock()
        remaining = self.until - now
        if self.deadline is not None:
            remaining = min(remaining, self.deadline - now)
        if remaining <= 0:
            return 0.0
        self.sleep(remaining)
        self.stats.add(waited_s=remaining)
        return remaining

    def may_retry(self, attempt: int, waited_s: float) -> bool:
        """Whether a 429 to send number ``attempt`` (0 first) of a request that has waited
        ``waited_s`` so far is resent."""
        if self.deadline is not None and self.clock() >= self.deadline:
            return False
        return attempt < self.retries and waited_s < self.max_wait_s

    def saw(self, status: int | None, headers: Mapping[str, str], retry: bool = False) -> None:
        """Take note of an answer: a 429 sets the time before which nothing is sent;
        ``retry`` says whether the request is resent after it."""
        if status != 429:
            return
        if retry:
            self.stats.add(answers=1, retried=1)
        else:
            self.stats.add(answers=1, gave_up=1)
        self.until = max(self.until, self.clock() + retry_after_seconds(headers))


MAX_RETRIES = 100
MAX_MAX_WAIT_S = 3600.0


def parse_max_wait(value: str | float, option: str = "--throttle-max-wait") -> float:
    """Seconds in a duration (:mod:`loadscim.duration`: ``60``, ``60s``, ``1.5s``, ``2m``,
    ``1h``) from 0 to 3600; a one-line :class:`~loadscim.errors.UsageError` naming the
    option, the rule and the fix otherwise."""
    try:
        seconds = float(value) if isinstance(value, int | float) else parse_duration(value, option)
    except UsageError:
        seconds = math.nan
    if isinstance(value, bool) or not math.isfinite(seconds) or not 0 <= seconds <= MAX_MAX_WAIT_S:
        raise UsageError(
            f"{option} {value!r}: the most one request waits in all before it is not resent, "
            f"seconds (or m/h) from 0 to {MAX_MAX_WAIT_S:.0f}; write e.g. {option} 60s"
        )
    return seconds


def check_retries(value: int, option: str = "--throttle-retries") -> int:
    """``value`` if it is a count of resends from 0 to :data:`MAX_RETRIES`, else UsageError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRIES:
        raise UsageError(
            f"{option} {value!r}: resends of one throttled request, an integer from 0 to "
            f"{MAX_RETRIES}; write e.g. {option} 5 (0: never resend)"
        )
    return value

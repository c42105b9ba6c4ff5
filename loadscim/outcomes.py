"""Outcome classes of the load's completions: ``ok``, ``fail HTTP 409``, ``info timeout`` ...

The recorder counts every completion of the load by :func:`outcome`; the report's note is
:func:`outcomes_note`. Pure code: no locust, no gevent.
"""

from __future__ import annotations

from collections import Counter

from loadscim.ops import Op

_NO_ANSWER = (
    ("timed out", "timeout"),
    ("timeout", "timeout"),
    ("reset", "reset"),
    ("broken pipe", "reset"),
    ("refused", "refused"),
    ("disconnected", "connection closed"),
    ("closed", "connection closed"),
    ("eof", "connection closed"),
    ("ssl", "tls"),
    ("certificate", "tls"),
)


def outcome(op: Op) -> str:
    """A completion's class and why: ``ok``, ``fail HTTP 409``, ``info HTTP 503``,
    ``info timeout``, ``info reset``, ``info unreadable 2xx`` ..."""
    if op.type == "ok":
        return "ok"
    if op.status is not None:
        if 200 <= op.status < 300:
            return f"{op.type} unreadable 2xx"
        return f"{op.type} HTTP {op.status}"
    text = (op.error or "").lower()
    reason = next((why for word, why in _NO_ANSWER if word in text), "no answer")
    return f"{op.type} {reason}"


def outcomes_note(outcomes: Counter[str]) -> str:
    """``outcomes: 640 ok; 22 fail (HTTP 429 20, HTTP 404 2); 27 info (reset 27)``."""
    parts = [f"{outcomes.get('ok', 0)} ok"]
    for kind in ("fail", "info"):
        reasons = Counter(
            {key.split(" ", 1)[1]: n for key, n in outcomes.items() if key.startswith(kind + " ")}
        )
        total = sum(reasons.values())
        if total:
            detail = ", ".join(f"{why} {n}" for why, n in reasons.most_common())
            parts.append(f"{total} {kind} ({detail})")
        else:
            parts.append(f"0 {kind}")
    return "outcomes of the load's requests: " + "; ".join(parts)

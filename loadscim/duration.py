"""The one grammar of durations: ``--duration``, the ``--shape-*`` times, a gate's
``abort_grace``.

A duration is a number of seconds (``30``, ``2.5``) or parts with units ``h``, ``m`` (or
``min``), ``s``, ``ms``, ``us``, largest first or not, spaces allowed between a number and
its unit: ``30s``, ``2m``, ``1h30m``, ``1.5s``, ``500ms``, ``10 s``. Never negative.
"""

from __future__ import annotations

import re

from loadscim.errors import UsageError

UNITS = {"h": 3600.0, "min": 60.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}
_NUMBER = r"\d+(?:\.\d+)?"
_PART = re.compile(rf"\s*({_NUMBER})\s*(min|ms|us|h|m|s)")
EXAMPLES = "30s, 2m, 1h30m, 500ms"


def parse_duration(text: str, option: str) -> float:
    """Seconds in ``text``; a one-line UsageError naming ``option`` otherwise."""
    raw = str(text)
    value = raw.strip()
    if value.startswith("-"):
        raise UsageError(f"{option} {raw!r}: a duration is 0 or more; write e.g. {option} 10s")
    if value.isascii() and re.fullmatch(_NUMBER, value):  # "²".isdigit() is True
        return float(value)
    parts = _PART.findall(value) if value.isascii() else []
    if not parts or re.sub(r"\s+", "", value) != "".join(n + u for n, u in parts):
        raise UsageError(
            f"{option} {raw!r}: a duration is a number of seconds or parts with units h, m, "
            f"s, ms (e.g. {EXAMPLES})"
        )
    return sum(float(n) * UNITS[u] for n, u in parts)

"""Gate files: TOML thresholds -> frozen dataclasses, with one-line errors that say the fix.

The grammar (every key optional)::

    errors = "rate < 1%"          # failures / requests over all requests; '<' or '<='
    throttled = "rate < 5%"       # answers 429 (Too Many Requests) / requests, resent or not
    min_rps = 50                  # minimum throughput over the measured window
    min_samples = 20              # samples a line needs before it can PASS (default 20)
    abort_on_fail = true          # stop the run early on a breach (default false)
    abort_grace = "10s"           # ... but not during its first 10 s (default "10s")
    should = "fail"               # SHOULD findings fail too (default "warn": reported only);
                                  # or a list of the SHOULD kinds that fail: ["etag-unchanged"]

    [latency]                     # per endpoint ("METHOD /Path") and "*" for all of them
    "*" = ["p99 < 2s"]
    "POST /Users" = ["p95 < 300ms", "p99_corrected < 1s", "max < 5s", "avg < 100ms"]
    "PATCH /Groups/{id}" = "p50 < 50ms"
    "GET /Users/{id}" = { rules = ["p95 < 200ms"], min_samples = 100 }
    "DELETE /Users/{id}" = ["p99 < 1.2 * baseline"]   # relative to --baseline summary.json

    [errors_by_endpoint]
    "POST /Users" = "rate < 2%"

    [violations]                  # allowed violations per checker (default 0)
    lost_update = 0

    [visibility]                  # time to visibility per kind (loadscim.visibility)
    "create-by-filter" = "p99 < 2s"

A latency rule is ``STAT OP LIMIT``: STAT is ``pNN`` (any percentile in (0, 100], such as
``p99.9``), ``max`` or ``avg``, with ``_corrected`` to read the coordinated-omission-corrected
histogram; OP is ``<`` or ``<=``; LIMIT carries a unit (``us``, ``ms``, ``s``) and is kept as
integer microseconds. A relative rule ``STAT OP FACTOR * baseline`` (``p99 <= baseline``: a
factor of 1) takes its limit from a baseline run (:mod:`loadscim.baseline`). A rate is
``rate OP N%`` with N in 0..100.

Every error is a :class:`~loadscim.errors.GateError` whose message is one line that names the
file, the table and the key, shows the value, states the rule and gives the fix.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from loadscim.checks.kinds import SHOULD_KINDS
from loadscim.duration import UNITS, parse_duration
from loadscim.errors import GateError, UsageError
from loadscim.summary import ALL
from loadscim.visibility import KINDS as VISIBILITY_KINDS

DEFAULT_MIN_SAMPLES = 20
DEFAULT_ABORT_GRACE_S = 10.0

LATENCY_UNITS: dict[str, int] = {"us": 1, "ms": 1_000, "s": 1_000_000}
"""Microseconds per unit of a latency limit."""
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
TOP_LEVEL_KEYS = (
    "abort_grace",
    "abort_on_fail",
    "errors",
    "errors_by_endpoint",
    "latency",
    "min_rps",
    "min_samples",
    "should",
    "throttled",
    "violations",
    "visibility",
)
OPERATORS = ("<", "<=")
_Fail = Callable[[str], NoReturn]
_DEFAULT_RATE = {"errors": "1%", "throttled": "5%"}
"""The example limit of each top-level rate key, in error messages."""
COMMON_STATS = ("p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99", "max", "avg")


# ---------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class LatencyRule:
    """One latency rule of an endpoint line: ``p95 < 300ms``."""

    stat: str
    """``p95``, ``p99.9``, ``max`` or ``avg`` (without ``_corrected``)."""
    op: str
    """``<`` or ``<=``."""
    limit_us: int
    limit_text: str
    """The limit as written, with its unit: ``300ms``."""
    corrected: bool = False
    """Read the coordinated-omission-corrected histogram."""
    factor: str = ""
    """A rule relative to a baseline run (``p99 < 1.2 * baseline``): the factor as written
    (``1.2``); "" for an absolute limit. :func:`loadscim.baseline.apply_baseline` sets the
    limit from the baseline's value of the same statistic."""
    baseline_us: int | None = None
    """The baseline's value of the statistic (None until a baseline is applied)."""
    baseline_samples: int = 0
    """Samples behind :attr:`baseline_us`."""

    @property
    def percentile(self) -> float | None:
        """95.0 for ``p95``; None for ``max`` and ``avg``."""
        return float(self.stat[1:]) if self.stat.startswith("p") else None

    @property
    def unit(self) -> str:
        return re.sub(r"^[-+.\d]+", "", self.limit_text) or "ms"

    @property
    def text(self) -> str:
        suffix = "_corrected" if self.corrected else ""
        limit = f"{self.factor} * baseline" if self.factor else self.limit_text
        return f"{self.stat}{suffix} {self.op} {limit}"

    def holds(self, value_us: float) -> bool:
        return value_us < self.limit_us if self.op == "<" else value_us <= self.limit_us


@dataclass(frozen=True)
class RateRule:
    """An error-rate rule: ``rate < 1%``."""

    op: str
    limit_text: str
    """The limit as written: ``1%``, ``0.5%``."""

    @property
    def limit_percent(self) -> float:
        return float(self.limit_text[:-1])

    @property
    def text(self) -> str:
        return f"rate {self.op} {self.limit_text}"

    def holds(self, failures: int, requests: int) -> bool:
        """Exact comparison of ``failures / requests`` (requests > 0) with the limit."""
        observed = Fraction(failures * 100, requests)
        limit = Fraction(self.limit_text[:-1])
        return observed < limit if self.op == "<" else observed <= limit


@dataclass(frozen=True)
class LatencyLine:
    """The rules of one endpoint (or ``*``) in ``[latency]``."""

    endpoint: str
    rules: tuple[LatencyRule, ...]
    min_samples: int | None = None
    """This line's own minimum sample count; None uses the gate's ``min_samples``."""


@dataclass(frozen=True)
class EndpointErrors:
    """One line of ``[errors_by_endpoint]``."""

    endpoint: str
    rule: RateRule


@dataclass(frozen=True)
class Gate:
    """A parsed gate file. ``source`` (the file name) does not take part in comparisons."""

    errors: RateRule | None = None
    min_rps: float | None = None
    min_samples: int = DEFAULT_MIN_SAMPLES
    abort_on_fail: bool = False
    abort_grace_s: float = DEFAULT_ABORT_GRACE_S
    latency: tuple[LatencyLine, ...] = ()
    errors_by_endpoint: tuple[EndpointErrors, ...] = ()
    violations: tuple[tuple[str, int], ...] = ()
    """Allowed violations per checker, sorted by name; a checker not listed allows 0."""
    throttled: RateRule | None = None
    """The most answers 429 (Too Many Requests) there may be per request sent."""
    visibility: tuple[LatencyLine, ...] = ()
    """``[visibility]``: latency rules on the time to visibility, per visibility kind."""
    should_fail: tuple[str, ...] = ()
    """SHOULD kinds whose violations fail like MUST ones (``*``: all); the others are
    warnings (:func:`loadscim.checks.kinds.is_warning`)."""
    source: str = field(default="", compare=False)

    def allowed_violations(self, checker: str) -> int:
        return dict(self.violations).get(checker, 0)

    def samples_needed(self, line: LatencyLine) -> int:
        return self.min_samples if line.min_samples is None else line.min_samples

    def to_toml(self) -> str:
        """The gate as TOML that :func:`parse_gate` reads back to an equal gate."""
        out: list[str] = []
        if self.errors is not None:
            out.append(f"errors = {_q(self.errors.text)}")
        if self.throttled is not None:
            out.append(f"throttled = {_q(self.throttled.text)}")
        if self.min_rps is not None:
            out.append(f"min_rps = {_num(self.min_rps)}")
        out.append(f"min_samples = {self.min_samples}")
        out.append(f"abort_on_fail = {'true' if self.abort_on_fail else 'false'}")
        out.append(f"abort_grace = {_q(_seconds(self.abort_grace_s))}")
        if self.should_fail == ("*",):
            out.append('should = "fail"')
        elif self.should_fail:
            out.append("should = [" + ", ".join(_q(k) for k in self.should_fail) + "]")
        out += _lines_toml("latency", self.latency)
        out += _lines_toml("visibility", self.visibility)
        if self.errors_by_endpoint:
            out += ["", "[errors_by_endpoint]"]
            out += [f"{_q(e.endpoint)} = {_q(e.rule.text)}" for e in self.errors_by_endpoint]
        if self.violations:
            out += ["", "[violations]"]
            out += [f"{_key(name)} = {count}" for name, count in self.violations]
        return "\n".join(out) + "\n"


def _lines_toml(table: str, lines: tuple[LatencyLine, ...]) -> list[str]:
    if not lines:
        return []
    out = ["", f"[{table}]"]
    for line in lines:
        rules = "[" + ", ".join(_q(r.text) for r in line.rules) + "]"
        if line.min_samples is None:
            out.append(f"{_q(line.endpoint)} = {rules}")
        else:
            out.append(
                f"{_q(line.endpoint)} = {{ rules = {rules}, min_samples = {line.min_samples} }}"
            )
    return out


# ---------------------------------------------------------------------------------- loading


def load_gate(path: str | os.PathLike[str]) -> Gate:
    """Read and parse a gate file; every problem is a one-line :class:`GateError`."""
    source = os.fspath(path)
    try:
        data = Path(source).read_bytes()
    except FileNotFoundError:
        raise GateError(
            f"gate file {source}: not found (working directory {os.getcwd()}); "
            "check the path given to --gate, e.g. --gate gates/ci.toml"
        ) from None
    except IsADirectoryError:
        raise GateError(
            f"gate file {source}: is a directory, not a file; "
            "give the path of a .toml file, e.g. --gate gates/ci.toml"
        ) from None
    except PermissionError:
        raise GateError(
            f"gate file {source}: cannot be read (permission denied); "
            f"make it readable (chmod a+r {source}) or copy it somewhere readable"
        ) from None
    except OSError as exc:
        raise GateError(
            f"gate file {source}: cannot be read ({exc.strerror or exc}); "
            "check the path given to --gate"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GateError(
            f"gate file {source}: is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from None
    return parse_gate(text, source)


def parse_gate(text: str, source: str) -> Gate:
    """Parse the TOML text of a gate file; ``source`` names it in error messages."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GateError(_toml_error(source, text, str(exc))) from None
    return _Parser(source).gate(doc)


def _toml_error(source: str, text: str, message: str) -> str:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    where = ""
    if match:
        lineno = int(match.group(1))
        message = message[: match.start()]
        lines = text.splitlines()
        shown = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        where = f" at line {lineno}, column {match.group(2)} ({_show(shown)})"
    else:
        message = message.replace(" (at end of document)", "")
    fix = "fix the TOML syntax there (see https://toml.io)"
    if message.startswith("Invalid value") or message.startswith("Expected '='"):
        fix = 'write key = "value" with the value in double quotes, e.g. errors = "rate < 1%"'
    elif message.startswith("Cannot overwrite a value"):
        dup = _duplicate_key(text)
        if dup:
            lineno, key = dup
            where = f" at line {lineno}"
            message = f"{_show(key)} appears twice in the same table"
        else:
            message = "a key appears twice in the same table"
        fix = 'keep one of them (list several rules in one array: ["p95 < 300ms", "p99 < 1s"])'
    elif message.startswith("Cannot declare"):
        fix = "a [table] header may appear once; merge the two tables"
    return f"gate file {source}: not valid TOML{where}: {message}; {fix}"


def _duplicate_key(text: str) -> tuple[int, str] | None:
    """Best effort: the line and name of the first key repeated within one table."""
    table = ""
    seen: set[tuple[str, str]] = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = re.match(r"^\[([^\[\]]+)\]", line)
        if header:
            table = header.group(1).strip()
            continue
        key = re.match(r'^("(?:[^"\\]|\\.)*"|[A-Za-z0-9_.-]+)\s*=', line)
        if key:
            name = key.group(1).strip('"')
            if (table, name) in seen:
                return lineno, name
            seen.add((table, name))
    return None


# ---------------------------------------------------------------------------------- parsing


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> NoReturn:
        raise GateError(f"gate file {self.source}, {where}: {message}")

    def failing(self, where: str, value: Any) -> _Fail:
        """A function that fails with a message about ``value`` at ``where``."""

        def fail(message: str) -> NoReturn:
            self.fail(where, f"{_show(value)} {message}")

        return fail

    def gate(self, doc: dict[str, Any]) -> Gate:
        for key in doc:
            if key not in TOP_LEVEL_KEYS:
                self.unknown_top_level(key)
        min_samples = DEFAULT_MIN_SAMPLES
        if "min_samples" in doc:
            min_samples = self.count("min_samples", doc["min_samples"], minimum=1)
        gate = Gate(
            errors=self.rate("errors", doc["errors"]) if "errors" in doc else None,
            throttled=self.rate("throttled", doc["throttled"]) if "throttled" in doc else None,
            min_rps=self.min_rps(doc["min_rps"]) if "min_rps" in doc else None,
            min_samples=min_samples,
            abort_on_fail=self.boolean("abort_on_fail", doc.get("abort_on_fail", False)),
            abort_grace_s=self.duration("abort_grace", doc.get("abort_grace", "10s")),
            latency=self.latency(doc.get("latency", {})),
            errors_by_endpoint=self.errors_by_endpoint(doc.get("errors_by_endpoint", {})),
            violations=self.violations(doc.get("violations", {})),
            visibility=self.latency(doc.get("visibility", {}), "visibility"),
            should_fail=self.should(doc.get("should", "warn")),
            source=self.source,
        )
        return gate

    def unknown_top_level(self, key: str) -> NoReturn:
        where = _key(key)
        if key == ALL or " /" in key or key.startswith("/"):
            self.fail(
                where,
                "an endpoint line outside any table; put it under a [latency] header "
                f'(or [errors_by_endpoint]), e.g. [latency] {_q(key)} = ["p95 < 300ms"]',
            )
        known = ", ".join(TOP_LEVEL_KEYS)
        close = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.fail(where, f"unknown key {_show(key)}; the known keys are {known}{hint}")

    # -- scalars

    def type_error(self, where: str, value: Any, wanted: str, example: str) -> NoReturn:
        self.fail(where, f"{_show(value)} is {_type_name(value)}, not {wanted}; write {example}")

    def count(self, where: str, value: Any, minimum: int) -> int:
        key = _lhs(where).rsplit(".", 1)[-1]
        if isinstance(value, bool) or not isinstance(value, int):
            fix = str(max(minimum, DEFAULT_MIN_SAMPLES))
            if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
                fix = value.strip() + " (no quotes)"
            elif isinstance(value, float) and value.is_integer() and value >= minimum:
                fix = str(int(value))
            self.type_error(where, value, "an integer", f"{key} = {fix}")
        if value < minimum:
            fix = str(abs(value) if abs(value) >= minimum else minimum)
            self.fail(
                where,
                f"{value} is below {minimum}; it must be at least {minimum}: write {key} = {fix}",
            )
        return value

    def boolean(self, where: str, value: Any) -> bool:
        if not isinstance(value, bool):
            fix = "true" if str(value).strip().lower() in ("true", "yes", "1", "on") else "false"
            self.type_error(where, value, "a boolean", f"{where} = {fix} (no quotes)")
        return value

    def min_rps(self, value: Any) -> float:
        where = "min_rps"
        if isinstance(value, bool) or not isinstance(value, int | float):
            number = re.match(r"\s*(\d+(?:\.\d+)?)", str(value))
            fix = number.group(1) if number else "50"
            self.type_error(where, value, "a number of requests per second", f"min_rps = {fix}")
        if not math.isfinite(value):
            self.fail(where, f"{_show(value)} is not a finite number; write min_rps = 50")
        if value < 0:
            self.fail(
                where,
                f"{_show(value)} is negative; a throughput limit is at least 0: "
                f"write min_rps = {_num(-value)}",
            )
        return float(value)

    def duration(self, where: str, value: Any) -> float:
        """Seconds in a duration string (:mod:`loadscim.duration`'s grammar; in a gate file
        the unit is required: ``"10"`` could mean seconds or milliseconds)."""
        if not isinstance(value, str):
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.type_error(where, value, "a duration string", f'{where} = "{_num(value)}s"')
            self.type_error(where, value, "a duration string", f'{where} = "10s"')
        match = re.fullmatch(r"\s*([-+]?\d+(?:\.\d+)?)\s*([a-z]*)\s*", value)
        number, unit = match.groups() if match else ("", "")
        if match and unit not in UNITS:
            what = "has no unit" if not unit else f"has an unknown unit {unit!r}"
            self.fail(
                where,
                f"{_show(value)} {what}; durations take ms, s, m or h: "
                f'write {where} = "{number.lstrip("+")}s"',
            )
        if number.startswith("-"):
            self.fail(
                where,
                f"{_show(value)} is negative; a grace period is at least 0: "
                f'write {where} = "{number.lstrip("-")}{unit}"',
            )
        try:
            return parse_duration(value.strip().lstrip("+"), where)
        except UsageError:
            self.fail(
                where,
                f'{_show(value)} is not a duration; write {where} = "10s" (units: ms, s, m, h)',
            )

    # -- rules

    def rate(self, where: str, value: Any) -> RateRule:
        if isinstance(value, dict) and where in _DEFAULT_RATE:
            also = " and per-endpoint rates under [errors_by_endpoint]" if where == "errors" else ""
            self.fail(
                where,
                f'a table is not a rate; write {where} = "rate < {_DEFAULT_RATE[where]}" at the '
                f"top{also}",
            )
        if not isinstance(value, str):
            fix = f"{_num(value)}%" if _is_number(value) else _DEFAULT_RATE.get(where, "1%")
            self.type_error(where, value, "a string", f'{_lhs(where)} = "rate < {fix}"')
        what = "a throttled rate" if where == "throttled" else "an error rate"
        return _parse_rate(value, self.failing(where, value), what)

    def latency(self, table: Any, name: str = "latency") -> tuple[LatencyLine, ...]:
        """``[latency]`` (endpoint lines) or ``[visibility]`` (visibility kind lines)."""
        if not isinstance(table, dict):
            example = (
                'endpoint lines under a [latency] header, e.g. "*" = ["p99 < 2s"]'
                if name == "latency"
                else 'kind lines under a [visibility] header, e.g. "create-by-filter" = "p99 < 2s"'
            )
            self.fail(name, f"{_show(table)} is {_type_name(table)}, not a table; put {example}")
        lines = []
        for endpoint, value in table.items():
            where = f"[{name}] {_q(endpoint)}"
            if name == "latency":
                self.endpoint("latency", endpoint)
            else:
                self.visibility_kind(endpoint)
            own_samples: int | None = None
            rules_value = value
            if isinstance(value, dict):
                for key in value:
                    if key not in ("rules", "min_samples"):
                        self.fail(
                            f"{where}.{_key(key)}",
                            f"unknown key {_show(key)}; an "
                            "endpoint table takes rules and min_samples, e.g. "
                            f'{_q(endpoint)} = {{ rules = ["p95 < 300ms"], '
                            "min_samples = 100 }",
                        )
                if "rules" not in value:
                    self.fail(
                        where,
                        f"{_show(value)} has no rules; write {_q(endpoint)} = "
                        '{ rules = ["p95 < 300ms"], min_samples = 100 }',
                    )
                if "min_samples" in value:
                    own_samples = self.count(f"{where}.min_samples", value["min_samples"], 1)
                rules_value = value["rules"]
            if isinstance(rules_value, str):
                rules_value = [rules_value]
            if not isinstance(rules_value, list):
                self.type_error(
                    where,
                    rules_value,
                    "a string or an array of strings",
                    f'{_q(endpoint)} = ["p95 < 300ms", "p99 < 1s"]',
                )
            if not rules_value:
                self.fail(
                    where, '[] has no rules; write rules such as ["p95 < 300ms"] or remove the line'
                )
            rules = []
            for rule in rules_value:
                if not isinstance(rule, str):
                    fix = f"p95 < {_num(rule)}ms" if _is_number(rule) else "p95 < 300ms"
                    self.type_error(where, rule, "a string", _show(fix))
                parsed = _parse_latency(rule, self.failing(where, rule))
                if name == "visibility" and (parsed.corrected or parsed.factor):
                    self.failing(where, rule)(
                        "is not a visibility rule (no corrected histogram, no baseline); "
                        f"write {_show(f'{parsed.stat} < 2s')}"
                    )
                rules.append(parsed)
            lines.append(LatencyLine(endpoint, tuple(rules), own_samples))
        return tuple(lines)

    def errors_by_endpoint(self, table: Any) -> tuple[EndpointErrors, ...]:
        if not isinstance(table, dict):
            self.fail(
                "errors_by_endpoint",
                f"{_show(table)} is {_type_name(table)}, not a "
                'table; write [errors_by_endpoint] then "POST /Users" = "rate < 2%"',
            )
        result = []
        for endpoint, value in table.items():
            self.endpoint("errors_by_endpoint", endpoint)
            rule = self.rate(f"[errors_by_endpoint] {_q(endpoint)}", value)
            result.append(EndpointErrors(endpoint, rule))
        return tuple(result)

    def should(self, value: Any) -> tuple[str, ...]:
        """``should = "warn"`` (the default), ``"fail"`` (every SHOULD kind fails), or a list
        of the SHOULD kinds that fail."""
        known = ", ".join(sorted(SHOULD_KINDS))
        if value == "warn":
            return ()
        if value == "fail":
            return ("*",)
        if not isinstance(value, list) or not value:
            self.fail(
                "should",
                f"{_show(value)} is neither \"warn\", \"fail\" nor a list of SHOULD kinds "
                f"({known}); write should = \"fail\" or should = [\"etag-unchanged\"]",
            )
        for kind in value:
            if kind not in SHOULD_KINDS:
                close = difflib.get_close_matches(str(kind), sorted(SHOULD_KINDS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.fail(
                    "should",
                    f"{_show(kind)} is not a SHOULD kind (those are {known}){hint}; "
                    "MUST kinds fail anyway",
                )
        return tuple(sorted(set(value)))

    def violations(self, table: Any) -> tuple[tuple[str, int], ...]:
        if not isinstance(table, dict):
            self.fail(
                "violations",
                f"{_show(table)} is {_type_name(table)}, not a table; "
                "write [violations] then lost_update = 0",
            )
        result = []
        for name, value in table.items():
            where = f"[violations] {_key(name)}"
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                fix = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip()).strip("_") or "lost_update"
                self.fail(
                    where,
                    f"{_show(name)} is not a checker name (letters, digits, _ . -); "
                    f"write {fix} = {value if _is_count(value) else 0}",
                )
            if isinstance(value, bool) or not isinstance(value, int):
                self.type_error(
                    where, value, "an integer count of allowed violations", f"{_key(name)} = 0"
                )
            if value < 0:
                self.fail(
                    where,
                    f"{value} is negative; allowed violations are at least 0: "
                    f"write {_key(name)} = 0",
                )
            result.append((name, value))
        return tuple(sorted(result))

    def visibility_kind(self, kind: str) -> None:
        if kind in VISIBILITY_KINDS:
            return
        close = difflib.get_close_matches(kind, list(VISIBILITY_KINDS), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.fail(
            f"[visibility] {_q(kind)}",
            f"unknown visibility kind; the kinds are {', '.join(VISIBILITY_KINDS)}{hint}",
        )

    def endpoint(self, table: str, name: str) -> None:
        where = f"[{table}] {_q(name)}"
        problem = _endpoint_problem(name)
        if problem is None:
            return
        if name in TOP_LEVEL_KEYS:
            self.fail(
                where,
                f"{name!r} is a top-level key but sits under [{table}]; move it "
                "above the first [table] header",
            )
        self.fail(where, problem)


def _endpoint_problem(name: str) -> str | None:
    """Why ``name`` is not ``*`` or ``METHOD /Path`` (with the fix), or None."""
    if name == ALL:
        return None
    rule = "endpoint names are '*' or 'METHOD /Path' as in the run's statistics"
    match = re.fullmatch(r"([A-Za-z]+) (/\S*)", name)
    if match:
        method, path = match.groups()
        fixed_path = path.split("?", 1)[0]
        if len(fixed_path) > 1:
            fixed_path = fixed_path.rstrip("/")
        parts = fixed_path.split("/")
        if (
            len(parts) >= 3
            and parts[2] not in ("{id}", ".search")
            and parts[1] not in ("ServiceProviderConfig", "Schemas", "ResourceTypes")
        ):
            parts[2] = "{id}"
        fixed_path = "/".join(parts)
        fixed = f"{method.upper()} {fixed_path}"
        if method.upper() not in METHODS:
            return f"unknown method {method!r}; use one of {', '.join(METHODS)}"
        if fixed == name:
            return None
        return f"{rule}, with the method in capitals, ids as {{id}}, no query: write {_show(fixed)}"
    words = name.split()
    if len(words) == 1 and words[0].upper() in METHODS:
        return f"{rule}; this one has no path: write {_show(words[0].upper() + ' /Users')}"
    if len(words) == 1:
        path = "/" + words[0].lstrip("/")
        return f"{rule}; this one has no method: write {_show('GET ' + path)} (or POST, PUT ...)"
    if len(words) == 2 and words[0].upper() in METHODS:
        path = "/" + words[1].lstrip("/")
        fixed = f"{words[0].upper()} {path}"
        return _endpoint_problem(f"{words[0]} {path}") or f"{rule}: write {_show(fixed)}"
    return f"{rule}: write e.g. 'POST /Users' or 'PATCH /Groups/{{id}}'"


# ---------------------------------------------------------------------------------- rules

_RULE = re.compile(
    r"\s*(?P<stat>[A-Za-z_][\w.]*)?\s*(?P<op>[<>=!]=?)?\s*"
    r"(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+))?\s*(?P<unit>[A-Za-zµ%]+)?\s*"
)
_UNIT_ALIASES = {
    "µs": "us", "usec": "us", "microsecond": "us", "microseconds": "us",
    "msec": "ms", "millis": "ms", "millisecond": "ms", "milliseconds": "ms",
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
}  # fmt: skip
_STAT_ALIASES = {"mean": "avg", "average": "avg", "median": "p50", "maximum": "max"}


_RELATIVE = re.compile(
    r"\s*(?P<stat>[A-Za-z_][\w.]*)\s*(?P<op><=?)\s*"
    r"(?:(?P<num>\+?(?:\d+(?:\.\d*)?|\.\d+))\s*\*\s*)?baseline\s*"
)


def _parse_relative(text: str, fail: _Fail) -> LatencyRule:
    """``p99 < 1.2 * baseline`` (or ``p99 <= baseline``): a limit relative to a baseline run."""
    match = _RELATIVE.fullmatch(text)
    if not match:
        fail("is not a relative latency rule; write it as 'p99 < 1.2 * baseline'")
    stat, op, num = match.group("stat", "op", "num")
    corrected = stat.endswith("_corrected")
    base = stat.removesuffix("_corrected")
    if not _valid_stat(base):
        fail(f"uses unknown statistic {base!r}; write e.g. 'p99 < 1.2 * baseline'")
    factor = (num or "1").lstrip("+")
    if Decimal(factor) <= 0:
        fail(f"has a factor of {factor}, which no request can meet; write e.g. "
             f"'{stat} {op} 1.2 * baseline'")
    return LatencyRule(base, op, 0, "", corrected, factor=factor)


def _parse_latency(text: str, fail: _Fail) -> LatencyRule:
    if "baseline" in text:
        return _parse_relative(text, fail)
    match = _RULE.fullmatch(text)
    example = "write it as '<statistic> < <limit><unit>', e.g. 'p95 < 300ms'"
    if not match or not match.group("stat"):
        fail(f"is not a latency rule; {example}")
    stat, op, num, unit = match.group("stat", "op", "num", "unit")
    if op is None and num is None:
        fail(f"is not a latency rule; {example}")
    num = num.lstrip("+") if num else num
    corrected = stat.endswith("_corrected")
    base = stat.removesuffix("_corrected")
    suffix = "_corrected" if corrected else ""
    rest = f" {op or '<'} {num or '300'}{unit or 'ms'}"

    if not _valid_stat(base):
        lower = base.lower()
        if _valid_stat(lower):
            fail(f"writes the statistic in capitals; write {_show(lower + suffix + rest)}")
        guess = _STAT_ALIASES.get(lower) or next(
            iter(difflib.get_close_matches(lower, COMMON_STATS, 1, 0.5)), None
        )
        fix = f"; write {_show((guess or 'p95') + suffix + rest)}"
        bad = re.fullmatch(r"p(\d+(?:\.\d+)?)", lower)
        if bad:
            fail(f"asks for percentile {bad.group(1)}, outside (0, 100]; use p50 ... p99.99 or max")
        fail(
            f"uses unknown statistic {base!r}; use pNN (p50, p95, p99, p99.9 ...), max or avg{fix}"
        )
    if op is None:
        fail(f"has no operator; write {_show(stat + rest)}")
    if op not in OPERATORS:
        fail(
            f"uses {op!r}, but a gate line states an upper limit with '<' or '<=': "
            f"write {_show(stat + ' < ' + (num or '300') + (unit or 'ms'))}"
        )
    if num is None:
        fail(f"has no number; write {_show(stat + ' ' + op + ' 300' + (unit or 'ms'))}")
    if unit is None:
        fail(f"has no unit; write {_show(f'{stat} {op} {num}ms')}")
    if unit == "%":
        fail(f"is a latency rule, not a rate; give a time: write {_show(f'{stat} {op} {num}ms')}")
    value = Decimal(num)
    if unit not in LATENCY_UNITS:
        canonical = _UNIT_ALIASES.get(unit)
        if canonical is None and unit in ("m", "min", "mins", "minute", "minutes", "h", "hour"):
            canonical, num = "s", _num(float(value) * (3600 if unit.startswith("h") else 60))
        fix = f"; write {_show(f'{stat} {op} {num}{canonical}')}" if canonical else ""
        fail(f"has an unknown unit {unit!r}; latency units are us, ms and s{fix}")
    if value < 0:
        fail(
            f"has a negative limit; latency limits are positive: "
            f"write {_show(f'{stat} {op} {num.lstrip(chr(45))}{unit}')}"
        )
    if value == 0:
        fail(
            f"has a limit of 0, which no request can meet; write a positive limit, "
            f"e.g. {_show(f'{stat} {op} 300ms')}"
        )
    micros = value * LATENCY_UNITS[unit]
    if micros != micros.to_integral_value():
        up = int(micros.to_integral_value(rounding="ROUND_CEILING"))
        fail(f"is finer than the histograms' 1us resolution; write {_show(f'{stat} {op} {up}us')}")
    return LatencyRule(base, op, int(micros), f"{num}{unit}", corrected)


def _valid_stat(stat: str) -> bool:
    if stat in ("max", "avg"):
        return True
    match = re.fullmatch(r"p(\d+(?:\.\d+)?)", stat)
    return match is not None and 0 < float(match.group(1)) <= 100


def _parse_rate(text: str, fail: _Fail, what: str = "an error rate") -> RateRule:
    match = _RULE.fullmatch(text)
    example = "write it as 'rate < N%', e.g. 'rate < 1%'"
    if not match or not (match.group("num") or match.group("op")):
        fail(f"is not {what}; {example}")
    name, op, num, unit = match.group("stat", "op", "num", "unit")
    num = num.lstrip("+") if num else num
    shown_num = num or "1"
    if name != "rate":
        fail(
            f"is not {what} (it must start with 'rate'); "
            f"write {_show(f'rate {op or chr(60)} {shown_num}%')}"
        )
    if op is None:
        fail(f"has no operator; write {_show(f'rate < {shown_num}%')}")
    if op not in OPERATORS:
        fail(
            f"uses {op!r}, but {what} states an upper limit with '<' or '<=': "
            f"write {_show(f'rate < {shown_num}%')}"
        )
    if num is None:
        fail(f"has no number; write {_show(f'rate {op} 1%')}")
    if unit != "%":
        if unit is None:
            alt = ""
            if Decimal(num) < 1:
                alt = (
                    f" (or {_show(f'rate {op} {_num(float(Decimal(num) * 100))}%')} if {num} "
                    "is a fraction)"
                )
            fail(f"has no '%'; write {_show(f'rate {op} {num}%')}{alt}")
        fail(
            f"has the unit {unit!r}; rates are percentages: "
            f"write {_show(f'rate {op} {num}%')}"
        )
    value = Decimal(num)
    if value < 0 or value > 100:
        fix = "0" if value < 0 else "100"
        fail(
            f"is outside 0..100%; write a rate between 0% and 100%, e.g. {_show(f'rate <= {fix}%')}"
        )
    if value == 0 and op == "<":
        fail("can never hold (no rate is below 0%); write 'rate <= 0%' to allow no errors")
    return RateRule(op, f"{num}%")


# ---------------------------------------------------------------------------------- display


def _show(value: Any) -> str:
    """A value as the user wrote it, on one line, shortened if long."""
    if isinstance(value, str):
        body = value.replace("\\", "\\\\").replace("'", "\\'")
        text = "'" + body.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list):
        text = "[" + ", ".join(_show(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{_key(k)} = {_show(v)}" for k, v in value.items()) + " }"
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    names = {str: "a string", int: "an integer", float: "a float", list: "an array",
             dict: "a table"}  # fmt: skip
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a date/time"


def _q(text: str) -> str:
    """A TOML basic string."""
    return json.dumps(text, ensure_ascii=False)


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _q(name)


def _lhs(where: str) -> str:
    return where.split("] ", 1)[1] if where.startswith("[") else where


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _seconds(value: float) -> str:
    text = format(Decimal(repr(float(value))), "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "s"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0

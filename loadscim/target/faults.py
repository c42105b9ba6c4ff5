"""Fault specs of the embedded target: ``--fault NAME[=VALUE]``, parsed into frozen dataclasses.

Grammar (one spec per ``--fault``; several faults combine)::

    latency=MS                 every response MS milliseconds later (integer >= 0)
    slow-create=MS             POST /Users and POST /Groups take MS milliseconds each, one at a
                               time (integer >= 0), without holding up other requests (a server
                               hashing passwords on one core)
    error-rate=F               a fraction F of resource requests: SCIM 500, not applied
    stall=MS/EVERY_S           the whole process freezes MS ms every EVERY_S seconds
    lost-update[=F]            PATCH / PUT read-modify-write, no lock, no version check
    duplicate-create[=F]       uniqueness check and insert not atomic
    500-on-conflict[=F]        a uniqueness conflict answers 500 instead of 409
    500-on-pathless-patch[=F]  a PATCH with a path-less operation answers 500, not applied
    400-on-pathless-patch[=F]  a PATCH with a path-less operation refused: 400 invalidPath
    ignore-deactivate[=F]      active=false answered as done, not applied
    ignore-if-match[=F]        If-Match ignored on writes, never 412
    stale-read[=SECONDS]       GET / search serve the state SECONDS ago (default 1)
    replica-lag=MS             searches (lists, filters) see each write up to MS ms late
                               (a random lag per write, in order); GET by id stays fresh
    replica-lag-id=MS          the same for GET by id (a view of its own)
    flap[=F]                   a fraction F of searches served from an older view: a
                               resource written in the last second as before its last
                               write (default F 0.2)
    drop-after-commit[=F]      a write is applied, then the connection is closed (default F 0.2)
    bulk-partial[=F]           every second operation of a /Bulk skipped, reported ok
    timeout=F | reset=F | non-json=F | truncated-json=F | wrong-content-type=F
    redirect=F | huge-body=F | throttle=F
                               robustness faults on a fraction F of resource requests
    drop-attribute=NAME[,NAME]  the attributes are not stored (create, PUT, PATCH answer
                               without them), e.g. title, emails.type, name.formatted
    strict-email               emails at special-use TLDs (.test .invalid .local .example
                               .localhost) refused: 400 invalidValue
    require-formatted          a User without name.formatted refused: 400 invalidValue
    no-email-type              a User whose emails carry type or primary refused: 400
    no-schemas                 GET /Schemas answers 404
    undeclared=NAME[,NAME]     GET /Schemas does not declare the attributes (stored as ever)
    no-patch                   ServiceProviderConfig patch.supported false; PATCH answers 501
    no-filter                  ServiceProviderConfig filter.supported false; filter ignored
    group-create-drops-members[=F]  POST /Groups ignores ``members`` (an empty group)
    409-no-scimtype[=F]        a 409 answered without ``scimType``
    400-on-conflict[=F]        a create of a taken unique value answered 400, not 409
    409-on-if-match[=F]        a write whose If-Match failed answered 409, not 412
    412-no-error[=F]           a 412 answered with a plain-text body, not the SCIM Error
    etag-absent[=F]            no ETag header and no meta.version in answers, although the
                               ServiceProviderConfig says etag is supported
    delete-deactivates[=F]     DELETE of a User answered 204, but the user is only
                               deactivated: still readable and listed
    non-idempotent-replay[=F]  a PATCH adding a member (or value) already there adds it again;
                               a PUT merges multi-valued values into the stored ones
    ignore-update[=F]          PATCH / PUT answered as done, not applied
    duplicate-listing[=F]      a search's answer lists each resource twice
    search-other-ids[=F]       a search's answer gives other ids (upper case) than GET knows
    lost-deactivation[=F]      a PATCH/PUT that leaves active as it was writes back, after a
                               pause, the whole row it read: a deactivation meanwhile is undone
    write-back-stale[=F]       after an update, the state before it is written back over it
    truncate-updates[=F]       string attributes an update changes cut to 12 characters
    membership-bleed[=F]       a group PATCH adding members also adds the previous one's
    bulk-no-location[=F]       BulkResponse results without ``location`` (applied)
    bulk-drops-result[=F]      a BulkResponse without its last operation's result (applied)
    bulk-bad-ref[=F]           /Bulk members given as ``bulkId:`` references left out
    bulk-always-413[=F]        every /Bulk answered 413 (not applied)
    bulk-error-no-detail[=F]   the last operation of a /Bulk fails, its result without
                               the error ``response``
    bulk-no-413                ServiceProviderConfig advertises bulk maxOperations 10, the
                               target accepts more
    500-on-duplicate-group[=F] a POST /Groups of a displayName another group has answers 500,
                               not applied
    patch-conflict-500[=F]     a PUT/PATCH arriving while another of the same resource is in
                               flight answers 500, not applied
    duplicate-member[=F]       a read of a group lists its first member twice
    no-auth                    with --token, requests without it or with a wrong one served
    page-skips                 startIndex taken as 0-based: the first resource never listed
    wrong-total                totalResults gives the resources on the page, not the total
    case-duplicates            userName uniqueness compares case: ``ALICE`` is created while
                               ``alice`` exists
    case-sensitive-filter      a ``userName eq`` filter compares case: ``ALICE`` finds nothing
    sessions-survive           GET /signin (the linked service's sign-in) keeps granting a
                               user who signed in once, after deactivation or DELETE
    created-200[=F]            a create answered 200, not 201 (applied)
    no-location[=F]            a 201 without its Location header
    location-mismatch[=F]      a 201 whose Location is the collection's URL, not the resource's
    version-mismatch[=F]       meta.version without the ETag header's W/ (or with one added)
    etag-unchanged[=F]         an update stored without a new version (ETag and meta.version)
    error-status-int[=F]       Error bodies with "status" a number, not a string
    unknown-id-200[=F]         a GET of an unknown /Users or /Groups id answered 200 with an
                               empty ListResponse, not 404
    resource-no-schemas[=F]    resources answered without "schemas"

``F`` is a number from 0 to 1: a probability per eligible request (or operation), drawn
from a ``random.Random`` seeded per fault, so a run is repeatable given ``--seed``.

This module imports neither gevent nor scim2-server: the harness may validate specs with it.
"""

from __future__ import annotations

import difflib
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

from loadscim.errors import UsageError

#: Faults whose probability is optional, and its default.
SEMANTIC_FAULTS: dict[str, float] = {
    "lost-update": 1.0,
    "duplicate-create": 1.0,
    "500-on-conflict": 1.0,
    "500-on-pathless-patch": 1.0,
    "400-on-pathless-patch": 1.0,
    "ignore-deactivate": 1.0,
    "ignore-if-match": 1.0,
    "drop-after-commit": 0.2,
    "bulk-partial": 1.0,
    "group-create-drops-members": 1.0,
    "409-no-scimtype": 1.0,
    "400-on-conflict": 1.0,
    "409-on-if-match": 1.0,
    "412-no-error": 1.0,
    "etag-absent": 1.0,
    "delete-deactivates": 1.0,
    "non-idempotent-replay": 1.0,
    "ignore-update": 1.0,
    "duplicate-listing": 1.0,
    "search-other-ids": 1.0,
    "truncate-updates": 1.0,
    "write-back-stale": 1.0,
    "lost-deactivation": 1.0,
    "patch-conflict-500": 1.0,
    "500-on-duplicate-group": 1.0,
    "duplicate-member": 1.0,
    "membership-bleed": 1.0,
    "bulk-no-location": 1.0,
    "bulk-drops-result": 1.0,
    "bulk-bad-ref": 1.0,
    "bulk-always-413": 1.0,
    "bulk-error-no-detail": 1.0,
    "flap": 0.2,
    "created-200": 1.0,
    "no-location": 1.0,
    "location-mismatch": 1.0,
    "version-mismatch": 1.0,
    "etag-unchanged": 1.0,
    "error-status-int": 1.0,
    "unknown-id-200": 1.0,
    "resource-no-schemas": 1.0,
}

#: Robustness faults: NAME=F, F required (error-rate=F too).
ROBUSTNESS_FAULTS: tuple[str, ...] = (
    "timeout",
    "reset",
    "non-json",
    "truncated-json",
    "wrong-content-type",
    "redirect",
    "huge-body",
    "throttle",
)

#: Faults that are on or off: NAME, no value. What they do is their description.
FLAG_FAULTS: dict[str, str] = {
    "strict-email": "emails at special-use TLDs (.test, .invalid, .local, .example, "
    ".localhost) refused with 400 invalidValue",
    "require-formatted": "a User without name.formatted refused with 400 invalidValue",
    "no-email-type": "a User whose emails carry type or primary refused with 400 invalidValue",
    "no-schemas": "GET /Schemas answered 404 (schemas not published)",
    "no-patch": "ServiceProviderConfig says patch is not supported; PATCH answers 501",
    "no-filter": "ServiceProviderConfig says filter is not supported; filter= is ignored",
    "bulk-no-413": "ServiceProviderConfig advertises bulk maxOperations 10; the target "
    "accepts more without 413",
    "no-auth": "requests without the bearer token, or with a wrong one, served as if they "
    "carried it (needs --token)",
    "page-skips": "startIndex taken as 0-based: every page starts one late, the first "
    "resource of a list is never listed",
    "wrong-total": "a ListResponse's totalResults gives the resources on the page, not all "
    "that match",
    "case-duplicates": "userName uniqueness compares case: a create of ALICE while alice "
    "exists makes a second account",
    "case-sensitive-filter": "a userName eq filter compares case: a lookup of ALICE does not "
    "find alice",
    "sessions-survive": "GET /signin keeps granting a user who signed in once, after "
    "deactivation or DELETE (the session survives deprovisioning)",
}

KNOWN_FAULTS: tuple[str, ...] = tuple(
    sorted(
        {
            "latency",
            "slow-create",
            "error-rate",
            "stall",
            "stale-read",
            "replica-lag",
            "replica-lag-id",
            "drop-attribute",
            "undeclared",
            *SEMANTIC_FAULTS,
            *ROBUSTNESS_FAULTS,
            *FLAG_FAULTS,
        }
    )
)

DEFAULT_STALE_SECONDS = 1.0

_DESCRIPTIONS: dict[str, str] = {
    "error-rate": "resource requests answered 500 without being applied",
    "lost-update": "PATCH/PUT read-modify-write without the lock or a version check",
    "duplicate-create": "uniqueness check and insert not atomic (duplicate userName)",
    "500-on-conflict": "uniqueness conflicts answered 500 instead of 409",
    "500-on-pathless-patch": "PATCHes with a path-less operation answered 500, not applied",
    "400-on-pathless-patch": "PATCHes with a path-less operation refused (400 invalidPath)",
    "ignore-deactivate": "active=false answered as done but not applied",
    "ignore-if-match": "If-Match ignored on writes, never 412",
    "drop-after-commit": "writes applied, then the connection closed without an answer",
    "bulk-partial": "every second /Bulk operation skipped but reported ok",
    "group-create-drops-members": "POST /Groups creates the group without its members",
    "409-no-scimtype": "409 answers without scimType",
    "400-on-conflict": "creates of a taken unique value answered 400 instead of 409",
    "409-on-if-match": "writes whose If-Match failed answered 409 instead of 412",
    "412-no-error": "412 answers with a plain-text body instead of the SCIM Error",
    "etag-absent": "answers without ETag header or meta.version (etag still advertised)",
    "delete-deactivates": "DELETE of a User answered 204 but only deactivates it",
    "non-idempotent-replay": "PATCH adds of values already there and PUTs of multi-valued "
    "attributes add the values again",
    "ignore-update": "PATCH and PUT answered as done but not applied",
    "duplicate-listing": "search answers list each resource twice",
    "search-other-ids": "search answers give other ids than the resources have",
    "500-on-duplicate-group": "creates of a group whose displayName another group has "
    "answered 500, not applied",
    "patch-conflict-500": "PUTs and PATCHes arriving while another of the same resource is in "
    "flight answered 500, not applied",
    "duplicate-member": "reads of a group list its first member twice",
    "lost-deactivation": "profile updates write back the whole row read before, undoing a "
    "deactivation stored meanwhile",
    "write-back-stale": "updates answered and stored, then the state before written back",
    "truncate-updates": "string attributes changed by PATCH or PUT cut to 12 characters",
    "membership-bleed": "group PATCHes adding members also add the previous such PATCH's",
    "bulk-no-location": "BulkResponse results without location (applied)",
    "bulk-drops-result": "BulkResponses without the last operation's result (applied)",
    "bulk-bad-ref": "/Bulk members given as bulkId: references left out of the group",
    "bulk-always-413": "every /Bulk answered 413 Payload Too Large (not applied)",
    "bulk-error-no-detail": "the last operation of a /Bulk fails; its result has no response",
    "flap": "searches now and then served from an older view (the state before the last write)",
    "created-200": "creates answered 200 instead of 201 (applied)",
    "no-location": "201 answers without their Location header",
    "location-mismatch": "201 answers whose Location is the collection's URL",
    "version-mismatch": "meta.version not the ETag header (W/ removed or added)",
    "etag-unchanged": "updates stored without a new version (ETag and meta.version kept)",
    "error-status-int": "Error bodies whose status is a number, not a string",
    "unknown-id-200": "GETs of unknown ids answered 200 with an empty ListResponse",
    "resource-no-schemas": "resources answered without schemas",
    "timeout": "resource requests held 60 s without an answer, not applied",
    "reset": "resource requests reset without an answer, not applied",
    "non-json": "resource requests answered 200 with an HTML page, not applied",
    "truncated-json": "answers cut in half (applied)",
    "wrong-content-type": "answers labelled text/plain (applied)",
    "redirect": "resource requests redirected (302) to another path, not applied",
    "huge-body": "answers padded to about 5 MB (applied)",
    "throttle": "resource requests answered 429 with Retry-After: 1, not applied",
}


@dataclass(frozen=True)
class Latency:
    """``latency=MS``: every response is MS milliseconds late."""

    milliseconds: int
    name: str = "latency"

    @property
    def spec(self) -> str:
        return f"latency={self.milliseconds}"

    def describe(self) -> str:
        return f"every response delayed {self.milliseconds} ms"


@dataclass(frozen=True)
class SlowCreate:
    """``slow-create=MS``: POST /Users and POST /Groups take MS milliseconds more each, served
    one at a time (a server hashing passwords on one core: concurrent creates queue); other
    requests are not held up (the wait does not hold the storage lock)."""

    milliseconds: int
    name: str = "slow-create"

    @property
    def spec(self) -> str:
        return f"slow-create={self.milliseconds}"

    def describe(self) -> str:
        return f"POST /Users and POST /Groups take {self.milliseconds} ms each, one at a time"


@dataclass(frozen=True)
class Stall:
    """``stall=MS/EVERY_S``: the whole process freezes MS milliseconds every EVERY_S seconds."""

    milliseconds: int
    every_seconds: float
    name: str = "stall"

    @property
    def spec(self) -> str:
        return f"stall={self.milliseconds}/{_number(self.every_seconds)}"

    def describe(self) -> str:
        return (
            f"the whole process freezes {self.milliseconds} ms "
            f"every {_number(self.every_seconds)} s"
        )


@dataclass(frozen=True)
class StaleRead:
    """``stale-read[=SECONDS]``: GET by id and searches serve the state of SECONDS ago."""

    seconds: float = DEFAULT_STALE_SECONDS
    name: str = "stale-read"

    @property
    def spec(self) -> str:
        return f"stale-read={_number(self.seconds)}"

    def describe(self) -> str:
        return f"GET by id and searches serve the state of {_number(self.seconds)} s ago"


@dataclass(frozen=True)
class ReplicaLag:
    """``replica-lag=MS``: searches see each write up to MS milliseconds late;
    ``replica-lag-id=MS``: GET by id does (a view of its own)."""

    milliseconds: int
    name: str = "replica-lag"

    @property
    def spec(self) -> str:
        return f"{self.name}={self.milliseconds}"

    def describe(self) -> str:
        if self.name == "replica-lag-id":
            return f"GET by id sees each write up to {self.milliseconds} ms late"
        return f"searches see each write up to {self.milliseconds} ms late (GET by id fresh)"


@dataclass(frozen=True)
class Chance:
    """A fault that misbehaves on a fraction (probability) of the eligible requests."""

    name: str
    probability: float

    @property
    def spec(self) -> str:
        return f"{self.name}={_number(self.probability)}"

    def describe(self) -> str:
        return f"{_DESCRIPTIONS[self.name]} (probability {_number(self.probability)})"


@dataclass(frozen=True)
class Flag:
    """A fault that is on or off (``strict-email``, ``no-schemas`` ...)."""

    name: str

    @property
    def spec(self) -> str:
        return self.name

    def describe(self) -> str:
        return FLAG_FAULTS[self.name]


ATTRIBUTE_NAME = re.compile(
    r"^(?:urn:[A-Za-z0-9.:_-]+:)?[A-Za-z][A-Za-z0-9_$-]*(?:\.[A-Za-z][A-Za-z0-9_$-]*)?$"
)
NEVER_DROPPED = frozenset({"id", "schemas", "meta", "username"})


@dataclass(frozen=True)
class DropAttribute:
    """``drop-attribute=NAME[,NAME]``: the target accepts these attributes and stores
    nothing of them (``title``, ``emails.type``, ``name.formatted``, an extension's
    ``urn:...:User:employeeNumber``). ``undeclared=NAME[,NAME]``: its /Schemas does not
    declare them."""

    attributes: tuple[str, ...]
    name: str = "drop-attribute"

    @property
    def spec(self) -> str:
        return f"{self.name}={','.join(self.attributes)}"

    def describe(self) -> str:
        names = ", ".join(self.attributes)
        if self.name == "undeclared":
            return f"{names} not declared in /Schemas (stored all the same)"
        return f"{names} accepted in writes but not stored"


Fault = Latency | SlowCreate | Stall | StaleRead | ReplicaLag | Chance | Flag | DropAttribute


def _number(value: float) -> str:
    """A float as written by a person: 1 not 1.0, 0.25 stays 0.25."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def _fail(spec: str, rule: str, fix: str) -> UsageError:
    return UsageError(f"--fault {spec!r}: {rule}; write {fix}")


def _fraction(spec: str, name: str, text: str, optional: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        what = "an optional probability" if optional else "a fraction of requests"
        fix = f"--fault {name} or --fault {name}=0.5" if optional else f"--fault {name}=0.1"
        raise _fail(spec, f"{name} takes {what}, a number from 0 to 1", fix)
    return value


def _milliseconds(spec: str, text: str, rule: str, fix: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _fail(spec, rule, fix) from None
    if value < minimum:
        raise _fail(spec, rule, fix)
    return value


def _seconds(spec: str, text: str, rule: str, fix: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise _fail(spec, rule, fix)
    return value


def parse_fault(spec: str) -> Fault:
    """Parse one ``--fault`` spec.

    :raises UsageError: with a one-line message naming the spec, the rule and the fix.
    """
    text = spec.strip()
    name, has_value, value = text.partition("=")
    name = name.strip().lower()
    value = value.strip()
    if not name:
        raise UsageError(
            f"--fault {spec!r}: a fault spec is NAME or NAME=VALUE; known faults: "
            f"{', '.join(KNOWN_FAULTS)}; write e.g. --fault latency=300"
        )
    if name not in KNOWN_FAULTS:
        close = difflib.get_close_matches(name, KNOWN_FAULTS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(
            f"--fault {spec!r}: unknown fault {name!r}; known faults: "
            f"{', '.join(KNOWN_FAULTS)}{hint}"
        )
    if name == "latency":
        return Latency(
            _milliseconds(
                spec,
                value,
                "latency takes milliseconds, an integer >= 0",
                "--fault latency=300",
                0,
            )
        )
    if name == "slow-create":
        return SlowCreate(
            _milliseconds(
                spec,
                value,
                "slow-create takes milliseconds, an integer >= 0",
                "--fault slow-create=3000",
                0,
            )
        )
    if name == "stall":
        rule = (
            "stall takes MS/EVERY_S: the freeze in milliseconds (an integer > 0) "
            "and its period in seconds (a number > 0)"
        )
        fix = "--fault stall=500/5"
        ms_text, slash, every_text = value.partition("/")
        if not slash:
            raise _fail(spec, rule, fix)
        return Stall(
            _milliseconds(spec, ms_text.strip(), rule, fix, 1),
            _seconds(spec, every_text.strip(), rule, fix),
        )
    if name == "stale-read":
        if not has_value:
            return StaleRead()
        return StaleRead(
            _seconds(
                spec,
                value,
                "stale-read takes an optional lag in seconds, a number > 0",
                "--fault stale-read or --fault stale-read=2",
            )
        )
    if name in ("replica-lag", "replica-lag-id"):
        reads = "a search" if name == "replica-lag" else "a GET by id"
        return ReplicaLag(
            _milliseconds(
                spec,
                value,
                f"{name} takes the most {reads} lags, in milliseconds, an integer > 0",
                f"--fault {name}=300",
                1,
            ),
            name,
        )
    if name in FLAG_FAULTS:
        if has_value:
            raise _fail(spec, f"{name} is on or off and takes no value", f"--fault {name}")
        return Flag(name)
    if name in ("drop-attribute", "undeclared"):
        return _drop_attribute(spec, name, value)
    if name in SEMANTIC_FAULTS:
        if not has_value:
            return Chance(name, SEMANTIC_FAULTS[name])
        return Chance(name, _fraction(spec, name, value, optional=True))
    # error-rate and the robustness faults: the fraction is required
    return Chance(name, _fraction(spec, name, value, optional=False))


def _drop_attribute(spec: str, fault: str, value: str) -> DropAttribute:
    names = tuple(part.strip().replace("[]", "") for part in value.split(","))
    what = "not to store" if fault == "drop-attribute" else "/Schemas leaves out"
    rule = (
        f"{fault} takes the attribute names {what}, separated by commas "
        "(title, emails.type, name.formatted, urn:...:User:employeeNumber)"
    )
    if not value or not all(ATTRIBUTE_NAME.match(name) for name in names):
        raise _fail(spec, rule, f"--fault {fault}=title")
    kept = [name for name in names if name.lower() in NEVER_DROPPED]
    if kept:
        raise _fail(
            spec,
            f"{kept[0]} cannot be dropped (without it no resource can be found again)",
            f"--fault {fault}=title",
        )
    return DropAttribute(tuple(dict.fromkeys(names)), fault)


@dataclass(frozen=True)
class FaultPlan:
    """The faults a target runs with, and the seed of their random choices."""

    faults: tuple[Fault, ...] = ()
    seed: int = 0

    @classmethod
    def parse(cls, specs: Iterable[str], seed: int = 0) -> FaultPlan:
        """Parse several specs; a fault given twice is an error."""
        faults: list[Fault] = []
        seen: dict[str, str] = {}
        for spec in specs:
            fault = parse_fault(spec)
            if fault.name in seen:
                raise UsageError(
                    f"--fault {spec!r}: fault {fault.name!r} is already given as "
                    f"--fault {seen[fault.name]!r}; give each fault once"
                )
            seen[fault.name] = spec
            faults.append(fault)
        return cls(tuple(faults), seed)

    def get(self, name: str) -> Fault | None:
        for fault in self.faults:
            if fault.name == name:
                return fault
        return None

    def probability(self, name: str) -> float | None:
        """The probability of a Chance fault, or None when it is not enabled."""
        fault = self.get(name)
        return fault.probability if isinstance(fault, Chance) else None

    def dropped_attributes(self, name: str = "drop-attribute") -> tuple[str, ...]:
        """The attributes of ``drop-attribute`` (or ``undeclared``); none when it is off."""
        fault = self.get(name)
        return fault.attributes if isinstance(fault, DropAttribute) else ()

    def __contains__(self, name: object) -> bool:
        return any(fault.name == name for fault in self.faults)

    def __bool__(self) -> bool:
        return bool(self.faults)


class Dice:
    """One random stream per fault, seeded from the plan's seed and the fault's name.

    Separate streams keep a fault's choices the same whichever other faults are on.
    """

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._streams: dict[str, random.Random] = {}

    def stream(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = random.Random(f"{self.plan.seed}:{name}")
        return stream

    def roll(self, name: str) -> bool:
        """True when fault ``name`` misbehaves on this request (False when it is off)."""
        probability = self.plan.probability(name)
        if probability is None or probability <= 0.0:
            return False
        if probability >= 1.0:
            return True
        return self.stream(name).random() < probability

    def pause(self, name: str, low: float = 0.001, high: float = 0.010) -> float:
        """A random pause in seconds, from the fault's stream (1 to 10 ms by default)."""
        return self.stream(name).uniform(low, high)

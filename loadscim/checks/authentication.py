"""authentication: requests without valid credentials are refused, and change nothing.

The rule it enforces: RFC 7644 2 (Authentication and Authorization): "The SCIM protocol
does not define a scheme for authentication and authorization ... Service providers MAY
support ... authentication schemes", and RFC 7644 3.12 lists "401 (Unauthorized)
Authorization failure. The authorization header is invalid or missing." with "403
(Forbidden) Operation is not permitted based on the supplied authorization." An identity
provider's seeds say it plainly: only authorized systems can trigger provisioning. So, when
the run itself needs credentials, a read or a create sent without them, or with a wrong
token, gets 401 or 403 and the create does not exist afterwards. Other refusals (404, 400,
429 ...) are not judged: they served nothing.

Trial contract (``trial.kind`` any; ``loadscim.users.probes`` makes it):

- ``meta["probes"]``: process name -> what its requests lack (``no credentials``, ``wrong
  token``). Every op of such a process was sent that way: ``get`` / ``search`` reads and
  ``create`` ops (``value`` the body).
- then, with the run's credentials, an ok ``search`` whose filter is ``userName eq "<the
  probe create's userName>"`` per create: what it lists exists.

Violation kinds: ``unauthenticated-served`` (a request without valid credentials answered
2xx, or its create found afterwards), once per way the credentials were wrong.
"""

from __future__ import annotations

from loadscim.checks.common import Report, filter_value, found_count, same_text
from loadscim.ops import Op, Trial, Violation, completions
from loadscim.scim.patch import read_attribute

NAME = "authentication"


def check(trial: Trial) -> list[Violation]:
    """Requests without valid credentials get 401 or 403; their creates do not exist.

    "401 ... The authorization header is invalid or missing." (RFC 7644 3.12)
    """
    report = Report(NAME, trial)
    probes: dict[str, str] = dict(trial.meta.get("probes") or {})
    ops = completions(trial.ops)
    lookups = [
        op for op in ops if op.kind == "search" and op.type == "ok" and op.process not in probes
    ]
    for process, lacking in probes.items():
        sent = [op for op in ops if op.process == process]
        served = [op for op in sent if op.type == "ok"]
        applied = [
            (create, lookup)
            for create in sent
            if create.kind == "create" and create.type != "ok"
            for lookup in _found(create, lookups)
        ]
        if served:
            report.add(
                "unauthenticated-served",
                "/Users",
                "401 or 403 for a request with " + lacking + " (RFC 7644 3.12)",
                f"{len(served)} of {len(sent)} served: "
                + ", ".join(f"{op.kind} answered {op.status}" for op in served[:3]),
                served,
                subject=lacking,
            )
        elif applied:
            create, lookup = applied[0]
            report.add(
                "unauthenticated-served",
                "/Users",
                f"a create with {lacking} refused and not applied (RFC 7644 3.12)",
                f"answered {create.status}, and the lookup with credentials finds it",
                [create, lookup],
                subject=lacking,
            )
    return report.violations


def _found(create: Op, lookups: list[Op]) -> list[Op]:
    """The lookups (with credentials, after the create) that find the create's userName."""
    user_name = read_attribute(create.value, "userName")
    return [
        lookup
        for lookup in lookups
        if lookup.start_us >= (create.end_us or create.start_us)
        and same_text("userName", filter_value(lookup, "userName"), user_name)
        and found_count(lookup) > 0
    ]


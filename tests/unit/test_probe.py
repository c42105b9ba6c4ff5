"""loadscim/probe.py and the downstream checker: probe options, which writes deprovision,
and the verdict on hand-written probe histories (no server)."""

from __future__ import annotations

from locust import task

import pytest

from loadscim.checks import downstream
from loadscim.errors import UsageError
from loadscim.ops import Op, Trial
from loadscim.probe import (
    check_template,
    deprovisioning,
    fill,
    parse_expect,
    probe_budget,
    window_s,
)

MS = 1000


def test_expect_statuses_before_and_after() -> None:
    expect = parse_expect("200,401/403/404")
    assert expect.access(200) is True and expect.access(404) is False
    assert expect.access(500) is None and expect.access(None) is None
    for bad in ("200", "200,ok", "200,200", "200,700", ""):
        with pytest.raises(UsageError, match="--probe-expect"):
            parse_expect(bad)


def test_template_placeholders_and_filling() -> None:
    assert check_template("{origin}/signin?user={userName}")
    for bad, rule in [
        ("http://x/signin?user={name}", "unknown placeholder {name}"),
        ("http://x/signin", "must name the user"),
        ("ftp://x/{id}", "http:// or https://"),
        ("http://x/{userName", "--probe"),
    ]:
        with pytest.raises(UsageError, match=rule.replace("{", r"\{").replace("}", r"\}")):
            check_template(bad)
    url = fill("{origin}/signin?user={userName}&id={id}", {"userName": "a b&c", "id": "7"},
               "http://127.0.0.1:5000/v2")  # fmt: skip
    assert url == "http://127.0.0.1:5000/signin?user=a%20b%26c&id=7"
    assert window_s(0, 0) == 5.0 and window_s(0, 2) == 2 and window_s(1, 2) == 1
    assert probe_budget(0) == 50 and probe_budget(10.5) == 60  # bounded, growing with time


def write(kind: str, value: object = None, rtype: str = "User") -> Op:
    return Op("invoke", kind, resource_type=rtype, resource_id="u1", value=value)


def test_which_writes_deprovision() -> None:
    off = [{"op": "replace", "value": {"active": False}}]
    entra = [{"op": "Replace", "path": "active", "value": "False"}]
    assert deprovisioning(write("delete")) == "delete"
    assert deprovisioning(write("patch", off)) == "deactivate"
    assert deprovisioning(write("patch", entra)) == "deactivate"  # Entra's string boolean
    assert deprovisioning(write("replace", {"userName": "a", "active": False})) == "deactivate"
    on = [{"op": "replace", "path": "active", "value": True}]
    assert deprovisioning(write("patch", on)) is None
    title = [{"op": "replace", "path": "title", "value": "x"}]
    assert deprovisioning(write("patch", title)) is None
    assert deprovisioning(write("delete", rtype="Group")) is None


def probe_trial(*polls: tuple[int, bool | None], before: bool | None = True) -> Trial:
    meta = {
        "user": "User/u1 (ada)",
        "probe": "GET http://127.0.0.1/signin?user={userName}",
        "deprovision": "delete",
        "window_us": 1000 * MS,
        "done_us": 10_000 * MS,
        "before": [9_990 * MS, before, "HTTP 200" if before else "HTTP 403"],
        "polls": [[10_000 * MS + t * MS, access, f"access {access}"] for t, access in polls],
    }
    return Trial(id="probe-1", kind="downstream", checks=("downstream",), meta=meta)


def test_access_ending_within_the_window_holds_and_is_timed() -> None:
    trial = probe_trial((5, True), (40, True), (300, False))
    assert downstream.judged(trial.meta) and downstream.check(trial) == []
    assert downstream.revoked_us(trial.meta) == 300 * MS


def test_access_past_the_window_is_access_after_deprovision() -> None:
    trial = probe_trial((5, True), (500, None), (1020, True))
    [violation] = downstream.check(trial)
    assert violation.kind == "access-after-deprovision" and violation.subject == "delete"
    assert "1.02 s after it" in violation.observed and violation.resource == "User/u1 (ada)"
    assert downstream.revoked_us(trial.meta) is None


def test_no_evidence_is_not_judged() -> None:
    assert not downstream.judged(probe_trial((1020, False), before=False).meta)  # no access before
    assert not downstream.judged(probe_trial((5, True), (500, None)).meta)  # cut short
    assert downstream.check(probe_trial((1500, True), before=None)) == []


def test_a_scenario_probe_callable_is_used_without_the_option() -> None:
    from types import SimpleNamespace

    from loadscim.harness.probes import _asker

    answers = {"ada": True, "bob": 403}

    class WithProbe:
        downstream_probe = staticmethod(lambda identity: answers.get(identity["userName"]))

    rt = SimpleNamespace(
        opts=SimpleNamespace(probe=""), environment=SimpleNamespace(user_classes=[WithProbe])
    )
    ask, label = _asker(rt)  # type: ignore[arg-type]
    assert ask is not None and label == "WithProbe.downstream_probe"
    assert ask({"userName": "ada", "id": "1"}) == (True, "True")
    assert ask({"userName": "bob", "id": "2"}) == (False, "HTTP 403")
    assert ask({"userName": "eve", "id": "3"}) == (None, "None")
    rt.environment.user_classes = [object]
    assert _asker(rt) == (None, "")  # type: ignore[arg-type]

    class WithATaskNamedProbe:  # tests/integration/scenarios/probe.py: its work, not a probe
        @task
        def probe(self) -> None: ...

    rt.environment.user_classes = [WithATaskNamedProbe]
    assert _asker(rt) == (None, "")  # type: ignore[arg-type]

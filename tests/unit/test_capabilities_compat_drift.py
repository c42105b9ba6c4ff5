"""Capabilities and "not applicable", compatibility findings, latency drift."""

from __future__ import annotations

import pytest

from loadscim.checks.compatibility import refusal
from loadscim.client import Response
from loadscim.config import parse_gate
from loadscim.drift import Drift, describe
from loadscim.ops import Op
from loadscim.preflight import SPC_SCHEMA, Capabilities, resource_type_names
from loadscim.recorder import Recorder
from loadscim.scim.payloads import ERROR_SCHEMA, dumps
from loadscim.summary import ALL, RunSummary
from loadscim.verdict import Status, evaluate

# -- capabilities -------------------------------------------------------------------------


def test_a_missing_feature_says_why_and_a_present_one_does_not():
    caps = Capabilities.from_config(
        {"schemas": [SPC_SCHEMA], "patch": {"supported": True}, "etag": {"supported": False}}
    )
    assert caps.lacks("patch") is None
    assert "etag is not supported" in (caps.lacks("etag") or "")
    assert "RFC 7644 3.14" in (caps.lacks("etag") or "")
    assert "bulk is not supported" in (caps.lacks("bulk") or "")
    assert caps.lacks("Group") is None  # resource types unknown: assume it has them


def test_resource_types_are_read_from_a_list_response_or_a_bare_list():
    listing = {"Resources": [{"name": "User", "endpoint": "/Users"}, {"name": "Group"}]}
    assert resource_type_names(Response(200, {}, dumps(listing))) == ("User", "Group")
    assert resource_type_names(Response(200, {}, dumps([{"name": "User"}]))) == ("User",)
    assert resource_type_names(Response(404, {}, b"")) is None
    assert resource_type_names(Response(200, {}, b"<html>")) is None
    caps = Capabilities(resource_types=("User",))
    assert "no Group (it serves: User)" in (caps.lacks("Group") or "")
    assert "resource types User" in caps.describe()


def test_nothing_applicable_is_pass_not_unknown():
    summary = RunSummary(run_id="t", duration_s=5.0)
    summary.checker("bulk").not_applicable = "bulk is not supported"
    verdict = evaluate(parse_gate('errors = "rate < 1%"\n', "g"), summary)
    assert verdict.status is Status.PASS, verdict.reasons
    assert all(line.not_applicable for line in verdict.lines)
    assert "not applicable" in verdict.headline()


def test_an_inapplicable_checker_beside_a_judged_one_leaves_the_rest_alone():
    summary = RunSummary(run_id="t", duration_s=5.0)
    summary.checker("if_match").not_applicable = "etag is not supported"
    summary.checker("lost_update").trials = 3
    verdict = evaluate(parse_gate('errors = "rate < 1%"\n', "g"), summary)
    assert verdict.status is Status.UNKNOWN  # no requests recorded: still cannot vouch


# -- compatibility --------------------------------------------------------------------------


def completion(status: int, scim_type: str | None = None, detail: str = "") -> Op:
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    return Op(
        "fail" if status < 500 or status == 501 else "info",
        "patch",
        seq=1,
        trial="t1",
        resource_type="Group",
        resource_id="g1",
        status=status,
        scim_type=scim_type,
        observed=body,
        endpoint="PATCH /Groups/{id}",
    )


def test_refusals_of_the_request_as_written_are_findings():
    found = refusal(completion(400, "invalidValue", "a remove  operation\ncarries no value"),
                    "entra", "remove_members")
    assert found is not None
    assert found.line(3) == (
        "PATCH /Groups/{id} answered 400 invalidValue to entra remove_members (3 times): "
        "a remove operation carries no value"
    )
    assert refusal(completion(501), "okta", "rename_group") is not None


def test_conflicts_limits_and_server_errors_are_not_findings():
    for status in (404, 409, 412, 401, 413, 429, 500, 503):
        assert refusal(completion(status), "entra", "add_members") is None
    ok = Op("ok", "patch", status=204, endpoint="PATCH /Groups/{id}")
    assert refusal(ok, "entra", "add_members") is None


def test_findings_are_counted_merged_from_workers_and_fail_the_run():
    worker, master = Recorder("w"), Recorder("m")
    for _ in range(3):
        worker.judge_request("entra", "remove_members", completion(400, "invalidValue", "no"))
    worker.judge_request("entra", "add_members", Op("ok", "patch", status=204))
    master.absorb(worker.drain())
    master.judge_request("entra", "remove_members", completion(400, "invalidValue", "no"))
    summary = master.summary(duration_s=1.0)
    stats = summary.checkers["compatibility"]
    assert (stats.trials, stats.violations, stats.kinds) == (5, 4, {"refused": 4})
    notes = [n for n in summary.notes if n.startswith("compatibility:")]
    assert notes == [
        "compatibility: PATCH /Groups/{id} answered 400 invalidValue to entra remove_members "
        "(4 times): no"
    ]
    assert evaluate(None, summary).status is Status.FAIL


def okta_patch(status: int, detail: str = "boom") -> Op:
    op = completion(status, None, detail)
    op.endpoint, op.resource_type = "PATCH /Users/{id}", "User"
    return op


def test_a_5xx_that_repeats_for_the_same_request_shape_is_a_finding():
    """Okta's path-less deactivate crashes the server every time: a compatibility defect."""
    worker, master = Recorder("w"), Recorder("m")
    for _ in range(3):
        worker.judge_request("okta", "set_active", okta_patch(500, "NullPointerException: path"))
    worker.judge_request("okta", "set_active", okta_patch(500))
    worker.judge_request("okta", "update_profile", Op("ok", "replace", status=200))
    master.absorb(worker.drain())
    master.judge_request(
        "okta", "set_active", Op("ok", "patch", status=204, endpoint="PATCH /Users/{id}")
    )
    summary = master.summary(duration_s=1.0)
    stats = summary.checkers["compatibility"]
    assert (stats.trials, stats.violations, stats.kinds) == (6, 4, {"server-error": 4})
    assert (
        stats.examples[0].kind == "server-error"
        and stats.examples[0].resource == "PATCH /Users/{id}"
    )
    assert [n for n in summary.notes if n.startswith("compatibility:")] == [
        "compatibility: PATCH /Users/{id} answered 500 to okta set_active 4 times in 5 sends "
        "(a server error that repeats): NullPointerException: path"
    ]
    assert master.checker_stats["compatibility"].violations == 0  # decided per summary, not kept
    assert evaluate(None, summary).status is Status.FAIL


@pytest.mark.parametrize(
    ("statuses", "why"),
    [
        ([500], "a lone 5xx"),
        ([500, 500] + [204] * 2, "fewer than 3"),
        ([500] * 3 + [204] * 3, "not more than half of the sends"),
        ([503] * 5, "503: overloaded, not the request's shape"),
        ([504] * 5, "504: a gateway's timeout"),
        ([500] * 5 + [204] * 95, "random 5% errors (error-rate=0.05)"),
    ],
)
def test_a_5xx_that_does_not_repeat_stays_info(statuses, why):
    recorder = Recorder("r")
    for status in statuses:
        op = (
            okta_patch(status)
            if status >= 500
            else Op("ok", "patch", status=status, endpoint="PATCH /Users/{id}")
        )
        recorder.judge_request("okta", "set_active", op)
    summary = recorder.summary(duration_s=1.0)
    assert summary.checkers["compatibility"].violations == 0, why
    assert not [n for n in summary.notes if n.startswith("compatibility:")], why


def test_5xx_of_different_steps_are_not_added_together():
    recorder = Recorder("r")
    for step in ("set_active", "update_profile", "rename_group"):
        for status in (500, 500, 204, 204):
            op = (
                okta_patch(status)
                if status >= 500
                else Op("ok", "patch", status=204, endpoint="PATCH /Users/{id}")
            )
            recorder.judge_request("okta", step, op)
    assert recorder.summary(duration_s=1.0).checkers["compatibility"].violations == 0


# -- latency drift --------------------------------------------------------------------------


def test_drift_compares_the_first_third_with_the_last():
    drift = Drift()
    drift.start(0.0)
    for second in range(30):
        for _ in range(30):
            drift.record("POST /Users", 1000 if second < 10 else 5000, second + 0.5)
    assert drift.width == 4.0  # 30 one-second windows coarsened to at most 12
    comparisons = drift.compare(30.0)
    assert [c.endpoint for c in comparisons] == [ALL, "POST /Users"]
    first = comparisons[0]
    assert first.early_us < 1100 and 4900 < first.late_us < 5100
    note = describe(comparisons, 30.0) or ""
    assert "first third, 0-10 s" in note and "20-30 s" in note and "x5" in note


def test_drift_windows_merge_across_processes_of_different_widths():
    a, b, master = Drift(), Drift(), Drift()
    a.start(0.0)
    b.start(0.0)
    for second in range(30):
        a.record("GET /Users", 1000, second + 0.5)
    for second in range(8):
        b.record("GET /Users", 1000, second + 0.5)
    master.absorb(b.drain())
    master.absorb(a.drain())
    assert master.width == a.width
    total = sum(h.get_total_count() for h in master.windows["GET /Users"].values())
    assert total == 38


def test_too_few_samples_give_no_drift():
    drift = Drift()
    drift.start(0.0)
    drift.record("GET /Users", 1000, 0.5)
    assert drift.compare(3.0) == []
    assert describe([], 3.0) is None


# -- the dialect's User-Agent -----------------------------------------------------------------


def test_a_users_clients_carry_its_dialects_user_agent():
    from types import SimpleNamespace

    from loadscim.client import ScimClient
    from loadscim.scim.dialects import OKTA_USER_AGENT, get_dialect
    from loadscim.users.base import ScimUser

    def client(session, process=""):
        return ScimClient(session, process=process, headers={"Authorization": "Bearer t"})

    for name, agent in (("okta", OKTA_USER_AGENT), ("rfc", None)):
        user = SimpleNamespace(
            rt=SimpleNamespace(client=client, target_capabilities=lambda: None),
            dialect=get_dialect(name),
        )
        made = ScimUser.client_for(user, object(), process="u1")  # type: ignore[arg-type]
        assert made.headers.get("User-Agent") == agent
        assert made.headers["Authorization"] == "Bearer t"

"""What checking costs on the hot path: time per trial of each checker, on synthetic trials.

    .venv/bin/python bench/checker_cost.py

Checkers run in the Locust user's greenlet when a trial finishes, so their cost is load the
generator cannot spend on requests. Builds a lifecycle trial (11 calls), a membership race of
K = 10, 50 and 200 racing adds plus a read, and a userName race of K = 10 creates, and times
their checkers. Results: bench/README.md.
"""

from __future__ import annotations

import time

import orjson
from overhead import USER

from loadscim.checks import CHECKERS
from loadscim.ops import Op, Trial
from loadscim.scim import payloads


def call(kind: str, start: int, end: int, seq: int, **fields) -> list[Op]:
    invoke = Op("invoke", kind, seq=seq, start_us=start, **{
        k: v for k, v in fields.items() if k not in ("status", "observed", "scim_type")
    })
    done = Op("ok" if fields.get("status", 200) < 300 else "fail", kind, seq=seq,
              start_us=start, end_us=end, **fields)
    return [invoke, done]


def membership(k: int) -> Trial:
    ops: list[Op] = []
    members = [f"u{i}" for i in range(k)]
    for i, member in enumerate(members):
        ops += call("patch", 10 + i, 1000 + i, i + 1, resource_type="Group", resource_id="g",
                    value=[{"op": "add", "path": "members", "value": [{"value": member}]}],
                    status=204)
    ops += call("get", 5000, 5100, k + 1, resource_type="Group", resource_id="g", status=200,
                observed={"id": "g", "members": [{"value": m} for m in members]})
    return Trial(f"m{k}", "membership-add", ("lost_update", "conflict_status"),
                 {"initial_members": []}, ops)


def lifecycle() -> Trial:
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada",
            "title": "Engineer", "active": True, "name": {"givenName": "Ada"}}
    seen = {**user, "id": "u"}
    ops = call("search", 0, 10, 1, resource_type="User", value={"filter": 'userName eq "ada"'},
               status=200, observed={"totalResults": 0, "Resources": []})
    ops += call("create", 20, 30, 2, resource_type="User", resource_id="u", value=user,
                status=201, observed=seen)
    t, seq = 40, 3
    for kind, value, observed in (
        ("get", None, seen),
        ("replace", {**user, "title": "Admiral"}, None),
        ("get", None, {**seen, "title": "Admiral"}),
        ("patch", [{"op": "replace", "path": "active", "value": False}], None),
        ("get", None, {**seen, "title": "Admiral", "active": False}),
        ("patch", [{"op": "replace", "path": "active", "value": True}], None),
        ("get", None, {**seen, "title": "Admiral", "active": True}),
        ("delete", None, None),
    ):
        status = 204 if kind in ("patch", "delete") else 200
        ops += call(kind, t, t + 10, seq, resource_type="User", resource_id="u", value=value,
                    status=status, observed=observed)
        t, seq = t + 20, seq + 1
    ops += call("get", t, t + 10, seq, resource_type="User", resource_id="u", status=404)
    return Trial("l", "lifecycle", ("read_your_writes",), {}, ops)


def race(k: int) -> Trial:
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada"}
    error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409",
             "scimType": "uniqueness"}
    ops: list[Op] = call("create", 0, 100, 1, resource_type="User", resource_id="u", value=body,
                         status=201, observed={**body, "id": "u"})
    for i in range(1, k):
        ops += call("create", i, 100 + i, i + 1, resource_type="User", value=body, status=409,
                    scim_type="uniqueness", observed=error)
    ops += call("search", 500, 600, k + 1, resource_type="User",
                value={"filter": 'userName eq "ada"'}, status=200,
                observed={"totalResults": 1, "Resources": [{**body, "id": "u"}]})
    return Trial("d", "username-race", ("duplicate_create", "conflict_status"), {}, ops)


JUDGED = ["title", "active", "name.givenName"]  # as bench/overhead_scim.py names them
PATCH = [{"op": "replace", "path": "title", "value": "Engineer"}]


def bench_trial(n: int) -> Trial:
    """The trial of bench/overhead_scim.py as the canned nginx answers it (bench/overhead.py):
    POST /Users, GET /Users/{id}, PATCH /Users/{id}, every answer the canned User."""
    uid = f"{n:032x}"
    seen = orjson.loads(USER.replace("ID", uid))
    body = payloads.user(f"loadscim-bench-u1-{n}", title="Engineer")
    sampled = {"content-type": "application/scim+json"}
    ops = call("create", 0, 10_000, 1, resource_type="User", resource_id=uid, value=body,
               status=201, observed=seen, endpoint="POST /Users",
               headers={**sampled, "location": f"/Users/{uid}"})
    ops += call("get", 10_050, 15_000, 2, resource_type="User", resource_id=uid, status=200,
                observed=orjson.loads(USER.replace("ID", uid)), endpoint="GET /Users/{id}",
                headers=sampled)
    ops += call("patch", 15_050, 25_000, 3, resource_type="User", resource_id=uid,
                value=PATCH, status=200,
                observed=orjson.loads(USER.replace("ID", uid)), endpoint="PATCH /Users/{id}",
                headers=sampled)
    return Trial(f"u1-{n}", "bench", ("read_your_writes", "conformance"),
                 {"attributes": JUDGED, "unjudged": ["externalId", "name.formatted"]}, ops)


def timed_many(trials: list[Trial], rounds: int = 25) -> str:
    """The least over ``rounds`` passes of the mean time per trial of each checker."""
    parts = []
    for name in trials[0].checks:
        best = float("inf")
        for _ in range(rounds):
            started = time.process_time()
            for trial in trials:
                violations = CHECKERS[name](trial)
            best = min(best, (time.process_time() - started) / len(trials))
            assert violations == [], (name, violations)
        parts.append(f"{name} {best * 1e6:.1f} us")
    return ", ".join(parts)


def timed(trial: Trial, repeat: int) -> str:
    parts = []
    for name in trial.checks:
        started = time.perf_counter()
        for _ in range(repeat):
            violations = CHECKERS[name](trial)
        elapsed = (time.perf_counter() - started) / repeat
        assert violations == [], (name, violations)
        parts.append(f"{name} {elapsed * 1000:.3f} ms")
    return ", ".join(parts)


if __name__ == "__main__":
    print(f"lifecycle (11 calls):     {timed(lifecycle(), 500)}")
    for k in (10, 50, 200):
        print(f"membership race K={k:<4} {timed(membership(k), 50 if k < 200 else 10)}")
    print(f"userName race K=10:       {timed(race(10), 500)}")
    print(f"bench trial (3 calls):    {timed_many([bench_trial(n) for n in range(200)])}")

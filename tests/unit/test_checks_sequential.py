"""read_your_writes' short way for calls one after another (:mod:`loadscim.checks.sequential`)
gives exactly what the general way gives: the same violations, in the same order, with the
same explanations, or the same error.

Differential: thousands of generated trials (a small server model with faults: stale
reads, attributes never stored or dropped by a create, 404s, resources found after a
delete, userName lookups in another case, members kept or lost; failed, ambiguous and
timed-out writes; PATCH add / remove / replace with paths, filters, path-less values and
Entra's strings; named, unjudged and unnamed attributes; calls that overlap) judged both
ways, and hand-built ones for each branch of the short way.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from histories import error, fail, info, listing, ok, search, trial, user

from loadscim.checks import plain, read_your_writes, sequential
from loadscim.checks.register import History
from loadscim.ops import Op, Trial, completions

EXT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
NAMED = [
    "title",
    "active",
    "name.givenName",
    "userName",
    "displayName",
    "emails",
    'emails[type eq "work"].value',
    "emails.type",
    f"{EXT}:department",
    "name",
    "Title",
    "locale",
]


def both_ways(t: Trial, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, bool]:
    """(the checker's answer, the general way's answer, whether the short way was taken);
    an answer is the violations or the error raised."""

    def run() -> Any:
        try:
            return read_your_writes.check(t)
        except Exception as e:  # the same error both ways
            return (type(e), str(e))

    taken = _short_way(t)
    fast = run()
    with monkeypatch.context() as m:
        m.setattr(plain, "clean", lambda *args: None)
        m.setattr(sequential, "clean", lambda *args: False)
        general = run()
    return fast, general, taken


def _short_way(t: Trial) -> bool:
    """Whether a short way (plain or sequential) vouches for the trial."""
    ops = completions(t.ops)
    wanted = t.meta.get("attributes")
    try:
        if plain.clean(t, ops, wanted):
            return True
        return sequential.clean(t, ops, History(ops, wanted), wanted)
    except Exception:
        return False


# -- a small server, with faults ---------------------------------------------------------


class Server:
    """Resources as a SCIM server would keep them, with the trial's faults."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.state: dict[str, dict[str, Any] | None] = {}
        self.history: dict[str, list[dict[str, Any] | None]] = {}
        self.faults = {
            f for f in ("stale", "unstored", "dropped", "gone", "zombie", "members", "case",
                        "extra") if rng.random() < 0.07
        }  # fmt: skip
        self.unstored = rng.choice(["title", "locale", "emails", "displayName"])

    def save(self, key: str, resource: dict[str, Any] | None) -> None:
        if resource is not None and "unstored" in self.faults:
            resource.pop(self.unstored, None)
        self.history.setdefault(key, []).append(copy.deepcopy(self.state.get(key)))
        self.state[key] = resource

    def shown(self, key: str, first: bool = False) -> dict[str, Any] | None:
        resource = self.state.get(key)
        if "stale" in self.faults and self.history.get(key) and self.rng.random() < 0.5:
            resource = self.history[key][-1]
        if resource is None:
            return None
        body = copy.deepcopy(resource)
        body.pop("password", None)
        if first and "dropped" in self.faults:
            body.pop("title", None)
        if "extra" in self.faults and self.rng.random() < 0.5:
            body["members"] = [{"value": "stranger"}]
        body["id"] = key.partition("/")[2]
        body["meta"] = {"resourceType": key.partition("/")[0]}
        return body

    def patch(self, key: str, operations: list[dict[str, Any]]) -> None:
        resource = copy.deepcopy(self.state.get(key)) or {}
        for o in operations:
            name, path, value = o["op"].lower(), o.get("path"), o.get("value")
            if isinstance(value, str) and value in ("True", "False"):
                value = value == "True"
            if not path:
                for k, v in value.items():
                    head, _, sub = k.partition(".")
                    if sub:
                        resource.setdefault(head, {})[sub] = v
                    else:
                        resource[k] = v
            elif path.startswith("members"):
                members = resource.setdefault("members", [])
                if name == "add":
                    members += [m for m in value if "members" not in self.faults]
                elif "[" in path:
                    gone = path.split('"')[1]
                    resource["members"] = [m for m in members if m["value"] != gone]
                else:
                    resource["members"] = [] if name == "remove" else list(value)
            elif path.startswith("emails["):
                for item in resource.get("emails", []):
                    if item.get("type") == "work":
                        item["value"] = value
            elif path.startswith(EXT):
                resource.setdefault(EXT, {})[path.rpartition(":")[2]] = value
            elif "." in path:
                head, _, sub = path.partition(".")
                if name == "remove":
                    resource.get(head, {}).pop(sub, None)
                else:
                    resource.setdefault(head, {})[sub] = value
            elif name == "remove":
                resource.pop(path, None)
            elif name == "add" and isinstance(value, list):
                resource.setdefault(path, []).extend(value)
            else:
                resource[path] = value
        self.save(key, resource)


def _body(rng: random.Random, user_name: str, group: bool) -> dict[str, Any]:
    if group:
        body: dict[str, Any] = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": rng.choice(["ops", "dev"]),
        }
        if rng.random() < 0.6:
            body["members"] = [{"value": m} for m in rng.sample(["a", "b", "c"], rng.randint(0, 2))]
        return body
    body = user(user_name)
    for attribute, values in (
        ("title", ["Engineer", "Admiral", ""]),
        ("active", [True, False, "False"]),
        ("displayName", ["Ada", "Grace"]),
        ("locale", ["en", "fr"]),
        ("password", ["pw"]),
    ):
        if rng.random() < 0.6:
            body[attribute] = rng.choice(values)
    if rng.random() < 0.6:
        body["name"] = {"givenName": rng.choice(["Ada", "Grace"]), "familyName": "L"}
    if rng.random() < 0.5:
        body["emails"] = [{"value": f"{user_name}@x", "type": "work", "primary": True}]
    if rng.random() < 0.3:
        body[EXT] = {"department": rng.choice(["R&D", "Ops"])}
    return body


def _operations(rng: random.Random, group: bool) -> list[dict[str, Any]]:
    if group:
        member = rng.choice(["a", "b", "c"])
        return [rng.choice([
            {"op": "add", "path": "members", "value": [{"value": member}]},
            {"op": "remove", "path": f'members[value eq "{member}"]'},
            {"op": "Remove", "path": "members", "value": [{"value": member}]},
            {"op": "replace", "path": "members", "value": [{"value": member}]},
            {"op": "replace", "path": "displayName", "value": rng.choice(["ops", "dev"])},
        ])]  # fmt: skip
    choices = [
        {"op": "replace", "path": "title", "value": rng.choice(["Engineer", "Admiral"])},
        {"op": "Replace", "path": "active", "value": rng.choice(["True", "False"])},
        {"op": "replace", "value": {"active": rng.choice([True, False])}},
        {"op": "replace", "value": {"name.givenName": "Grace", "displayName": "G"}},
        {"op": "remove", "path": "title"},
        {"op": "add", "path": "emails", "value": [{"value": "b@x", "type": "home"}]},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "w@x"},
        {"op": "replace", "path": "name.givenName", "value": rng.choice(["Ada", "Lin"])},
        {"op": "replace", "path": f"{EXT}:department", "value": "Ops"},
        {"op": "replace", "path": "locale", "value": "de"},
    ]
    if rng.random() < 0.02:
        choices = [{"op": "move", "path": "title"}]  # PatchError: the same error both ways
    return rng.sample(choices, min(len(choices), rng.randint(1, 3)))


def generated(seed: int) -> Trial:
    """A trial of 2 to 9 calls on one or two resources, mostly one after another."""
    rng = random.Random(seed)
    server = Server(rng)
    group = rng.random() < 0.2
    keys = ["Group/g1"] if group else rng.choice([["User/u1"], ["User/u1", "User/u2"]])
    names = {key: f"ada{key[-1]}" for key in keys}
    calls: list[list[Op]] = []
    t = 0
    created: set[str] = set()
    for _ in range(rng.randint(2, 9)):
        key = rng.choice(keys)
        rtype = key.partition("/")[0]
        duration = rng.choice([5, 10, 30])
        start = t - rng.choice([3, 20]) if calls and rng.random() < 0.08 else t
        end = start + duration
        t = end + rng.choice([0, 1, 10])
        outcome = rng.random()
        kind = rng.choice(
            ["create"] if key not in created else ["get", "get", "patch", "replace", "delete",
                                                   "search", "get"]
        )  # fmt: skip
        if kind == "search":
            user_name = names[key]
            found = server.shown(key)
            if "case" in server.faults and rng.random() < 0.5:
                user_name, found = user_name.upper(), None  # missed in another case
            value = search(f'userName eq "{user_name}"')
            calls.append(ok("search", start, end, on=rtype, value=value,
                            observed=listing(*([found] if found else []))))  # fmt: skip
            continue
        if kind == "get":
            shown = server.shown(key)
            if shown is not None and "gone" in server.faults and rng.random() < 0.3:
                shown = None
            if shown is None and "zombie" in server.faults and server.history.get(key):
                shown = server.shown(key) or {"id": key.partition("/")[2], "userName": "z"}
            if shown is None:
                calls.append(fail("get", start, end, 404, on=key, observed=error(404)))
            else:
                calls.append(ok("get", start, end, on=key, observed=shown))
            continue
        value: Any
        if kind in ("create", "replace"):
            value = _body(rng, names[key], group)
        elif kind == "patch":
            value = _operations(rng, group)
        else:
            value = None
        if outcome < 0.08:  # refused: nothing happened
            calls.append(fail(kind, start, end, rng.choice([400, 409, 412]), on=key,
                              value=value, observed=error(409)))  # fmt: skip
            continue
        if outcome < 0.13:  # a 5xx or a timeout: it may have happened
            if rng.random() < 0.5:
                _apply(server, key, kind, value)
            status = rng.choice([500, 503, None])
            calls.append(info(kind, start, end, status=status, on=key, value=value))
            if kind == "create":
                created.add(key)
            continue
        _apply(server, key, kind, value)
        if kind == "create":
            created.add(key)
        observed = None if kind == "delete" else server.shown(key, first=kind == "create")
        if kind == "patch" and rng.random() < 0.5:
            observed = None  # 204
        calls.append(ok(kind, start, end, on=key, value=value, observed=observed))
    meta: dict[str, Any] = {}
    if rng.random() < 0.6:
        meta["attributes"] = rng.sample(NAMED, rng.randint(1, 4))
    if rng.random() < 0.3:
        meta["unjudged"] = rng.sample(["locale", "name.formatted", "title", "emails"], 1)
    return trial(*calls, checks=("read_your_writes",), **meta)


def _apply(server: Server, key: str, kind: str, value: Any) -> None:
    if kind in ("create", "replace"):
        server.save(key, copy.deepcopy(value))
    elif kind == "patch":
        server.patch(key, value)
    elif kind == "delete":
        server.save(key, None)


def test_generated_trials_are_judged_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = violations_general = errors = 0
    judged_kinds: set[str] = set()
    for seed in range(3000):
        t = generated(seed)
        fast, general, short = both_ways(t, monkeypatch)
        assert fast == general, seed
        if short:
            taken += 1
            assert general == [], seed
        if isinstance(general, tuple):
            errors += 1
        elif general:
            violations_general += 1
            judged_kinds.update(v.kind for v in general)
    # the generator reaches both ways and the findings the short way must leave alone
    assert taken > 900
    assert violations_general > 400
    assert errors > 10
    assert {"stale-read", "not-stored", "create-dropped", "not-found-after-write",
            "found-after-delete", "case-sensitive-filter"} <= judged_kinds  # fmt: skip


# -- hand-built: each branch of the short way ---------------------------------------------

U = "User/u1"
BODY = user("ada", title="Engineer", active=True, name={"givenName": "Ada"})
PATCH_TITLE = {"op": "replace", "path": "title", "value": "Eng"}


def shown(**changes: Any) -> dict[str, Any]:
    return {**BODY, **changes, "id": "u1", "meta": {"resourceType": "User"}}


def bench() -> list[list[Op]]:
    return [
        ok("create", 0, 10, on=U, value=BODY, observed=shown()),
        ok("get", 20, 30, on=U, observed=shown()),
        ok("patch", 40, 50, on=U, value=[PATCH_TITLE], observed=shown(title="Eng")),
    ]


@pytest.mark.parametrize("attributes", [None, ["title", "active", "name.givenName"]])
def test_the_bench_trial_takes_the_short_way(
    attributes: list[str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = {} if attributes is None else {"attributes": attributes}
    t = trial(*bench(), **meta)
    fast, general, short = both_ways(t, monkeypatch)
    assert short and fast == general == []


@pytest.mark.parametrize(
    "calls, why",
    [
        ([ok("create", 0, 10, on=U, value=BODY, observed=shown()),
          ok("get", 5, 30, on=U, observed=shown())], "overlapping calls"),
        ([ok("create", 0, 10, on=U, value=BODY, observed=shown()),
          info("patch", 20, 30, on=U, value=[{"op": "replace", "path": "title", "value": "x"}]),
          ok("get", 40, 50, on=U, observed=shown())], "an ambiguous write"),
        ([ok("create", 0, 10, on=U, value=BODY, observed=shown()),
          ok("get", 20, 30, on=U, observed=shown(title="Old"))], "a stale read"),
        ([ok("create", 0, 10, on=U, value=BODY, observed=shown(title=None)),
          ok("get", 20, 30, on=U, observed=shown(title=None))], "an attribute never shown"),
        ([ok("create", 0, 10, on=U, value=BODY, observed=shown(title=None)),
          ok("get", 20, 30, on=U, observed=shown())], "a create's answer lacking one"),
        ([ok("create", 0, 10, on=U, value=BODY, observed=shown()),
          fail("get", 20, 30, 404, on=U, observed=error(404))], "a 404 after the create"),
        ([ok("create", 0, 10, on=U, value=BODY, observed=shown()),
          ok("search", 20, 30, on="User", value=search('userName eq "ADA"'),
             observed=listing())], "a lookup in another case that misses"),
        ([ok("create", 0, 10, on=U, value=BODY, observed=shown()),
          ok("get", 10, 10, on=U, observed=shown())], "a call that took no time"),
    ],
)  # fmt: skip
def test_the_general_way_judges_what_the_short_way_cannot_vouch_for(
    calls: list[list[Op]], why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = trial(*calls, attributes=["title", "active"])
    fast, general, short = both_ways(t, monkeypatch)
    assert not short, why
    assert fast == general, why


def test_a_consistency_window_is_judged_the_general_way(monkeypatch: pytest.MonkeyPatch) -> None:
    t = trial(*bench(), attributes=["title"], consistency_window_s=0.5)
    calls = []
    monkeypatch.setattr(sequential, "clean", lambda *args: calls.append(args) or True)
    assert read_your_writes.check(t) == []
    assert calls == []


def test_failed_writes_searches_deletes_and_members_take_the_short_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    g = "Group/g1"
    group_body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                  "displayName": "ops"}  # fmt: skip
    group_shown = {**group_body, "id": "g1"}
    t = trial(
        ok("search", -20, -10, on="User", value=search('userName eq "ada"'), observed=listing()),
        *bench(),
        fail("patch", 60, 70, 400, on=U, value=[{"op": "replace", "path": "title", "value": "X"}],
             observed=error(400)),
        ok("search", 80, 90, on="User", value=search('userName eq "ada"'),
           observed=listing(shown(title="Eng"))),
        ok("create", 100, 110, on=g, value=group_body, observed=group_shown),
        ok("patch", 120, 130, on=g, value=[{"op": "add", "path": "members",
                                           "value": [{"value": "a"}, {"value": "b"}]}]),
        ok("get", 140, 150, on=g, observed={**group_shown, "members": [{"value": "a"},
                                                                       {"value": "b"}]}),
        ok("delete", 160, 170, on=U),
        fail("get", 180, 190, 404, on=U, observed=error(404)),
    )  # fmt: skip
    fast, general, short = both_ways(t, monkeypatch)
    assert short and fast == general == []

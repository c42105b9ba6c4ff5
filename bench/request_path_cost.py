"""What the request path costs per bench iteration, without the socket and the checkers.

    .venv/bin/python bench/request_path_cost.py [repeats]
    PYTHONPATH=/path/to/other/tree .venv/bin/python bench/request_path_cost.py   # A/B

One iteration of bench/overhead_scim.py (POST /Users, GET /Users/{id}, PATCH /Users/{id} in a
trial) through ScimClient, the body shaping (4 attributes not judged, as the canned target's
write pre-flight finds), the Locust transport and Locust's request event with loadscim's
recording (HDR histograms, 5 s and drift windows), the run's model and the outcome counts,
against a canned geventhttpclient answer (nginx's header fields and the bench's User), so
what is left is the harness's own work per request. The trial's ops are dropped unchecked
(the checkers' cost: bench/checker_cost.py). Prints the least time per iteration of
``repeats`` (default 7) runs of 2,000. Results: bench/README.md.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust.event import EventHook

import sys
import time
import timeit
from types import SimpleNamespace
from typing import Any

from geventhttpclient.header import Headers

from loadscim.client import ScimClient
from loadscim.harness.transport import LocustTransport
from loadscim.ops import Trial
from loadscim.recorder import Recorder
from loadscim.scim import payloads
from loadscim.scim.bodies import Bodies
from loadscim.throttle import Throttle

USER = (
    b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"ID",'
    b'"userName":"canned.user@example.com","name":{"givenName":"Load","familyName":"Test"},'
    b'"displayName":"Load Test","emails":[{"value":"canned.user@example.com","type":"work",'
    b'"primary":true}],"active":true,"title":"Engineer",'
    b'"meta":{"resourceType":"User","location":"/Users/ID"}}'
)
FIELDS = [
    ("Server", "nginx/1.22.1"),
    ("Date", "Sun, 29 Nov 2026 16:00:00 GMT"),
    ("Content-Type", "application/scim+json"),
    ("Content-Length", str(len(USER))),
    ("Connection", "keep-alive"),
]
PATCH = payloads.patch([payloads.patch_op("replace", "title", "Engineer")])


class Answer:
    """What geventhttpclient's HTTPClient.request returns, canned."""

    def __init__(self, method: str) -> None:
        self.status_code = 201 if method == "POST" else 200
        self.fields = Headers()
        for name, value in FIELDS:
            self.fields.add(name, value)
        if method == "POST":
            self.fields.add("Location", "/Users/ID")

    def read(self) -> bytes:
        return USER

    def info(self) -> Headers:
        return self.fields

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


class CannedHTTP:
    def request(self, method: str, uri: str, body: Any = None, headers: Any = None) -> Answer:
        return Answer(method)


def client() -> ScimClient:
    recorder = Recorder("bench")
    recorder.drift.start(time.monotonic())
    event = EventHook()

    def on_request(name: str, response_time: float, exception: Any = None, **kw: Any) -> None:
        recorder.record_request(name, response_time, exception is not None, None)

    event.add_listener(on_request)  # what the harness's listener does per request
    session = SimpleNamespace(
        base_url="http://127.0.0.1:1", user=SimpleNamespace(context=dict), request_event=event
    )
    transport = LocustTransport(session)  # type: ignore[arg-type]
    transport._http = CannedHTTP()  # type: ignore[assignment]

    def judged(path: str, resource_type: str = "User") -> bool:
        return not path.lower().startswith(("username", "emails"))

    return ScimClient(
        transport,
        on_complete=recorder.on_op,
        on_invoke=recorder.on_invoke,
        seq=recorder.next_seq,
        throttle=Throttle(recorder.throttle),
        bodies=Bodies(judged=judged),
        sample_every=20,
        on_sample=recorder.sample,
    )


def main() -> None:
    scim = client()
    serial = iter(range(1, 1 << 62))

    def iteration() -> None:
        n = next(serial)
        trial = Trial(f"t{n}", "bench", ("read_your_writes",))
        calls = scim.for_trial(trial)
        created = calls.create("User", payloads.user(f"bench-{n}", title="Engineer"))
        assert created.type == "ok" and created.resource_id
        calls.get("User", created.resource_id)
        calls.patch("User", created.resource_id, PATCH)
        trial.ops.clear()

    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    best = min(timeit.repeat(iteration, number=2000, repeat=repeats)) / 2000
    print(f"request path: {best * 1e6:.1f} us per bench iteration (3 requests)")


if __name__ == "__main__":
    main()

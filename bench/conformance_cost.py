"""What the conformance checker costs: per sampled answer, and per answer not sampled.

    .venv/bin/python bench/conformance_cost.py

1. The checker on a lifecycle trial of 11 sampled answers as the embedded target gives them
   (headers, resource bodies with meta, a 404 Error), per answer: the cost every answer of
   a trial pays when its trial ends, and an answer sampled outside trials pays at once.
2. ScimClient.call through a transport that answers at once, with ``sample_every`` 0 (no
   sampling), 20 (the default: one answer in 20 keeps its headers and is judged), and 1
   (every answer), per call: what sampling adds to the request path.

Results: bench/README.md.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from loadscim.checks import conformance
from loadscim.client import Response, ScimClient, sampled_headers
from loadscim.ops import Op, Trial
from loadscim.recorder import Recorder

LOCATION = "http://127.0.0.1:8000/v2/Users/3baaa9dd5ec14c8b897f41714d7d01a9"


def body(version: int, **attributes: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "3baaa9dd5ec14c8b897f41714d7d01a9",
        "meta": {
            "resourceType": "User",
            "created": "2026-11-29T13:17:33.311574Z",
            "lastModified": "2026-11-29T13:17:33.311574Z",
            "location": LOCATION,
            "version": f'W/"{version}"',
        },
        "userName": "loadscim-abc-u1-1",
        "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
        "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
        "active": True,
        **attributes,
    }


def headers(version: int | None, **extra: str) -> dict[str, str]:
    found = {"content-type": "application/scim+json", **extra}
    if version is not None:
        found["etag"] = f'W/"{version}"'
    return found


def answer(kind: str, seq: int, status: int, observed: Any, version: int | None, **h: str) -> Op:
    return Op("ok" if status < 300 else "fail", kind, seq, "t", "p", "User",
              "3baaa9dd5ec14c8b897f41714d7d01a9", None, None, status, None,
              None if version is None else f'W/"{version}"', observed, None, seq * 10,
              seq * 10 + 5, f"{kind} /Users", headers(version, **h))


def lifecycle() -> Trial:
    error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404",
             "detail": "not found"}
    listing = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
               "totalResults": 0, "Resources": []}
    ops = [
        answer("search", 1, 200, listing, None),
        answer("create", 2, 201, body(1), 1, location=LOCATION),
        answer("get", 3, 200, body(1), 1),
        answer("replace", 4, 200, body(2, title="Admiral"), 2),
        answer("get", 5, 200, body(2, title="Admiral"), 2),
        answer("patch", 6, 204, None, 3),
        answer("get", 7, 200, body(3, title="Admiral", active=False), 3),
        answer("patch", 8, 204, None, 4),
        answer("get", 9, 200, body(4, title="Admiral"), 4),
        answer("delete", 10, 204, None, None),
        answer("get", 11, 404, error, None),
    ]
    return Trial("t", "lifecycle", ("read_your_writes", "conformance"), {}, ops)


def per_answer_us(kind: str = "lifecycle") -> float:
    trial = lifecycle()
    trial.kind = kind
    assert conformance.check(trial) == [], conformance.check(trial)
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        conformance.check(trial)
    return (time.perf_counter() - start) / rounds / len(trial.ops) * 1e6


class Instant:
    """A transport that answers at once, like a server with no latency."""

    def __init__(self) -> None:
        raw = orjson.dumps(body(1))
        self.response = Response(200, {"Content-Type": "application/scim+json",
                                       "ETag": 'W/"1"', "Location": LOCATION,
                                       "Cache-Control": "no-cache", "Date": "now"}, raw)

    def send(self, method, path, payload, headers, name, expect):  # type: ignore[no-untyped-def]
        self.response.parsed = False
        return self.response


def per_call_us(sample_every: int) -> float:
    recorder = Recorder("bench", checkers={"conformance": conformance.check})
    client = ScimClient(Instant(), seq=recorder.next_seq, sample_every=sample_every,
                        on_sample=recorder.sample)
    rounds = 20000
    start = time.perf_counter()
    for _ in range(rounds):
        client.get("User", "3baaa9dd5ec14c8b897f41714d7d01a9")
    return (time.perf_counter() - start) / rounds * 1e6


def headers_us() -> float:
    """Keeping a sampled answer's three header fields (of five)."""
    given = Instant().response.headers
    rounds = 100000
    start = time.perf_counter()
    for _ in range(rounds):
        sampled_headers(given)
    return (time.perf_counter() - start) / rounds * 1e6


def main() -> None:
    """The least of 7 runs of each (the machine is shared: the least is the least disturbed)."""
    print(f"conformance per answer of a trial (lifecycle, 11 answers): "
          f"{min(per_answer_us() for _ in range(7)):.1f} us")
    print(f"sampled_headers (5 header fields): {min(headers_us() for _ in range(7)):.2f} us")
    for every in (0, 20, 1):
        least = min(per_call_us(every) for _ in range(7))
        print(f"ScimClient.get, --conformance-every {every:>2}: {least:.1f} us per call")


if __name__ == "__main__":
    main()

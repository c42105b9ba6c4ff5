"""Throughput and latency of the clean embedded target, driven by 20 keep-alive clients.

    .venv/bin/python bench/target_throughput.py [POSTS] [GETS]

Starts the embedded target (a real process on 127.0.0.1), sends POSTS creates then GETS reads
by id from 20 concurrent geventhttpclient clients in this process, and prints requests/s,
p50/p99/max and the CPU both sides used. Results: bench/README.md.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
from geventhttpclient import URL, HTTPClient  # noqa: E402

from loadscim.target.process import EmbeddedTarget  # noqa: E402

CLIENTS = 20


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def run(url: str, n: int, make, ids: list[str]) -> tuple[float, list[float], dict[int, int]]:
    base = URL(url)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def worker(w: int) -> None:
        client = HTTPClient(base.host, base.port, concurrency=1, network_timeout=30)
        for i in range(n // CLIENTS):
            method, path, body = make(w, i)
            started = time.perf_counter()
            response = client.request(
                method, base.path + path, body=body,
                headers={"Content-Type": "application/scim+json"},
            )
            data = response.read()
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if method == "POST":
                ids.append(json.loads(data)["id"])
        client.close()

    started = time.perf_counter()
    gevent.joinall([gevent.spawn(worker, w) for w in range(CLIENTS)], raise_error=True)
    return time.perf_counter() - started, latencies, statuses


def main() -> None:
    posts = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    gets = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(1)
    ids: list[str] = []

    def post(w: int, i: int):
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"bench-{w}-{i}",
            "active": True,
            "emails": [{"value": f"b{w}.{i}@example.test", "type": "work", "primary": True}],
        }
        return "POST", "/Users", json.dumps(body)

    def get(_w: int, _i: int):
        return "GET", f"/Users/{rng.choice(ids)}", None

    with EmbeddedTarget() as target:
        for label, n, make in (("POST /Users", posts, post), ("GET /Users/{id}", gets, get)):
            target_cpu, client_cpu = cpu_seconds(target.pid), time.process_time()
            wall, latencies, statuses = run(target.url, n, make, ids)
            print(
                f"{label:16s} n={len(latencies)} {statuses} {len(latencies) / wall:6.0f} req/s "
                f"p50 {pct(latencies, 50) * 1000:5.1f} ms p99 {pct(latencies, 99) * 1000:5.1f} ms "
                f"max {max(latencies) * 1000:5.1f} ms | target CPU "
                f"{100 * (cpu_seconds(target.pid) - target_cpu) / wall:.0f}% client CPU "
                f"{100 * (time.process_time() - client_cpu) / wall:.0f}%"
            )


if __name__ == "__main__":
    main()

"""loadscim's overhead against plain Locust, on a canned nginx SCIM service (issue 12).

    .venv/bin/python bench/overhead.py [--users 50] [--seconds 15] [--rounds 2]

Starts nginx (Debian's package: ``apt-get install nginx-light``) on 127.0.0.1 with a config
written to a temporary directory: constant JSON answers (a User for POST /Users (201), for
GET /Users/{id} and PATCH /Users/{id}, a ListResponse for GET /Users, the
ServiceProviderConfig, /ResourceTypes, /Schemas). The id of a created User is nginx's
``$request_id`` and GET /Users/{id} echoes the id asked for, so every create is a new
resource in loadscim's model, as against a real server. The answers are conformant where
the ``conformance`` checker looks (a 201 carries ``Location``; the id loadscim's unknown-id
probe asks for is a 404 with the SCIM Error), so every check runs and finds nothing, as
against a correct server.

Then, ``--rounds`` times, one after the other with the same users and seconds:

- plain Locust (bench/overhead_plain.py): a FastHttpUser doing POST /Users (orjson body,
  the id parsed from the answer), GET /Users/{id}, PATCH /Users/{id};
- loadscim (bench/overhead_scim.py): a ScimUser doing the same three through ``self.scim``,
  with everything on (ops, HDR histograms, one read_your_writes trial per iteration).

With ``taskset`` and two cores or more, the generator runs on core 0 and nginx on core 1.
Prints each run's request count (Locust's statistics) and the generator's CPU seconds between
test start and stop (bench/overhead_cpu.py), and two ratios loadscim / plain: of the requests
made in the same time (the issue's figure), and of the requests per CPU second (steadier on
a shared machine, where the generator does not get its core to itself).
``--serve`` only starts nginx and prints its URL (to profile a generator by hand).
``--profile DIR`` runs py-spy on the loadscim generator and writes a flame graph there.
Results: bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

USER = (
    '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"ID",'
    '"userName":"canned.user@example.com","name":{"givenName":"Load","familyName":"Test"},'
    '"displayName":"Load Test","emails":[{"value":"canned.user@example.com","type":"work",'
    '"primary":true}],"active":true,"title":"Engineer",'
    '"meta":{"resourceType":"User","location":"/Users/ID"}}'
)
LIST = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,'
    '"startIndex":1,"itemsPerPage":1,"Resources":[' + USER.replace("ID", "canned") + "]}"
)
SPC = (
    '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],'
    '"patch":{"supported":true},"bulk":{"supported":false,"maxOperations":0,'
    '"maxPayloadSize":0},"filter":{"supported":true,"maxResults":100},'
    '"changePassword":{"supported":false},"sort":{"supported":false},'
    '"etag":{"supported":false},"authenticationSchemes":[]}'
)
RESOURCE_TYPES = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,'
    '"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],'
    '"id":"User","name":"User","endpoint":"/Users",'
    '"schema":"urn:ietf:params:scim:schemas:core:2.0:User"}]}'
)
NOT_FOUND = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404",'
    '"detail":"no such User"}'
)
SCHEMAS = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,'
    '"Resources":[]}'
)

NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    default_type application/scim+json;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    server {{
        listen 127.0.0.1:{port};
        location = /ServiceProviderConfig {{ return 200 '{spc}'; }}
        location = /ResourceTypes {{ return 200 '{resource_types}'; }}
        location = /Schemas {{ return 200 '{schemas}'; }}
        location = /Users {{
            if ($request_method = POST) {{
                add_header Location /Users/$request_id;
                return 201 '{created}';
            }}
            return 200 '{list}';
        }}
        location ~ ^/Users/[^/?]*-missing- {{ return 404 '{not_found}'; }}
        location ~ ^/Users/(?<uid>[^/?]+)$ {{
            if ($request_method = DELETE) {{ return 204; }}
            return 200 '{read}';
        }}
        location / {{ return 404 '{{"status":"404"}}'; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(core: int) -> list[str]:
    """``taskset -c core`` when there is a core to pin to, else nothing."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > core:
        return ["taskset", "-c", str(core)]
    return []


def start_nginx(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    if not os.path.exists(NGINX):
        sys.exit("nginx not found: apt-get update && apt-get install -y nginx-light")
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            dir=workdir,
            port=port,
            spc=SPC,
            resource_types=RESOURCE_TYPES,
            schemas=SCHEMAS,
            not_found=NOT_FOUND,
            list=LIST,
            created=USER.replace("ID", "$request_id"),
            read=USER.replace("ID", "$uid"),
        )
    )
    proc = subprocess.Popen(
        [*pin(1), NGINX, "-p", str(workdir), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "nginx.stderr", "wb"),  # noqa: SIM115
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    sys.exit("nginx did not start:\n" + (workdir / "nginx.stderr").read_text())


@dataclass
class Result:
    requests: int
    cpu_s: float
    wall_s: float

    @property
    def per_cpu_s(self) -> float:
        return self.requests / self.cpu_s if self.cpu_s else 0.0


def run_locust(
    which: str, host: str, users: int, seconds: int, workdir: Path, profile: Path | None
) -> Result:
    """Run one generator: its request count (Locust's statistics) and CPU seconds."""
    locustfile = HERE / f"overhead_{which}.py"
    prefix = workdir / f"{which}-{time.monotonic_ns()}"
    command = [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless",
        "--host", host, "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    if which == "scim":
        command += ["--no-cleanup"]
    if profile is not None and which == "scim":
        profile.mkdir(parents=True, exist_ok=True)
        svg = profile / f"scim-{time.strftime('%H%M%S')}.svg"
        command = [
            str(Path(sys.executable).parent / "py-spy"), "record", "-o", str(svg),
            "--rate", "200", "--", *command,
        ]  # fmt: skip
    cpu_file = Path(f"{prefix}.cpu.json")
    env = dict(
        os.environ,
        PYTHONPATH=str(HERE.parent),
        LOADSCIM_QUIET_LOCUST="1",
        OVERHEAD_CPU_FILE=str(cpu_file),
    )
    log = workdir / f"{prefix.name}.log"
    with open(log, "wb") as out:
        code = subprocess.call([*pin(0), *command], stdout=out, stderr=subprocess.STDOUT, env=env)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists() or not cpu_file.exists():
        sys.exit(f"{which}: locust exited {code} without statistics:\n{log.read_text()[-3000:]}")
    with open(stats, newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated" and int(row["Failure Count"]):
                print(f"  ({which}: {row['Failure Count']} failures; see {log})", flush=True)
    measured = json.loads(cpu_file.read_text())
    return Result(int(measured["requests"]), float(measured["cpu_s"]), float(measured["wall_s"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", type=Path, default=None, help="py-spy flame graphs here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument(
        "--serve", action="store_true", help="only start nginx, print its URL, wait for Ctrl-C"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="loadscim-overhead-"))
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / sub).mkdir()
    nginx, host = start_nginx(workdir)
    results: dict[str, list[Result]] = {"plain": [], "scim": []}
    try:
        if args.serve:
            print(host, flush=True)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
            return
        print(
            f"nginx {host} (core 1), generator on core 0, {args.users} users, "
            f"{args.seconds} s each, {args.rounds} rounds; pinning: {bool(pin(1))}",
            flush=True,
        )
        for round_no in range(1, args.rounds + 1):
            for which in ("plain", "scim"):
                r = run_locust(which, host, args.users, args.seconds, workdir, args.profile)
                results[which].append(r)
                print(
                    f"round {round_no} {which:5}: {r.requests:7d} requests in {r.wall_s:.1f} s, "
                    f"{r.cpu_s:5.1f} CPU s, {r.per_cpu_s:6.0f} requests per CPU second",
                    flush=True,
                )
    finally:
        nginx.send_signal(signal.SIGQUIT)
        try:
            nginx.wait(10)
        except subprocess.TimeoutExpired:
            nginx.kill()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"work directory: {workdir}")
    if args.serve:
        return
    plain, scim = results["plain"], results["scim"]

    def ratios(value: Callable[[Result], float]) -> str:
        total = sum(map(value, scim)) / max(1e-9, sum(map(value, plain)))
        rounds = ", ".join(f"{value(s) / value(p):.2f}" for p, s in zip(plain, scim, strict=True))
        return f"{total:.2f} (per round: {rounds})"

    print(f"plain FastHttpUser requests: {', '.join(str(r.requests) for r in plain)}")
    print(f"loadscim ScimUser requests:  {', '.join(str(r.requests) for r in scim)}")
    print(f"ratio loadscim / plain, requests in {args.seconds} s: {ratios(lambda r: r.requests)}")
    print(f"ratio loadscim / plain, requests per CPU second: {ratios(lambda r: r.per_cpu_s)}")


if __name__ == "__main__":
    main()

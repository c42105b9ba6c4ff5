"""``loadscim serve``: scim2-server's in-memory SCIM service under gevent's WSGI server.

The process prints its base URL ``http://HOST:PORT/v2`` (``https://`` with ``--tls-cert``
and ``--tls-key``) as the first line of stdout, one line per enabled fault on stderr, and
stops with exit code 0 on SIGTERM or SIGINT. A bad
option ends it with exit code 3 and one line on stderr that names the option, its value,
the rule and the fix.

Run it as ``python -m loadscim.target``: that entry point monkey-patches the standard
library with gevent before anything else. :func:`main` patches it too when nobody did.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from loadscim.errors import EXIT_ERROR, UsageError
from loadscim.target.faults import Dice, FaultPlan

TOKEN_ENV = "LOADSCIM_TARGET_TOKEN"
PARENT_ENV = "LOADSCIM_TARGET_PARENT_PID"
LISTEN_BACKLOG = 1024
STOP_TIMEOUT = 2.0
PROG = "loadscim serve"


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    token: str | None
    plan: FaultPlan
    seed_given: bool
    service_provider_config: dict[str, Any] | None
    canary_users: int
    canary_groups: int
    tls_cert: str | None = None
    tls_key: str | None = None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see {PROG} --help")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Serve scim2-server's in-memory SCIM service (Users, Groups, Bulk, "
        "ETags), optionally with seeded faults, for loadscim runs and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", default="0", help="port to listen on (0: a free port)")
    parser.add_argument(
        "--token",
        help=f"static bearer token to require (default: ${TOKEN_ENV}, else no auth)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault, e.g. latency=300, error-rate=0.1, lost-update, "
        "stall=500/5 (repeatable; see loadscim/target/faults.py for the grammar)",
    )
    parser.add_argument("--seed", help="seed of the faults' random choices (default: random)")
    parser.add_argument(
        "--service-provider-config",
        metavar="FILE",
        help="announce the ServiceProviderConfig of this JSON file",
    )
    parser.add_argument(
        "--canaries",
        metavar="N_USERS,N_GROUPS",
        help="pre-create users canary-user-NNNN and groups canary-group-NNNN",
    )
    parser.add_argument(
        "--tls-cert", metavar="FILE", help="serve https with this PEM certificate (chain)"
    )
    parser.add_argument("--tls-key", metavar="FILE", help="the PEM private key of --tls-cert")
    return parser


def parse_options(argv: Sequence[str] | None) -> Options:
    """Read and check the command line; raise UsageError with a one-line message."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))

    host = args.host.strip()
    if not host:
        raise UsageError("--host '': the address to listen on is empty; write --host 127.0.0.1")

    try:
        port = int(args.port)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise UsageError(
            f"--port {args.port!r}: a port is an integer from 0 to 65535 (0: a free port); "
            "write --port 0"
        )

    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV) or None
    if token is not None and (not token.strip() or any(c.isspace() for c in token)):
        source = "--token" if args.token is not None else f"${TOKEN_ENV}"
        raise UsageError(
            f"{source} (hidden): a bearer token must be non-empty and without spaces; "
            "pass the token itself"
        )

    seed_given = args.seed is not None
    if seed_given:
        try:
            seed = int(args.seed)
        except ValueError:
            raise UsageError(
                f"--seed {args.seed!r}: a seed is an integer; write --seed 42"
            ) from None
    else:
        seed = random.SystemRandom().randrange(2**31)
    plan = FaultPlan.parse(args.fault, seed=seed)

    config = None
    if args.service_provider_config is not None:
        config = _read_config(args.service_provider_config)

    canary_users = canary_groups = 0
    if args.canaries is not None:
        canary_users, canary_groups = _read_canaries(args.canaries)

    tls_cert, tls_key = _read_tls(args.tls_cert, args.tls_key)
    return Options(
        host, port, token, plan, seed_given, config, canary_users, canary_groups, tls_cert, tls_key
    )


def _read_tls(cert: str | None, key: str | None) -> tuple[str | None, str | None]:
    """Both or neither; the pair must load into a TLS server context."""
    if cert is None and key is None:
        return None, None
    if cert is None or key is None:
        given, missing = ("--tls-cert", "--tls-key") if key is None else ("--tls-key", "--tls-cert")
        raise UsageError(f"{given} without {missing}: https needs both; give {missing} FILE too")
    import ssl

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
        raise UsageError(
            f"--tls-cert {cert!r} --tls-key {key!r}: cannot load them ({reason}); give a PEM "
            "certificate and its unencrypted PEM private key"
        ) from None
    return cert, key


def _read_config(path: str) -> dict[str, Any]:
    from pydantic import ValidationError
    from scim2_models import ServiceProviderConfig

    fix = "pass a JSON ServiceProviderConfig (RFC 7643 section 5)"
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as error:
        raise UsageError(
            f"--service-provider-config {path!r}: cannot read it ({error.strerror}); {fix}"
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(
            f"--service-provider-config {path!r}: not valid JSON ({error}); {fix}"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(
            f"--service-provider-config {path!r}: holds a JSON {type(data).__name__}, "
            f"not an object; {fix}"
        )
    try:
        ServiceProviderConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "the document"
        raise UsageError(
            f"--service-provider-config {path!r}: {where}: {first.get('msg')}; {fix}"
        ) from None
    return data


def _read_canaries(text: str) -> tuple[int, int]:
    users, comma, groups = text.partition(",")
    try:
        counts = (int(users), int(groups)) if comma else None
    except ValueError:
        counts = None
    if counts is None or min(counts) < 0 or max(counts) > 100_000:
        raise UsageError(
            f"--canaries {text!r}: give the numbers of users and groups, two integers "
            "from 0 to 100000 separated by a comma; write --canaries 20,3"
        )
    return counts


def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise UsageError(
            f"--host {host!r}: not an address this machine resolves ({error.strerror}); "
            "write --host 127.0.0.1"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError as error:
        sock.close()
        raise UsageError(
            f"--port {port}: cannot listen on {host}:{port} ({error.strerror}); "
            "choose a free port, or --port 0 for any"
        ) from None
    return sock


def build_application(options: Options) -> tuple[Any, Any]:
    """The WSGI application (faults included) and its storage."""
    from scim2_models import ScimProvider, ServiceProviderConfig
    from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
    from scim2_server.utils import (
        load_default_resource_types,
        load_default_schemas,
        load_default_service_provider_config,
    )

    from loadscim.target import defects, lacks
    from loadscim.target.middleware import FaultMiddleware
    from loadscim.target.service import FaultyHandler, FaultyService
    from loadscim.target.signin import SignIn
    from loadscim.target.storage import FaultyStorage

    if options.service_provider_config is None:
        config = load_default_service_provider_config()
    else:
        config = ServiceProviderConfig.model_validate(options.service_provider_config)
    lacks.lacking_config(config, options.plan)
    if options.token is not None:
        config.authentication_schemes = [
            *(config.authentication_schemes or []),
            BEARER_TOKEN_SCHEME,
        ]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    dice = Dice(options.plan)
    storage = FaultyStorage(options.plan, dice)
    secret = os.environ.get("SCIM2_SERVER_SECRET") or secrets.token_urlsafe(32)
    service = FaultyService(provider, storage, dice, secret=secret)
    application = BearerTokenApplication(
        storage,
        provider,
        service=service,
        bearer_tokens=[options.token] if options.token is not None else [],
    )
    application.handler = FaultyHandler(service, storage, dice)
    if options.canary_users or options.canary_groups:
        seed_canaries(service, storage, options.canary_users, options.canary_groups)
    wsgi: Any = lacks.wrap(application, options.plan, dice)
    wsgi = defects.wrap(wsgi, options.plan, dice, options.token)
    if options.plan:
        wsgi = FaultMiddleware(wsgi, options.plan, dice)
    # Outside every SCIM fault and the bearer token: a linked service's sign-in.
    return SignIn(wsgi, storage, options.plan), storage


def seed_canaries(service: Any, storage: Any, n_users: int, n_groups: int) -> None:
    """Create canary users and groups, outside loadscim's namespace and without faults.

    Group ``g`` holds the users whose number is ``g`` modulo the number of groups (at most
    10 of them).
    """
    from scim2_server.memory import InMemoryStorage

    user_type = service.get_resource_type("User")
    group_type = service.get_resource_type("Group")
    user_model = service.get_model(user_type)
    group_model = service.get_model(group_type)
    user_ids: list[str] = []
    for number in range(n_users):
        name = f"canary-user-{number:04d}"
        user = user_model.model_validate(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": name,
                "externalId": f"canary-ext-{number:04d}",
                "displayName": f"Canary User {number}",
                "name": {"givenName": "Canary", "familyName": f"User {number}"},
                "emails": [{"value": f"{name}@example.invalid", "type": "work", "primary": True}],
                "active": True,
            }
        )
        created = InMemoryStorage.create(storage, user_type, user)
        user_ids.append(str(created.id))
    for number in range(n_groups):
        members = [
            {"value": user_ids[index], "type": "User", "display": f"canary-user-{index:04d}"}
            for index in range(number, len(user_ids), n_groups)
        ][:10]
        group = group_model.model_validate(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": f"canary-group-{number:04d}",
                "members": members,
            }
        )
        InMemoryStorage.create(storage, group_type, group)


def _ensure_gevent() -> None:
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        monkey.patch_all()


def serve(options: Options) -> int:
    import gevent
    from gevent.pywsgi import WSGIServer

    from loadscim.target.middleware import FaultAwareHandler, start_stall

    wsgi, _storage = build_application(options)
    listener = _listen(options.host, options.port)
    port = listener.getsockname()[1]
    host = f"[{options.host}]" if ":" in options.host else options.host
    tls: dict[str, Any] = {}
    if options.tls_cert:
        tls = {"certfile": options.tls_cert, "keyfile": options.tls_key}
    server = WSGIServer(
        listener, wsgi, log=None, handler_class=FaultAwareHandler, spawn="default", **tls
    )

    def stop(*_: Any) -> None:
        gevent.spawn(server.stop, timeout=STOP_TIMEOUT)

    gevent.signal_handler(signal.SIGTERM, stop)
    gevent.signal_handler(signal.SIGINT, stop)

    server.start()
    print(f"{'https' if tls else 'http'}://{host}:{port}/v2", flush=True)
    if options.plan:
        origin = "--seed" if options.seed_given else "random seed"
        print(f"{PROG}: {origin} {options.plan.seed}", file=sys.stderr)
        for fault in options.plan.faults:
            print(f"{PROG}: fault {fault.spec}: {fault.describe()}", file=sys.stderr)
    if options.canary_users or options.canary_groups:
        print(
            f"{PROG}: {options.canary_users} canary users, {options.canary_groups} canary groups",
            file=sys.stderr,
        )
    sys.stderr.flush()
    helpers = [start_stall(options.plan), _watch_parent(stop)]
    try:
        server.serve_forever()
    finally:
        for helper in helpers:
            if helper is not None:
                helper.kill()
    return 0


def _watch_parent(stop: Any) -> Any:
    """Stop when the process named by $LOADSCIM_TARGET_PARENT_PID is no longer our parent.

    EmbeddedTarget sets it: a parent killed without a chance to stop its target (SIGKILL,
    a crash) does not leave the target running forever.
    """
    import gevent

    try:
        parent = int(os.environ.get(PARENT_ENV, ""))
    except ValueError:
        return None

    def watch() -> None:
        while os.getppid() == parent:
            gevent.sleep(0.5)
        print(f"{PROG}: parent process {parent} is gone; stopping", file=sys.stderr)
        stop()

    return gevent.spawn(watch)


def main(argv: list[str] | None = None) -> int:
    """Run ``loadscim serve``; return the exit code (0, or 3 for a usage error)."""
    try:
        options = parse_options(argv)
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_ERROR
    _ensure_gevent()  # after the options: --help and usage errors leave the caller unpatched
    try:
        return serve(options)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 0

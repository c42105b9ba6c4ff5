"""Before the load: a target that cannot be used ends `loadscim run` and `loadscim cleanup`
with exit code 3 and one line saying which problem and how to fix it, before anything is
written to the target. (TLS failures: test_safety_tls.py; refused tokens:
test_safety_token.py.)

DNS uses a name under .invalid, which never resolves (RFC 6761); the other "servers" are
small HTTP servers on 127.0.0.1 that record what they were sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from runs import loadscim

from loadscim.target.process import EmbeddedTarget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


class Fake:
    """An HTTP server on 127.0.0.1 answering every request with one status and body."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.requests: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                fake.requests.append((self.command, self.path))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/scim/v2"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


HTML = b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"
ERROR = b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403"}'


@pytest.fixture(params=["run", "cleanup"])
def command(request) -> Iterator[list[str]]:
    if request.param == "run":
        yield ["run", "--duration", "5s"]
    else:
        yield ["cleanup", "--run-id", "pre00001"]


def assert_one_line(result, words: str) -> str:
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("loadscim: error:")]
    assert len(errors) == 1, result.stderr
    assert words in errors[0], errors[0]
    return errors[0]


def test_unreachable(command):
    line = assert_one_line(
        loadscim(*command, "--target", "http://127.0.0.1:1/v2"), "connection refused"
    )
    assert "start the SCIM server or fix --target" in line


def test_dns_failure(command):
    result = loadscim(*command, "--target", "http://scim.loadscim-test.invalid/v2")
    line = assert_one_line(result, "the host name does not resolve")
    assert "check the spelling of --target" in line


@pytest.mark.parametrize(
    ("status", "body", "content_type", "words"),
    [
        (200, HTML, "text/html", "did not answer SCIM JSON"),
        (404, HTML, "text/html", "no /ServiceProviderConfig there (HTTP 404)"),
        (302, b"", "text/plain", "a redirect"),
        (403, ERROR, "application/scim+json", "credentials refused (HTTP 403"),
        (401, ERROR, "application/scim+json", "credentials refused (HTTP 401"),
        (503, HTML, "text/html", "answered HTTP 503"),
    ],
)
def test_not_a_usable_scim_service(command, status, body, content_type, words):
    fake = Fake(status, body, content_type)
    try:
        assert_one_line(loadscim(*command, "--target", fake.url), words)
    finally:
        fake.close()
    assert fake.requests and all(method == "GET" for method, _ in fake.requests)
    assert {path for _, path in fake.requests} <= {"/scim/v2/ServiceProviderConfig"}


def test_the_wrong_base_path_of_a_scim_server(command):
    with EmbeddedTarget() as target:
        wrong = str(target.url).removesuffix("/v2") + "/scim/v1"
        assert_one_line(loadscim(*command, "--target", wrong), "is the base URL right?")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--token-env", "LOADSCIM_TEST_UNSET"], "LOADSCIM_TEST_UNSET is not set"),
        (["--ca-bundle", "/no/such/ca.pem"], "--ca-bundle '/no/such/ca.pem': no such file"),
        (["--insecure", "--ca-bundle", "/no/such/ca.pem"], "give only one"),
        (["--request-timeout", "0"], "--request-timeout '0'"),
    ],
)
def test_plain_locust_checks_the_same_options(args, words):
    from runs import locust

    result = locust(
        "-f",
        "scenarios/lifecycle.py",
        "--headless",
        "-t",
        "2s",
        "--host",
        "http://127.0.0.1:1/v2",
        *args,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("loadscim: error: ")
    assert words in result.stderr and "Traceback" not in result.stderr


def test_plain_locust_refuses_a_password_in_the_host():
    from runs import locust

    result = locust("-f", "scenarios/lifecycle.py", "--headless", "-t", "2s", "--host", "http://u:pw@127.0.0.1:1/v2")
    assert result.returncode == 3 and "the URL holds credentials" in result.stderr
    assert "u:pw@" not in result.stderr + result.stdout  # nor is the URL echoed

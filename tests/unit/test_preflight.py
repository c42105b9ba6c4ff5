"""Pre-flight judgement of the answer to GET /ServiceProviderConfig."""

import pytest

from loadscim.client import Response
from loadscim.errors import NotScimError, TargetAuthError, TargetTLSError, TargetUnreachable
from loadscim.preflight import SPC_SCHEMA, check_target, judge
from loadscim.scim.payloads import dumps

URL = "http://127.0.0.1:1/v2"


@pytest.mark.parametrize(
    ("response", "error", "words"),
    [
        (
            Response(None, error="refused", sent=False, error_kind="refused"),
            TargetUnreachable,
            "connection refused",
        ),
        (
            Response(None, error="gaierror", sent=False, error_kind="dns"),
            TargetUnreachable,
            "does not resolve",
        ),
        (
            Response(None, error="bad cert", sent=False, error_kind="tls"),
            TargetTLSError,
            "--ca-bundle",
        ),
        (Response(None, error="timed out", error_kind="timeout"), TargetUnreachable, "timeout"),
        (Response(401), TargetAuthError, "--token-env"),
        (Response(403), TargetAuthError, "credentials refused"),
        (Response(404), NotScimError, "base URL"),
        (Response(302), NotScimError, "redirect"),
        (Response(500), NotScimError, "HTTP 500"),
        (
            Response(200, {"Content-Type": "text/html"}, b"<html>hi</html>"),
            NotScimError,
            "not answer SCIM JSON",
        ),
        (Response(200, {}, b'{"hello": 1}'), NotScimError, SPC_SCHEMA),
    ],
)
def test_every_problem_is_one_line_naming_the_target_and_the_fix(response, error, words):
    with pytest.raises(error) as info:
        judge(response, URL)
    message = str(info.value)
    assert URL in message and words in message and "\n" not in message


def test_capabilities_are_read():
    body = {
        "schemas": [SPC_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576},
        "filter": {"supported": True, "maxResults": 200},
        "etag": {"supported": False},
        "sort": {"supported": True},
        "changePassword": {"supported": False},
    }
    caps = judge(Response(200, {}, dumps(body)), URL)
    assert caps.patch and caps.bulk and caps.bulk_max_operations == 1000
    assert caps.filter_max_results == 200 and not caps.etag and caps.sort


class Scripted:
    def __init__(self, *responses: Response) -> None:
        self.responses = list(responses)
        self.paths: list[str] = []

    def send(self, method, path, body, headers, name, expect):
        self.paths.append(path)
        return self.responses.pop(0)


SPC = Response(200, {}, dumps({"schemas": [SPC_SCHEMA], "filter": {"supported": True}}))


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [(401, TargetAuthError, "credentials refused (HTTP 401 on GET /Users"),
     (403, TargetAuthError, "--token-file"),
     (404, NotScimError, "GET /Users answered 404")],
)
def test_credentials_are_probed_on_a_resource_endpoint(status, error, words):
    # /ServiceProviderConfig is often public: only /Users shows refused credentials.
    transport = Scripted(SPC, Response(status))
    with pytest.raises(error) as info:
        check_target(transport, URL, {})
    assert words in str(info.value) and "\n" not in str(info.value)
    assert transport.paths == [
        "/ServiceProviderConfig",
        "/Users?startIndex=1&count=1&attributes=id",
    ]


@pytest.mark.parametrize("status", [200, 400, 500, None])
def test_other_probe_answers_are_left_to_the_run(status):
    probe = Response(status, {}, b"{}")
    caps = check_target(Scripted(SPC, probe, Response(404), Response(404)), URL, {})
    assert caps.declared is None and caps.writable_attribute == "title"
    assert caps.filter

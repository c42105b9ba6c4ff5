"""Credentials: where they come from, one-line errors that never show them, and redaction."""

import base64
import io
import logging

import pytest

from loadscim.auth import REDACTED, Credentials, RedactingFilter, RedactingStream, Redactor, resolve
from loadscim.errors import UsageError

SECRET = "s3cr3t-T0ken_zz9"


def test_default_variable_unset_means_no_credentials():
    credentials = resolve(environ={})
    assert credentials.scheme == "none" and credentials.headers() == {}


def test_default_variable_gives_a_bearer_token():
    credentials = resolve(environ={"LOADSCIM_TOKEN": SECRET + "\n"})
    assert credentials.headers() == {"Authorization": f"Bearer {SECRET}"}
    assert credentials.source == "$LOADSCIM_TOKEN" and SECRET in credentials.secrets


def test_named_variable_must_be_set():
    with pytest.raises(UsageError, match="MY_TOKEN is not set"):
        resolve(token_env="MY_TOKEN", environ={})
    assert resolve(token_env="MY_TOKEN", environ={"MY_TOKEN": SECRET}).scheme == "bearer"


def test_token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(SECRET + "\n")
    assert resolve(token_file=str(path)).headers()["Authorization"] == f"Bearer {SECRET}"


def test_basic():
    credentials = resolve(basic_user="alice", environ={"LOADSCIM_PASSWORD": "pa ss:word"})
    encoded = base64.b64encode(b"alice:pa ss:word").decode()
    assert credentials.headers() == {"Authorization": f"Basic {encoded}"}
    assert "pa ss:word" in credentials.secrets and encoded in credentials.secrets
    other = resolve(basic_user="bob", basic_password_env="PW", environ={"PW": "x" * 8})
    assert other.scheme == "basic"


@pytest.mark.parametrize(
    ("kwargs", "environ", "words"),
    [
        ({"token_env": "A", "token_file": "f"}, {}, "give one source"),
        ({"token_file": "f", "basic_user": "u"}, {}, "give one source"),
        ({"basic_password_env": "PW"}, {}, "needs --basic-user"),
        ({"basic_user": "u"}, {}, "LOADSCIM_PASSWORD, which is not set"),
        ({"basic_user": "a:b"}, {"LOADSCIM_PASSWORD": SECRET}, "no ':'"),
        ({"token_env": "1BAD"}, {}, "environment variable name"),
        ({}, {"LOADSCIM_TOKEN": "two words" + SECRET}, "without spaces"),
        ({}, {"LOADSCIM_TOKEN": SECRET + "\r\nX-Injected: 1"}, "without spaces"),
        ({"token_file": "/no/such/file"}, {}, "no such file"),
        ({"token_file": "/"}, {}, "is a directory"),
    ],
)
def test_problems_are_one_line_and_never_show_the_secret(kwargs, environ, words):
    with pytest.raises(UsageError) as info:
        resolve(**kwargs, environ=environ)
    message = str(info.value)
    assert words in message and "\n" not in message and SECRET not in message


def test_token_file_problems_hide_the_token(tmp_path):
    path = tmp_path / "token"
    path.write_text(f"{SECRET}\nsecond line\n")
    with pytest.raises(UsageError) as info:
        resolve(token_file=str(path))
    assert "more than one line" in str(info.value) and SECRET not in str(info.value)
    path.write_text("")
    with pytest.raises(UsageError, match="empty"):
        resolve(token_file=str(path))


def test_repr_hides_the_secret():
    credentials = resolve(environ={"LOADSCIM_TOKEN": SECRET})
    assert SECRET not in repr(credentials) and SECRET not in str(credentials)
    assert SECRET not in credentials.describe()
    assert SECRET not in repr(Credentials("bearer", "x", f"Bearer {SECRET}", (SECRET,)))


def test_redactor_replaces_secrets_and_any_authorization_value():
    redact = Redactor()
    redact.add([SECRET, "ab"])  # too short to replace literally
    assert redact(f"token={SECRET}!") == f"token={REDACTED}!"
    assert redact("about") == "about"
    assert redact("{'Authorization': 'Bearer other-token-123'}") == (
        f"{{'Authorization': 'Bearer {REDACTED}'}}"
    )
    assert redact("authorization: basic YWxpY2U6cHc=") == f"authorization: basic {REDACTED}"
    assert (
        redact(f"{{'Authorization': 'Bearer {SECRET}'}}")
        == f"{{'Authorization': 'Bearer {REDACTED}'}}"
    )


def test_logging_filter_and_stream():
    redact = Redactor()
    redact.add([SECRET])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter(redact))
    logger = logging.getLogger("test_auth_redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sending %s", {"Authorization": f"Bearer {SECRET}"})
        try:
            raise RuntimeError(f"bad token {SECRET}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert SECRET not in out.getvalue() and REDACTED in out.getvalue()
    assert "RuntimeError" in out.getvalue()
    stream = io.StringIO()
    RedactingStream(stream, redact).write(f"x {SECRET} y\n")
    assert stream.getvalue() == f"x {REDACTED} y\n"

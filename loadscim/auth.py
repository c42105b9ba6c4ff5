"""Credentials for the target, and keeping them out of every line loadscim or Locust writes.

Where a credential comes from (never from a command line, which ``ps`` shows to everyone):

- a bearer token in an environment variable: ``--token-env VAR`` (default ``LOADSCIM_TOKEN``;
  when that default is unset, no credentials are sent);
- a bearer token in a file: ``--token-file FILE`` (its first line);
- HTTP Basic (RFC 7617): ``--basic-user NAME`` with the password in an environment variable,
  ``--basic-password-env VAR`` (default ``LOADSCIM_PASSWORD``). A user name is not a secret.

Every problem is a one-line :class:`~loadscim.errors.UsageError` that names the option and
never shows the secret. :class:`Redactor` replaces the secrets, and any ``Authorization``
header value, in log records and in what is written to stdout and stderr: the last line of
defence behind not putting them there in the first place.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from loadscim.errors import UsageError

DEFAULT_TOKEN_ENV = "LOADSCIM_TOKEN"
DEFAULT_PASSWORD_ENV = "LOADSCIM_PASSWORD"
REDACTED = "[redacted]"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_AUTH_HEADER = re.compile(
    r"(?i)(authorization[\"']?\s*[:=,]\s*[\"']?\s*(?:bearer|basic)\s+)(?!\[redacted\])"
    r"[^\s\"',;}\])]+"
)


@dataclass(frozen=True)
class Credentials:
    """What goes into the ``Authorization`` header, and where it came from (for messages)."""

    scheme: str = "none"
    """``none``, ``bearer`` or ``basic``."""
    source: str = ""
    """Where it came from, without the secret: ``$LOADSCIM_TOKEN``, ``--token-file t.txt``."""
    authorization: str = field(default="", repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    """The values to redact (token; password and the encoded header value)."""

    def headers(self) -> dict[str, str]:
        return {"Authorization": self.authorization} if self.authorization else {}

    def describe(self) -> str:
        if self.scheme == "none":
            return "no credentials"
        return f"{'a bearer token' if self.scheme == 'bearer' else 'HTTP Basic'} from {self.source}"

    def __repr__(self) -> str:
        return f"Credentials(scheme={self.scheme!r}, source={self.source!r})"

    __str__ = __repr__


def _check_env_name(option: str, name: str) -> None:
    if not _ENV_NAME.match(name):
        raise UsageError(
            f"{option} {name!r}: an environment variable name is letters, digits and "
            f"underscores, not starting with a digit; write e.g. {option} LOADSCIM_TOKEN"
        )


def _check_token(token: str, where: str, fix: str) -> str:
    if not token:
        raise UsageError(f"{where} (hidden): the token is empty; {fix}")
    if any(c.isspace() or ord(c) < 32 or ord(c) > 126 for c in token):
        raise UsageError(
            f"{where} (hidden): a bearer token is printable ASCII without spaces or line "
            f"breaks (RFC 6750); {fix}"
        )
    return token


def resolve(
    token_env: str | None = None,
    token_file: str | None = None,
    basic_user: str | None = None,
    basic_password_env: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """The credentials the options name; a one-line UsageError when they are not usable.

    ``token_env`` None means the default, ``LOADSCIM_TOKEN``, which may be unset (no
    credentials); a variable named explicitly must be set.
    """
    env = os.environ if environ is None else environ
    given = [
        name
        for name, value in (
            ("--token-env", token_env),
            ("--token-file", token_file),
            ("--basic-user", basic_user),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise UsageError(
            f"{' and '.join(given)}: give one source of credentials; a bearer token from "
            "--token-env or --token-file, or HTTP Basic with --basic-user"
        )
    if basic_password_env is not None and basic_user is None:
        raise UsageError(
            f"--basic-password-env {basic_password_env}: it names the password of HTTP Basic, "
            "which needs --basic-user NAME too"
        )
    if basic_user is not None:
        return _basic(basic_user, basic_password_env or DEFAULT_PASSWORD_ENV, env)
    if token_file is not None:
        return _token_from_file(token_file)
    name = token_env if token_env is not None else DEFAULT_TOKEN_ENV
    _check_env_name("--token-env", name)
    token = env.get(name)
    if token is None or (token == "" and token_env is None):
        if token_env is None:
            return Credentials()
        raise UsageError(
            f"--token-env {name}: the environment variable {name} is not set; export "
            f"{name}=<token>, or leave out --token-env to send no credentials"
        )
    token = _check_token(
        token.strip(), f"${name}", f"set {name} to the token itself, without 'Bearer '"
    )
    return Credentials("bearer", f"${name}", f"Bearer {token}", (token,))


def _token_from_file(path: str) -> Credentials:
    fix = "put the token alone on the first line of the file"
    try:
        with open(path, "rb") as file:
            data = file.read(64 * 1024)
    except FileNotFoundError:
        raise UsageError(f"--token-file {path!r}: no such file; {fix}") from None
    except IsADirectoryError:
        raise UsageError(f"--token-file {path!r}: is a directory, not a file; {fix}") from None
    except PermissionError:
        raise UsageError(
            f"--token-file {path!r}: cannot be read (permission denied); make it readable by "
            "this user only (chmod 600)"
        ) from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise UsageError(f"--token-file {path!r}: cannot be read ({reason}); {fix}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"--token-file {path!r} (hidden): not UTF-8 text; {fix}") from None
    lines = text.strip().splitlines()
    token = _check_token(lines[0].strip() if lines else "", f"--token-file {path!r}", fix)
    if len(lines) > 1:
        raise UsageError(f"--token-file {path!r} (hidden): holds more than one line; {fix}")
    return Credentials("bearer", f"--token-file {path}", f"Bearer {token}", (token,))


def _basic(user: str, password_env: str, env: Mapping[str, str]) -> Credentials:
    if not user or ":" in user or any(ord(c) < 32 or ord(c) == 127 for c in user):
        raise UsageError(
            f"--basic-user {user!r}: a user name is not empty and holds no ':' or control "
            "characters (RFC 7617); write e.g. --basic-user provisioner"
        )
    _check_env_name("--basic-password-env", password_env)
    password = env.get(password_env)
    if not password:
        raise UsageError(
            f"--basic-user {user}: the password is read from the environment variable "
            f"{password_env}, which is {'empty' if password == '' else 'not set'}; export "
            f"{password_env}=<password> (or name another variable with --basic-password-env)"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise UsageError(
            f"${password_env} (hidden): the password holds control characters; set the "
            "password itself"
        )
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return Credentials(
        "basic",
        f"--basic-user {user} and ${password_env}",
        f"Basic {encoded}",
        (password, encoded),
    )


def from_options(options: Any) -> Credentials:
    """:func:`resolve` with the values of the credential options (:mod:`loadscim.options`)."""
    return resolve(
        getattr(options, "token_env", None) or None,
        getattr(options, "token_file", None) or None,
        getattr(options, "basic_user", None),
        getattr(options, "basic_password_env", None) or None,
    )


# -- redaction --------------------------------------------------------------------------


class Redactor:
    """Replaces secrets, and any ``Authorization: Bearer|Basic ...`` value, in text."""

    MIN_LENGTH = 4
    """Shorter secrets are not replaced literally (they would mangle ordinary text)."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets.update(s for s in secrets if len(s) >= self.MIN_LENGTH)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        if "uthorization" in text or "UTHORIZATION" in text:
            text = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
        return text


class RedactingFilter(logging.Filter):
    """A logging filter (on handlers) that redacts the message and the traceback."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("loadscim-redact")
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True  # a broken record: logging reports it itself
        clean = self.redactor(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


class RedactingStream:
    """A text stream (stdout, stderr) that redacts what is written through it."""

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self._stream = stream
        self._redactor = redactor

    def write(self, text: str) -> int:
        self._stream.write(self._redactor(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


REDACTOR = Redactor()
"""The process's redactor: :func:`protect` adds to it."""


def protect(secrets: Iterable[str]) -> None:
    """Redact ``secrets`` (and Authorization values) in every log handler, stdout and stderr.

    Call it once the logging is set up (Locust's ``init``); calling it again adds secrets
    and filters new handlers.
    """
    REDACTOR.add(secrets)
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter(REDACTOR))
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream, REDACTOR))

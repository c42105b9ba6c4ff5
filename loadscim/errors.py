"""The exceptions loadscim raises for conditions a user can fix.

Every one of them carries a message that names the input, shows its value, states the rule
and gives the fix, and every one of them ends a command with exit code 3 (ERROR) and that
one line, never a traceback::

    LoadscimError                 any user-facing error; exit code 3
    ├── UsageError                a bad command-line option or scenario
    │   └── GateError             a gate file that cannot be read or parsed
    └── TargetError               the target cannot be used
        ├── TargetUnreachable     nothing answers at the URL (refused, DNS, timeout)
        ├── TargetAuthError       401 / 403: the credentials were refused
        ├── TargetTLSError        the TLS handshake failed (certificate, protocol)
        ├── NotScimError          something answered, but not a SCIM service
        └── BodyRefused           the write pre-flight's create was refused (400 ...)

Bugs in loadscim itself are not in this tree: they are ordinary exceptions, and a crash of a
checker or listener during a run degrades the verdict to UNKNOWN instead of raising.
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_UNKNOWN = 2
EXIT_ERROR = 3


def one_line(message: str) -> str:
    """``message`` as one printable line: line breaks and control characters escaped.

    Messages quote what the user gave, and a file name or value may hold a line break.
    """
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


class LoadscimError(Exception):
    """A condition the user can fix; its message is one line, ready to print."""

    exit_code = EXIT_ERROR


class UsageError(LoadscimError):
    """A command-line option, a scenario file or another input is not valid."""


class GateError(UsageError):
    """A gate file cannot be read or one of its lines is not valid."""


class TargetError(LoadscimError):
    """The target cannot be used for a run."""


class TargetUnreachable(TargetError):
    """Nothing answers at the target URL."""


class TargetAuthError(TargetError):
    """The target refused the credentials (401 or 403)."""


class TargetTLSError(TargetError):
    """The TLS handshake with the target failed."""


class NotScimError(TargetError):
    """The target answered, but not as a SCIM service."""


class BodyRefused(TargetError):
    """The target refused the body of the write pre-flight's create (a template fixes it)."""

"""Identity-provider dialects: the literal SCIM requests Okta and Microsoft Entra ID send.

A :class:`Dialect` turns one step of an identity provider's provisioning ("look the user up",
"create it", "deactivate it", "add these members") into the :class:`Request` that provider
sends, as its vendor documents it. Four dialects, from :func:`get_dialect`:

- ``rfc``: plain RFC 7644, loadscim's own client (lower-case ops, filter paths, booleans);
- ``okta``: Okta's outbound SCIM 2.0 client, from Okta's "SCIM 2.0 Protocol Reference"
  (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20);
- ``entra``: the Microsoft Entra ID provisioning service as it behaves by default, from
  "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID" and
  "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user
  provisioning service" (https://learn.microsoft.com/entra/identity/app-provisioning/);
- ``entra-compliant``: Entra ID with the ``aadOptscim062020`` flag on the tenant URL, which
  "alters ... requests made to disable users, requests to add a single-value string
  attribute, requests to replace multiple attributes, requests to remove a group member".

``samples/`` holds the vendors' literal requests, and the unit tests check that each dialect
builds exactly those. A step a vendor does not document is refused with
:class:`UnsupportedStep` (Okta never DELETEs a user; Entra ID does not page through
``/Users``) instead of being invented; :meth:`Dialect.supports` asks first.

A scenario sends a Request through :meth:`loadscim.client.ScimClient.execute`, which records
it like any other call (the right ``kind``, and the PATCH ``Operations`` as the op's value,
which :mod:`loadscim.scim.patch` reads in every dialect).

Pure: no I/O, no locust, no gevent.
"""

from __future__ import annotations

from loadscim.errors import UsageError
from loadscim.scim.dialects.entra import (
    ENTERPRISE_USER_SCHEMA,
    ENTRA_GROUP_SCHEMA,
    ENTRA_USER_AGENT_GUESS,
    EntraDialect,
)
from loadscim.scim.dialects.okta import OKTA_USER_AGENT, OktaDialect
from loadscim.scim.dialects.request import Member, MemberLike, Request, UnsupportedStep
from loadscim.scim.dialects.rfc import IMPORT_COUNT, Dialect

__all__ = [
    "DIALECT_NAMES",
    "ENTERPRISE_USER_SCHEMA",
    "ENTRA_GROUP_SCHEMA",
    "ENTRA_USER_AGENT_GUESS",
    "IMPORT_COUNT",
    "OKTA_USER_AGENT",
    "Dialect",
    "EntraDialect",
    "Member",
    "MemberLike",
    "OktaDialect",
    "Request",
    "UnsupportedStep",
    "check_dialect_option",
    "get_dialect",
]

DIALECT_NAMES = ("rfc", "okta", "entra", "entra-compliant")

_DIALECTS: dict[str, Dialect] = {
    "rfc": Dialect(),
    "okta": OktaDialect(),
    "entra": EntraDialect(),
    "entra-compliant": EntraDialect(name="entra-compliant", compliant=True),
}


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name`` (``rfc``, ``okta``, ``entra``, ``entra-compliant``).

    :raises UsageError: for any other name.
    """
    dialect = _DIALECTS.get(name.strip().lower()) if isinstance(name, str) else None
    if dialect is None:
        raise UsageError(f"dialect {name!r} is not known; use one of {', '.join(DIALECT_NAMES)}")
    return dialect


def check_dialect_option(name: str) -> Dialect:
    """The dialect ``--dialect NAME`` names.

    :raises UsageError: one line naming the option, its value and the choices.
    """
    try:
        return get_dialect(name)
    except UsageError:
        raise UsageError(
            f"--dialect {name!r}: no such dialect; use one of {', '.join(DIALECT_NAMES)}, "
            "e.g. --dialect okta"
        ) from None

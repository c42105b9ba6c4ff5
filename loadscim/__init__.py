"""loadscim: load and concurrency testing for SCIM 2.0 provisioning endpoints."""

from loadscim.errors import LoadscimError
from loadscim.ops import Op, Trial, Violation

__all__ = ["LoadscimError", "Op", "Trial", "Violation"]
__version__ = "0.1.0"

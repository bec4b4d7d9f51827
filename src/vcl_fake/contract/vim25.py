"""The vim25 contract: pyVmomi's own type model (the official binding), as the SOAP codec and
the vim25 methods use it. Importing this module imports pyVmomi; only ``/sdk`` does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyVmomi import VmomiSupport as V
from pyVmomi import vim, vmodl  # noqa: F401  (loads the vim and vmodl types)

from vcl_fake.errors import VimFault

NS_VIM = "urn:vim25"
#: The vim25 release the fake answers as (and the newest it lists to pyVmomi).
VERSION = "vim.version.v8_0_3_0"


def invalid_request(text: str) -> VimFault:
    return VimFault("vmodl.fault.InvalidRequest", text)


def managed_type(name: str) -> type:
    """The pyVmomi managed object class of a vim25 type name (InvalidRequest if none)."""
    try:
        found = V.GetWsdlType(NS_VIM, name)
    except (KeyError, AttributeError):
        found = None
    if not isinstance(found, type) or not issubclass(found, V.ManagedObject):
        raise invalid_request(f"{name!r} is not a managed object type.")
    return found


def wsdl_name(kind: Any) -> str:
    return str(V.GetWsdlName(kind))


@dataclass(frozen=True)
class LoggedIn:
    """What ``SessionManager.Login`` returns: the UserSession, and the cookie value that names
    the new session (for the codec's ``Set-Cookie`` only)."""

    user_session: Any
    cookie: str = field(repr=False)

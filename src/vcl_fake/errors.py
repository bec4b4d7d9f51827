"""vAPI standard errors as raised by the backend and rendered by every protocol.

A :class:`VapiError` carries what all three wire protocols need: the ``error_type``
(``NOT_FOUND``...), one or more LocalizableMessages, and optional ``data``. Its canonical
structure name and REST status come from the generated contract, never from ad-hoc tables.
The texts themselves live in :mod:`vcl_fake.messages`.
"""

from __future__ import annotations

from typing import Any

from vcl_fake.contract._generated import ENUMS, ERROR_STATUS

#: Every std error type (``NOT_FOUND``, ``RESOURCE_BUSY``...).
ERROR_TYPES: tuple[str, ...] = ENUMS["com.vmware.vapi.std.errors.error.type"]

Message = dict[str, Any]


def message(template: tuple[str, str], *args: object) -> Message:
    """A LocalizableMessage from a catalog entry ``(id, "text with {0}")`` and its args."""
    msg_id, text = template
    strings = [str(a) for a in args]
    return {"id": msg_id, "default_message": text.format(*strings), "args": strings}


def canonical_name(error_type: str) -> str:
    """``NOT_FOUND`` -> ``com.vmware.vapi.std.errors.not_found``."""
    return "com.vmware.vapi.std.errors." + error_type.lower()


class VapiError(Exception):
    """A vAPI standard error (``com.vmware.vapi.std.errors.*``)."""

    def __init__(
        self,
        error_type: str,
        messages: Message | list[Message],
        *,
        data: Any = None,
        challenge: str | None = None,
    ) -> None:
        if error_type not in ERROR_TYPES:
            raise ValueError(f"unknown vAPI error type {error_type!r}")
        self.error_type = error_type
        self.messages = [messages] if isinstance(messages, dict) else list(messages)
        self.data = data
        self.challenge = challenge
        super().__init__(self.messages[0]["default_message"] if self.messages else error_type)

    @property
    def name(self) -> str:
        """The canonical structure name, e.g. ``com.vmware.vapi.std.errors.not_found``."""
        return canonical_name(self.error_type)

    @property
    def http_status(self) -> int:
        """The status the REST protocols answer with (vAPI's own mapping; 500 otherwise)."""
        return ERROR_STATUS.get(self.name, 500)

    def to_value(self) -> dict[str, Any]:
        """The error structure as plain data (the ``/api`` error body)."""
        value: dict[str, Any] = {"error_type": self.error_type, "messages": self.messages}
        if self.data is not None:
            value["data"] = self.data
        if self.challenge is not None:
            value["challenge"] = self.challenge
        return value

    def __repr__(self) -> str:
        return f"VapiError({self.error_type}, {self})"


def vapi_error(error_type: str, template: tuple[str, str], *args: object) -> VapiError:
    """Shorthand: ``vapi_error("NOT_FOUND", messages.SESSION_NOT_FOUND, session_id)``."""
    return VapiError(error_type, message(template, *args))


def internal_error(exc: BaseException) -> VapiError:
    """What a client sees of a bug in the fake: INTERNAL_SERVER_ERROR, never a traceback."""
    from vcl_fake import messages as M

    return vapi_error("INTERNAL_SERVER_ERROR", M.INTERNAL_ERROR, type(exc).__name__)


#: The vAPI error type a vim25 fault is journaled as (and a scripted vAPI error becomes a fault of).
FAULT_ERROR_TYPES: dict[str, str] = {
    "vim.fault.InvalidLogin": "UNAUTHENTICATED",
    "vim.fault.NotAuthenticated": "UNAUTHENTICATED",
    "vmodl.fault.ManagedObjectNotFound": "NOT_FOUND",
    "vmodl.query.InvalidProperty": "INVALID_ARGUMENT",
    "vmodl.fault.InvalidArgument": "INVALID_ARGUMENT",
    "vmodl.fault.InvalidRequest": "INVALID_ARGUMENT",
    "vmodl.fault.InvalidType": "INVALID_ARGUMENT",
    "vmodl.fault.MethodNotFound": "OPERATION_NOT_FOUND",
    "vmodl.fault.NotImplemented": "OPERATION_NOT_FOUND",
    "vmodl.fault.SystemError": "ERROR",
}


class VimFault(VapiError):
    """A vim25 fault: its pyVmomi name (``vim.fault.InvalidLogin``), the ``faultstring`` and
    the fault's fields (pyVmomi values), rendered as a SOAP Fault with HTTP 500."""

    def __init__(self, fault: str, text: str, **fields: Any) -> None:
        super().__init__(
            FAULT_ERROR_TYPES.get(fault, "ERROR"),
            {"id": fault, "default_message": text, "args": []},
        )
        self.fault = fault
        self.text = text
        self.fields = fields

    def value(self) -> Any:
        """The fault as a pyVmomi object (for a missingSet)."""
        from pyVmomi import VmomiSupport

        return VmomiSupport.GetVmodlType(self.fault)(msg=self.text, **self.fields)

    def __repr__(self) -> str:
        return f"VimFault({self.fault}, {self.text!r})"

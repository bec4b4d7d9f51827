"""One SOAP request through the dispatcher: decode, authenticate by cookie, let the scenario's
rules see it, serve it, journal it, and answer with the result or a typed fault (HTTP 500)."""

from __future__ import annotations

import logging
from typing import Any
from xml.etree.ElementTree import Element

from pyVmomi import VmomiSupport as V

from vcl_fake.contract.operations import VIM_TABLE, vim_operation
from vcl_fake.contract.vim25 import NS_VIM, VERSION, LoggedIn, invalid_request, wsdl_name
from vcl_fake.dispatcher import Credentials, Dispatcher, Invocation
from vcl_fake.errors import VapiError, VimFault
from vcl_fake.protocols.http import Request, Response, Scripted
from vcl_fake.protocols.vim25 import PROTOCOL, XML
from vcl_fake.protocols.vim25.wire import (
    BODY_LIMIT,
    decode,
    decode_fields,
    fault_body,
    local,
    parse_envelope,
    response,
)

log = logging.getLogger("vcl_fake")
COOKIE = "vmware_soap_session"
#: ``Fetch`` is not in the WSDL: pyVmomi 8 and later read every property with it.
FETCH = V.Object(
    name="fetch",
    type=V.ManagedObject,
    wsdlName="Fetch",
    version=VERSION,
    params=(V.Object(name="prop", type=str, version=VERSION, flags=0),),
    result=object,
    resultFlags=V.F_OPTIONAL,
)


def session_key(request: Request) -> str | None:
    """The ``vmware_soap_session`` value, read as a cookie parser does: pyVmomi echoes the
    whole ``Set-Cookie`` value back (quotes, ``Path``, ``HttpOnly``...)."""
    header = request.headers.get("cookie") or ""
    for part in header.split(";"):
        name, eq, value = part.strip().partition("=")
        if eq and name.strip() == COOKIE:
            return value.strip().strip('"') or None
    return None


def serve(dispatcher: Dispatcher, request: Request) -> Response:
    """Answer one ``POST /sdk``: a result, a SOAP fault, or a scenario's scripted answer."""
    try:
        return _serve(dispatcher, request)
    except Scripted:
        raise
    except Exception as exc:  # a bug in the fake: a fault, never a traceback
        log.exception("vcl_fake: SOAP request failed")
        return fault_response(
            VimFault(
                "vmodl.fault.SystemError",
                f"Internal error in vcl_fake: {type(exc).__name__}.",
                reason=type(exc).__name__,
            )
        )


def _serve(dispatcher: Dispatcher, request: Request) -> Response:
    try:
        try:
            data = request.read(BODY_LIMIT)
        except ValueError as exc:
            raise invalid_request(f"The request body is too large: {exc}") from None
        operation = parse_envelope(data)
        this = target(operation)
    except VimFault as fault:  # no operation to journal: the envelope itself is unreadable
        return fault_response(fault)
    method = local(operation.tag)
    info, problem = _method(method, this)
    op = VIM_TABLE.get(method) if problem is None else None
    if op is None:  # not served: journaled under its own name, refused after authentication
        op = vim_operation(wsdl_name(type(this)), method)
    raw: dict[str, Any] = {"_this": this}
    if problem is None:
        try:
            raw.update(params(operation, info))
        except VimFault as fault:
            problem = fault
    if method == "Login":
        raw["user_agent"] = request.headers.get("user-agent") or ""
    inv = Invocation(
        PROTOCOL,
        op,
        raw,
        credentials=Credentials(token=session_key(request)),
        origin=request.origin,
        bad_input=problem,
    )
    try:
        result = dispatcher.invoke(inv)
    except VapiError as error:
        return fault_response(as_fault(error, this))
    except Scripted as scripted:
        if scripted.fault == "truncated_body":
            scripted.response = _answer(request, method, info, scripted.value)
        raise
    return _answer(request, method, info, result)


def _answer(request: Request, method: str, info: Any, result: Any) -> Response:
    headers = dict(XML)
    if isinstance(result, LoggedIn):
        secure = "; Secure" if request.url.startswith("https:") else ""
        headers["Set-Cookie"] = f'{COOKIE}="{result.cookie}"; Path=/; HttpOnly{secure}'
        result = result.user_session
    return Response(200, headers, response(method, info, result))


def target(operation: Element) -> Any:
    """The managed object an operation's ``_this`` names (InvalidRequest unless exactly one)."""
    this_elements = [c for c in operation if local(c.tag) == "_this"]
    if len(this_elements) != 1:
        raise invalid_request("The operation names no _this object.")
    return decode(this_elements[0], V.ManagedObject)


def method_info(method: str, this: Any) -> Any:
    """pyVmomi's info of ``method`` on ``this``'s type (any vim25 method, served or not):
    InvalidRequest for a name vim25 does not have, MethodNotFound for a method of another
    type."""
    if method == "Fetch":
        return FETCH
    try:
        info = V.GetWsdlMethod(NS_VIM, method).info
    except (KeyError, AttributeError):
        info = None
    if info is None:
        # source: what vCenter answers a name its WSDL does not have, with the position it was
        # parsing at appended (github.com/yavijava/yavijava/issues/181,
        # github.com/vpulim/node-soap/issues/668); the position is left out
        raise invalid_request(
            f"Unable to resolve WSDL method name {method} for namespace name {NS_VIM}"
        )
    if not issubclass(type(this), info.type):
        raise VimFault(
            "vmodl.fault.MethodNotFound",
            f"{V.GetWsdlName(type(this))} does not implement: {method}",
            receiver=this,
            method=method,
        )
    return info


def _method(method: str, this: Any) -> tuple[Any, VimFault | None]:
    """The served method's pyVmomi info, or the fault the call gets."""
    try:
        info = method_info(method, this)
    except VimFault as fault:
        return None, fault
    if method not in VIM_TABLE:
        name = V.GetWsdlName(type(this))
        return info, VimFault(
            "vmodl.fault.NotImplemented", f"{name}.{method} is not modelled by vcl_fake."
        )
    return info, None


def params(operation: Element, info: Any) -> dict[str, Any]:
    """An operation's parameters (all but ``_this``), decoded against the method's."""
    body = Element(operation.tag)
    body.extend(c for c in operation if local(c.tag) != "_this")
    return decode_fields(body, list(info.params), info.wsdlName, 0)


def as_fault(error: VapiError, this: Any) -> VimFault:
    """The fault a vAPI error (a scenario's scripted error, an internal one) becomes."""
    if isinstance(error, VimFault):
        return error
    text = error.messages[0]["default_message"] if error.messages else error.error_type
    if error.error_type == "UNAUTHENTICATED":
        return VimFault("vim.fault.NotAuthenticated", text, object=this, privilegeId="System.View")
    if error.error_type == "NOT_FOUND":
        return VimFault("vmodl.fault.ManagedObjectNotFound", text, obj=this)
    if error.error_type == "INVALID_ARGUMENT":
        return VimFault("vmodl.fault.InvalidArgument", text)
    return VimFault("vmodl.fault.SystemError", text, reason=text)


def fault_response(fault: VimFault) -> Response:
    return Response(500, dict(XML), fault_body(fault))

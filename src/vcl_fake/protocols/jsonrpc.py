"""vAPI JSON-RPC 2.0 at ``POST /api``: the protocol of the official Python SDK.

A request names ``serviceId`` and ``operationId``; its input is an ``operation-input``
structure in the JSON-RPC wire form (see :mod:`vcl_fake.contract.types`); credentials come
in ``ctx.securityCtx`` (user and password for ``com.vmware.cis.session`` create, a session id
otherwise). A result is ``{"result": {"output": value}}``; a vAPI error is
``{"result": {"error": {"ERROR": {name: fields}}}}``, both with HTTP 200 and the request's
``id`` echoed with its JSON type. Protocol-level problems get JSON-RPC errors (-32700 parse
error, -32600 invalid request, -32601 method not found, -32602 invalid params).
"""

from __future__ import annotations

from typing import Any

from vcl_fake import messages as M
from vcl_fake.contract.operations import BY_ID, Operation
from vcl_fake.contract.types import struct, unwrap_structure
from vcl_fake.dispatcher import Credentials, Dispatcher, Invocation
from vcl_fake.errors import VapiError, message
from vcl_fake.protocols.http import Request, Response, Scripted, parse_json

PROTOCOL = "jsonrpc"
USER_PASS = "com.vmware.vapi.std.security.user_pass"
SESSION_ID = "com.vmware.vapi.std.security.session_id"
_MESSAGES = {
    -32700: "Parse error.",
    -32600: "Invalid Request.",
    -32601: "Method not found.",
    -32602: "Invalid params.",
}


class RpcError(Exception):
    def __init__(self, code: int, data: str | None = None) -> None:
        super().__init__(_MESSAGES[code])
        self.code = code
        self.data = data


def _text(security: dict[str, Any], key: str) -> str | None:
    """A credential: only a string counts (anything else is no credential: UNAUTHENTICATED)."""
    value = security.get(key)
    return value if isinstance(value, str) else None


def is_jsonrpc(request: Request) -> bool:
    return request.method == "POST" and request.path.rstrip("/") == "/api"


def error_value(error: VapiError) -> dict[str, Any]:
    """``{"ERROR": {name: fields}}`` for a vAPI error."""
    return {"ERROR": {error.name: struct(error.name).rpc_fields(error.to_value())}}


class JsonRpcProtocol:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def handle(self, request: Request) -> Response:
        request_id: Any = None
        try:
            envelope = self._parse(request)
            if isinstance(envelope, dict) and isinstance(envelope.get("id"), (str, int)):
                request_id = envelope["id"]
            self._check(envelope)
            op, inv = self._invocation(envelope, request.origin)
        except RpcError as exc:
            return self._rpc_error(request_id, exc)
        except VapiError as exc:  # an operation this server does not know
            return self._answer(request_id, {"error": error_value(exc)})
        try:
            result = self.dispatcher.invoke(inv)
        except VapiError as exc:
            return self._answer(request_id, {"error": error_value(exc)})
        except Scripted as scripted:
            if scripted.fault == "truncated_body":
                scripted.response = self._answer(
                    request_id, {"output": op.output.to_rpc(scripted.value)}
                )
            raise
        return self._answer(request_id, {"output": op.output.to_rpc(result)})

    @staticmethod
    def _parse(request: Request) -> Any:
        try:
            return parse_json(request.read())
        except (UnicodeDecodeError, ValueError) as exc:
            raise RpcError(-32700, str(exc)) from None

    @staticmethod
    def _check(envelope: Any) -> None:
        if not isinstance(envelope, dict) or envelope.get("jsonrpc") != "2.0":
            raise RpcError(-32600, 'expected a JSON-RPC 2.0 request object ("jsonrpc": "2.0")')
        if envelope.get("method") != "invoke":
            raise RpcError(-32601, f"method {envelope.get('method')!r}: only 'invoke' is served")
        if "id" in envelope and not isinstance(envelope["id"], (str, int, type(None))):
            raise RpcError(-32600, "id must be a string, a number or null")

    def _invocation(self, envelope: dict[str, Any], origin: str) -> tuple[Operation, Invocation]:
        params = envelope.get("params")
        if not isinstance(params, dict):
            raise RpcError(-32602, "params must be an object")
        service, operation = params.get("serviceId"), params.get("operationId")
        if not isinstance(service, str) or not isinstance(operation, str):
            raise RpcError(-32602, "params.serviceId and params.operationId are required strings")
        op = BY_ID.get((service, operation))
        if op is None:
            known = any(svc == service for svc, _ in BY_ID)  # vAPI: interface, then method
            unknown = message(M.UNKNOWN_OPERATION, operation) if known else None
            raise VapiError("OPERATION_NOT_FOUND", unknown or message(M.UNKNOWN_SERVICE, service))
        ctx = params.get("ctx") or {}
        security = ctx.get("securityCtx") if isinstance(ctx, dict) else None
        security = security if isinstance(security, dict) else {}
        raw: dict[str, Any] = {}
        bad_input = None
        try:
            raw = self._input(op, params.get("input"))
        except VapiError as exc:
            bad_input = exc
        scheme = security.get("schemeId")
        credentials = Credentials(
            token=_text(security, "sessionId") if scheme == SESSION_ID else None,
            user=_text(security, "userName") if scheme == USER_PASS else None,
            password=_text(security, "password") if scheme == USER_PASS else None,
        )
        inv = Invocation(
            PROTOCOL, op, raw, credentials=credentials, origin=origin, bad_input=bad_input
        )
        return op, inv

    @staticmethod
    def _input(op: Operation, value: Any) -> dict[str, Any]:
        """The ``operation-input`` structure, unwrapped to clean JSON."""
        fields = unwrap_structure(value, "operation-input", "input")
        raw: dict[str, Any] = {}
        for name, wire in fields.items():
            ptype = op.params.get(name)
            raw[name] = ptype.from_rpc(wire, name) if ptype is not None else wire
        return raw  # unknown parameters are reported by the contract check

    @staticmethod
    def _answer(request_id: Any, result: dict[str, Any]) -> Response:
        return Response.json(200, {"jsonrpc": "2.0", "id": request_id, "result": result})

    @staticmethod
    def _rpc_error(request_id: Any, exc: RpcError) -> Response:
        error: dict[str, Any] = {"code": exc.code, "message": str(exc)}
        if exc.data:
            error["data"] = exc.data
        return Response.json(200, {"jsonrpc": "2.0", "id": request_id, "error": error})

"""Offline contract checks of recorded HTTP exchanges (``vcl-fake contract check FILE``).

Reads HAR files and vcrpy / pytest-recording cassettes, and checks every exchange with the
vSphere API against the operation table: the request must name a known operation with input
the contract accepts; a success must carry the documented status and a result of the declared
type (with every field documented as always present in get/list results); an error must be a
vAPI error body of a type the operation declares (or one any operation may raise), with
vAPI's status for it. Exchanges with other hosts' paths are ignored. An exchange with an
operation the bindings define but vcl_fake does not model is reported as not modelled (it is
not checked, and is not a violation). vim25 SOAP exchanges (``POST /sdk``) are checked against
pyVmomi's type model, every method of it (see ``_check_vim25``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from vcl_fake.contract.operations import BY_ID, PROBE_OPERATION, Operation
from vcl_fake.contract.types import Struct, VType, struct, unwrap_structure
from vcl_fake.errors import ERROR_TYPES, VapiError, canonical_name
from vcl_fake.protocols.http import Headers, Request

#: Errors any operation may raise, declared or not (authentication, availability, bugs).
UNDECLARED_OK = frozenset(
    canonical_name(t)
    for t in (
        "UNAUTHENTICATED",
        "UNAUTHORIZED",
        "SERVICE_UNAVAILABLE",
        "INTERNAL_SERVER_ERROR",
        "TIMED_OUT",
    )
)


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_body: bytes

    @property
    def line(self) -> str:
        return f"{self.method} {self.url}"


#: How check() begins the report of an operation vcl_fake does not model.
NOT_MODELLED = "not modelled: "


@dataclass(frozen=True)
class Violation:
    source: str
    index: int
    exchange: Exchange
    message: str

    @property
    def not_modelled(self) -> bool:
        """A note that the operation is not modelled (so not checked), not a violation."""
        return self.message.startswith(NOT_MODELLED)

    def __str__(self) -> str:
        where = f"{self.source}#{self.index}: {self.exchange.line} -> {self.exchange.status}"
        return f"{where}: {self.message}"


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    return str(value).encode()


class RecordingError(ValueError):
    """A recording cannot be read: the message names the file and the entry."""


def load(path: Path) -> list[Exchange]:
    """Exchanges from a HAR file (JSON) or a vcrpy cassette (YAML or JSON); RecordingError
    (naming the entry) for anything of another shape."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        raise RecordingError(f"{path}: not JSON or YAML ({exc})") from None
    read: Callable[[Any], Exchange]
    if isinstance(data, dict) and "log" in data:
        entries, read = data["log"].get("entries") if isinstance(data["log"], dict) else None, _har
    elif isinstance(data, dict) and "interactions" in data:
        entries, read = data["interactions"], _vcr
    else:
        raise RecordingError(f"{path}: neither a HAR file nor a vcrpy cassette")
    if not isinstance(entries, list):
        raise RecordingError(f"{path}: the entries are not a list")
    exchanges = []
    for n, entry in enumerate(entries, 1):
        try:
            exchanges.append(read(entry))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise RecordingError(f"{path}#{n}: not a recorded exchange ({why})") from None
    return exchanges


def _get(value: Any, key: str, default: Any = None) -> Any:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object holding {key!r}, got {type(value).__name__}")
    return value.get(key, default)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} is not a string")
    return value


def _headers(pairs: dict[Any, Any]) -> dict[str, str]:
    return {_text(k, "a header name"): _text(v, "a header value") for k, v in pairs.items()}


def _har(entry: dict[str, Any]) -> Exchange:
    request, response = _get(entry, "request"), _get(entry, "response")
    headers = _headers({_get(h, "name"): _get(h, "value") for h in _get(request, "headers", [])})
    content = _get(response, "content", {})
    body = _get(content, "text", "")
    if _get(content, "encoding") == "base64":
        import base64

        body = base64.b64decode(_text(body, "the base64 body"))
    return Exchange(
        _text(_get(request, "method"), "the method").upper(),
        _text(_get(request, "url"), "the URL"),
        headers,
        _bytes(_get(_get(request, "postData", {}), "text")),
        int(_get(response, "status")),
        _bytes(body),
    )


def _vcr(interaction: dict[str, Any]) -> Exchange:
    request, response = _get(interaction, "request"), _get(interaction, "response")
    pairs = _get(request, "headers") or {}
    if not isinstance(pairs, dict):
        raise TypeError("the headers are not an object")
    headers = _headers({k: v[0] if isinstance(v, list) and v else v for k, v in pairs.items()})
    body = _get(response, "body") or {}
    return Exchange(
        _text(_get(request, "method"), "the method").upper(),
        _text(_get(request, "uri"), "the URI"),
        headers,
        _bytes(_get(request, "body")),
        int(_get(_get(response, "status"), "code")),
        _bytes(body.get("string") if isinstance(body, dict) else body),
    )


def check(exchange: Exchange) -> Iterator[str]:
    """What in one exchange breaks the contract."""
    from vcl_fake.protocols.api import ApiProtocol
    from vcl_fake.protocols.jsonrpc import is_jsonrpc
    from vcl_fake.protocols.rest import RestProtocol

    request = Request(
        exchange.method, exchange.url, Headers(exchange.request_headers), exchange.request_body
    )
    path = urlsplit(exchange.url).path
    if is_jsonrpc(request):
        yield from _check_jsonrpc(request, exchange)
    elif path.startswith("/api/"):
        yield from _check_rest_like(ApiProtocol(None), request, exchange, legacy=False)  # type: ignore[arg-type]
    elif path.startswith("/rest/"):
        yield from _check_rest_like(RestProtocol(None), request, exchange, legacy=True)  # type: ignore[arg-type]
    elif path.rstrip("/") == "/sdk" and exchange.method == "POST":
        yield from _check_vim25(exchange)


def _input(
    op: Operation, raw: dict[str, Any], text: frozenset[str], bad: VapiError | None
) -> Iterator[str]:
    if bad is not None:
        yield f"request: {bad}"
        return
    try:
        op.decode_input(raw, text)
    except VapiError as exc:
        yield f"request: {exc}"


def _result(op: Operation, value: Any, where: str) -> Iterator[str]:
    try:
        decoded = op.output.decode(value, where)
    except VapiError as exc:
        yield f"response: {exc}"
        return
    if op.name in ("get", "list"):
        yield from _always_present(op.output, decoded, op.name, where)


def _always_present(vtype: VType, value: Any, operation: str, path: str) -> Iterator[str]:
    if isinstance(vtype, Struct) and isinstance(value, dict):
        for field, rules in vtype.usage.items():
            if rules.get(f"result:{operation}") == "always" and value.get(field) is None:
                yield f"response: {path}.{field} is documented as always present in {operation}"
        for field, ftype in vtype.fields.items():
            yield from _always_present(ftype, value.get(field), operation, f"{path}.{field}")
        return
    element = getattr(vtype, "element", None)
    if element is not None and isinstance(value, list):
        for n, item in enumerate(value):
            yield from _always_present(element, item, operation, f"{path}[{n}]")
    elif element is not None and value is not None:
        yield from _always_present(element, value, operation, path)


def _error(
    op: Operation, error_type: Any, fields: dict[str, Any], status: int | None
) -> Iterator[str]:
    if error_type not in ERROR_TYPES:
        yield f"response: {error_type!r} is not a vAPI error type"
        return
    name = canonical_name(error_type)
    if name not in op.errors and name not in UNDECLARED_OK:
        declared = ", ".join(sorted(op.errors)) or "none"
        yield f"response: {error_type} is not an error {op.alias} declares ({declared})"
    try:
        struct(name).decode(fields, "error")
    except VapiError as exc:
        yield f"response: {exc}"
    expected = VapiError(error_type, []).http_status
    if status is not None and status != expected:
        yield f"response: status {status} for {error_type}; vAPI answers {expected}"


def _json(body: bytes) -> Any:
    return json.loads(body) if body.strip() else None


def _not_modelled(op: Operation) -> str:
    return f"{NOT_MODELLED}{op.service} {op.name} is not modelled by vcl_fake (not checked)"


def _request(codec: Any, request: Request) -> tuple[Operation | None, list[str]]:
    """Route and read a request the way ``codec`` does (no dispatcher involved); an
    operation that is not modelled comes back as None with its note."""
    try:
        op, where = codec.route(request)
        if not op.modelled:
            return None, [_not_modelled(op)]
        inv = codec.invocation(request, op, where)
    except VapiError as exc:
        return None, [f"request: {exc}"]
    return op, list(_input(op, dict(inv.raw), inv.text, inv.bad_input))


def _check_rest_like(
    codec: Any, request: Request, exchange: Exchange, legacy: bool
) -> Iterator[str]:
    """/api and legacy /rest: the same checks, with /rest's ``{"type", "value"}`` and
    ``{"value"}`` wrappers."""
    op, problems = _request(codec, request)
    yield from problems
    if op is None:
        return
    try:
        body = _json(exchange.response_body)
    except ValueError:
        yield "response: the body is not JSON"
        return
    if exchange.status >= 400:
        wrapped = isinstance(body, dict) and set(body) == {"type", "value"}
        error = body["value"] if legacy and wrapped else body
        if not isinstance(error, dict) or "error_type" not in error or (legacy and not wrapped):
            yield "response: an error answer without a vAPI error body"
            return
        yield from _error(op, error["error_type"], error, exchange.status)
        return
    if legacy:
        if op is PROBE_OPERATION or op.output.describe() == "void":
            return
        if not isinstance(body, dict) or set(body) != {"value"}:
            yield 'response: a result without its {"value": ...} wrapper'
            return
        yield from _result(op, body["value"], "value")
        return
    if exchange.status != op.success_status:
        yield f"response: status {exchange.status}; {op.alias} answers {op.success_status}"
    if op.success_status == 204:
        if exchange.response_body.strip():
            yield "response: 204 with a body"
        return
    yield from _result(op, body, "result")


def _check_jsonrpc(request: Request, exchange: Exchange) -> Iterator[str]:
    try:
        envelope = json.loads(exchange.request_body)
        params = envelope["params"]
        op = BY_ID[(params["serviceId"], params["operationId"])]
    except (ValueError, KeyError, TypeError):
        yield "request: not an invoke of an operation this contract knows"
        return
    if not op.modelled:
        yield _not_modelled(op)
        return
    try:
        fields = unwrap_structure(params.get("input"), "operation-input", "input")
        raw = {k: op.params[k].from_rpc(v, k) if k in op.params else v for k, v in fields.items()}
        yield from _input(op, raw, frozenset(), None)
    except VapiError as exc:
        yield f"request: {exc}"
    try:
        answer = json.loads(exchange.response_body)
    except ValueError:
        yield "response: the body is not JSON"
        return
    if answer.get("id") != envelope.get("id") or type(answer.get("id")) is not type(
        envelope.get("id")
    ):
        asked, got = envelope.get("id"), answer.get("id")
        yield f"response: id {got!r} does not echo the request id {asked!r}"
    result = answer.get("result")
    if not isinstance(result, dict):
        return  # a JSON-RPC protocol error
    if "error" in result:
        try:
            ((name, wire),) = result["error"]["ERROR"].items()
            clean = struct(name).from_rpc({"STRUCTURE": {name: wire}}, "error")
        except (VapiError, KeyError, TypeError, ValueError) as exc:
            yield f"response: malformed error ({exc})"
            return
        yield from _error(op, clean.get("error_type"), clean, None)
        return
    try:
        value = op.output.from_rpc(result.get("output"), "output")
    except VapiError as exc:
        yield f"response: {exc}"
        return
    yield from _result(op, value, "output")


def _check_vim25(exchange: Exchange) -> Iterator[str]:
    """``POST /sdk``: the SOAP request against pyVmomi's type model (the method exists on the
    type of the object it names, its parameters have their declared types), and the answer:
    200 with the method's response, read by pyVmomi's own deserializer, or 500 with a fault
    the method declares (or a runtime fault, which any method may raise)."""
    from pyVmomi import SoapAdapter, vmodl
    from pyVmomi import VmomiSupport as V

    from vcl_fake.contract.vim25 import NS_VIM
    from vcl_fake.errors import VimFault
    from vcl_fake.protocols.vim25.soap import method_info, params, target
    from vcl_fake.protocols.vim25.wire import NS_SOAP, body_element, local, parse_envelope

    try:
        operation = parse_envelope(exchange.request_body)
        method = local(operation.tag)
        info = method_info(method, target(operation))
        params(operation, info)
    except VimFault as fault:
        yield f"request: {fault.fault}: {fault.text}"
        return
    try:
        answer = body_element(exchange.response_body, "answer", "response or fault")
    except VimFault as fault:
        yield f"response: {fault.text}"
        return
    if exchange.status == 200:
        if answer.tag != f"{{{NS_VIM}}}{method}Response":
            yield f"response: a 200 answer to {method} must be a {method}Response"
            return
    elif exchange.status == 500:
        if answer.tag != f"{{{NS_SOAP}}}Fault":
            yield "response: a 500 answer must be a SOAP Fault"
            return
    else:
        yield f"response: status {exchange.status}; a SOAP answer is 200 or 500"
        return
    try:
        value = SoapAdapter.SoapResponseDeserializer(None).Deserialize(
            exchange.response_body, info.result
        )
    except Exception as exc:  # pyVmomi's own reading of it: any failure is the finding
        yield f"response: pyVmomi cannot read it as {method}'s answer ({type(exc).__name__}: {exc})"
        return
    if exchange.status == 200:
        if value is None and not info.resultFlags & V.F_OPTIONAL and info.result is not type(None):
            yield f"response: {method} returns a value; the answer has none"
        return
    if not isinstance(value, vmodl.MethodFault):
        yield "response: the Fault carries no vim25 fault in its detail"
        return
    declared = tuple(V.GetVmodlType(name) for name in info.faults)
    if not isinstance(value, (vmodl.RuntimeFault, *declared)):
        listed = ", ".join(info.faults) or "none"
        yield (
            f"response: {V.GetVmodlName(type(value))} is not a fault {method} declares "
            f"({listed}) nor a runtime fault"
        )


def check_file(path: Path) -> list[Violation]:
    """Every violation in one recording; RecordingError if it cannot be read at all."""
    found = []
    for n, exchange in enumerate(load(path), 1):
        try:
            problems = list(check(exchange))
        except Exception as exc:  # the checker's boundary: a recorded oddity is a finding
            problems = [f"the exchange cannot be checked ({type(exc).__name__}: {exc})"]
        found += [Violation(str(path), n, exchange, m) for m in problems]
    return found

"""What the two REST protocols share: the request/answer cycle, reading the body, and how a
request becomes an :class:`~vcl_fake.dispatcher.Invocation`."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from typing import Any

from vcl_fake import messages as M
from vcl_fake.contract.operations import Operation
from vcl_fake.contract.types import List, Struct, mismatch
from vcl_fake.dispatcher import Credentials, Dispatcher, Invocation
from vcl_fake.errors import VapiError, vapi_error
from vcl_fake.protocols.http import Request, Response, Scripted, parse_json

SESSION_HEADER = "vmware-api-session-id"


class Codec:
    """Route, build the invocation, dispatch, render; subclasses say how for their wire."""

    protocol = ""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def route(self, request: Request) -> tuple[Operation, Any]:
        raise NotImplementedError

    def invocation(self, request: Request, op: Operation, where: Any) -> Invocation:
        raise NotImplementedError

    def render(self, op: Operation, result: Any) -> Response:
        raise NotImplementedError

    def error_response(self, error: VapiError) -> Response:
        raise NotImplementedError

    def handle(self, request: Request) -> Response:
        try:
            op, where = self.route(request)
            inv = self.invocation(request, op, where)
            result = self.dispatcher.invoke(inv)
        except VapiError as exc:
            return self.error_response(exc)
        except Scripted as scripted:
            if scripted.fault == "truncated_body":
                scripted.response = self.render(op, scripted.value)
            raise
        return self.render(op, result)

    def build(
        self, request: Request, op: Operation, raw: dict[str, Any], body_param: str | None = None
    ) -> Invocation:
        """The invocation: ``raw`` holds what came as text (path, query, headers); the JSON
        body is either one parameter (``body_param``) or an object of parameters. A body that
        cannot be read is reported by the dispatcher after authentication, as servers do."""
        text = frozenset(raw)
        bad_input = None
        try:
            body = json_body(request)
            if body_param is not None:
                raw[body_param] = body
            elif body is not None:
                if not isinstance(body, dict):
                    raise mismatch("request body", "object", body)
                raw.update(body)
        except VapiError as exc:
            bad_input = exc
        user, password = basic_credentials(request)
        credentials = Credentials(request.headers.get(SESSION_HEADER), user, password)
        return Invocation(
            self.protocol,
            op,
            raw,
            text,
            credentials,
            origin=request.origin,
            bad_input=bad_input,
        )


def query_structure(request: Request, op: Operation, inv: Invocation, prefix: str) -> Invocation:
    """A GET whose ``filter`` structure travels in the query string, one parameter per field
    (``/api``: ``?names=a&names=b``; ``/rest``: ``?filter.names=a`` or ``filter.names.1=a``).
    Values are read as text for the field's type; unknown ``filter.`` fields are refused."""
    ftype = op.params.get("filter")
    spec = getattr(ftype, "element", ftype)
    if request.method != "GET" or not isinstance(spec, Struct) or "filter" in inv.raw:
        return inv
    values: dict[str, list[str]] = {}
    for key, value in request.query_items:
        if not key.startswith(prefix) or (prefix and key == prefix):
            continue
        field = key[len(prefix) :].split(".", 1)[0]
        if field in spec.fields:
            values.setdefault(field, []).append(value)
        elif prefix:
            bad = vapi_error("INVALID_ARGUMENT", M.FIELD_UNEXPECTED, "filter." + field, spec.name)
            return dataclasses.replace(inv, bad_input=inv.bad_input or bad)
    if not values:
        return inv
    fields: dict[str, Any] = {}
    try:
        for field, texts in values.items():
            ftype = spec.fields[field]
            inner = getattr(ftype, "element", ftype)
            path = f"filter.{field}"
            if isinstance(inner, List):
                fields[field] = [inner.element.decode_text(t, path) for t in texts]
            else:
                fields[field] = inner.decode_text(texts[-1], path)
    except VapiError as exc:
        return dataclasses.replace(inv, bad_input=inv.bad_input or exc)
    return dataclasses.replace(inv, raw={**inv.raw, "filter": fields})


def json_body(request: Request) -> Any:
    """The request body as JSON (None when empty); INVALID_ARGUMENT when unreadable."""
    try:
        data = request.read()
    except ValueError as exc:
        raise vapi_error("INVALID_ARGUMENT", M.BAD_CONTENT, exc) from None
    if not data.strip():
        return None
    try:
        return parse_json(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise vapi_error("INVALID_ARGUMENT", M.MALFORMED_JSON, exc) from None


def basic_credentials(request: Request) -> tuple[str | None, str | None]:
    """User and password from an HTTP Basic ``Authorization`` header."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else (None, None)

"""The ``/api`` REST protocol (vSphere 7.0U2+): routes from the operation table, bare JSON.

Parameters travel as the bindings' REST metadata says: path variables, query parameters,
headers (``Client-Token``), and either one parameter as the whole body or the remaining
parameters as fields of a JSON object. Errors are ``{"error_type", "messages"}`` with the
status vAPI maps the error to.
"""

from __future__ import annotations

import functools
from typing import Any

from vcl_fake import messages as M
from vcl_fake.contract.operations import Operation, Route, routable
from vcl_fake.dispatcher import Dispatcher, Invocation
from vcl_fake.errors import VapiError, message
from vcl_fake.protocols.codec import Codec
from vcl_fake.protocols.http import Request, Response

PROTOCOL = "api"


def error_response(error: VapiError) -> Response:
    headers = {}
    if error.error_type == "UNAUTHENTICATED" and error.challenge:
        headers["WWW-Authenticate"] = error.challenge
    return Response.json(error.http_status, error.to_value(), headers)


def not_found(request: Request) -> VapiError:
    return VapiError(
        "OPERATION_NOT_FOUND", message(M.OPERATION_NOT_FOUND, request.method, request.path)
    )


@functools.cache
def _templates() -> dict[int, dict[str, list[tuple[Route, Operation]]]]:
    """Path shapes by segment count, each with its routes (most dispatch first): a request's
    path is matched once per shape of its length, not once per operation. A shape is a
    template with its variables unnamed (``/item/{}`` for ``/item/{libraryItemId}`` and
    ``/item/{sourceLibraryItemId}``)."""
    routes = sorted(
        ((op.api, op) for op in routable() if op.api is not None),
        key=lambda ro: -len(ro[0].dispatch),
    )
    templates: dict[int, dict[str, list[tuple[Route, Operation]]]] = {}
    for route, op in routes:
        by_template = templates.setdefault(route.segments, {})
        by_template.setdefault(route.shape, []).append((route, op))
    return templates


class ApiProtocol(Codec):
    protocol = PROTOCOL

    def __init__(self, dispatcher: Dispatcher) -> None:
        super().__init__(dispatcher)
        self.templates = _templates()

    def error_response(self, error: VapiError) -> Response:
        return error_response(error)

    def render(self, op: Operation, result: Any) -> Response:
        if op.success_status == 204:
            return Response.empty(204)
        return Response.json(op.success_status, op.output.encode(result))

    def route(self, request: Request) -> tuple[Operation, dict[str, str]]:
        """The operation a request names, with its path parameters; else OPERATION_NOT_FOUND.

        The most literal path template wins (``/item/update-session`` over ``/item/{id}``);
        among its operations, the method and then the dispatch query parameters decide.
        """
        path = request.path.rstrip("/") or "/"
        best: list[tuple[Route, Operation]] = []
        for routes in self.templates.get(path.count("/"), {}).values():
            first = routes[0][0]
            if best and first.literals <= best[0][0].literals:
                continue
            if first.match(path) is not None:
                best = routes
        if not best:
            raise not_found(request)
        matches = [(r, op, r.match(path) or {}) for r, op in best]
        same_method = [m for m in matches if m[0].method == request.method]
        if not same_method:
            allowed = ", ".join(sorted({r.method for r, _, _ in matches}))
            raise VapiError(
                "OPERATION_NOT_FOUND",
                message(M.METHOD_NOT_ALLOWED, request.method, request.path, allowed),
            )
        action = request.query.get("action")
        fallback = None
        for route, op, params in same_method:  # most dispatch parameters first
            if action is not None and route.dispatch.get("action") != action:
                continue
            if route.dispatches(request.query):
                return op, params
            if fallback is None and all(v is None for v in route.dispatch.values()):
                fallback = (op, params)  # a required query parameter is missing: decode says so
        if fallback is None:
            raise not_found(request)
        return fallback

    def invocation(
        self, request: Request, op: Operation, path_params: dict[str, str]
    ) -> Invocation:
        route = op.api
        assert route is not None
        raw: dict[str, Any] = dict(path_params)
        for qname, param in route.query.items():
            if qname in request.query:
                raw[param] = request.query[qname]
        for name, want in route.dispatch.items():
            if want is None and name in request.query and name in op.params:
                raw[name] = request.query[name]
        for header, param in route.headers.items():
            value = request.headers.get(header, request.query.get(param))
            if value is not None:
                raw[param] = value
        return self.build(request, op, raw, route.body)

"""The ``/api`` REST protocol (vSphere 7.0U2+): routes from the operation table, bare JSON.

Parameters travel as the bindings' REST metadata says: path variables, query parameters,
headers (``Client-Token``), and either one parameter as the whole body or the remaining
parameters as fields of a JSON object. Errors are ``{"error_type", "messages"}`` with the
status vAPI maps the error to.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from vcl_fake import messages as M
from vcl_fake.contract.operations import Operation, Route, routable
from vcl_fake.dispatcher import Dispatcher, Invocation
from vcl_fake.errors import VapiError, message
from vcl_fake.protocols.codec import Codec, query_structure
from vcl_fake.protocols.http import Request, Response

PROTOCOL = "api"


def error_response(error: VapiError) -> Response:
    headers = {}
    if error.error_type == "UNAUTHENTICATED" and error.challenge:
        headers["WWW-Authenticate"] = error.challenge
    return Response.json(error.http_status, error.to_value(), headers)


def not_found(request: Request) -> VapiError:
    """What vCenter answers a path no operation serves: 404 NOT_FOUND "Not found."."""
    return VapiError("NOT_FOUND", message(M.OPERATION_NOT_FOUND))


Values = tuple[str, ...]
#: A template's routes (most dispatch parameters first) and its variable segments' values.
Found = tuple[list[tuple[Route, Operation]], Values]


class _Node:
    """A path segment in the route trie: literal children, one variable child, and the routes
    whose template ends here (most dispatch parameters first)."""

    __slots__ = ("literal", "routes", "variable")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.variable: _Node | None = None
        self.routes: list[tuple[Route, Operation]] = []

    def find(self, segments: list[str], at: int, found: list[Found], values: Values = ()) -> None:
        """Collect the routes of every template matching ``segments[at:]``, literal first,
        each with the values of its variable segments (``values``: those so far)."""
        if at == len(segments):
            if self.routes:
                found.append((self.routes, values))
            return
        child = self.literal.get(segments[at])
        if child is not None:
            child.find(segments, at + 1, found, values)
        if self.variable is not None and segments[at]:
            self.variable.find(segments, at + 1, found, (*values, segments[at]))


def build_trie(ops: Iterable[Operation]) -> _Node:
    """The /api routes of ``ops`` by path segment: a request walks its own path once,
    whatever the number of operations."""
    root = _Node()
    for route, op in sorted(
        ((op.api, op) for op in ops if op.api is not None), key=lambda ro: -len(ro[0].dispatch)
    ):
        node = root
        for segment in route.template.strip("/").split("/"):
            if segment.startswith("{"):
                node.variable = node.variable or _Node()
                node = node.variable
            else:
                node = node.literal.setdefault(segment, _Node())
        node.routes.append((route, op))
    return root


@functools.cache
def _trie() -> _Node:
    """Every /api route, served or not modelled (built once)."""
    return build_trie(routable())


class ApiProtocol(Codec):
    protocol = PROTOCOL

    def __init__(self, dispatcher: Dispatcher) -> None:
        super().__init__(dispatcher)
        self.routes = _trie()

    def error_response(self, error: VapiError) -> Response:
        return error_response(error)

    def render(self, op: Operation, result: Any) -> Response:
        if op.success_status == 204:
            return Response.empty(204)
        return Response.json(op.success_status, op.output.encode(result))

    def route(self, request: Request) -> tuple[Operation, dict[str, str]]:
        """The operation a request names, with its path parameters; else NOT_FOUND.

        The most literal path template wins (``/item/update-session`` over ``/item/{id}``);
        among its operations, the method and then the dispatch query parameters decide.
        """
        path = request.path.rstrip("/") or "/"
        found: list[Found] = []
        self.routes.find(path.strip("/").split("/"), 0, found)
        if not found:
            raise not_found(request)
        best, values = max(found, key=lambda f: f[0][0][0].literals)  # the first of the most
        same_method = [(r, op) for r, op in best if r.method == request.method]
        if not same_method:
            allowed = ", ".join(sorted({r.method for r, _ in best}))
            raise VapiError(
                "OPERATION_NOT_FOUND",
                message(M.METHOD_NOT_ALLOWED, request.method, request.path, allowed),
            )
        action = request.query.get("action")
        fallback = None
        for route, op in same_method:  # most dispatch parameters first
            if action is not None and route.dispatch.get("action") != action:
                continue
            if route.dispatches(request.query):
                return op, route.arguments(values)
            if fallback is None and all(v is None for v in route.dispatch.values()):
                fallback = route, op  # a required query parameter is missing: decode says so
        if fallback is None:
            raise not_found(request)
        return fallback[1], fallback[0].arguments(values)

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
        return query_structure(request, op, self.build(request, op, raw, route.body), "")

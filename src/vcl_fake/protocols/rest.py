"""The legacy ``/rest`` protocol (vSphere 6.5 to 7.0; govc and older scripts still use it).

Routes come from each operation's :class:`~vcl_fake.contract.operations.LegacyRoute`:
``/rest/com/vmware/content/library/item/update-session/id:{id}?~action=complete``. Request
bodies wrap every parameter by its name (``{"create_spec": {...}}``); results are
``{"value": ...}`` (a void operation answers 200 with no body); errors are
``{"type": "com.vmware.vapi.std.errors.not_found", "value": {"error_type", "messages"}}``
with vAPI's status for the error.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote

from vcl_fake import messages as M
from vcl_fake.contract.operations import PROBE_OPERATION, LegacyRoute, Operation, routable
from vcl_fake.dispatcher import Dispatcher, Invocation
from vcl_fake.errors import VapiError, message
from vcl_fake.protocols.codec import Codec, query_structure
from vcl_fake.protocols.http import Request, Response

PROTOCOL = "rest"
PREFIX = "/rest/"


def error_response(error: VapiError) -> Response:
    headers = {}
    if error.error_type == "UNAUTHENTICATED" and error.challenge:
        headers["WWW-Authenticate"] = error.challenge
    return Response.json(
        error.http_status, {"type": error.name, "value": error.to_value()}, headers
    )


@functools.cache
def _routes() -> dict[str, list[tuple[LegacyRoute, Operation]]]:
    """Routes by base path, served operations first."""
    routes: dict[str, list[tuple[LegacyRoute, Operation]]] = {}
    for op in (*routable(), PROBE_OPERATION):
        if op.rest is not None:
            routes.setdefault(op.rest.base, []).append((op.rest, op))
    return routes


class RestProtocol(Codec):
    protocol = PROTOCOL

    def __init__(self, dispatcher: Dispatcher) -> None:
        super().__init__(dispatcher)
        self.routes = _routes()

    def error_response(self, error: VapiError) -> Response:
        return error_response(error)

    def render(self, op: Operation, result: Any) -> Response:
        if op.output.describe() == "void":
            return Response(200, {}, b"")
        return Response.json(200, {"value": op.output.encode(result)})

    def route(self, request: Request) -> tuple[Operation, str | None]:
        path = request.path.rstrip("/")
        base, id_value = path, None
        head, sep, tail = path.rpartition("/id:")
        if sep:
            base, id_value = head, unquote(tail)
        parent, _, last = path.rpartition("/")
        action = request.query.get("~action")
        methods = set()
        candidates = [(r, op, id_value) for r, op in self.routes.get(base, ())]
        candidates += [  # the vcenter services: /rest/vcenter/datastore/{datastore}
            (r, op, unquote(last))
            for r, op in self.routes.get(parent, ())
            if r.plain_id and r.id_param is not None and not sep
        ]
        for route, op, route_id in candidates:
            if (route.id_param is not None) != (route_id is not None):
                continue
            methods.add(route.method)
            if route.method == request.method and route.action == action:
                return op, route_id
        if methods and action is None:
            allowed = ", ".join(sorted(methods))
            raise VapiError(
                "OPERATION_NOT_FOUND",
                message(M.METHOD_NOT_ALLOWED, request.method, request.path, allowed),
            )
        raise VapiError("NOT_FOUND", message(M.OPERATION_NOT_FOUND))  # as vCenter answers

    def invocation(self, request: Request, op: Operation, id_value: str | None) -> Invocation:
        route = op.rest
        assert route is not None
        raw: dict[str, Any] = {}
        if route.id_param is not None:
            raw[route.id_param] = id_value
        for name in route.query:
            if name in request.query:
                raw[name] = request.query[name]
        inv = self.build(request, op, raw)
        return query_structure(request, op, inv, "filter.")

"""The control API of a served fake, under ``/_vcl_fake/`` (the moto_server pattern): tests
drive a fake in another process. Loopback clients only, each request carrying the server's
token (printed at start, ``vc.server.control_token``) in the ``vcl-fake-token`` header; JSON in
and out. A scenario posted here is text or data: it cannot name files.

- ``POST /_vcl_fake/reset``: a fresh, empty fake (same host, clock and users)
- ``GET  /_vcl_fake/clock``: ``{"now": "2026-01-01T00:00:00.000Z"}``
- ``POST /_vcl_fake/clock/advance``: ``{"seconds": 301}``
- ``POST /_vcl_fake/scenario``: a scenario as YAML text, or ``{"scenario": {...}}``
- ``GET  /_vcl_fake/expectations``: ``{"failures": [...]}`` of the loaded scenario
- ``POST /_vcl_fake/libraries``: ``{"name", "type"?, ...}``, answers ``{"id"}``
- ``POST /_vcl_fake/datastores``: ``{"name", "capacity"?, "free_space"?, "type"?}`` (bytes),
  answers ``{"id"}``
- ``POST /_vcl_fake/items``: ``{"library_id", "name", "type"?, "files"?}``, answers ``{"id"}``
- ``POST /_vcl_fake/sources``: ``{"uri", "data"? (text), "size"?, "rate"?, "fail_after"?}``
- ``POST /_vcl_fake/trust``: ``{"pem": "..."}``
- ``GET  /_vcl_fake/calls``: the call journal
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vcl_fake import messages as M
from vcl_fake.clock import format_datetime
from vcl_fake.errors import VapiError, message
from vcl_fake.protocols.api import error_response
from vcl_fake.protocols.http import Request, Response, parse_json

if TYPE_CHECKING:
    from vcl_fake.fake import FakeVCenter

PREFIX = "/_vcl_fake/"
ITEM_FILE_FIELDS = frozenset({"name", "size", "checksum", "algorithm"})
TOKEN_HEADER = "vcl-fake-token"


class Control:
    """The control routes of one fake; ``token`` (None: none needed, in-process use only) is
    what every request must carry."""

    def __init__(self, fake: FakeVCenter, *, token: str | None = None) -> None:
        self.fake = fake
        self.token = token
        self.routes: dict[tuple[str, str], Callable[[Any], Any]] = {
            ("POST", "reset"): self.reset,
            ("GET", "clock"): self.clock,
            ("POST", "clock/advance"): self.advance,
            ("POST", "scenario"): self.scenario,
            ("GET", "expectations"): self.expectations,
            ("POST", "libraries"): self.library,
            ("POST", "items"): self.item,
            ("POST", "datastores"): self.datastore,
            ("POST", "sources"): self.source,
            ("POST", "trust"): self.trust,
            ("GET", "calls"): self.calls,
        }

    def __call__(self, request: Request, client: str) -> Response:
        from vcl_fake.server import is_loopback

        if not is_loopback(client):
            return error_response(
                VapiError("UNAUTHORIZED", message(M.CONTROL_LOOPBACK_ONLY, client))
            )
        if self.token is not None:
            given = str(request.headers.get(TOKEN_HEADER, "")).encode("utf-8", "replace")
            if not hmac.compare_digest(given, self.token.encode()):
                return error_response(VapiError("UNAUTHENTICATED", message(M.CONTROL_TOKEN)))
        handler = self.routes.get((request.method, request.path[len(PREFIX) :].strip("/")))
        if handler is None:
            return error_response(
                VapiError(
                    "OPERATION_NOT_FOUND",
                    message(M.CONTROL_NOT_FOUND, request.method, request.path),
                )
            )
        try:
            raw = request.read()
            text = raw.decode() if raw else ""
            body = parse_json(text) if text.strip().startswith(("{", "[")) else text
            return Response.json(200, handler(body))
        except VapiError as exc:
            return error_response(exc)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            # a body of the wrong shape (ScenarioError included): the caller's mistake
            return error_response(
                VapiError("INVALID_ARGUMENT", message(M.CONTROL_BAD_REQUEST, exc))
            )

    def reset(self, _: Any) -> dict[str, Any]:
        self.fake.reset()
        return {"reset": True}

    def clock(self, _: Any) -> dict[str, Any]:
        return {"now": format_datetime(self.fake.clock.now())}

    def advance(self, body: Any) -> dict[str, Any]:
        self.fake.clock.advance(body["seconds"])  # a number of seconds, up to MAX_DURATION
        return self.clock(None)

    def scenario(self, body: Any) -> dict[str, Any]:
        from vcl_fake.scenario import read

        source = body.get("scenario", body) if isinstance(body, dict) else body
        if not isinstance(source, (str, dict)):
            raise TypeError("a scenario is YAML text or an object")
        params = body.get("params") if isinstance(body, dict) else None
        if params is not None and not isinstance(params, dict):
            raise TypeError("params is an object of parameter values")
        # YAML text, an object, or a bundled scenario's name; never a path
        script = read(source, name="<control API>", text_only=True, params=params)
        return {"name": self.fake.load_scenario(script).name}

    def expectations(self, _: Any) -> dict[str, Any]:
        return {"failures": self.fake.check_expectations()}

    def library(self, body: Any) -> dict[str, Any]:
        fields = dict(body)
        return {"id": self.fake.create_library(fields.pop("name"), **fields)}

    def datastore(self, body: Any) -> dict[str, Any]:
        fields = dict(body)
        return {"id": self.fake.add_datastore(fields.pop("name"), **fields)}

    def item(self, body: Any) -> dict[str, Any]:
        fields = dict(body)
        files = [
            {k: v for k, v in dict(f).items() if k in ITEM_FILE_FIELDS}
            for f in fields.pop("files", ())
        ]
        library, name = fields.pop("library_id"), fields.pop("name")
        return {"id": self.fake.create_item(library, name, files=files, **fields)}

    def source(self, body: Any) -> dict[str, Any]:
        fields = dict(body)
        uri, data = fields.pop("uri"), fields.pop("data", None)
        if data is not None and not isinstance(data, str):
            raise TypeError("data is the source's text")  # never a path on this machine
        self.fake.add_source(uri, data.encode() if data is not None else None, **fields)
        return {"uri": uri}

    def trust(self, body: Any) -> dict[str, Any]:
        self.fake.trust(body["pem"])
        return {"trusted": True}

    def calls(self, _: Any) -> list[dict[str, Any]]:
        return [
            {
                "protocol": c.protocol,
                "request": c.request,
                "operation": c.operation,
                "status": c.status,
                "outcome": c.outcome,
                "state": c.state,
                "hint": c.hint,
                "rule": c.rule,
                "time": format_datetime(c.time) if c.time else None,
            }
            for c in self.fake.calls
        ]

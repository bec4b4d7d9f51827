"""The PUSH data plane: ``PUT``/``POST {origin}/cls/data/{token}/{file name}``.

The URL itself authorises the upload (no session header, as VMware's own samples send it).
An upload passes the dispatcher twice: ``begin`` (scenario rules see it; the backend checks
the URL and hands back a transfer) and ``finish`` (the backend checks what arrived). Between
the two the body is streamed chunk by chunk into the transfer, without the backend lock.
Answers 200 with an empty body; 404 once the URL is dead; 500 when a scripted transfer
failure broke the upload.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import unquote

from vcl_fake.contract.operations import UPLOAD_OPERATION, UPLOAD_PATH
from vcl_fake.dispatcher import Dispatcher, Invocation
from vcl_fake.errors import VapiError
from vcl_fake.protocols.api import error_response
from vcl_fake.protocols.http import Request, Response

PREFIX = UPLOAD_PATH
PROTOCOL = "data"


class UploadProtocol:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def handle(self, request: Request) -> Response:
        token, _, quoted = request.path[len(PREFIX) :].partition("/")
        raw: dict[str, Any] = {
            "token": token,
            "file_name": unquote(quoted),
            "method": request.method,
        }

        def stage(name: str, carry: Any = None) -> Any:
            inv = Invocation(
                PROTOCOL, UPLOAD_OPERATION, raw, origin=request.origin, stage=name, carry=carry
            )
            return self.dispatcher.invoke(inv)

        try:
            transfer = stage("begin")
            try:
                transfer.feed(request.chunks(), request.reader())
            except Exception as exc:  # the client's body broke off: the client sees its error
                transfer.broken = str(exc) or type(exc).__name__
                raw["bytes"] = transfer.received
                with contextlib.suppress(VapiError):
                    stage("finish", transfer)
                raise
            raw["bytes"] = transfer.received
            stage("finish", transfer)
        except VapiError as exc:
            return error_response(exc)
        return Response(200, {}, b"")

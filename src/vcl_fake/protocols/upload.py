"""The PUSH data plane: ``PUT``/``POST https://{host}/cls/data/{token}/{file name}``.

The URL itself authorises the upload (no session header, as VMware's own samples send it).
Scenario rules see the upload first (operation ``upload``). The body is then streamed chunk
by chunk into the file's hash and spool; the backend lock is held only to start and to
finish. Answers 200 with an empty body; 404 once the URL is dead; 500 when a scripted
transfer failure broke the upload.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any
from urllib.parse import unquote

from vcl_fake import messages as M
from vcl_fake.contract.operations import UPLOAD
from vcl_fake.dispatcher import Call, Dispatcher, outcome_of
from vcl_fake.errors import VapiError, message
from vcl_fake.protocols.api import error_response
from vcl_fake.protocols.http import Request, Response, Scripted
from vcl_fake.scenario.event import Event

PREFIX = "/cls/data/"
PROTOCOL = "data"


class UploadProtocol:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.backend = dispatcher.backend

    def handle(self, request: Request) -> Response:
        token, _, quoted = request.path[len(PREFIX) :].partition("/")
        name = unquote(quoted)
        shown: dict[str, Any] = {"file_name": name, "method": request.method}
        event = Event(PROTOCOL, UPLOAD, {**shown, "token": token})
        if request.method not in ("PUT", "POST"):
            return self._refuse(
                VapiError("OPERATION_NOT_FOUND", message(M.UPLOAD_METHOD, request.method)), shown
            )
        backend = self.backend
        try:
            with backend.lock:
                self.dispatcher.apply_rules(event)
                transfer = backend.files.begin_upload(token, name)
        except VapiError as exc:
            return self._refuse(exc, shown, event.rule)
        except Scripted as scripted:
            self._record(
                Call(
                    PROTOCOL, UPLOAD, shown, outcome_of(scripted), time=self._now(), rule=event.rule
                )
            )
            raise
        if transfer is None:
            return self._refuse(self._gone(request), shown, event.rule)
        try:
            transfer.feed(request.chunks())
        except Exception:
            with backend.lock:
                backend.files.finish_upload(transfer, broken=True)
            raise
        shown["bytes"] = transfer.received
        if "rate" in transfer.script:  # scripted: the bytes took this long on the fake clock
            backend.clock.advance(transfer.received / transfer.script["rate"])
        with backend.lock:
            alive = backend.files.finish_upload(transfer)
        if not alive:
            return self._refuse(self._gone(request), shown, event.rule)
        entry = transfer.file
        if transfer.interrupted and entry.error_message is not None:
            return self._refuse(VapiError("ERROR", entry.error_message), shown, event.rule)
        self._record(
            Call(PROTOCOL, UPLOAD, shown, "success", entry.status, None, self._now(), event.rule)
        )
        return Response(200, {}, b"")

    @staticmethod
    def _gone(request: Request) -> VapiError:
        return VapiError("NOT_FOUND", message(M.UPLOAD_NOT_FOUND, request.path))

    def _refuse(self, error: VapiError, shown: dict[str, Any], rule: str | None = None) -> Response:
        self._record(
            Call(PROTOCOL, UPLOAD, shown, error.error_type, None, error, self._now(), rule)
        )
        return error_response(error)

    def _record(self, call: Call) -> None:
        self.dispatcher.record(call)

    def _now(self) -> _dt.datetime:
        return self.backend.clock.now()

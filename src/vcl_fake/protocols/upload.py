"""The PUSH data plane: ``PUT``/``POST https://{host}/cls/data/{token}/{file name}``.

The URL itself authorises the upload (no session header, as VMware's own samples send it).
The body is streamed chunk by chunk into the file's hash and spool; the backend lock is held
only to start and to finish. Answers 200 with an empty body, or 404 once the URL is dead.
"""

from __future__ import annotations

from urllib.parse import unquote

from vcl_fake import messages as M
from vcl_fake.contract.operations import UPLOAD
from vcl_fake.dispatcher import Call, Dispatcher
from vcl_fake.errors import VapiError, message
from vcl_fake.protocols.api import error_response
from vcl_fake.protocols.http import Request, Response

PREFIX = "/cls/data/"
PROTOCOL = "data"


class UploadProtocol:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.backend = dispatcher.backend

    def handle(self, request: Request) -> Response:
        token, _, quoted = request.path[len(PREFIX) :].partition("/")
        name = unquote(quoted)
        shown = {"file_name": name, "method": request.method}
        if request.method not in ("PUT", "POST"):
            error = VapiError("OPERATION_NOT_FOUND", message(M.UPLOAD_METHOD, request.method))
            return self._refuse(error, shown)
        backend = self.backend
        with backend.lock:
            transfer = backend.files.begin_upload(token, name)
        if transfer is None:
            return self._refuse(
                VapiError("NOT_FOUND", message(M.UPLOAD_NOT_FOUND, request.path)), shown
            )
        try:
            transfer.feed(request.chunks())
        except Exception:
            with backend.lock:
                backend.files.finish_upload(transfer, broken=True)
            raise
        with backend.lock:
            alive = backend.files.finish_upload(transfer)
        shown["bytes"] = transfer.received
        if not alive:
            return self._refuse(
                VapiError("NOT_FOUND", message(M.UPLOAD_NOT_FOUND, request.path)), shown
            )
        outcome = transfer.file.status
        self.dispatcher.record(Call(PROTOCOL, UPLOAD, shown, "success", outcome, None, self._now()))
        return Response(200, {}, b"")

    def _refuse(self, error: VapiError, shown: dict) -> Response:
        self.dispatcher.record(
            Call(PROTOCOL, UPLOAD, shown, error.error_type, None, error, self._now())
        )
        return error_response(error)

    def _now(self):  # noqa: ANN202
        return self.backend.clock.now()

"""The application: one entry point for every HTTP request, whatever carries it.

The responses adapter calls :meth:`Application.handle` in-process; server mode serves the very
same object. It picks the protocol by path and guarantees an answer: a vAPI error body, never
a traceback.
"""

from __future__ import annotations

import logging

from vcl_fake.contract.operations import STATIC_PATH
from vcl_fake.dispatcher import Dispatcher
from vcl_fake.errors import internal_error
from vcl_fake.protocols.api import ApiProtocol, error_response, not_found
from vcl_fake.protocols.download import DownloadProtocol
from vcl_fake.protocols.http import BodyError, Request, Response, Scripted
from vcl_fake.protocols.jsonrpc import JsonRpcProtocol, is_jsonrpc
from vcl_fake.protocols.rest import PREFIX as REST_PREFIX
from vcl_fake.protocols.rest import RestProtocol
from vcl_fake.protocols.upload import PREFIX as UPLOAD_PREFIX
from vcl_fake.protocols.upload import UploadProtocol
from vcl_fake.protocols.vim25 import PREFIX as VIM25_PREFIX
from vcl_fake.protocols.vim25 import Vim25Protocol

log = logging.getLogger("vcl_fake")


class Application:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.api = ApiProtocol(dispatcher)
        self.upload = UploadProtocol(dispatcher)
        self.download = DownloadProtocol(dispatcher)
        self.jsonrpc = JsonRpcProtocol(dispatcher)
        self.rest = RestProtocol(dispatcher)
        self.vim25 = Vim25Protocol(dispatcher)

    def handle(self, request: Request) -> Response:
        try:
            if is_jsonrpc(request):
                return self.jsonrpc.handle(request)
            if request.path == "/api" or request.path.startswith("/api/"):
                return self.api.handle(request)
            if request.path.startswith(REST_PREFIX):
                return self.rest.handle(request)
            if request.path == VIM25_PREFIX or request.path.startswith(VIM25_PREFIX + "/"):
                return self.vim25.handle(request)
            reads = request.method in ("GET", "HEAD")
            if request.path.startswith(UPLOAD_PREFIX):  # transfer URLs: GET reads, PUT writes
                return (self.download if reads else self.upload).handle(request)
            if request.path.startswith(STATIC_PATH) and reads:
                return self.download.handle(request)
            return error_response(not_found(request))
        except BodyError as exc:  # the client's own body failed: the client sees its error
            raise exc.original from None
        except Scripted as scripted:  # a scenario's answer: a prepared response, or a fault
            if scripted.fault is None and scripted.response is not None:
                return scripted.response
            raise  # the transport turns the fault into what its clients would see
        except Exception as exc:  # last line of defence: a bug must not leak a traceback
            log.exception("vcl_fake: unhandled error for %s %s", request.method, request.path)
            return error_response(internal_error(exc))

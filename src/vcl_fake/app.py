"""The application: one entry point for every HTTP request, whatever carries it.

The responses adapter and the httpx transport call :meth:`Application.handle` in-process;
server mode serves the very same object. It picks the protocol by path and guarantees an
answer: a vAPI error body, never a traceback. The calls a request carried get its request
line and status in the journal, and a request that reached no operation (not found, method
not allowed, an unknown JSON-RPC operation or envelope) is journaled as ``unrouted``, with a
did-you-mean when a route is close.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from vcl_fake.contract.operations import STATIC_PATH
from vcl_fake.dispatcher import Dispatcher
from vcl_fake.errors import internal_error
from vcl_fake.journal import Exchange
from vcl_fake.protocols.api import PROTOCOL as API
from vcl_fake.protocols.api import ApiProtocol, error_response, not_found
from vcl_fake.protocols.download import DownloadProtocol
from vcl_fake.protocols.http import BodyError, Request, Response, Scripted
from vcl_fake.protocols.jsonrpc import PROTOCOL as JSONRPC
from vcl_fake.protocols.jsonrpc import JsonRpcProtocol, is_jsonrpc
from vcl_fake.protocols.nearest import suggest
from vcl_fake.protocols.rest import PREFIX as REST_PREFIX
from vcl_fake.protocols.rest import PROTOCOL as REST
from vcl_fake.protocols.rest import RestProtocol
from vcl_fake.protocols.upload import PREFIX as UPLOAD_PREFIX
from vcl_fake.protocols.upload import PROTOCOL as DATA
from vcl_fake.protocols.upload import UploadProtocol
from vcl_fake.protocols.vim25 import PREFIX as VIM25_PREFIX
from vcl_fake.protocols.vim25 import Vim25Protocol

log = logging.getLogger("vcl_fake")
HIDDEN = "********"
#: Statuses that say a request reached no operation (JSON-RPC says it in a 200 body).
NOT_ROUTED = frozenset({404, 405})


class Application:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.journal = dispatcher.journal
        self.now = dispatcher.now
        self.api = ApiProtocol(dispatcher)
        self.upload = UploadProtocol(dispatcher)
        self.download = DownloadProtocol(dispatcher)
        self.jsonrpc = JsonRpcProtocol(dispatcher)
        self.rest = RestProtocol(dispatcher)
        self.vim25 = Vim25Protocol(dispatcher)

    def handle(self, request: Request) -> Response:
        query = request.query_string
        exchange = self.journal.open(request_line(request, query))
        response: Response | None = None
        try:
            response = self._route(request, exchange)
            return response
        except Scripted as scripted:
            response = scripted.response  # truncated_body: the status line arrived
            raise
        finally:
            status = response.status if response is not None else None
            if exchange.calls:
                self.journal.close(exchange, status)
            elif response is not None and response.stream is not None:  # journaled as it ends
                self.journal.resume(None)
                response.stream = self._stamped(response.stream, exchange, status)
            elif status in NOT_ROUTED or exchange.protocol == JSONRPC:  # no operation was found
                self.journal.close(exchange, status, suggest(request, query), self.now())
            else:  # answered without an operation (a static document, a refused body)
                self.journal.close(exchange, status, unrouted=False)

    def _stamped(
        self, stream: Iterable[bytes], exchange: Exchange, status: int | None
    ) -> Iterator[bytes]:
        """A streamed body whose call, recorded when it ends, belongs to its exchange."""
        chunks = iter(stream)
        try:
            while True:
                self.journal.resume(exchange)
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
                finally:
                    self.journal.resume(None)
                yield chunk
        finally:
            self.journal.resume(exchange)
            try:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()  # a body left unread still ends its call
            finally:
                self.journal.close(exchange, status)

    def _route(self, request: Request, exchange: Exchange) -> Response:
        try:
            if is_jsonrpc(request):
                exchange.protocol = JSONRPC
                return self.jsonrpc.handle(request)
            if request.path == "/api" or request.path.startswith("/api/"):
                exchange.protocol = API
                return self.api.handle(request)
            if request.path.startswith(REST_PREFIX):
                exchange.protocol = REST
                return self.rest.handle(request)
            if request.path == VIM25_PREFIX or request.path.startswith(VIM25_PREFIX + "/"):
                return self.vim25.handle(request)
            reads = request.method in ("GET", "HEAD")
            if request.path.startswith(UPLOAD_PREFIX):  # transfer URLs: GET reads, PUT writes
                exchange.protocol = DATA
                return (self.download if reads else self.upload).handle(request)
            if request.path.startswith(STATIC_PATH) and reads:
                exchange.protocol = DATA
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


def request_line(request: Request, query: str) -> str:
    """``METHOD /path?query`` as the journal shows it: an upload URL's token is hidden."""
    path = request.path
    if path.startswith(UPLOAD_PREFIX):
        _, sep, name = path[len(UPLOAD_PREFIX) :].partition("/")
        path = UPLOAD_PREFIX + HIDDEN + sep + name
    return f"{request.method} {path}" + (f"?{query}" if query else "")

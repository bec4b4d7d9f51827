"""httpx transports answering from a fake's application, as the responses adapter does for
``requests`` (needs ``httpx``, an optional dependency)::

    client = httpx.Client(transport=vc.httpx_transport())          # or AsyncClient and
    client = httpx.AsyncClient(transport=vc.async_httpx_transport())  # the async transport

A request for the fake's host (any scheme, any port) is answered in-process by
``vc.handle``, or, for a ``served`` fake, sent to its socket; any other host fails with
``httpx.ConnectError`` naming it (mount the transport on the fake's host alone to let other
hosts through). Scripted faults look as httpx shows them: a reset is ``httpx.ReadError``, a
read timeout ``httpx.ReadTimeout``, a truncated body ``httpx.RemoteProtocolError``.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from vcl_fake.protocols.http import Headers, Request, Response, Scripted

if TYPE_CHECKING:
    from vcl_fake.fake import FakeVCenter


class _Truncated(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks off: half of it arrives, then the connection closes."""

    def __init__(self, kept: bytes) -> None:
        self.kept = kept

    def _broken(self) -> httpx.RemoteProtocolError:
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )

    def __iter__(self) -> Iterator[bytes]:
        yield self.kept
        raise self._broken()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.kept
        raise self._broken()


class _Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A streamed answer's chunks, for either client."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = iter(chunks)

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()

    async def aclose(self) -> None:
        self.close()


class _Base:
    def __init__(self, vc: FakeVCenter) -> None:
        self.vc = vc

    def _check_host(self, request: httpx.Request) -> None:
        host = request.url.host.lower()
        if host != self.vc.host:
            raise httpx.ConnectError(
                f"Connection refused by vcl_fake: this transport answers for {self.vc.host!r} "
                f"only, not {host!r} (a mistyped host?); mount it on the fake's host alone "
                f'(mounts={{"all://{self.vc.host}": ...}}) to let other hosts through',
                request=request,
            )

    def _served(self, request: httpx.Request) -> httpx.Request | None:
        """The request addressed to the served socket, for a served fake; else None."""
        server = self.vc.server
        if not self.vc.served or server is None:
            return None
        served = httpx.URL(server.url)
        headers = httpx.Headers(request.headers)
        headers["Host"] = request.url.netloc.decode("ascii")
        return httpx.Request(
            request.method,
            request.url.copy_with(scheme=served.scheme, host=served.host, port=served.port),
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )

    def _verify(self) -> ssl.SSLContext | bool:
        ca_file = getattr(self.vc.server, "ca_file", None)
        return ssl.create_default_context(cafile=str(ca_file)) if ca_file else False

    def _answer(self, request: httpx.Request, body: Any) -> httpx.Response:
        ours = Request(
            request.method, str(request.url), Headers(request.headers.multi_items()), body
        )
        try:
            response = self.vc.handle(ours)
        except Scripted as scripted:
            return self._fault(request, scripted)
        return self._response(request, response)

    @staticmethod
    def _response(request: httpx.Request, response: Response) -> httpx.Response:
        if response.stream is not None:  # a download: its body streams as it is read
            return httpx.Response(
                response.status,
                headers=response.headers,
                stream=_Chunks(response.stream),
                request=request,
            )
        return httpx.Response(
            response.status, headers=response.headers, content=response.body, request=request
        )

    @staticmethod
    def _fault(request: httpx.Request, scripted: Scripted) -> httpx.Response:
        if scripted.fault == "truncated_body" and scripted.response and scripted.response.body:
            whole = scripted.response
            return httpx.Response(
                whole.status,
                headers=whole.headers,
                stream=_Truncated(whole.body[: len(whole.body) // 2]),
                request=request,
            )
        if scripted.fault == "read_timeout":
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        if scripted.fault == "truncated_body":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)


class FakeTransport(_Base, httpx.BaseTransport):
    """A synchronous httpx transport answering from ``vc``."""

    def __init__(self, vc: FakeVCenter) -> None:
        super().__init__(vc)
        self._socket: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._check_host(request)
        served = self._served(request)
        if served is not None:
            if self._socket is None:
                self._socket = httpx.HTTPTransport(verify=self._verify())
            return self._socket.handle_request(served)
        stream = request.stream
        body = stream if isinstance(stream, httpx.SyncByteStream) else request.read()
        return self._answer(request, iter(body) if not isinstance(body, bytes) else body)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class AsyncFakeTransport(_Base, httpx.AsyncBaseTransport):
    """An asynchronous httpx transport answering from ``vc`` (the fake answers in-process,
    synchronously: it never waits on anything but its own lock)."""

    def __init__(self, vc: FakeVCenter) -> None:
        super().__init__(vc)
        self._socket: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._check_host(request)
        served = self._served(request)
        if served is not None:
            if self._socket is None:
                self._socket = httpx.AsyncHTTPTransport(verify=self._verify())
            return await self._socket.handle_async_request(served)
        return self._answer(request, await request.aread())

    async def aclose(self) -> None:
        if self._socket is not None:
            await self._socket.aclose()
            self._socket = None


__all__ = ["AsyncFakeTransport", "FakeTransport"]

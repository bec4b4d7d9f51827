"""Plugging fakes into ``requests`` through ``responses``.

Each fake owns a private ``responses.RequestsMock`` whose callbacks answer every method and
path on the fake's host. One process-wide :class:`Interceptor` (requests' transport is itself
process-wide; it holds only which fakes are active, no fake data) routes by host name:

* it patches ``HTTPAdapter.send``, sending a fake's host to that fake and every other URL to
  whatever was there before (the real network, or a user's mock started earlier);
* it wraps ``RequestsMock._on_request`` so that a user's mock started *later* hands a request
  for a fake's host to that fake, unless the user registered a response for it (the user wins).

Activation is counted: a fake started twice (nested ``with vc:``, the fixture's fake entered
again in a test) stays active until it is stopped as many times, so an inner exit never lets
requests for its host through to the network.

No accidental network: a request for a host that no fake and no user mock claims fails with a
ConnectionError naming the host (as an unmatched ``responses`` request does), unless the host
is loopback or an active fake allows it (``passthrough``). A served fake's requests go to its
socket (``served``), through requests' real transport.

File-like request bodies are turned into chunk generators first, so uploads stream; a
streamed answer (a download) reaches ``requests`` as a reader over its chunks. The
private mock records nothing: ``responses`` keeps every request and response it answers (in
the mock and in the registration), which in a long-lived fake is memory without bound and the
request bodies with it; the fake's own journal is what tests read.
"""

from __future__ import annotations

import fnmatch
import http.client
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from responses import _form_response, _handle_body
from urllib3 import HTTPHeaderDict, HTTPResponse
from urllib3.exceptions import ProtocolError

from vcl_fake.protocols.http import Headers, Request, Response, Scripted

CHUNK = 1 << 20
_REASONS = http.client.responses
_REAL_SEND = responses._real_send  # requests' own transport
_SEND_ARGS = ("stream", "timeout", "verify", "cert", "proxies")
#: Hosts that are never "the network": served fakes and local test servers live there.
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class ResponsesAdapter:
    """The responses side of one fake: a private RequestsMock answering from ``handle``."""

    def __init__(
        self, host: str, handle: Callable[[Request], Response], passthrough: Iterable[str] = ()
    ) -> None:
        self.host = host.lower()
        self.handle = handle
        self.passthrough = tuple(
            h.lower() for h in ([passthrough] if isinstance(passthrough, str) else passthrough)
        )
        self.served: Any = None  # the FakeServer to forward to, in served mode
        self.mock = _PrivateMock()
        url = re.compile(rf"https?://{re.escape(self.host)}(:\d+)?([/?#].*)?", re.IGNORECASE)
        registration = _AnyMethod("GET", url, callback=self._callback, content_type=None)
        registration._calls = _Unrecorded()
        self.mock.add(registration)
        self.mock._registration = registration
        self._starts = 0  # how many start() calls are not yet matched by a stop()
        self._starts_lock = threading.Lock()

    def _callback(self, prepared: Any) -> tuple[int, dict[str, str], bytes | io.BufferedReader]:
        headers = prepared.headers  # requests' CaseInsensitiveDict: its keys come lower-cased
        if hasattr(headers, "lower_items"):
            fields = Headers.lowered(headers.lower_items())
        else:
            fields = Headers(headers)
        request = Request(prepared.method, prepared.url, fields, prepared.body)
        try:
            response = self.handle(request)
        except Scripted as scripted:
            response = self._fault(scripted, prepared)
        if response.stream is not None:  # a download: requests reads it as it streams
            return response.status, response.headers, _reader(response.stream)
        return response.status, response.headers, response.body

    def _fault(self, scripted: Scripted, prepared: Any) -> Response:
        """What ``requests`` shows its caller for a scripted transport fault."""
        if scripted.fault == "truncated_body" and scripted.response and scripted.response.body:
            return scripted.truncated()  # reading the body fails: ChunkedEncodingError
        if scripted.fault == "read_timeout":
            raise requests.ReadTimeout(
                f"HTTPSConnectionPool(host='{self.host}', port=443): Read timed out.",
                request=prepared,
            )
        if scripted.fault == "truncated_body":  # no body to cut: the answer never arrives
            why = ConnectionResetError(104, "Remote end closed connection without response")
        else:
            why = ConnectionResetError(104, "Connection reset by peer")
        raise requests.ConnectionError(ProtocolError("Connection aborted.", why), request=prepared)

    def send(self, adapter: HTTPAdapter, request: Any, **kwargs: Any) -> Any:
        if self.served is not None:
            return self._forward(adapter, request, **kwargs)
        return self.mock._on_request(adapter, request, **kwargs)

    @property
    def active(self) -> bool:
        return self._starts > 0

    def _forward(self, adapter: HTTPAdapter, request: Any, **kwargs: Any) -> Any:
        """Send the request to the served socket (the Host header keeps the fake's name)."""
        server, url = self.served, request.url
        request.headers["Host"] = urlsplit(url).netloc
        request.url = server.url + request.path_url
        ca_file = getattr(server, "ca_file", None)
        kwargs.update(verify=str(ca_file) if ca_file else False, proxies={})
        response = _REAL_SEND(adapter, request, **kwargs)
        response.url = request.url = url
        return response

    def allows(self, host: str) -> bool:
        return any(fnmatch.fnmatchcase(host, pattern) for pattern in self.passthrough)

    def start(self) -> None:
        with self._starts_lock:
            if self._starts == 0:
                INTERCEPTOR.activate(self)
            self._starts += 1

    def stop(self) -> None:
        """Undo one ``start``; the last one deactivates (extra stops change nothing)."""
        with self._starts_lock:
            if self._starts == 0:
                return
            self._starts -= 1
            if self._starts == 0:
                INTERCEPTOR.deactivate(self)


class _PrivateMock(responses.RequestsMock):
    """A fake's own mock (``_vcl_fake`` marks it): it records no call (see the module
    docstring), parses no query parameters (nothing of its one registration reads them) and
    hands every request to that registration without a registry search."""

    _vcl_fake = True
    _registration: Any = None

    def __init__(self) -> None:
        super().__init__(assert_all_requests_are_fired=False)
        self._calls = _Unrecorded()

    def _parse_request_params(self, url: str) -> dict[str, Any]:
        return {}

    def _find_match(self, request: Any) -> tuple[Any, list[str]]:
        return self._registration, []  # its one registration answers every request it is given


class _AnyMethod(responses.CallbackResponse):
    """One registration that answers every method on the fake's host (the interceptor hands
    this mock only requests for that host)."""

    def matches(self, request: Any) -> tuple[bool, str]:
        return True, ""

    def get_response(self, request: Any) -> Any:
        """The callback's answer as ``responses`` builds it, without what a registration
        with no headers or content type of its own needs (merging those in), and without
        the stand-in for ``http.client``'s response that ``responses`` wraps every answer
        in: ``requests`` reads only cookies off it, so only an answer setting one gets it
        (half the cost of forming an answer)."""
        status, headers, body = self.callback(request)
        fields = HTTPHeaderDict(headers)
        if "set-cookie" in fields:
            return _form_response(_handle_body(body), fields, status, request.method)
        return HTTPResponse(
            status=status,
            reason=_REASONS.get(status),
            body=_handle_body(body),
            headers=fields,
            preload_content=False,
            request_method=request.method,
        )


class _StreamIO(io.RawIOBase):
    """A chunk iterator as a raw binary stream (read by urllib3 in pieces, never joined)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _reader(chunks: Iterable[bytes]) -> io.BufferedReader:
    return io.BufferedReader(_StreamIO(chunks), CHUNK)


class _Unrecorded(responses.CallList):
    """A call list that keeps nothing (see the module docstring)."""

    def add(self, request: Any, response: Any) -> None:
        pass

    def add_call(self, call: Any) -> None:
        pass


def _streamable(request: Any) -> None:
    body = request.body
    if body is not None and hasattr(body, "read"):
        request.body = _chunks(body)


def _chunks(body: Any) -> Iterator[bytes]:
    while chunk := body.read(CHUNK):
        yield chunk.encode() if isinstance(chunk, str) else chunk


class Interceptor:
    """Routes requests for active fakes' hosts; see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fakes: dict[str, ResponsesAdapter] = {}
        self._previous_send: Callable[..., Any] | None = None
        self._previous_on_request: Callable[..., Any] | None = None
        self._send: Callable[..., Any] | None = None
        self._on_request: Callable[..., Any] | None = None

    def lookup(self, url: str) -> ResponsesAdapter | None:
        if not self._fakes:
            return None
        return self._fakes.get(_host(url))

    def refuse(self, request: Any) -> None:
        """Raise ConnectionError unless an unclaimed request may reach the network."""
        host = _host(request.url)
        fakes = list(self._fakes.values())
        if not fakes or host in LOOPBACK or any(f.allows(host) for f in fakes):
            return
        names = ", ".join(sorted(f.host for f in fakes))
        raise requests.ConnectionError(
            f"Connection refused by vcl_fake: no mock claims {host!r} while FakeVCenter is "
            f"active on {names} (a mistyped host?); allow real requests to it with "
            f"FakeVCenter(passthrough=[{host!r}]) or the marker's passthrough=",
            request=request,
        )

    def activate(self, fake: ResponsesAdapter) -> None:
        with self._lock:
            if fake.host in self._fakes:
                if self._fakes[fake.host] is fake:
                    return
                raise RuntimeError(f"another FakeVCenter is already active on host {fake.host!r}")
            if not self._fakes:
                self._install()
            self._fakes[fake.host] = fake

    def deactivate(self, fake: ResponsesAdapter) -> None:
        with self._lock:
            if self._fakes.get(fake.host) is fake:
                del self._fakes[fake.host]
                if not self._fakes:
                    self._uninstall()

    def _install(self) -> None:
        previous_send = self._previous_send = HTTPAdapter.send
        previous_on_request = self._previous_on_request = responses.RequestsMock._on_request
        interceptor = self

        def send(adapter: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
            fake = interceptor.lookup(request.url)
            if fake is None:
                if previous_send is _REAL_SEND:  # no user mock below us: the network
                    interceptor.refuse(request)
                return previous_send(adapter, request, *args, **kwargs)
            kwargs.update(zip(_SEND_ARGS, args, strict=False))
            _streamable(request)
            return fake.send(adapter, request, **kwargs)

        def on_request(mock: Any, adapter: HTTPAdapter, request: Any, **kwargs: Any) -> Any:
            fake = None if getattr(mock, "_vcl_fake", False) else interceptor.lookup(request.url)
            if fake is not None and not _user_mock_matches(mock, request, kwargs):
                _streamable(request)
                return fake.send(adapter, request, **kwargs)
            return previous_on_request(mock, adapter, request, **kwargs)

        HTTPAdapter.send = self._send = send  # type: ignore[method-assign,assignment]
        responses.RequestsMock._on_request = self._on_request = on_request  # type: ignore[method-assign,assignment]

    def _uninstall(self) -> None:
        # Restore only what is still ours: if someone patched over us, our functions stay in
        # their chain, where with no active fake they simply pass everything on.
        if HTTPAdapter.send is self._send:
            HTTPAdapter.send = self._previous_send  # type: ignore[method-assign,assignment]
        if responses.RequestsMock._on_request is self._on_request:
            responses.RequestsMock._on_request = self._previous_on_request  # type: ignore[method-assign,assignment]


def _host(url: str) -> str:
    netloc = str(url).split("/", 3)[2] if "://" in str(url) else ""
    host = netloc.rpartition("@")[2]
    host = host[1 : host.find("]")] if host.startswith("[") else host.partition(":")[0]
    return host.lower()


def _user_mock_matches(mock: Any, request: Any, kwargs: dict[str, Any]) -> bool:
    """Would a user's RequestsMock answer this request itself? (checked without consuming)."""
    request.params = mock._parse_request_params(request.path_url)
    request.req_kwargs = kwargs
    return any(r.matches(request)[0] for r in mock.registered())


#: The single process-wide router (see the module docstring for why it must be one).
INTERCEPTOR = Interceptor()

"""Server mode: the very same application over a real socket, for clients that do not use
``requests`` (govc, curl, Ansible on other HTTP stacks, other SDKs).

:class:`FakeServer` serves one :class:`~vcl_fake.fake.FakeVCenter` with a thread per
connection (``ThreadingHTTPServer``), HTTP/1.1 keep-alive, streamed request bodies
(Content-Length or chunked), TLS with a generated certificate unless one is given, and the
control API under ``/_vcl_fake/``. The TLS handshake happens in the connection's own thread,
under the same timeout as every read, so a silent client holds only its own connection.
Limits (see docs/security.md): header lines and counts as ``http.server`` enforces them,
``MAX_CONNECTIONS`` open connections, API bodies up to ``API_BODY_LIMIT`` (uploads stream
without limit), ``SLOW_CLIENT_TIMEOUT`` for every handshake and read, and in all for a
handshake, request line and headers however slowly they trickle in. Malformed framing (a
Content-Length that is not a number, a bad chunk size) is answered 400 and the connection
closed.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import email.utils
import http.client
import ipaddress
import itertools
import logging
import re
import secrets
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vcl_fake.protocols.http import BodyError, Headers, Request, Response, Scripted

if TYPE_CHECKING:
    from vcl_fake.fake import FakeVCenter

log = logging.getLogger("vcl_fake")
CONTROL_PREFIX = "/_vcl_fake/"
CHUNK = 1 << 20
#: Seconds a client may stay silent (TLS handshake, request line, headers, every body read),
#: and the most a connection may take in all to complete its handshake and send a request line
#: and headers (bytes trickling in do not stretch it).
SLOW_CLIENT_TIMEOUT = 30.0
#: Longest header line and most header lines (as ``http.client`` limits them).
MAX_HEADER_LINE, MAX_HEADERS = 65536, 100
#: Connections served at once (each holds one thread). At the cap the connection idle the
#: longest is closed to make room; with every one busy, new connections wait their turn.
MAX_CONNECTIONS = 128
READ_TIMEOUT_HOLD = 30.0  # how long a scripted read_timeout keeps the client waiting
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")
STOP_POLL = 0.05  # how often a served fake checks for stop(): a test's teardown waits this long
#: Longest chunk-size line and most trailer lines of a chunked body.
CHUNK_LINE_LIMIT, TRAILER_LIMIT = 1024, 64
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")


class FramingError(ValueError):
    """The request's framing (Content-Length, Transfer-Encoding, chunks) cannot be read."""


def body_length(headers: Any) -> tuple[bool, int]:
    """``(chunked, Content-Length)`` of a request; FramingError for anything ambiguous."""
    encodings = [
        e.strip().lower()
        for e in ",".join(headers.get_all("Transfer-Encoding") or ()).split(",")
        if e.strip()
    ]
    lengths = {v.strip() for v in headers.get_all("Content-Length") or ()}
    if encodings:
        if encodings != ["chunked"]:
            raise FramingError(f"unsupported Transfer-Encoding {', '.join(encodings)!r}")
        if lengths:
            raise FramingError("both Transfer-Encoding and Content-Length are set")
        return True, 0
    if not lengths:
        return False, 0
    if len(lengths) > 1:
        raise FramingError(f"conflicting Content-Length values {sorted(lengths)}")
    value = lengths.pop()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise FramingError(f"Content-Length {value!r} is not a number of bytes")
    return False, int(value)


class _Body:
    """The request body, as a stream of chunks or read straight into a caller's buffers
    (:meth:`read_into`), each going on where the other stopped; knows whether it was read to
    the end."""

    def __init__(self, rfile: Any, headers: Any) -> None:
        self.rfile = rfile
        # Bytes left: of the body (Content-Length), or of the current chunk (chunked).
        self.chunked, self.remaining = body_length(headers)
        self.done = not self.chunked and self.remaining == 0

    def __iter__(self) -> Iterator[bytes]:
        """The chunks, up to :data:`CHUNK` bytes each, read as the request's thread asks for
        them (an upload's are hashed by a thread of their own meanwhile)."""
        while self._more():
            data = self.rfile.read(min(CHUNK, self.remaining))
            self._took(len(data))
            yield data

    def read_into(self, buffer: memoryview) -> int:
        """The next body bytes straight into ``buffer`` (no chunk object): how many; 0 at
        the end of the body."""
        if not self._more():
            return 0
        count = self.rfile.readinto(buffer[: self.remaining])
        self._took(count or 0)
        return int(count)

    def _more(self) -> bool:
        """Whether body bytes follow, reading the next chunk's size line where one is due."""
        if not self.done and self.remaining == 0:  # chunked, between two chunks
            self._next_chunk()
        return not self.done

    def _took(self, count: int) -> None:
        if not count:
            raise ConnectionError("the client closed the connection mid-body")
        self.remaining -= count
        if self.remaining == 0:
            if not self.chunked:
                self.done = True
            elif self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise FramingError("a chunk is not followed by CRLF")

    def _next_chunk(self) -> None:
        line = self.rfile.readline(CHUNK_LINE_LIMIT + 1)
        if not line:
            raise ConnectionError("the client closed the connection mid-body")
        field = line.split(b";", 1)[0].strip()
        if len(line) > CHUNK_LINE_LIMIT or not _CHUNK_SIZE.fullmatch(field):
            raise FramingError(f"bad chunk size line {line[:40]!r}")
        self.remaining = int(field, 16)
        if self.remaining:
            return
        for _ in range(TRAILER_LIMIT):
            if self.rfile.readline(CHUNK_LINE_LIMIT) in (b"\r\n", b"\n", b""):
                self.done = True
                return
        raise FramingError(f"more than {TRAILER_LIMIT} trailer lines")


class _Headers:
    """Request headers read straight off the connection, with the subset of
    ``email.message.Message`` that ``http.server`` and this module use (``get``, ``get_all``,
    ``items``). ``http.server`` parses headers with the email package, which was the largest
    single cost of a small request; the limits are the same (line length, header count)."""

    __slots__ = ("_index", "_items")

    def __init__(self, rfile: Any) -> None:
        items: list[tuple[str, str]] = []
        while True:
            line = rfile.readline(MAX_HEADER_LINE + 1)
            if len(line) > MAX_HEADER_LINE:
                raise http.client.LineTooLong("header line")
            if line in (b"\r\n", b"\n", b""):
                break
            if len(items) >= MAX_HEADERS:
                raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
            text = line.decode("iso-8859-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and items:  # a folded continuation line
                name, value = items[-1]
                items[-1] = (name, value + text)
                continue
            name, colon, value = text.partition(":")
            if colon:
                items.append((name, value.lstrip(" \t")))
        self._items = items
        self._index: dict[str, list[str]] = {}
        for name, value in items:
            self._index.setdefault(name.lower(), []).append(value)

    def get(self, name: str, default: Any = None) -> Any:
        values = self._index.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str, default: Any = None) -> Any:
        return list(self._index.get(name.lower(), ())) or default

    def __getitem__(self, name: str) -> str | None:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vcl-fake"
    sys_version = ""
    timeout = SLOW_CLIENT_TIMEOUT
    disable_nagle_algorithm = True  # small answers go out at once (no delayed-ACK stalls)
    wbufsize = 1 << 16  # status line, headers and body leave in one write (flushed per answer)
    server: _Server
    raw_requestline: bytes

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests (bad request line, header limits) get a vAPI JSON error too."""
        import json

        from vcl_fake import messages as M
        from vcl_fake.errors import VapiError
        from vcl_fake.errors import message as text

        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.1"  # always answer with a status line
        self.close_connection = True
        error = VapiError("INVALID_REQUEST", text(M.HTTP_REQUEST_REFUSED, code, message or ""))
        body = json.dumps(error.to_value()).encode()
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def version_string(self) -> str:
        return self.server_version

    def handle_one_request(self) -> None:
        self.server.idle(True)  # until the request line and headers are in (see _Server.idle)
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s - %s", self.address_string(), format % args)

    def parse_request(self) -> bool:
        """``BaseHTTPRequestHandler.parse_request`` (same checks, same answers to malformed
        requests), with the headers read by :class:`_Headers`."""
        self.command = None  # type: ignore[assignment]
        self.request_version = version = self.default_request_version
        self.close_connection = True
        self.requestline = requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:  # enough to know the protocol version
            version = words[-1]
            number = version[5:].split(".") if version.startswith("HTTP/") else []
            if len(number) != 2 or not all(n.isdigit() and len(n) <= 10 for n in number):
                self.send_error(400, f"Bad request version ({version!r})")
                return False
            major_minor = int(number[0]), int(number[1])
            if major_minor >= (1, 1):
                self.close_connection = False
            if major_minor >= (2, 0):
                self.send_error(505, f"Invalid HTTP version ({version[5:]})")
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(400, f"Bad request syntax ({requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(400, f"Bad HTTP/0.9 request type ({command!r})")
                return False
        self.command, self.path = command, path
        if self.path.startswith("//"):  # never an absolute URI without a scheme
            self.path = "/" + self.path.lstrip("/")
        try:
            self.headers = _Headers(self.rfile)  # type: ignore[assignment]
        except http.client.LineTooLong as err:
            self.send_error(431, "Line too long", str(err))
            return False
        except http.client.HTTPException as err:
            self.send_error(431, "Too many headers", str(err))
            return False
        self.server.idle(False)  # the request line and headers are in: serving it
        connection = self.headers.get("Connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        expect = self.headers.get("Expect", "").lower()
        if expect == "100-continue" and self.request_version >= "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def _serve(self) -> None:
        fake = self.server.fake
        try:
            body = _Body(self.rfile, self.headers)
            request = Request(
                self.command, self._origin() + self.path, Headers(self.headers.items()), body
            )
            if request.path.startswith(CONTROL_PREFIX):
                response = self.server.control(request, self.client_address[0])
            else:
                response = fake.handle(request)
        except Scripted as scripted:
            self._fault(scripted)
            return
        except (FramingError, BodyError) as exc:
            why = exc.original if isinstance(exc, BodyError) else exc
            if isinstance(why, FramingError):
                self.send_error(400, str(why))
            else:  # the client went away or stayed silent: nobody to answer
                self.close_connection = True
            return
        except OSError:
            self.close_connection = True
            return
        except Exception:  # a bug: no traceback reaches anyone
            log.exception("vcl_fake server: %s %s", self.command, self.path)
            self.close_connection = True
            return
        if not body.done:
            self.close_connection = True  # unread body bytes: this connection cannot be reused
        self._send(response)

    def _origin(self) -> str:
        """Where the client reached us: the Host header it sent (so URLs handed back work
        from the client's side of a wildcard bind), else the served URL."""
        host = self.headers.get("Host", "")
        scheme = self.server.base_url.partition(":")[0]
        if host and _HOST.fullmatch(host):
            return f"{scheme}://{host}"
        return self.server.base_url

    def _send(self, response: Response, *, declared: int | None = None) -> None:
        """The status line and headers in one piece (``send_response`` and ``send_header``
        build them a call per line), then the body."""
        status = response.status
        if log.isEnabledFor(logging.DEBUG):
            self.log_request(status)
        reason = self.responses.get(status, ("",))[0]
        head = [f"HTTP/1.1 {status} {reason}", f"Server: {self.server_version}"]
        head.append(f"Date: {self.server.date()}")
        given = None
        for name, value in response.headers.items():
            if name.lower() == "content-length":
                given = value
            else:
                head.append(f"{name}: {value}")
        length = declared if declared is not None else len(response.body)
        if declared is None and given is not None and (response.stream or not response.body):
            length = int(given)  # a streamed body, or a HEAD answer, declares its length
        if status not in (204, 304):
            head.append(f"Content-Length: {length}")
        if self.close_connection:
            head.append("Connection: close")
        head.append("\r\n")
        self.wfile.write("\r\n".join(head).encode("latin-1", "strict"))
        if self.command == "HEAD":
            return
        if response.stream is None:
            self.wfile.write(response.body)
            return
        sent = 0
        for chunk in response.stream:
            self.wfile.write(chunk)
            sent += len(chunk)
        if sent < length:  # a cut download: the client sees the connection close early
            self.close_connection = True

    def _fault(self, scripted: Scripted) -> None:
        self.close_connection = True
        if scripted.fault == "read_timeout":
            deadline = time.monotonic() + READ_TIMEOUT_HOLD
            while time.monotonic() < deadline and not self.server.stopping.is_set():
                time.sleep(0.05)
            return
        if scripted.fault == "truncated_body" and scripted.response is not None:
            cut = scripted.truncated()
            self._send(cut, declared=int(cut.headers["Content-Length"]))
            return
        # connection_error, or a truncated answer with no body: drop the connection
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class _Server(ThreadingHTTPServer):
    """Accepts connections and hands each to a thread of its own at once: the TLS handshake,
    with its timeout, runs in that thread. At most ``MAX_CONNECTIONS`` are open: at the cap
    the connection idle the longest (silent since it connected, or waiting for its next
    request) is closed to make room, as HTTP/1.1 lets a server close an idle persistent
    connection (clients open another); while every one is busy, new connections wait. ``stop``
    closes those still open, so no silent client keeps the server from exiting."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = MAX_CONNECTIONS  # the listen backlog: connections waiting their turn

    def __init__(self, address: tuple[str, int], fake: FakeVCenter) -> None:
        self.address_family = address_family(address[0], address[1])
        super().__init__(address, _Handler)
        self.fake = fake
        self.base_url = ""
        self.stopping = threading.Event()
        self._date = (0, "")  # the Date header, formatted once a second
        self.tls: ssl.SSLContext | None = None
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.open: dict[Any, Any] = {}  # accepted socket -> the socket to shut down
        #: Accepted sockets waiting for a request line and headers -> since when (monotonic),
        #: the longest first.
        self.idle_since: dict[Any, float] = {}
        self.open_lock = threading.Lock()
        self.current = threading.local()  # the accepted socket a connection's thread serves
        from vcl_fake.control import Control

        #: What every control API request must carry (header ``vcl-fake-token``).
        self.token = secrets.token_urlsafe(32)
        self.control = Control(fake, token=self.token)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            with contextlib.suppress(OSError):  # "::" serves IPv4 clients too where it can
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slot():  # stopping
            self.shutdown_request(request)
            return
        with self.open_lock:
            self.open[request] = request
            self.idle_since[request] = time.monotonic()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def _slot(self) -> bool:
        """Take a connection slot (False: the server is stopping). With none free, the
        connection idle the longest is shut down to free its slot; with none idle, wait."""
        while not self.stopping.is_set():
            if self.slots.acquire(blocking=False):
                return True
            self._close_idle(longest=True)
            if self.slots.acquire(timeout=STOP_POLL):
                return True
        return False

    def idle(self, idle: bool) -> None:
        """The calling connection's thread waits for a request line and its headers (True),
        or has them (False). Waiting has one deadline, ``SLOW_CLIENT_TIMEOUT`` in all, however
        the bytes trickle in (each read has the same timeout of its own)."""
        request = getattr(self.current, "request", None)
        with self.open_lock:
            if request not in self.open:
                return
            self.idle_since.pop(request, None)
            if idle:
                self.idle_since[request] = time.monotonic()  # now the newest idle one

    def service_actions(self) -> None:
        """Between accepts: shut down the connections that have waited for a request line and
        headers past their deadline."""
        self._close_idle(longest=False)

    def _close_idle(self, *, longest: bool) -> None:
        """Shut down the idle connections past their deadline, and with ``longest`` the one
        idle the longest if none is (each is reclaimed once; its thread ends and frees its
        slot)."""
        cutoff = time.monotonic() - SLOW_CLIENT_TIMEOUT
        with self.open_lock:
            expired = list(
                itertools.takewhile(lambda r: self.idle_since[r] <= cutoff, self.idle_since)
            )
            if longest and not expired and self.idle_since:
                expired.append(next(iter(self.idle_since)))
            victims = [self.open.get(request) for request in expired]
            for request in expired:
                del self.idle_since[request]
        for victim in victims:
            if victim is not None:
                with contextlib.suppress(OSError):
                    victim.shutdown(socket.SHUT_RDWR)

    def _release(self, request: Any) -> None:
        with self.open_lock:
            self.idle_since.pop(request, None)
            if self.open.pop(request, None) is not None:
                self.slots.release()

    def finish_request(self, request: Any, client_address: Any) -> None:
        """In the connection's thread: the TLS handshake (bounded by the timeout), then HTTP."""
        self.current.request = request
        request.settimeout(SLOW_CLIENT_TIMEOUT)
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        tls = self.tls.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
        with tls:
            with self.open_lock:  # stop() must reach the connection from now on
                if request in self.open:
                    self.open[request] = tls
            try:
                tls.do_handshake()
            except (OSError, ValueError) as exc:
                log.debug("vcl_fake server: TLS handshake with %s failed: %s", client_address, exc)
                return
            super().finish_request(tls, client_address)

    def close_connections(self) -> None:
        """Wake every connection's thread: their sockets are shut down."""
        with self.open_lock:
            connections = list(self.open.values())
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def date(self) -> str:
        """The current time as an HTTP Date header value."""
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, email.utils.formatdate(now, usegmt=True))
        return self._date[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("vcl_fake server: connection from %s ended abruptly", client_address)


def address_family(bind: str, port: int) -> socket.AddressFamily:
    """IPv6 for an IPv6 literal (or a name that only resolves to one), IPv4 otherwise."""
    if ":" in bind:
        return socket.AF_INET6
    try:
        found = socket.getaddrinfo(
            bind or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror:
        return socket.AF_INET
    families = {f[0] for f in found}
    return socket.AF_INET if socket.AF_INET in families or not families else socket.AF_INET6


class FakeServer:
    """Serve ``fake`` on ``bind:port`` (0: any free port), with TLS unless ``tls=False``."""

    def __init__(
        self,
        fake: FakeVCenter,
        bind: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: bool = True,
        cert: str | Path | None = None,
        key: str | Path | None = None,
    ) -> None:
        self.fake = fake
        self.httpd = _Server((bind, port), fake)
        self.tls = tls
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.certificate_pem = ""
        #: With a generated certificate: the CA file that verifies it (``verify=`` for requests).
        self.ca_file: Path | None = None
        if tls:
            if cert is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="vcl-fake-")
                self.ca_file, cert, key = _generated_certificate(Path(self._tmp.name), bind)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(cert), str(key) if key else None)
            self.httpd.tls = context  # each connection's thread does its own handshake
            self.certificate_pem = Path(cert).read_text()
            if self.ca_file is None:
                self.ca_file = Path(cert)  # a given certificate is its own trust anchor
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"{'https' if tls else 'http'}://{shown}:{self.port}"
        self.httpd.base_url = self.url
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The served address (``127.0.0.1`` by default), as a client's ``host=`` takes it."""
        return str(self.httpd.server_address[0])

    @property
    def port(self) -> int:
        """The served port (the free one picked when ``port=0``)."""
        return int(self.httpd.server_address[1])

    @property
    def control_token(self) -> str:
        """The token the control API requires, in the ``vcl-fake-token`` header."""
        return self.httpd.token

    @property
    def thumbprint(self) -> str:
        """SHA-256 thumbprint of the served certificate, colon-separated hex."""
        from vcl_fake.backend import load_certificates, thumbprint

        return thumbprint(load_certificates(self.certificate_pem)[0], "sha256")

    def start(self) -> FakeServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": STOP_POLL},
            name="vcl-fake-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._tmp is not None:
            self._tmp.cleanup()

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`shutdown` (used by ``vcl-fake serve``)."""
        self.httpd.serve_forever()

    def close(self) -> None:
        """Release the socket and the generated certificate (after :meth:`serve_forever`)."""
        self.httpd.stopping.set()
        self.httpd.server_close()
        self.httpd.close_connections()
        if self._tmp is not None:
            self._tmp.cleanup()


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket
    return bool((mapped or ip).is_loopback)


def _generated_certificate(folder: Path, bind: str) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate it signs, for localhost, 127.0.0.1, ::1 and
    the bind address, valid for a year: (CA file, certificate file, key file)."""
    from cryptography.hazmat.primitives import serialization

    from vcl_fake.packages import certificate_authority, server_certificate

    now = _dt.datetime.now(_dt.timezone.utc)
    start, end = now - _dt.timedelta(days=1), now + _dt.timedelta(days=365)
    ca = certificate_authority(
        "CN=vcl-fake test CA", not_before=start, not_after=end, key_type="ec"
    )
    cert = server_certificate(
        ("localhost", "127.0.0.1", "::1", bind), issuer=ca, not_before=start, not_after=end
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_path.write_text(ca.certificate_pem)
    cert_path.write_text(cert.certificate_pem)
    key_path.write_bytes(
        cert.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path

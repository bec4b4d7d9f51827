"""Fetching real ``http(s)`` URLs for PULL transfers, when a fake is allowed to (opt-in).

Policies: ``None`` (off: only registered sources exist), ``"loopback"`` (hosts ``localhost``
and loopback addresses only: a web server the test started) and ``"any"``. A fetch runs in a
thread of its own, never under the backend lock: it streams the body into a spool (memory,
then a temporary file), and hands the result over as a :class:`~vcl_fake.backend.sources.Source`,
so the pull then progresses on the fake clock like any registered source. For ``https`` the
certificate the server presents is judged by the same rules as a registered source's
(:func:`~vcl_fake.backend.sources.check_tls`: the endpoint's certificate or thumbprint, else a
chain to the fake's trusted roots on the fake's clock). No redirects are followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from vcl_fake import messages as M
from vcl_fake.backend.sources import CHUNK, Source
from vcl_fake.backend.transfers import SPOOL_IN_MEMORY
from vcl_fake.errors import Message, message

log = logging.getLogger("vcl_fake")
LOOPBACK, ANY = "loopback", "any"
TIMEOUT = 30.0  # seconds a silent server is waited for


def policy(value: bool | str | None) -> str | None:
    """The fetch policy a user's ``fetch=`` value means."""
    if value is None or value is False:
        return None
    if value is True or value == LOOPBACK:
        return LOOPBACK
    if value == ANY:
        return ANY
    raise ValueError(f"fetch is False, True, 'loopback' or 'any', not {value!r}")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refusal(uri: str, allowed: str) -> Message | None:
    """Why the policy forbids fetching ``uri``, or None."""
    host = urlsplit(uri).hostname or ""
    if allowed == LOOPBACK and not is_loopback(host):
        reason = message(M.FETCH_NOT_LOOPBACK, uri, host)["default_message"]
        return message(M.HTTP_REQUEST_ERROR, reason)
    return None


@dataclass
class Fetched:
    """What a fetch brought: a source to pull from, or why it failed."""

    source: Source | None = None
    failure: Message | None = None


class Fetch:
    """One GET in a thread. ``received`` grows as bytes arrive; ``done`` is called once, with
    the result, outside any lock of the caller's."""

    def __init__(
        self,
        uri: str,
        endpoint: dict[str, Any],
        judge: Callable[[Source], Message | None],
        done: Callable[[Fetched], None],
    ) -> None:
        self.uri = uri
        self.endpoint = endpoint
        self.judge = judge
        self.done = done
        self.received = 0
        self.thread = threading.Thread(target=self._run, name="vcl-fake-fetch", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            result = self._get()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            reason = f"GET {self.uri} failed: {exc or type(exc).__name__}"
            result = Fetched(failure=message(M.HTTP_REQUEST_ERROR, reason))
        except Exception as exc:  # a bug must not kill the thread silently
            log.exception("vcl_fake: fetching %s", self.uri)
            result = Fetched(failure=message(M.HTTP_REQUEST_ERROR, f"{type(exc).__name__}"))
        self.done(result)

    def _get(self) -> Fetched:
        parts = urlsplit(self.uri)
        host, port = parts.hostname or "", parts.port
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection: http.client.HTTPConnection
        if parts.scheme.lower() == "https":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # judged below, by the fake's own rules
            connection = http.client.HTTPSConnection(host, port, timeout=TIMEOUT, context=context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            connection.connect()
            if parts.scheme.lower() == "https":  # judged at the handshake, before any request
                failure = self.judge(Source(self.uri, 0, certificate=_presented(connection)))
                if failure is not None:
                    return Fetched(failure=failure)
            connection.request("GET", path, headers={"User-Agent": "vcl-fake"})
            response = connection.getresponse()
            if response.status != 200:
                reason = f"GET {self.uri} answered {response.status} {response.reason}"
                return Fetched(failure=message(M.HTTP_REQUEST_ERROR, reason))
            # The spool outlives this call: it becomes the source the pull reads.
            spool: IO[bytes] = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)  # noqa: SIM115
            try:
                while chunk := response.read1(CHUNK):  # what has arrived, as it arrives
                    spool.write(chunk)
                    self.received += len(chunk)
            except BaseException:
                spool.close()
                raise
            return Fetched(Source(self.uri, self.received, spool=spool))
        finally:
            connection.close()


def _presented(connection: http.client.HTTPConnection) -> str:
    """The PEM chain the server presented (the leaf alone where Python cannot tell more)."""
    sock: Any = connection.sock
    chain = getattr(sock, "get_unverified_chain", None)  # Python 3.13+
    ders = [bytes(c) for c in chain()] if chain is not None else []
    if not ders:
        ders = [sock.getpeercert(binary_form=True)]
    return "".join(ssl.DER_cert_to_PEM_cert(der) for der in ders)

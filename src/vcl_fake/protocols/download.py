"""The download data plane: ``GET``/``HEAD {origin}/cls/data/{token}/{file name}``, and an
item file's direct URL ``{origin}/cls/static/{library id}/{item id}/{file name}?version=N``.

A session's download URL authorises itself, as the upload URL does; the direct URL needs the
caller's API session (``vmware-api-session-id``) and answers 404 when ``version`` is not the
file's current one. A download passes the dispatcher twice: ``begin`` (scenario rules see it:
errors, raw HTTP answers, faults, ``transfer`` scripts; the backend opens the bytes) and
``finish`` once the body is sent (the journal records it then). The answer is what a web
server gives: 200 with the whole file, or 206 with one ``Range`` (``bytes=a-b``, ``a-``,
``-n``); 416 with ``Content-Range: bytes */size`` when the range starts past the end; a
multi-range or malformed ``Range`` is ignored (200, whole file), as RFC 9110 allows. The body
streams from the stored bytes chunk by chunk, each read under the backend lock and none held
in between; a scripted ``rate`` moves the fake clock by size/rate, ``fail_after`` cuts the
body there, ``corrupt`` flips its first byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from vcl_fake.contract.operations import (
    DOWNLOAD_OPERATION,
    STATIC_DOWNLOAD_OPERATION,
    STATIC_PATH,
    UPLOAD_PATH,
)
from vcl_fake.dispatcher import Credentials, Dispatcher, Invocation
from vcl_fake.errors import VapiError
from vcl_fake.protocols.api import error_response
from vcl_fake.protocols.codec import SESSION_HEADER
from vcl_fake.protocols.http import Request, Response, Scripted

if TYPE_CHECKING:
    from vcl_fake.backend.downloads import Opened

PROTOCOL = "data"


#: Longest ``Range`` header looked at; a longer one is ignored (whole file).
RANGE_LIMIT = 200
_RANGE = re.compile(r"\s*bytes\s*=\s*(\d{0,19})\s*-\s*(\d{0,19})\s*", re.IGNORECASE | re.ASCII)


class Unsatisfiable(Exception):
    """The range starts past the end of the file: 416."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range ``header`` asks of a ``size``-byte file, as ``(start, stop)`` with
    ``stop`` exclusive; None to serve the whole file (no header, a malformed one, or several
    ranges); raises Unsatisfiable when the range lies past the end."""
    if header is None or len(header) > RANGE_LIMIT:
        return None
    found = _RANGE.fullmatch(header)
    if found is None:
        return None
    first, last = found.groups()
    if not first:
        if not last:
            return None
        wanted = int(last)
        if wanted == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - wanted), size
    start = int(first)
    if last and int(last) < start:
        return None  # invalid: ignored
    if start >= size:
        raise Unsatisfiable
    stop = size if not last else min(int(last) + 1, size)
    return start, stop


class DownloadProtocol:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def handle(self, request: Request) -> Response:
        """A session's download URL (``/cls/data/``) or an item file's direct one
        (``/cls/static/``)."""
        direct = request.path.startswith(STATIC_PATH)
        rest = request.path[len(STATIC_PATH if direct else UPLOAD_PATH) :]
        first, _, quoted = rest.partition("/")
        raw: dict[str, Any] = {"method": request.method}
        if direct:  # {library id}/{item id}/{file name}
            item_id, _, quoted = quoted.partition("/")
            raw.update(library_id=unquote(first), library_item_id=unquote(item_id))
            if "version" in request.query:
                raw["version"] = request.query["version"]
        else:
            raw["token"] = first
        raw["file_name"] = unquote(quoted)
        header = request.headers.get("range")
        if header is not None:
            raw["range"] = header
        op = STATIC_DOWNLOAD_OPERATION if direct else DOWNLOAD_OPERATION
        credentials = Credentials(token=request.headers.get(SESSION_HEADER))

        def stage(name: str, carry: Any = None) -> Any:
            inv = Invocation(
                PROTOCOL,
                op,
                raw,
                credentials=credentials,
                origin=request.origin,
                stage=name,
                carry=carry,
            )
            return self.dispatcher.invoke(inv)

        truncate = False
        try:
            opened: Opened = stage("begin")
        except VapiError as exc:
            return error_response(exc)
        except Scripted as scripted:
            if scripted.fault != "truncated_body" or request.method == "HEAD":
                raise  # (a HEAD has no body to cut: its answer never arrives)
            opened, truncate = scripted.value, True  # journaled already: no finish
        headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
        try:
            wanted = parse_range(header, opened.size)
        except Unsatisfiable:
            opened.status = 416
            try:
                stage("finish", opened)
            except VapiError as exc:
                range_headers = {"Content-Range": f"bytes */{opened.size}"}
                return Response.json(416, exc.to_value(), range_headers)
            raise AssertionError("an unsatisfiable range is refused") from None
        start, stop = wanted if wanted else (0, opened.size)
        opened.status = 206 if wanted else 200
        headers["Content-Length"] = str(stop - start)
        if wanted:
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{opened.size}"
        if request.method == "HEAD":
            raw["bytes"] = 0
            stage("finish", opened)
            return Response(opened.status, headers)
        body = self._stream(opened, start, stop, raw, stage, truncate)
        return Response(opened.status, headers, stream=body)

    @staticmethod
    def _stream(
        opened: Opened, start: int, stop: int, raw: dict[str, Any], stage: Any, truncate: bool
    ) -> Iterator[bytes]:
        """The body, as scripted; the finish stage hears how it went (however it ends)."""
        script = opened.script
        limit = (stop - start) // 2 if truncate else stop - start
        if "fail_after" in script:
            limit = min(limit, int(script["fail_after"]))
        hasher = hashlib.sha1()
        try:
            for chunk in opened.chunks(start, start + limit):
                if script.get("corrupt") and opened.sent == 0:
                    chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
                hasher.update(chunk)
                opened.sent += len(chunk)
                yield chunk
            whole = opened.status == 200 and opened.sent == opened.size
            if whole and not script.get("corrupt"):
                opened.digest = ("SHA1", hasher.hexdigest())
        finally:
            if not truncate:
                raw["bytes"] = opened.sent
                with contextlib.suppress(VapiError, Scripted):  # the body went out already
                    stage("finish", opened)

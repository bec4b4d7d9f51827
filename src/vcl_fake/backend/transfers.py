"""Bytes arriving for a session file, by upload or pull: hashed, spooled, checked.

A :class:`Transfer` consumes a byte stream without the backend lock and never raises for bad
content (a malformed package is recorded in ``failure``). OVAs are unpacked as they stream,
each part into a :class:`Sink` of its own.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Iterable
from typing import IO

from vcl_fake import messages as M
from vcl_fake.backend import ovf, signing
from vcl_fake.backend.records import SessionFile, UpdateSession
from vcl_fake.contract.enums import DEFAULT_ALGORITHM
from vcl_fake.errors import vapi_error

SPOOL_IN_MEMORY = 8 * 1024 * 1024  # larger content goes to a temporary file on disk
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_file_name(name: str) -> None:
    """A plain file name: no path, no traversal, no control characters."""
    problem = None
    if not name:
        problem = "it is empty"
    elif "/" in name or "\\" in name:
        problem = "it contains a path separator"
    elif name in (".", ".."):
        problem = "it names a directory"
    elif _CONTROL.search(name):
        problem = "it contains a control character"
    elif len(name.encode()) > 255:
        problem = "it is longer than 255 bytes"
    if problem:
        raise vapi_error("INVALID_ARGUMENT", M.FILE_NAME_INVALID, name, problem)


class Sink:
    """Bytes of one file arriving: hashed (in every algorithm asked) and spooled, never joined.
    Metadata files (descriptor, manifest, certificate) are also kept in memory, bounded."""

    def __init__(self, name: str, algorithms: Iterable[str], keep_content: bool) -> None:
        self.name = name
        self.hashers = {a: hashlib.new(a.lower()) for a in algorithms}
        # The spool outlives this call: it becomes the item file's data.
        spooled = tempfile.SpooledTemporaryFile
        self.spool: IO[bytes] | None = spooled(SPOOL_IN_MEMORY) if keep_content else None
        self.metadata: bytearray | None = bytearray() if ovf.is_metadata(name) else None
        self.received = 0

    def write(self, chunk: bytes) -> None:
        for hasher in self.hashers.values():
            hasher.update(chunk)
        if self.spool is not None:
            self.spool.write(chunk)
        if self.metadata is not None:
            if len(self.metadata) + len(chunk) > ovf.METADATA_LIMIT:
                raise ovf.OvfError(f"{self.name} is larger than {ovf.METADATA_LIMIT} bytes")
            self.metadata += chunk
        self.received += len(chunk)

    def digests(self) -> dict[str, str]:
        return {a: h.hexdigest() for a, h in self.hashers.items()}

    def data(self) -> IO[bytes] | None:
        if self.spool is not None:
            self.spool.seek(0)
        return self.spool


def _check_metadata(sink: Sink) -> None:
    """A descriptor must parse and a manifest must read; raise OvfError otherwise."""
    if sink.metadata is None:
        return
    if ovf.is_descriptor(sink.name):
        ovf.referenced_files(bytes(sink.metadata))
    elif ovf.is_manifest(sink.name):
        ovf.parse_manifest(bytes(sink.metadata))
    elif ovf.is_certificate(sink.name):
        signing.parse_cert_file(bytes(sink.metadata))


class Transfer:
    """One file's transfer. ``feed`` consumes the byte stream (without the backend lock) and
    never raises for bad content: a malformed package is recorded in ``failure``."""

    def __init__(
        self,
        session: UpdateSession,
        file: SessionFile,
        keep_content: bool,
        manifest: dict[str, tuple[str, str]],
    ) -> None:
        self.session = session
        self.file = file
        self.keep_content = keep_content
        self.manifest = dict(manifest)
        #: Scenario-scripted behaviour: corrupt, fail_after (+ message), stall, rate.
        self.script = dict(session.transfer_overrides.get(file.name, {}))
        self.failure: str | None = None
        self.interrupted = False
        self.broken: str | None = None  # the client's body broke off: why
        self.parts: list[Sink] = []
        self.ova = ovf.is_ova(file.name)
        algorithms = self._algorithms(file.name, file.algorithm)
        self.sink = Sink(file.name, algorithms, keep_content and not self.ova)

    @property
    def received(self) -> int:
        return self.sink.received

    def _algorithms(self, name: str, declared: str) -> set[str]:
        wanted = {declared}
        if name in self.manifest:
            wanted.add(self.manifest[name][0])
        return wanted

    def write(self, chunk: bytes) -> None:
        if self.script.get("corrupt") and self.sink.received == 0 and chunk:
            chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]  # damaged in transit
        self.sink.write(chunk)
        self.file.bytes_transferred = self.sink.received

    def feed(self, chunks: Iterable[bytes]) -> None:
        limit = self.script.get("fail_after")
        if limit is not None:
            chunks = self._cut(chunks, limit)
        try:
            if self.ova:
                ovf.unpack_ova(iter(chunks), self.write, self._open_part, check_file_name)
                for part in self.parts:
                    _check_metadata(part)
            else:
                for chunk in chunks:
                    self.write(chunk)
                _check_metadata(self.sink)
        except ovf.OvfError as exc:
            self.failure = str(exc)
            for _ in chunks:  # the client still sends the rest; it is not looked at
                pass

    def _cut(self, chunks: Iterable[bytes], limit: int) -> Iterable[bytes]:
        """Stop after ``limit`` bytes: the transfer breaks there."""
        sent = 0
        for chunk in chunks:
            if sent + len(chunk) >= limit:
                yield chunk[: limit - sent]
                self.interrupted = True
                return
            sent += len(chunk)
            yield chunk

    def _open_part(self, name: str, size: int) -> Sink:
        if (
            self.parts
            and self.parts[-1].metadata is not None
            and ovf.is_manifest(self.parts[-1].name)
        ):
            self.manifest.update(ovf.parse_manifest(bytes(self.parts[-1].metadata)))
        part = Sink(name, self._algorithms(name, DEFAULT_ALGORITHM), self.keep_content)
        self.parts.append(part)
        return part

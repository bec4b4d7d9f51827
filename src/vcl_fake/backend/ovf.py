"""OVF packages: descriptor references, manifests, and OVAs unpacked as they stream.

An OVF package is a descriptor (``.ovf``, XML), an optional manifest (``.mf``: lines like
``SHA256(disk.vmdk)= <hex>``), an optional certificate (``.cert``) and the files the
descriptor references. An OVA is the same parts in one tar, descriptor first. XML is parsed
with defusedxml (no DTDs, no entities); tar members must be plain regular files.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from vcl_fake.contract.enums import ALGORITHMS

METADATA_SUFFIXES = (".ovf", ".mf", ".cert")
METADATA_LIMIT = 16 * 1024 * 1024  # descriptors, manifests and certificates are small
_MANIFEST_LINE = re.compile(rf"^({'|'.join(ALGORITHMS)})\((.+)\)\s*=\s*([0-9a-fA-F]+)\s*$")


class OvfError(ValueError):
    """The package is malformed; the message says how."""


def is_descriptor(name: str) -> bool:
    return name.lower().endswith(".ovf")


def is_manifest(name: str) -> bool:
    return name.lower().endswith(".mf")


def is_certificate(name: str) -> bool:
    return name.lower().endswith(".cert")


def is_ova(name: str) -> bool:
    return name.lower().endswith(".ova")


def is_metadata(name: str) -> bool:
    return name.lower().endswith(METADATA_SUFFIXES)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def referenced_files(descriptor: bytes) -> list[str]:
    """The local file names a descriptor's ``References`` section lists."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(descriptor)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise OvfError(f"the descriptor is not well-formed XML ({exc})") from None
    if _local(root.tag) != "Envelope":
        raise OvfError(f"the descriptor's root element is {_local(root.tag)}, not Envelope")
    names: list[str] = []
    for section in root:
        if _local(section.tag) != "References":
            continue
        for entry in section:
            if _local(entry.tag) != "File":
                continue
            href = next((v for k, v in entry.attrib.items() if _local(k) == "href"), None)
            if not href:
                raise OvfError("a File reference has no href")
            if "://" not in href and href not in names:
                names.append(href)
    return names


def parse_manifest(data: bytes) -> dict[str, tuple[str, str]]:
    """``{file name: (algorithm, hex digest)}`` from a manifest's lines."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise OvfError("the manifest is not UTF-8 text") from None
    entries: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        found = _MANIFEST_LINE.match(line.strip())
        if found is None:
            raise OvfError(f"manifest line {number} is not 'ALGORITHM(name)= digest': {line!r}")
        algorithm, name, digest = found.groups()
        entries[name] = (algorithm, digest.lower())
    return entries


class PartSink(Protocol):
    def write(self, chunk: bytes) -> None: ...


class _ChunkReader(io.RawIOBase):
    """A readable stream over byte chunks, reporting every byte it hands out."""

    def __init__(self, chunks: Iterator[bytes], seen: Callable[[bytes], None]) -> None:
        self._chunks = chunks
        self._seen = seen
        self._buffer = memoryview(b"")  # the current chunk, never copied: one huge chunk
        self._offset = 0  # (a whole OVA sent as one bytes body) is read in linear time

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while self._offset >= len(self._buffer):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer, self._offset = memoryview(chunk), 0
        size = min(len(target), len(self._buffer) - self._offset)
        piece = self._buffer[self._offset : self._offset + size]
        self._offset += size
        target[:size] = piece
        self._seen(bytes(piece))
        return size


def unpack_ova(
    chunks: Iterator[bytes],
    seen: Callable[[bytes], None],
    open_part: Callable[[str, int], PartSink],
    check_name: Callable[[str], None],
) -> None:
    """Stream an OVA: every byte goes to ``seen``; each member to ``open_part(name, size)``.

    Raises OvfError for a malformed tar, a member that is not a plain regular file (links,
    devices, GNU or PAX sparse files, whose expanded size is not what was sent), or a package
    whose first member is not the descriptor.
    """
    import tarfile

    reader = _ChunkReader(chunks, seen)
    first = True
    try:
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for member in archive:
                name = member.name[2:] if member.name.startswith("./") else member.name
                if not member.isfile() or member.issparse():
                    raise OvfError(f"OVA member {member.name!r} is not a regular file")
                try:
                    check_name(name)
                except Exception:
                    raise OvfError(f"OVA member {member.name!r} is not a plain file name") from None
                if first and not is_descriptor(name):
                    raise OvfError(f"the OVA's first member is {name!r}, not the descriptor")
                first = False
                sink = open_part(name, member.size)
                source = archive.extractfile(member)
                assert source is not None
                while chunk := source.read(1 << 20):
                    sink.write(chunk)
    except (tarfile.TarError, EOFError, UnicodeError, OverflowError) as exc:
        raise OvfError(f"the OVA is not a valid tar archive ({exc})") from None
    if first:
        raise OvfError("the OVA holds no files")
    while reader.read(1 << 20):  # the rest (tar padding) still counts for size and checksum
        pass

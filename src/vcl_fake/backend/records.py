"""The records the backend keeps, and every status they take: a leaf module (it imports no
service), so files, review and transfers share these types without importing each other.

Enumerations are declared once, in :mod:`vcl_fake.contract.enums` (from the generated
contract); the names here are their members.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from typing import IO, Any

from vcl_fake.backend.sources import Source
from vcl_fake.contract.enums import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    LIBRARY_TYPES,
    SESSION_STATES,
    SOURCE_TYPES,
    TRANSFER_STATUSES,
)
from vcl_fake.contract.operations import UPLOAD_PATH
from vcl_fake.errors import Message

#: Hex digits of a digest, by algorithm.
DIGEST_HEX = {a: hashlib.new(a.lower()).digest_size * 2 for a in ALGORITHMS}
ACTIVE, CANCELED, DONE, ERROR = SESSION_STATES
FAILED, READY, TRANSFERRING, VALIDATING, WAITING = TRANSFER_STATUSES
NONE, PULL, PUSH = SOURCE_TYPES
LOCAL, SUBSCRIBED = LIBRARY_TYPES
#: The item type of a virtual machine template (VMTX) item: it takes no update session.
VM_TEMPLATE = "vm-template"


def checksum_info(algorithm: str, checksum: str | None) -> dict[str, str] | None:
    """``com.vmware.content.library.item.file.checksum_info``, or None without a checksum."""
    return None if checksum is None else {"algorithm": algorithm, "checksum": checksum}


@dataclass
class ItemFile:
    """A file of a library item, as committed by a completed update session."""

    name: str
    size: int
    checksum: str | None = None
    algorithm: str = DEFAULT_ALGORITHM
    version: int = 1
    #: On disk: a committed upload is when the fake kept its bytes (not with
    #: ``keep_content=False``); a seeded file is as its seed says (default: yes).
    cached: bool = True
    data: IO[bytes] | None = field(default=None, repr=False)  # the content, when retained

    def info(self, download_url: str | None = None) -> dict[str, Any]:
        """``com.vmware.content.library.item.file.info``."""
        return {
            "name": self.name,
            "size": self.size,
            "cached": self.cached,
            "version": str(self.version),
            "checksum_info": checksum_info(self.algorithm, self.checksum),
            "file_download_endpoint": download_url,
        }


@dataclass
class SessionFile:
    name: str
    source_type: str
    size: int | None = None
    algorithm: str = DEFAULT_ALGORITHM
    checksum: str | None = None
    source_endpoint: dict[str, Any] | None = None
    token: str | None = None
    status: str = WAITING
    bytes_transferred: int = 0
    error_message: Message | None = None
    keep_in_storage: bool = True
    data: IO[bytes] | None = field(default=None, repr=False)
    digests: dict[str, str] = field(default_factory=dict)  # algorithm -> hex, of what arrived
    content: bytes | None = field(default=None, repr=False)  # descriptor, manifest, certificate
    source: Source | None = None  # PULL: what is being fetched
    pull_started: _dt.datetime | None = None
    parsed: Any = field(default=None, repr=False)  # a certificate file, parsed once
    fetching: Any = field(default=None, repr=False)  # a real fetch in flight (fetch.Fetch)
    declared_size: int | None = None  # what the client announced (size is what arrived)
    attempt: Any = field(default=None, repr=False)  # the Transfer whose bytes count (the latest)

    @property
    def digest(self) -> str | None:
        return self.digests.get(self.algorithm)

    @classmethod
    def existing(cls, f: ItemFile) -> SessionFile:
        entry = cls(f.name, NONE, f.size, f.algorithm, f.checksum, status=READY)
        entry.bytes_transferred, entry.data = f.size, f.data
        if f.checksum is not None:
            entry.digests[f.algorithm] = f.checksum
        return entry

    def digest_in(self, algorithm: str, io: Any = None) -> str | None:
        """The digest of this file's bytes in ``algorithm``: known, or computed from them
        (large ones without the lock ``io`` guards: see ``transfers.hash_data``)."""
        if algorithm not in self.digests and self.data is not None:
            from vcl_fake.backend.transfers import hash_data

            self.digests[algorithm] = hash_data(self.data, algorithm, io)
        return self.digests.get(algorithm)

    def upload_uri(self, origin: str) -> str | None:
        """Where the client pushes this file: on the origin the client addressed."""
        if self.token is None:
            return None
        return f"{origin}{UPLOAD_PATH}{self.token}/{self.name}"

    def info(self, origin: str = "") -> dict[str, Any]:
        """``com.vmware.content.library.item.updatesession.file.info``; upload URLs point at
        ``origin``."""
        uri = self.upload_uri(origin)
        return {
            "name": self.name,
            "source_type": self.source_type,
            "size": self.size if self.status == READY else None,
            "checksum_info": checksum_info(self.algorithm, self.checksum),
            "source_endpoint": self.source_endpoint,
            "upload_endpoint": {"uri": uri} if uri else None,
            "bytes_transferred": (
                self.fetching.received if self.fetching is not None else self.bytes_transferred
            ),
            "status": self.status,
            "error_message": self.error_message,
            "keep_in_storage": self.keep_in_storage,
        }


@dataclass
class Lease:
    """What update and download sessions share: a lease on an item that expires when idle
    (see :mod:`vcl_fake.backend.leases`)."""

    id: str
    item_id: str
    content_version: int
    expiration_time: _dt.datetime
    client_token: str | None = None
    state: str = ACTIVE
    client_progress: int = 0
    error_message: Message | None = None
    generation: int = 0  # bumped whenever expiration_time changes (stale heap entries)
    #: Set by scenario rules: per-file transfer behaviour.
    transfer_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class UpdateSession(Lease):
    warning_behavior: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, SessionFile] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)  # item files to drop at complete
    completing: bool = False  # complete was called while server-side transfers still run
    preview_override: dict[str, Any] | None = None  # set by scenario rules

    def model(self, preview: dict[str, Any] | None) -> dict[str, Any]:
        """``update_session_model`` as get/list return it (``id`` omitted, as documented);
        ``preview`` is shown only while ACTIVE."""
        return {
            "library_item_id": self.item_id,
            "library_item_content_version": str(self.content_version),
            "client_progress": self.client_progress,
            "state": self.state,
            "expiration_time": self.expiration_time,
            "error_message": self.error_message,
            "preview_info": preview if self.state == ACTIVE else None,
            "warning_behavior": [dict(w) for w in self.warning_behavior],
        }

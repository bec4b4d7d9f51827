"""Files of an update session: the file sub-service, PUSH uploads and PULL transfers.

A new session lists the item's current files (source NONE, READY). ``add`` stages a file to
be pushed (to an unguessable upload URL) or pulled from a registered source; adding a name
again replaces the entry; ``remove`` drops it from the session and, at complete, from the
item. Every transfer ends in :meth:`SessionFiles._deliver`, which hashes and spools the bytes
and checks the declared size and checksum.

Uploads stream: the data plane takes a :class:`Transfer` under the backend lock, feeds it
chunks without the lock, and hands it back under the lock. Pulls progress lazily: their state
is computed from the clock and the source's rate whenever the session is read.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

from vcl_fake import messages as M
from vcl_fake.backend.inventory import ItemFile
from vcl_fake.backend.sessions import ACTIVE, ERROR, Content, UpdateSession, UpdateSessions
from vcl_fake.backend.sources import SCHEMES, Source, check_tls, unknown_source
from vcl_fake.errors import Message, message, vapi_error

WAITING, TRANSFERRING, READY, FAILED = "WAITING_FOR_TRANSFER", "TRANSFERRING", "READY", "ERROR"
DIGEST_HEX = {"MD5": 32, "SHA1": 40, "SHA256": 64, "SHA512": 128}
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


@dataclass
class SessionFile:
    name: str
    source_type: str
    size: int | None = None
    algorithm: str = "SHA1"
    checksum: str | None = None
    source_endpoint: dict[str, Any] | None = None
    upload_uri: str | None = None
    token: str | None = None
    status: str = WAITING
    bytes_transferred: int = 0
    error_message: Message | None = None
    keep_in_storage: bool = True
    data: IO[bytes] | None = field(default=None, repr=False)
    digest: str | None = None  # of the received bytes, in ``algorithm``
    source: Source | None = None  # PULL: what is being fetched
    pull_started: _dt.datetime | None = None

    @classmethod
    def existing(cls, f: ItemFile) -> SessionFile:
        return cls(
            f.name, "NONE", f.size, f.algorithm, f.checksum, status=READY, bytes_transferred=f.size
        )

    def info(self) -> dict[str, Any]:
        """``com.vmware.content.library.item.updatesession.file.info``."""
        checksum = None
        if self.checksum is not None:
            checksum = {"algorithm": self.algorithm, "checksum": self.checksum}
        return {
            "name": self.name,
            "source_type": self.source_type,
            "size": self.size if self.status == READY else None,
            "checksum_info": checksum,
            "source_endpoint": self.source_endpoint,
            "upload_endpoint": {"uri": self.upload_uri} if self.upload_uri else None,
            "bytes_transferred": self.bytes_transferred,
            "status": self.status,
            "error_message": self.error_message,
            "keep_in_storage": self.keep_in_storage,
        }


@dataclass
class Transfer:
    """Bytes arriving for one file: hashed and spooled chunk by chunk, never joined."""

    session: UpdateSession
    file: SessionFile
    keep_content: bool
    hasher: Any = field(init=False)
    spool: IO[bytes] | None = field(init=False)
    received: int = 0

    def __post_init__(self) -> None:
        self.hasher = hashlib.new(self.file.algorithm.lower())
        keep = self.keep_content  # the spool outlives this call: it becomes the item file's data
        self.spool = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) if keep else None  # noqa: SIM115

    def write(self, chunk: bytes) -> None:
        self.hasher.update(chunk)
        if self.spool is not None:
            self.spool.write(chunk)
        self.received += len(chunk)
        self.file.bytes_transferred = self.received

    def feed(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)


class SessionFiles(Content):
    """The file sub-service over the sessions of one backend. Callers hold the backend lock."""

    def __init__(
        self,
        sessions: UpdateSessions,
        base_url: str,
        *,
        keep_content: bool = True,
        trusted: list[str] | None = None,
    ) -> None:
        self.sessions = sessions
        self.base_url = base_url
        self.keep_content = keep_content
        self.sources: dict[str, Source] = {}
        self.trusted: list[str] = trusted if trusted is not None else []
        self.uploads: dict[str, tuple[str, str]] = {}  # token -> (session id, file name)
        sessions.content = self

    # --- the session lifecycle (Content) --------------------------------------------------
    def seed(self, session: UpdateSession) -> None:
        item = self.sessions.inventory.item(session.item_id)
        session.files = {name: SessionFile.existing(f) for name, f in item.files.items()}

    def close(self, session: UpdateSession) -> None:
        """Upload URLs die with the session."""
        for f in session.files.values():
            if f.token is not None:
                self.uploads.pop(f.token, None)

    def check_complete(self, session: UpdateSession) -> None:
        for f in session.files.values():
            if f.source_type == "PUSH" and f.status != READY:
                raise vapi_error(
                    "NOT_ALLOWED_IN_CURRENT_STATE", M.FILE_NOT_RECEIVED, f.name, f.status
                )

    def pending(self, session: UpdateSession) -> bool:
        return any(f.status == TRANSFERRING for f in session.files.values())

    def commit(self, session: UpdateSession) -> None:
        item = self.sessions.inventory.item(session.item_id)
        for name in session.removed:
            item.files.pop(name, None)
        for f in session.files.values():
            if f.source_type == "NONE" or not f.keep_in_storage:
                continue
            previous = item.files.get(f.name)
            item.files[f.name] = ItemFile(
                name=f.name,
                size=f.bytes_transferred,
                checksum=f.digest,
                algorithm=f.algorithm,
                version=previous.version + 1 if previous else 1,
                data=f.data,
            )

    def refresh(self, session: UpdateSession) -> None:
        """Move pulls forward to the clock; finish a deferred complete when they are done."""
        if session.state != ACTIVE:
            return
        now = self.sessions.clock.now()
        last_end = None
        for f in session.files.values():
            if f.status == TRANSFERRING and f.source is not None:
                last_end = self._advance_pull(session, f, now) or last_end
                if session.state != ACTIVE:
                    return
        if session.completing and not self.pending(session):
            self.sessions.finish_complete(session, at=last_end)

    # --- operation handlers -----------------------------------------------------------------
    def file_add(self, update_session_id: str, file_spec: dict[str, Any]) -> dict[str, Any]:
        session = self.sessions.active(update_session_id, "add")
        name = file_spec["name"]
        check_file_name(name)
        size = file_spec.get("size")
        if size is not None and size < 0:
            raise vapi_error("INVALID_ARGUMENT", M.FILE_SIZE_NEGATIVE, name, size)
        checksum = file_spec.get("checksum_info") or {}
        algorithm = checksum.get("algorithm") or "SHA1"
        digest = checksum.get("checksum")
        if digest is not None and not re.fullmatch(
            f"[0-9a-fA-F]{{{DIGEST_HEX[algorithm]}}}", digest
        ):
            hex_digits = DIGEST_HEX[algorithm]
            raise vapi_error(
                "INVALID_ARGUMENT", M.CHECKSUM_INVALID, name, digest, algorithm, hex_digits
            )
        endpoint = file_spec.get("source_endpoint")
        if endpoint is not None and urlsplit(endpoint["uri"]).scheme.lower() not in SCHEMES:
            raise vapi_error("INVALID_ARGUMENT", M.URI_SCHEME_UNSUPPORTED, endpoint["uri"])
        entry = SessionFile(
            name=name,
            source_type=file_spec["source_type"],
            size=size,
            algorithm=algorithm,
            checksum=digest.lower() if digest else None,
            source_endpoint=endpoint,
        )
        old = session.files.get(name)
        if old is not None and old.token is not None:
            self.uploads.pop(old.token, None)
        session.files[name] = entry
        session.removed.discard(name)
        self.sessions.touch(session)
        if entry.source_type == "PUSH":
            entry.token = self.sessions.ids.token() + self.sessions.ids.token()
            entry.upload_uri = f"{self.base_url}/cls/data/{entry.token}/{name}"
            self.uploads[entry.token] = (session.id, name)
        elif entry.source_type == "NONE":
            entry.status = READY
        else:
            self._start_pull(session, entry)
        return entry.info()

    def file_get(self, update_session_id: str, file_name: str) -> dict[str, Any]:
        return self._file(self.sessions.get(update_session_id), file_name).info()

    def file_list(self, update_session_id: str) -> list[dict[str, Any]]:
        return [f.info() for f in self.sessions.get(update_session_id).files.values()]

    def file_remove(self, update_session_id: str, file_name: str) -> None:
        session = self.sessions.active(update_session_id, "remove")
        entry = self._file(session, file_name)
        if entry.token is not None:
            self.uploads.pop(entry.token, None)
        del session.files[file_name]
        if file_name in self.sessions.inventory.item(session.item_id).files:
            session.removed.add(file_name)
        self.sessions.touch(session)

    def file_validate(self, update_session_id: str) -> dict[str, Any]:
        session = self.sessions.active(update_session_id, "validate", completing_ok=True)
        invalid = [
            {"name": f.name, "error_message": f.error_message}
            for f in session.files.values()
            if f.status == FAILED and f.error_message is not None
        ]
        self.sessions.touch(session)
        return {"has_errors": bool(invalid), "missing_files": [], "invalid_files": invalid}

    def _file(self, session: UpdateSession, name: str) -> SessionFile:
        found = session.files.get(name)
        if found is None:
            raise vapi_error("INVALID_ARGUMENT", M.FILE_NOT_IN_SESSION, session.id, name)
        return found

    # --- delivery: where every transfer ends --------------------------------------------------
    def _deliver(self, transfer: Transfer, at: _dt.datetime | None = None) -> None:
        """Check what arrived against the declared size and checksum; READY or ERROR."""
        entry = transfer.file
        actual = transfer.hasher.hexdigest()
        if entry.size is not None and entry.size != transfer.received:
            error = message(M.SIZE_MISMATCH, entry.name, entry.size, transfer.received)
        elif entry.checksum is not None and entry.checksum != actual:
            error = message(
                M.CHECKSUM_MISMATCH, entry.name, entry.algorithm, entry.checksum, actual
            )
        else:
            entry.status, entry.digest, entry.size = READY, actual, transfer.received
            if transfer.spool is not None:
                transfer.spool.seek(0)
            entry.data = transfer.spool
            return
        self._fail(transfer.session, entry, error, at)

    def _fail(
        self, session: UpdateSession, entry: SessionFile, error: Message, at: _dt.datetime | None
    ) -> None:
        """A transfer failure the server finds fails the file and the session."""
        entry.status, entry.error_message = FAILED, error
        self.sessions.end(session, ERROR, error, at=at)

    # --- PUSH: the data plane -----------------------------------------------------------------
    def begin_upload(self, token: str, name: str) -> Transfer | None:
        """A transfer for a live upload URL, or None (unknown token, ended session)."""
        self.sessions.purge()
        where = self.uploads.get(token)
        if where is None or where[1] != name:
            return None
        session = self.sessions.sessions.get(where[0])
        if session is None or session.state != ACTIVE:
            return None
        entry = session.files[name]
        entry.status, entry.bytes_transferred, entry.error_message = TRANSFERRING, 0, None
        self.sessions.touch(session)
        return Transfer(session, entry, self.keep_content)

    def finish_upload(self, transfer: Transfer, broken: bool = False) -> bool:
        """Verify what arrived; False if the session or file moved on meanwhile."""
        session, entry = transfer.session, transfer.file
        if session.state != ACTIVE or session.files.get(entry.name) is not entry:
            return False
        self.sessions.touch(session)
        if broken:
            entry.status = WAITING  # the client may send it again
        else:
            self._deliver(transfer)
        return True

    # --- PULL: server-side transfers, computed lazily from the clock ---------------------------
    def _start_pull(self, session: UpdateSession, entry: SessionFile) -> None:
        endpoint = entry.source_endpoint or {}
        now = self.sessions.clock.now()
        entry.status, entry.pull_started = TRANSFERRING, now
        source = self.sources.get(endpoint["uri"])
        failure = (
            unknown_source(endpoint["uri"])
            if source is None
            else check_tls(source, endpoint, self.trusted, now)
        )
        if failure is not None:
            self._fail(session, entry, failure, now)
            return
        assert source is not None
        entry.source = source
        stop = source.size if source.fail_after is None else min(source.size, source.fail_after)
        self.sessions.extend(session, now + source.duration(stop))
        self._advance_pull(session, entry, now)

    def _advance_pull(
        self, session: UpdateSession, entry: SessionFile, now: _dt.datetime
    ) -> _dt.datetime | None:
        """Bring one pull to ``now``; return when it ended, if it has."""
        source, started = entry.source, entry.pull_started
        assert source is not None and started is not None
        elapsed = (now - started).total_seconds()
        moved = source.size if source.rate is None else min(source.size, int(source.rate * elapsed))
        broken_at = source.fail_after
        if broken_at is not None and broken_at < source.size and moved >= broken_at:
            at = started + source.duration(broken_at)
            entry.bytes_transferred = broken_at
            reason = message(
                M.TRANSFER_INTERRUPTED,
                entry.name,
                source.uri,
                broken_at,
                "connection reset by peer",
            )
            self._fail(session, entry, reason, at)
            return at
        if moved < source.size:
            entry.bytes_transferred = moved
            return None
        at = started + source.duration(source.size)
        transfer = Transfer(session, entry, self.keep_content)
        transfer.feed(source.chunks())
        self._deliver(transfer, at)
        return at

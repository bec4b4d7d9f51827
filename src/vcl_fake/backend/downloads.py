"""Download sessions: ``com.vmware.content.library.item.DownloadSession`` and its file
sub-service ``downloadsession.File``.

A download session is a lease (:mod:`vcl_fake.backend.leases`) on a snapshot of the item's
files taken at creation: ACTIVE until cancel (CANCELED), fail (ERROR), expiry or delete; any
number of them may read one item, of any library type, while it is being updated. A file is
UNPREPARED until ``prepare``; it is then PREPARE_REQUESTED, PREPARING and PREPARED as the fake
clock moves (instantly unless a scenario scripts the times), or ERROR when its bytes are not
kept. A PREPARED file of an ACTIVE session has a download URL
``{origin}/cls/data/{token}/{name}`` with an unguessable token (the upload URL scheme), on
the origin the client addressed; it dies with the session. Item files whose bytes the fake
holds also have a direct URL (``file_download_endpoint``, authorised by the caller's API
session). The data plane (:mod:`vcl_fake.protocols.download`) passes twice: ``begin`` opens
the bytes, which are then read in chunks, never joined; ``finish`` hears how it went.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from vcl_fake import messages as M
from vcl_fake.backend.leases import Leases, Texts
from vcl_fake.backend.records import ACTIVE, CANCELED, ItemFile, Lease, checksum_info
from vcl_fake.contract.operations import STATIC_PATH, UPLOAD_PATH
from vcl_fake.errors import Message, message, vapi_error

if TYPE_CHECKING:
    from vcl_fake.backend.core import Context

UNPREPARED, PREPARE_REQUESTED = "UNPREPARED", "PREPARE_REQUESTED"
PREPARING, PREPARED, FAILED = "PREPARING", "PREPARED", "ERROR"
CHUNK = 1 << 20


@dataclass
class DownloadFile:
    """One file of a download session: the item's file as it was when the session began."""

    item_file: ItemFile
    status: str = UNPREPARED
    requested_at: _dt.datetime | None = None
    #: How preparation goes: ``requested`` and ``preparing`` seconds, ``stall``, ``fail``.
    script: dict[str, Any] = field(default_factory=dict)
    bytes_transferred: int = 0
    token: str | None = None
    error_message: Message | None = None
    downloaded: tuple[str, str] | None = None  # (algorithm, digest) once fully downloaded

    @property
    def name(self) -> str:
        return self.item_file.name

    def info(self, uri: str | None) -> dict[str, Any]:
        """``com.vmware.content.library.item.downloadsession.file.info``."""
        return {
            "name": self.name,
            "size": self.item_file.size,
            "bytes_transferred": self.bytes_transferred,
            "status": self.status,
            "download_endpoint": {"uri": uri} if uri else None,
            "checksum_info": checksum_info(*self.downloaded) if self.downloaded else None,
            "error_message": self.error_message,
        }


@dataclass
class DownloadSession(Lease):
    """A download session; ``files`` maps names to :class:`DownloadFile`."""

    files: dict[str, DownloadFile] = field(default_factory=dict)
    #: Set by scenario rules: how each file's preparation goes (see :class:`DownloadFile`).
    prepare_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def model(self) -> dict[str, Any]:
        """``download_session_model`` as get/list return it (``id`` omitted, as documented)."""
        return {
            "library_item_id": self.item_id,
            "library_item_content_version": str(self.content_version),
            "error_message": self.error_message,
            "client_progress": self.client_progress,
            "state": self.state,
            "expiration_time": self.expiration_time,
        }


@dataclass
class Opened:
    """A download the data plane streams: the bytes, and what to tell when it is done (a
    direct download of an item file has no session). The data plane fills in ``status``,
    ``sent`` and, for a whole file sent as stored, its ``digest``."""

    session: DownloadSession | None
    file: DownloadFile | None
    data: IO[bytes]
    size: int
    script: dict[str, Any]
    lock: threading.RLock = field(repr=False)
    status: int = 200
    sent: int = 0
    digest: tuple[str, str] | None = None

    def chunks(self, start: int, stop: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``stop`` (exclusive). The data may be shared (the item's file,
        other downloads), so each chunk is read under the backend's lock, at its own offset."""
        offset = start
        while offset < stop:
            with self.lock:
                if self.data.closed:  # the item's content was replaced meanwhile: cut short
                    return
                self.data.seek(offset)
                chunk = self.data.read(min(CHUNK, stop - offset))
            if not chunk:
                return
            offset += len(chunk)
            yield chunk


class DownloadSessions(Leases[DownloadSession]):
    """Download sessions and their files. Callers hold the backend lock."""

    def holds(self, data: Any) -> bool:
        """Does a download session still read ``data`` (an item's content it took a snapshot
        of)?"""
        return any(
            f.item_file.data is data
            for found in self.sessions.values()
            for f in found.files.values()
        )

    texts = Texts(
        not_found=M.DOWNLOAD_SESSION_NOT_FOUND,
        not_active=M.DOWNLOAD_SESSION_NOT_ACTIVE,
        not_active_because=M.DOWNLOAD_SESSION_NOT_ACTIVE_BECAUSE,
        token_reused=M.DOWNLOAD_TOKEN_REUSED,
        client_failed=M.DOWNLOAD_CLIENT_FAILED,
    )

    def __init__(self, *args: Any, lock: threading.RLock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = lock  # the backend's: downloads read their chunks under it
        self.endpoints: dict[str, tuple[str, str]] = {}  # token -> (session id, file name)

    # --- the lease (Leases) ----------------------------------------------------------------------
    def refresh(self, session: DownloadSession) -> None:
        if session.state != ACTIVE:
            return
        now = self.clock.now()
        for f in session.files.values():
            if f.status in (PREPARE_REQUESTED, PREPARING):
                self._advance(session, f, now)

    def release(self, session: DownloadSession) -> None:
        """Download URLs die with the session."""
        for f in session.files.values():
            if f.token is not None:
                self.endpoints.pop(f.token, None)

    # --- preparation, computed lazily from the clock -------------------------------------------
    def _advance(self, session: DownloadSession, f: DownloadFile, now: _dt.datetime) -> None:
        assert f.requested_at is not None
        script, size = f.script, f.item_file.size
        requested = float(script.get("requested", 0))
        preparing = float(script.get("preparing", 0))
        elapsed = (now - f.requested_at).total_seconds()
        if elapsed < requested:
            return
        if script.get("stall") or elapsed < requested + preparing:
            f.status = PREPARING
            done = 0.0 if script.get("stall") else (elapsed - requested) / preparing
            f.bytes_transferred = int(size * done)
            return
        if "fail" in script:
            f.status, f.bytes_transferred = FAILED, 0
            f.error_message = message(M.SCRIPTED_FAILURE, script["fail"])
            return
        f.status, f.bytes_transferred = PREPARED, size
        f.token = self.ids.url_token()
        self.endpoints[f.token] = (session.id, f.name)

    @staticmethod
    def uri(session: DownloadSession, f: DownloadFile, origin: str) -> str | None:
        """The download URL of a PREPARED file of an ACTIVE session, on ``origin``."""
        if session.state != ACTIVE or f.status != PREPARED or f.token is None:
            return None
        return f"{origin}{UPLOAD_PATH}{f.token}/{quote(f.name)}"

    def _file(self, session: DownloadSession, name: str) -> DownloadFile:
        found = session.files.get(name)
        if found is None:
            raise vapi_error("INVALID_ARGUMENT", M.DOWNLOAD_FILE_NOT_FOUND, session.id, name)
        return found

    # --- DownloadSession handlers ------------------------------------------------------------
    def download_session_create(self, create_spec: dict[str, Any], client_token: str | None) -> str:
        self.purge()
        earlier = self.earlier(client_token, create_spec["library_item_id"])
        if earlier is not None:
            return earlier
        item = self.inventory.item(create_spec["library_item_id"])
        session = DownloadSession(
            id=self.ids.session_id(),
            item_id=item.id,
            content_version=item.content_version,
            expiration_time=self.clock.now(),
            client_token=client_token,
            files={name: DownloadFile(f) for name, f in item.files.items()},
        )
        return self.register(session)

    def download_session_get(self, download_session_id: str) -> dict[str, Any]:
        return self.get(download_session_id).model()

    def download_session_list(self, library_item_id: str | None) -> list[str]:
        return self.ids_of(library_item_id)

    def download_session_keep_alive(self, download_session_id: str, progress: int | None) -> None:
        self.keep_alive(self.active(download_session_id, "keep_alive"), progress, "progress")

    def download_session_cancel(self, download_session_id: str) -> None:
        self.end(self.active(download_session_id, "cancel"), CANCELED)

    def download_session_fail(self, download_session_id: str, client_error_message: str) -> None:
        self.fail(self.active(download_session_id, "fail"), client_error_message)

    def download_session_delete(self, download_session_id: str) -> None:
        self._drop(self.get(download_session_id))

    # --- downloadsession.File handlers -------------------------------------------------------
    def download_file_list(
        self, download_session_id: str, context: Context
    ) -> list[dict[str, Any]]:
        session = self.get(download_session_id)
        return [f.info(self.uri(session, f, context.origin)) for f in session.files.values()]

    def download_file_get(
        self, download_session_id: str, file_name: str, context: Context
    ) -> dict[str, Any]:
        session = self.get(download_session_id)
        f = self._file(session, file_name)
        return f.info(self.uri(session, f, context.origin))

    def download_file_prepare(
        self,
        download_session_id: str,
        file_name: str,
        endpoint_type: str | None,
        context: Context,
    ) -> dict[str, Any]:
        session = self.get(download_session_id)
        f = self._file(session, file_name)
        if endpoint_type == "DIRECT":
            raise vapi_error("UNAUTHORIZED", M.DOWNLOAD_DIRECT_REFUSED, session.id, file_name)
        if session.state != ACTIVE:  # refused in the answer; an ended session never changes
            error = message(M.PREPARE_SESSION_ENDED, file_name, session.id, session.state)
            return {**f.info(None), "status": FAILED, "error_message": error}
        self.touch(session)
        if f.status in (PREPARE_REQUESTED, PREPARING, PREPARED):
            return f.info(self.uri(session, f, context.origin))  # already on its way
        if f.item_file.data is None:
            f.status, f.bytes_transferred = FAILED, 0
            f.error_message = message(M.CONTENT_NOT_KEPT, file_name)
            return f.info(None)
        now = self.clock.now()
        f.status, f.requested_at, f.error_message, f.bytes_transferred = (
            PREPARE_REQUESTED,
            now,
            None,
            0,
        )
        f.script = dict(session.prepare_overrides.get(file_name, {}))
        if not f.script.get("stall"):
            seconds = float(f.script.get("requested", 0)) + float(f.script.get("preparing", 0))
            self.extend(session, now + _dt.timedelta(seconds=seconds))
        return f.info(None)

    # --- the data plane: two stages of one call ---------------------------------------------
    def download_begin(
        self,
        file_name: str,
        method: str,
        context: Context,
        token: str | None = None,
        library_id: str | None = None,
        library_item_id: str | None = None,
        version: str | None = None,
        range: str | None = None,
        bytes: int | None = None,
    ) -> Opened:
        """The bytes behind a live download URL (``token``), or behind an item file's direct
        URL (``library_id``, ``library_item_id``, ``version``); NOT_FOUND otherwise."""
        if token is None:
            opened = self._open_file(library_id, library_item_id, file_name, version)
        else:
            opened = self._open(token, file_name)
        if opened is None:
            where = f"{library_id}/{library_item_id}"
            path = f"{UPLOAD_PATH}{token}" if token else f"{STATIC_PATH}{where}"
            raise vapi_error("NOT_FOUND", M.DOWNLOAD_NOT_FOUND, f"{path}/{quote(file_name)}")
        return opened

    def download_finish(
        self, file_name: str, context: Context, range: str | None = None, **_: Any
    ) -> dict[str, int]:
        """The download ended (``context.carry``: what began); a whole file sent as stored
        makes its checksum known. The session saw activity."""
        opened: Opened = context.carry
        if opened.status == 416:
            raise vapi_error(
                "INVALID_ARGUMENT", M.RANGE_NOT_SATISFIABLE, range, file_name, opened.size
            )
        if "rate" in opened.script:  # scripted: the bytes took this long on the fake clock
            self.clock.advance(opened.sent / opened.script["rate"])
        session, f = opened.session, opened.file
        self.purge()
        if session is not None and f is not None and self.sessions.get(session.id) is session:
            if session.state == ACTIVE:
                self.touch(session)
            if opened.digest is not None:
                known = f.item_file
                if known.checksum is not None:
                    f.downloaded = (known.algorithm, known.checksum)
                else:
                    f.downloaded = opened.digest
        return {"status": opened.status}

    def _open(self, token: str, name: str) -> Opened | None:
        where = self.endpoints.get(token)
        if where is None or where[1] != name:
            return None
        session = self.live(where[0])
        if session is None:
            return None
        self.refresh(session)
        f = session.files.get(name)
        if f is None or f.token != token or f.item_file.data is None:
            return None
        self.touch(session)
        script = session.transfer_overrides.pop(name, {})  # a rule scripts this download only
        return Opened(session, f, f.item_file.data, f.item_file.size, script, self.lock)

    def _open_file(
        self, library_id: str | None, item_id: str | None, name: str, version: str | None
    ) -> Opened | None:
        """A direct download of an item file (``version``, if given, must be the current one)."""
        item = self.inventory.items.get(item_id or "")
        if item is None or item.library_id != library_id:
            return None
        f = item.files.get(name)
        if f is None or f.data is None or version not in (None, str(f.version)):
            return None
        return Opened(None, None, f.data, f.size, {}, self.lock)

"""Files of an update session: the file sub-service, PUSH uploads and PULL transfers.

A new session lists the item's current files (source NONE, READY). ``add`` stages a file to
be pushed (to an unguessable upload URL) or pulled from a registered source; adding a name
again replaces the entry; ``remove`` drops it from the session and, at complete, from the
item. The bytes of every transfer go through a :class:`~vcl_fake.backend.transfers.Transfer`
and end in :meth:`SessionFiles._deliver`, which checks the declared size and checksum;
validation and the preview are :mod:`vcl_fake.backend.review`'s.

Uploads stream: the data plane takes a Transfer under the backend lock, feeds it chunks
without the lock, and hands it back under the lock. Pulls progress lazily: their state is
computed from the clock and the source's rate whenever the session is read. When a pull
ends, its bytes are hashed and spooled by a worker thread while the waiting caller lets go of
the backend lock (``Condition.wait``), so other clients are never held up by it; sources up to
``INLINE_PULL`` bytes are read in place.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import threading
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

from vcl_fake import messages as M
from vcl_fake.backend import fetch, ovf
from vcl_fake.backend.records import (
    ACTIVE,
    DEFAULT_ALGORITHM,
    DIGEST_HEX,
    ERROR,
    FAILED,
    NONE,
    PULL,
    PUSH,
    READY,
    TRANSFERRING,
    WAITING,
    ItemFile,
    SessionFile,
    UpdateSession,
)
from vcl_fake.backend.review import Review
from vcl_fake.backend.sessions import Content, UpdateSessions
from vcl_fake.backend.sources import (
    PROBE_SCHEMES,
    SCHEMES,
    Source,
    check_tls,
    unknown_source,
    uri_scheme,
)
from vcl_fake.backend.transfers import Sink, Spools, Transfer, check_file_name, without_lock
from vcl_fake.contract.operations import UPLOAD_PATH
from vcl_fake.errors import Message, VapiError, message, vapi_error

if TYPE_CHECKING:
    from vcl_fake.backend.core import Context

#: Pulled sources up to this size are hashed in place; larger ones without the backend lock.
INLINE_PULL = 1 << 20


def uri_problem(uri: str, schemes: tuple[str, ...] = SCHEMES) -> Message | None:
    """Why a source URI cannot be used: it does not parse, or its scheme is not one of
    ``schemes``. Whether it can be fetched is found at transfer time, as vCenter finds it."""
    scheme = uri_scheme(uri)  # None: it does not parse (``http://[::1``, a bad port)
    if scheme is None:
        return message(M.INVALID_URL_FORMAT, uri)
    return None if scheme in schemes else message(M.URI_SCHEME_UNSUPPORTED, uri)


class SessionFiles(Content):
    """The file sub-service over the sessions of one backend. Callers hold the backend lock."""

    def __init__(
        self,
        sessions: UpdateSessions,
        *,
        keep_content: bool = True,
        trusted: list[str] | None = None,
        fetch: str | None = None,
        locked: Callable[[], AbstractContextManager[Any]] | None = None,
        lock: threading.RLock | None = None,
    ) -> None:
        #: Released while a worker hashes a pull's bytes (the backend lock).
        self.io = threading.Condition(lock if lock is not None else threading.RLock())
        self.sessions = sessions
        self.keep_content = keep_content
        #: May PULL fetch real URLs that are not registered? (a :mod:`fetch` policy, or None)
        self.fetch = fetch
        #: The backend's lock (fetch threads report under it).
        self.locked: Callable[[], AbstractContextManager[Any]] | None = locked
        self.sources: dict[str, Source] = {}
        self.trusted: list[str] = trusted if trusted is not None else []
        self.review = Review(sessions.clock, self.trusted, self.io)
        #: Every spool of this backend; what is left is closed when the backend goes.
        self.spools = Spools()
        weakref.finalize(self, self.spools.close_all)
        #: Does something else (a download session's snapshot) still read this content?
        self.held: Callable[[Any], bool] = lambda data: False
        self.uploads: dict[str, tuple[str, str]] = {}  # token -> (session id, file name)
        #: Where an item's content goes: (datastore name, free bytes), or None (no limit).
        self.room: Callable[[str], tuple[str, int] | None] = lambda item_id: None
        sessions.content = self

    # --- the session lifecycle (Content) --------------------------------------------------
    def seed(self, session: UpdateSession) -> None:
        item = self.sessions.inventory.item(session.item_id)
        session.files = {name: SessionFile.existing(f) for name, f in item.files.items()}

    def close(self, session: UpdateSession) -> None:
        """Upload URLs die with the session, and so does content it did not commit."""
        for f in session.files.values():
            if f.token is not None:
                self.uploads.pop(f.token, None)
            self._release(session, f)

    def _release(self, session: UpdateSession, entry: SessionFile) -> None:
        """Close ``entry``'s content unless the item holds it (committed, or existing)."""
        if entry.data is None:
            return
        item = self.sessions.inventory.items.get(session.item_id)
        if item is None or all(f.data is not entry.data for f in item.files.values()):
            self.spools.close(entry.data)
        entry.data = None

    @staticmethod
    def check_received(session: UpdateSession) -> None:
        """Every PUSH file must have arrived (complete and validate refuse otherwise)."""
        for f in session.files.values():
            if f.source_type == PUSH and f.status != READY:
                status = "WAITING" if f.status == WAITING else f.status  # as vCenter says it
                raise vapi_error(
                    "NOT_ALLOWED_IN_CURRENT_STATE", M.FILE_NOT_RECEIVED, f.name, status
                )

    def check_complete(self, session: UpdateSession) -> None:
        self.check_received(session)
        result = self.review.validation(session)  # may let the lock go (hashing a large file)
        if session.state != ACTIVE:
            raise vapi_error(
                "NOT_ALLOWED_IN_CURRENT_STATE",
                M.SESSION_NOT_ACTIVE,
                "complete",
                session.id,
                session.state,
            )
        if result["has_errors"]:  # vCenter lists the names, each followed by a space
            missing = "".join(f"{name} " for name in result["missing_files"])
            invalid = "".join(f"{f['name']} " for f in result["invalid_files"])
            raise vapi_error("NOT_ALLOWED_IN_CURRENT_STATE", M.VALIDATION_FAILED, missing, invalid)
        preview = self.review.preview(session, super().preview(session))
        unignored = [w["type"] for w in preview.get("warnings") or () if not w["ignored"]]
        if unignored:  # the session fails, as vCenter fails it (see docs/differences.md)
            error = message(M.PREVIEW_WARNINGS, ", ".join(unignored))
            self.sessions.end(session, ERROR, error)
            raise VapiError("NOT_ALLOWED_IN_CURRENT_STATE", error)

    def pending(self, session: UpdateSession) -> bool:
        return any(f.status == TRANSFERRING for f in session.files.values())

    def commit(self, session: UpdateSession) -> None:
        """All or nothing: the item's new file table is built aside, then swapped in."""
        item = self.sessions.inventory.item(session.item_id)
        before = item.size
        files = {n: f for n, f in item.files.items() if n not in session.removed}
        for f in session.files.values():
            if f.source_type == NONE or not f.keep_in_storage:
                continue
            previous = item.files.get(f.name)
            files[f.name] = ItemFile(
                name=f.name,
                size=f.size if f.size is not None else f.bytes_transferred,
                checksum=f.digest,
                algorithm=f.algorithm,
                version=previous.version + 1 if previous else 1,
                cached=f.data is not None,
                data=f.data,
            )
        kept = {id(f.data) for f in files.values()}
        dropped = [f.data for f in item.files.values() if id(f.data) not in kept]
        item.files = files
        self.sessions.inventory.resized(item, before)
        for data in dropped:  # replaced or removed content, unless a download still reads it
            if not self.held(data):
                self.spools.close(data)

    def refresh(self, session: UpdateSession) -> None:
        """Move pulls forward to the clock; finish a deferred complete when they are done."""
        if session.state != ACTIVE:
            return
        now = self.sessions.clock.now()
        last_end = None
        for f in list(session.files.values()):  # a pulled descriptor may add its files, and
            # the lock may be let go meanwhile (a large pull is hashed without it)
            if f.status == TRANSFERRING and f.source is not None:
                last_end = self._advance_pull(session, f, now) or last_end
                if session.state != ACTIVE:
                    return
        if session.completing and not self.pending(session):
            try:
                self.check_complete(session)
            except VapiError as refused:  # e.g. a pulled file contradicts the manifest
                if session.state == ACTIVE:
                    self.sessions.end(session, ERROR, refused.messages[0], at=last_end)
                return
            self.sessions.finish_complete(session, at=last_end)

    # --- operation handlers -----------------------------------------------------------------
    def file_add(
        self, update_session_id: str, file_spec: dict[str, Any], context: Context
    ) -> dict[str, Any]:
        session = self.sessions.active(update_session_id, "add")
        inventory = self.sessions.inventory
        inventory.writable(inventory.library(inventory.item(session.item_id).library_id))
        name = file_spec["name"]
        check_file_name(name)
        size = file_spec.get("size")
        if size is not None and size < 0:
            raise vapi_error("INVALID_ARGUMENT", M.FILE_SIZE_NEGATIVE, name, size)
        checksum = file_spec.get("checksum_info") or {}
        algorithm = checksum.get("algorithm") or DEFAULT_ALGORITHM
        digest = checksum.get("checksum")
        if digest is not None and not re.fullmatch(
            f"[0-9a-fA-F]{{{DIGEST_HEX[algorithm]}}}", digest
        ):
            hex_digits = DIGEST_HEX[algorithm]
            raise vapi_error(
                "INVALID_ARGUMENT", M.CHECKSUM_INVALID, name, digest, algorithm, hex_digits
            )
        endpoint = file_spec.get("source_endpoint")
        if endpoint is not None:
            refused = uri_problem(endpoint["uri"])
            if refused is not None:
                raise VapiError("INVALID_ARGUMENT", refused)
        if ovf.is_manifest(name) or ovf.is_certificate(name):
            descriptor = self.review.descriptor(session)
            if descriptor is not None:
                raise vapi_error(
                    "NOT_ALLOWED_IN_CURRENT_STATE",
                    M.METADATA_AFTER_DESCRIPTOR,
                    name,
                    descriptor.name,
                )
        entry = SessionFile(
            name=name,
            source_type=file_spec["source_type"],
            size=size,
            declared_size=size,
            algorithm=algorithm,
            checksum=digest.lower() if digest else None,
            source_endpoint=endpoint,
            # manifests, certificates and OVA envelopes are checked, not stored on the item
            keep_in_storage=not (
                ovf.is_manifest(name) or ovf.is_certificate(name) or ovf.is_ova(name)
            ),
        )
        old = session.files.get(name)
        if old is not None:
            if old.token is not None:
                self.uploads.pop(old.token, None)
            self._release(session, old)
        session.files[name] = entry
        session.removed.discard(name)
        self.sessions.touch(session)
        if entry.source_type == PUSH:
            entry.token = self.sessions.ids.url_token()
            self.uploads[entry.token] = (session.id, name)
        elif entry.source_type == NONE:
            entry.status = READY
        else:
            self._start_pull(session, entry)
        return entry.info(context.origin)

    def file_get(self, update_session_id: str, file_name: str, context: Context) -> dict[str, Any]:
        return self._file(self.sessions.get(update_session_id), file_name).info(context.origin)

    def file_list(self, update_session_id: str, context: Context) -> list[dict[str, Any]]:
        files = self.sessions.get(update_session_id).files.values()
        return [f.info(context.origin) for f in files]

    def file_remove(self, update_session_id: str, file_name: str) -> None:
        session = self.sessions.active(update_session_id, "remove")
        entry = self._file(session, file_name)
        if entry.token is not None:
            self.uploads.pop(entry.token, None)
        self._release(session, entry)
        del session.files[file_name]
        if file_name in self.sessions.inventory.item(session.item_id).files:
            session.removed.add(file_name)
        self.sessions.touch(session)

    def file_validate(self, update_session_id: str) -> dict[str, Any]:
        session = self.sessions.active(update_session_id, "validate", completing_ok=True)
        self.sessions.touch(session)
        self.check_received(session)
        return self.review.validation(session)

    def preview(self, session: UpdateSession) -> dict[str, Any]:
        return self.review.preview(session, super().preview(session))

    def file_probe(self, source_endpoint: dict[str, Any]) -> dict[str, Any]:
        """govc's probe: can the server reach the source, and does its certificate pass?"""
        uri = source_endpoint["uri"]
        result: dict[str, Any] = {"status": "SUCCESS", "error_messages": []}
        refused = uri_problem(uri, PROBE_SCHEMES)
        if refused is not None:
            return {**result, "status": "INVALID_URL", "error_messages": [refused]}
        source = self.sources.get(uri)
        if source is None:
            return {**result, "status": "INVALID_URL", "error_messages": [unknown_source(uri)]}
        if source.certificate is not None:
            from vcl_fake.backend.sources import load_certificates, thumbprint

            leaf_pem = source.certificate
            result["ssl_thumbprint"] = thumbprint(load_certificates(leaf_pem)[0])
            failure = check_tls(source, source_endpoint, self.trusted, self.sessions.clock.now())
            if failure is not None:
                result.update(
                    status="CERTIFICATE_ERROR", ssl_certificate=leaf_pem, error_messages=[failure]
                )
        return result

    def _file(self, session: UpdateSession, name: str) -> SessionFile:
        found = session.files.get(name)
        if found is None:
            raise vapi_error("INVALID_ARGUMENT", M.FILE_NOT_IN_SESSION, session.id, name)
        return found

    # --- delivery: where every transfer ends --------------------------------------------------
    def _deliver(self, transfer: Transfer, at: _dt.datetime | None = None) -> None:
        """Check what arrived against the declared size and checksum; READY or ERROR. An OVA's
        parts join the session as files of their own."""
        entry, sink = transfer.file, transfer.sink
        if transfer.script.get("stall"):
            transfer.discard()
            return  # scripted: the transfer never finishes
        digests = sink.digests()
        actual = digests[entry.algorithm]
        if transfer.interrupted:
            reason = transfer.script.get("message", "Pipe closed")
            where = self.destination(transfer.session, entry.name)
            error = message(M.TRANSFER_ABORTED, entry.name, where, reason)
        elif transfer.failure is not None:
            error = message(M.PACKAGE_INVALID, entry.name, transfer.failure)
        elif entry.declared_size is not None and entry.declared_size != sink.received:
            error = message(M.SIZE_MISMATCH, entry.name, entry.declared_size, sink.received)
        elif entry.checksum is not None and entry.checksum != actual:
            error = message(
                M.CHECKSUM_MISMATCH, entry.name, entry.algorithm, entry.checksum, actual
            )
        elif (full := self._no_room(transfer.session, entry, sink.received)) is not None:
            error = full
        else:
            session = transfer.session
            self._accept(session, entry, sink)
            for part in transfer.parts:
                unpacked = SessionFile(part.name, entry.source_type)
                unpacked.keep_in_storage = not ovf.is_manifest(
                    part.name
                ) and not ovf.is_certificate(part.name)
                self._accept(session, unpacked, part)
                replaced = session.files.get(part.name)
                if replaced is not None:
                    self._release(session, replaced)
                session.files[part.name] = unpacked
            if entry.source_type == PULL and ovf.is_descriptor(entry.name) and entry.content:
                self._pull_references(transfer.session, entry, at)
            return
        transfer.discard()
        self._fail(transfer.session, entry, error, at)

    def destination(self, session: UpdateSession, name: str) -> str:
        """Where a file of the session is stored, as vCenter names it in transfer errors:
        ``ds:///vmfs/volumes/<datastore>/contentlib-<library>/<item>/<name>?serverId=<guid>``."""
        inventory = self.sessions.inventory
        item = inventory.item(session.item_id)
        library = inventory.library(item.library_id)
        backing = library.storage_backings[0] if library.storage_backings else {}
        datastore = backing.get("datastore_id") or "datastore"
        return (
            f"ds:///vmfs/volumes/{datastore}/contentlib-{library.id}/{item.id}/{name}"
            f"?serverId={inventory.server_guid}"
        )

    def _pull_references(
        self, session: UpdateSession, descriptor: SessionFile, at: _dt.datetime | None
    ) -> None:
        """A pulled descriptor brings the files it references, from URLs relative to its own,
        as vCenter fetches them: each is a session file with its own progress."""
        assert descriptor.content is not None and descriptor.source_endpoint is not None
        base = descriptor.source_endpoint
        for name in ovf.referenced_files(descriptor.content):
            if name in session.files:
                continue  # the client added it itself
            try:
                check_file_name(name)
            except VapiError as exc:
                self._fail(session, descriptor, exc.messages[0], at)
                return
            uri = urljoin(base["uri"], quote(name))
            endpoint = {"uri": uri}
            if urlsplit(uri).netloc == urlsplit(base["uri"]).netloc:
                for key in ("ssl_certificate_thumbprint", "ssl_certificate"):
                    if base.get(key):  # the descriptor's TLS expectations hold for its server
                        endpoint[key] = base[key]
            entry = SessionFile(name, PULL, source_endpoint=endpoint)
            session.files[name] = entry
            self._start_pull(session, entry, at)
            if session.state != ACTIVE:
                return

    def _no_room(self, session: UpdateSession, entry: SessionFile, size: int) -> Message | None:
        """The error for a file that does not fit on its datastore next to the session's
        other received files, or None when it fits."""
        room = self.room(session.item_id)
        if room is None:
            return None
        name, free = room
        pending = sum(
            f.bytes_transferred
            for f in session.files.values()
            if f is not entry and f.status == READY and f.source_type != "NONE"
        )
        if size <= free - pending:
            return None
        return message(M.DATASTORE_FULL, entry.name, name, size, max(0, free - pending))

    def _accept(self, session: UpdateSession, entry: SessionFile, sink: Sink) -> None:
        self._release(session, entry)  # what an earlier attempt delivered
        entry.status, entry.size = READY, sink.received
        entry.bytes_transferred = sink.received
        entry.digests = sink.digests()
        entry.data = sink.data()
        entry.content = bytes(sink.metadata) if sink.metadata is not None else None

    def _fail(
        self, session: UpdateSession, entry: SessionFile, error: Message, at: _dt.datetime | None
    ) -> None:
        """A transfer failure the server finds fails the file and the session."""
        entry.status, entry.error_message = FAILED, error
        self.sessions.end(session, ERROR, error, at=at)

    def _kept(self) -> Spools | None:
        return self.spools if self.keep_content else None

    # --- PUSH: the data plane -----------------------------------------------------------------
    def upload_begin(
        self, token: str, file_name: str, method: str, bytes: int | None = None
    ) -> Transfer:
        """Start receiving the file a live upload URL names; NOT_FOUND once the URL is dead."""
        if method not in ("PUT", "POST"):
            raise vapi_error("OPERATION_NOT_FOUND", M.UPLOAD_METHOD, method)
        self.sessions.purge()
        where = self.uploads.get(token)
        session = self.sessions.sessions.get(where[0]) if where and where[1] == file_name else None
        if session is None or session.state != ACTIVE:
            raise _gone(token, file_name)
        entry = session.files[file_name]
        entry.status, entry.bytes_transferred, entry.error_message = TRANSFERRING, 0, None
        self.sessions.touch(session)
        return Transfer(session, entry, self._kept(), self.review.manifest(session))

    def upload_finish(
        self,
        token: str,
        file_name: str,
        method: str,
        context: Context,
        bytes: int | None = None,
    ) -> str:
        """Verify what arrived (``context.carry``: the transfer); the file's status. A later
        upload to the same URL supersedes this one (CONCURRENT_CHANGE; its bytes are dropped),
        so the file never mixes two attempts' size and bytes."""
        transfer: Transfer = context.carry
        session, entry = transfer.session, transfer.file
        if "rate" in transfer.script:  # scripted: the bytes took this long on the fake clock
            self.sessions.clock.advance(transfer.received / transfer.script["rate"])
        self.sessions.purge()  # the session may have expired while the bytes streamed
        alive = self.sessions.sessions.get(session.id) is session and session.state == ACTIVE
        if not alive or session.files.get(entry.name) is not entry:
            transfer.discard()
            raise _gone(token, file_name)
        if entry.attempt is not transfer:
            transfer.discard()
            path = f"{UPLOAD_PATH}{token}/{quote(file_name)}"
            raise vapi_error("CONCURRENT_CHANGE", M.UPLOAD_SUPERSEDED, path)
        entry.attempt = None
        self.sessions.touch(session)
        if transfer.broken:
            transfer.discard()
            entry.status, entry.bytes_transferred = WAITING, 0  # the client may send it again
            why = message(M.TRANSFER_ABORTED, entry.name, transfer.received, transfer.broken)
            raise VapiError("ERROR", why)
        self._deliver(transfer)
        if transfer.interrupted and entry.error_message is not None:
            raise VapiError("ERROR", entry.error_message)
        return entry.status

    # --- PULL: server-side transfers, computed lazily from the clock ---------------------------
    def _start_pull(
        self, session: UpdateSession, entry: SessionFile, at: _dt.datetime | None = None
    ) -> None:
        endpoint = entry.source_endpoint or {}
        now = self.sessions.clock.now()
        entry.status, entry.pull_started = TRANSFERRING, at or now
        source = self.sources.get(endpoint["uri"])
        if source is None and self._fetchable(endpoint["uri"]):
            self._fetch(session, entry)
            return
        failure = (
            unknown_source(endpoint["uri"])
            if source is None
            else check_tls(source, endpoint, self.trusted, now)
        )
        if failure is not None:
            self._fail(session, entry, failure, at or now)
            return
        assert source is not None
        self._pull_from(session, entry, source)

    def _pull_from(self, session: UpdateSession, entry: SessionFile, source: Source) -> None:
        """Pull ``source`` into ``entry`` (started at ``entry.pull_started``), on the clock."""
        now = self.sessions.clock.now()
        started = entry.pull_started or now
        script = session.transfer_overrides.get(entry.name, {})
        entry.source = source = dataclasses.replace(
            source,
            rate=script.get("rate", source.rate),
            fail_after=script.get("fail_after", source.fail_after),
        )
        if not script.get("stall"):
            stop = source.size if source.fail_after is None else min(source.size, source.fail_after)
            self.sessions.extend(session, started + source.duration(stop))
        self._advance_pull(session, entry, now)

    # --- PULL of real URLs (opt-in): fetched in a thread, then pulled like a source -------------
    def _fetchable(self, uri: str) -> bool:
        return self.fetch is not None and urlsplit(uri).scheme.lower() in ("http", "https")

    def _fetch(self, session: UpdateSession, entry: SessionFile) -> None:
        endpoint = dict(entry.source_endpoint or {})
        assert self.fetch is not None and self.locked is not None
        refused = fetch.refusal(endpoint["uri"], self.fetch)
        if refused is not None:
            self._fail(session, entry, refused, entry.pull_started)
            return
        clock, trusted, locked = self.sessions.clock, list(self.trusted), self.locked

        def judge(presented: Source) -> Message | None:
            return check_tls(presented, endpoint, trusted, clock.now())

        def done(result: fetch.Fetched) -> None:
            with locked():
                self._fetched(session, entry, result)

        job = fetch.Fetch(endpoint["uri"], endpoint, judge, done)
        entry.fetching = job
        job.start()

    def _fetched(self, session: UpdateSession, entry: SessionFile, result: fetch.Fetched) -> None:
        """A fetch ended (caller holds the lock): pull what it brought, or fail the file."""
        entry.fetching = None
        alive = self.sessions.sessions.get(session.id) is session and session.state == ACTIVE
        if not alive or session.files.get(entry.name) is not entry:
            if result.source is not None and result.source.spool is not None:
                result.source.spool.close()
            return
        if result.source is None:
            assert result.failure is not None
            self._fail(session, entry, result.failure, self.sessions.clock.now())
            return
        self._pull_from(session, entry, result.source)
        self.refresh(session)  # a deferred complete may finish now

    def _advance_pull(
        self, session: UpdateSession, entry: SessionFile, now: _dt.datetime
    ) -> _dt.datetime | None:
        """Bring one pull to ``now``; return when it ended, if it has."""
        source, started = entry.source, entry.pull_started
        assert source is not None and started is not None
        script = session.transfer_overrides.get(entry.name, {})
        if script.get("stall"):
            return None  # scripted: it never moves
        elapsed = (now - started).total_seconds()
        moved = source.size if source.rate is None else min(source.size, int(source.rate * elapsed))
        broken_at = source.fail_after
        if broken_at is not None and broken_at < source.size and moved >= broken_at:
            at = started + source.duration(broken_at)
            entry.bytes_transferred = broken_at
            why = script.get("message", "connection reset by peer")
            where = self.destination(session, entry.name)
            reason = message(M.TRANSFER_INTERRUPTED, entry.name, where, why)
            self._fail(session, entry, reason, at)
            return at
        if moved < source.size:
            entry.bytes_transferred = moved
            return None
        at = started + source.duration(source.size)
        if entry.attempt is not None:
            entry.bytes_transferred = source.size
            return None  # another caller is hashing it right now: still transferring
        transfer = self._pulled(session, entry)
        if transfer is None:
            return None  # someone else delivered it, or the session moved on meanwhile
        self._deliver(transfer, at)
        return at

    def _pulled(self, session: UpdateSession, entry: SessionFile) -> Transfer | None:
        """The pulled bytes, hashed and spooled: in place when small, else by a worker thread
        while this one waits without the backend lock. None if, once the lock is back, the
        file is no longer this session's pull in progress (its bytes are then dropped)."""
        source = entry.source
        assert source is not None
        transfer = Transfer(session, entry, self._kept(), self.review.manifest(session))
        transfer.script.pop("fail_after", None)  # already applied to the source
        if source.size <= INLINE_PULL:
            transfer.feed(source.chunks())
            entry.attempt = None
            _fetched_spool_done(source)
            return transfer
        try:
            without_lock(self.io, lambda: transfer.feed(source.chunks()))
        except BaseException:
            transfer.discard()
            raise
        finally:
            if entry.attempt is transfer:
                entry.attempt = None
            _fetched_spool_done(source)
        current = session.files.get(entry.name) is entry
        if not current or session.state != ACTIVE or entry.status != TRANSFERRING:
            transfer.discard()
            return None
        return transfer


def _fetched_spool_done(source: Source) -> None:
    """A real fetch's bytes are now in the file's own spool: the fetch's spool goes."""
    if source.spool is not None:
        source.spool.close()


def _gone(token: str, name: str) -> VapiError:
    return vapi_error("NOT_FOUND", M.UPLOAD_NOT_FOUND, f"{UPLOAD_PATH}{token}/{quote(name)}")

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

import dataclasses
import datetime as _dt
import hashlib
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

from vcl_fake import messages as M
from vcl_fake.backend import ovf, signing
from vcl_fake.backend.inventory import ItemFile, checksum_info
from vcl_fake.backend.sessions import ACTIVE, ERROR, Content, UpdateSession, UpdateSessions
from vcl_fake.backend.sources import SCHEMES, Source, check_tls, unknown_source
from vcl_fake.errors import Message, VapiError, message, vapi_error

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
    digests: dict[str, str] = field(default_factory=dict)  # algorithm -> hex, of what arrived
    content: bytes | None = field(default=None, repr=False)  # descriptor, manifest, certificate
    source: Source | None = None  # PULL: what is being fetched
    pull_started: _dt.datetime | None = None
    part_of: str | None = None  # the OVA this file was unpacked from
    parsed: Any = field(default=None, repr=False)  # a certificate file, parsed once

    @property
    def digest(self) -> str | None:
        return self.digests.get(self.algorithm)

    @classmethod
    def existing(cls, f: ItemFile) -> SessionFile:
        entry = cls(f.name, "NONE", f.size, f.algorithm, f.checksum, status=READY)
        entry.bytes_transferred, entry.data = f.size, f.data
        if f.checksum is not None:
            entry.digests[f.algorithm] = f.checksum
        return entry

    def digest_in(self, algorithm: str) -> str | None:
        """The digest of this file's bytes in ``algorithm``: known, or computed from them."""
        if algorithm not in self.digests and self.data is not None:
            hasher = hashlib.new(algorithm.lower())
            self.data.seek(0)
            while chunk := self.data.read(1 << 20):
                hasher.update(chunk)
            self.data.seek(0)
            self.digests[algorithm] = hasher.hexdigest()
        return self.digests.get(algorithm)

    def info(self) -> dict[str, Any]:
        """``com.vmware.content.library.item.updatesession.file.info``."""
        return {
            "name": self.name,
            "source_type": self.source_type,
            "size": self.size if self.status == READY else None,
            "checksum_info": checksum_info(self.algorithm, self.checksum),
            "source_endpoint": self.source_endpoint,
            "upload_endpoint": {"uri": self.upload_uri} if self.upload_uri else None,
            "bytes_transferred": self.bytes_transferred,
            "status": self.status,
            "error_message": self.error_message,
            "keep_in_storage": self.keep_in_storage,
        }


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
        part = Sink(name, self._algorithms(name, "SHA1"), self.keep_content)
        self.parts.append(part)
        return part


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
        self._roots: dict[str, list[Any]] = {}  # PEM -> parsed certificates
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
        result = self.validation(session)
        if result["has_errors"]:
            missing = ", ".join(result["missing_files"]) or "none"
            invalid = ", ".join(f["name"] for f in result["invalid_files"]) or "none"
            raise vapi_error("NOT_ALLOWED_IN_CURRENT_STATE", M.VALIDATION_FAILED, missing, invalid)
        preview = self.preview(session)
        unignored = [w["type"] for w in preview.get("warnings") or () if not w["ignored"]]
        if unignored:  # the session fails, as vCenter fails it (see docs/differences.md)
            error = message(M.PREVIEW_WARNINGS, ", ".join(unignored))
            self.sessions.end(session, ERROR, error)
            raise VapiError("NOT_ALLOWED_IN_CURRENT_STATE", error)

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
            try:
                self.check_complete(session)
            except VapiError as refused:  # e.g. a pulled file contradicts the manifest
                if session.state == ACTIVE:
                    self.sessions.end(session, ERROR, refused.messages[0], at=last_end)
                return
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
        if ovf.is_manifest(name) or ovf.is_certificate(name):
            descriptor = self._descriptor(session)
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
            algorithm=algorithm,
            checksum=digest.lower() if digest else None,
            source_endpoint=endpoint,
            # manifests, certificates and OVA envelopes are checked, not stored on the item
            keep_in_storage=not (
                ovf.is_manifest(name) or ovf.is_certificate(name) or ovf.is_ova(name)
            ),
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
        self.sessions.touch(session)
        return self.validation(session)

    def validation(self, session: UpdateSession) -> dict[str, Any]:
        """``ValidationResult``: files in ERROR, files the descriptor references but the session
        lacks, and files whose digest contradicts the manifest."""
        invalid = [
            {"name": f.name, "error_message": f.error_message}
            for f in session.files.values()
            if f.status == FAILED and f.error_message is not None
        ]
        missing: list[str] = []
        descriptor = self._descriptor(session)
        if descriptor is not None and descriptor.status == READY and descriptor.content is not None:
            try:
                missing = [
                    n for n in ovf.referenced_files(descriptor.content) if n not in session.files
                ]
            except ovf.OvfError as exc:
                error = message(M.PACKAGE_INVALID, descriptor.name, exc)
                invalid.append({"name": descriptor.name, "error_message": error})
        invalid += self._manifest_mismatches(session)
        cert_entry, cert_file = self._cert_file(session)
        if cert_entry is not None and cert_file is not None:
            manifest = session.files.get(cert_file.manifest_name)
            if manifest is None:
                missing.append(cert_file.manifest_name)
            elif (
                manifest.status == READY
                and manifest.content is not None
                and not signing.signature_verifies(cert_file, manifest.content)
            ):
                subject = cert_file.signer.subject.rfc4514_string()
                error = message(M.SIGNATURE_INVALID, cert_entry.name, manifest.name, subject)
                invalid.append({"name": cert_entry.name, "error_message": error})
        return {
            "has_errors": bool(missing or invalid),
            "missing_files": missing,
            "invalid_files": invalid,
        }

    def _manifest_mismatches(self, session: UpdateSession) -> list[dict[str, Any]]:
        found = []
        manifest_file = next((f for f in session.files.values() if ovf.is_manifest(f.name)), None)
        try:
            entries = self.manifest(session)
        except ovf.OvfError as exc:
            assert manifest_file is not None
            return [
                {
                    "name": manifest_file.name,
                    "error_message": message(M.PACKAGE_INVALID, manifest_file.name, exc),
                }
            ]
        for name, (algorithm, expected) in entries.items():
            f = session.files.get(name)
            if f is None or f.status != READY:
                continue
            actual = f.digest_in(algorithm)
            if actual is None:
                error = message(M.MANIFEST_UNVERIFIABLE, name, algorithm)
            elif actual != expected:
                error = message(M.MANIFEST_MISMATCH, name, algorithm, expected, actual)
            else:
                continue
            found.append({"name": name, "error_message": error})
        return found

    @staticmethod
    def _descriptor(session: UpdateSession) -> SessionFile | None:
        """The OVF descriptor this session brings (not one the item already had)."""
        return next(
            (
                f
                for f in session.files.values()
                if ovf.is_descriptor(f.name) and f.source_type != "NONE"
            ),
            None,
        )

    @staticmethod
    def manifest(session: UpdateSession) -> dict[str, tuple[str, str]]:
        """The session's manifest entries, once the manifest has arrived (else empty)."""
        for f in session.files.values():
            if ovf.is_manifest(f.name) and f.status == READY and f.content is not None:
                return ovf.parse_manifest(f.content)
        return {}

    def preview(self, session: UpdateSession) -> dict[str, Any]:
        """``PreviewInfo``: UNAVAILABLE without a descriptor (NOT_APPLICABLE once complete is
        called), PREPARING until the package metadata has arrived, then AVAILABLE with the
        signer's certificate and one warning per problem, judged at the clock's time."""
        if session.preview_override is not None:
            return self._scripted_preview(session, session.preview_override)
        metadata = [
            f
            for f in session.files.values()
            if f.source_type != "NONE" and (ovf.is_metadata(f.name) or ovf.is_ova(f.name))
        ]
        if not any(ovf.is_descriptor(f.name) or ovf.is_ova(f.name) for f in metadata):
            return super().preview(session)
        if any(f.status != READY for f in metadata):
            return {"state": "PREPARING"}
        _, cert_file = self._cert_file(session)
        if cert_file is None:
            return {"state": "AVAILABLE", "warnings": []}
        ignored = {b["type"]: b["ignored"] for b in session.warning_behavior}
        now = self.sessions.clock.now()
        found = signing.warnings(cert_file, self._trusted_roots(), now)
        return {
            "state": "AVAILABLE",
            "certificate_info": signing.certificate_info(cert_file),
            "cert_chain": signing.cert_chain(cert_file),
            "warnings": [
                {"type": kind, "message": text, "ignored": ignored.get(kind, False)}
                for kind, text in found
            ],
        }

    @staticmethod
    def _scripted_preview(session: UpdateSession, script: dict[str, Any]) -> dict[str, Any]:
        """A preview a scenario rule forced."""
        out: dict[str, Any] = {"state": script["state"]}
        if script["state"] != "AVAILABLE":
            return out
        ignored = {b["type"]: b["ignored"] for b in session.warning_behavior}
        out["warnings"] = [
            {
                "type": w["type"],
                "message": {
                    "id": M.SCRIPTED_WARNING[0],
                    "default_message": w["message"],
                    "args": [],
                }
                if "message" in w
                else message(M.SCRIPTED_WARNING, w["type"]),
                "ignored": ignored.get(w["type"], False),
            }
            for w in script.get("warnings", [])
        ]
        if "certificate_info" in script:
            info = dict(script["certificate_info"])
            info.setdefault("x509", "")
            out["certificate_info"] = info
        return out

    def _cert_file(self, session: UpdateSession) -> tuple[SessionFile | None, Any]:
        """The session's certificate file and its parsed content, once it has arrived."""
        for f in session.files.values():
            if ovf.is_certificate(f.name) and f.status == READY and f.content is not None:
                if f.parsed is None:
                    f.parsed = signing.parse_cert_file(f.content)
                return f, f.parsed
        return None, None

    def _trusted_roots(self) -> list[Any]:
        from vcl_fake.backend.sources import load_certificates

        for pem in self.trusted:
            if pem not in self._roots:
                self._roots[pem] = load_certificates(pem)
        return [c for pem in self.trusted for c in self._roots[pem]]

    def file_probe(self, source_endpoint: dict[str, Any]) -> dict[str, Any]:
        """govc's probe: can the server reach the source, and does its certificate pass?"""
        uri = source_endpoint["uri"]
        result: dict[str, Any] = {"status": "SUCCESS", "error_messages": []}
        if urlsplit(uri).scheme.lower() not in SCHEMES:
            return {
                **result,
                "status": "INVALID_URL",
                "error_messages": [message(M.URI_SCHEME_UNSUPPORTED, uri)],
            }
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
            return  # scripted: the transfer never finishes
        digests = sink.digests()
        actual = digests[entry.algorithm]
        if transfer.interrupted:
            reason = transfer.script.get("message", "connection reset by peer")
            error = message(M.TRANSFER_ABORTED, entry.name, sink.received, reason)
        elif transfer.failure is not None:
            error = message(M.PACKAGE_INVALID, entry.name, transfer.failure)
        elif entry.size is not None and entry.size != sink.received:
            error = message(M.SIZE_MISMATCH, entry.name, entry.size, sink.received)
        elif entry.checksum is not None and entry.checksum != actual:
            error = message(
                M.CHECKSUM_MISMATCH, entry.name, entry.algorithm, entry.checksum, actual
            )
        else:
            self._accept(entry, sink)
            for part in transfer.parts:
                unpacked = SessionFile(part.name, entry.source_type, part_of=entry.name)
                unpacked.keep_in_storage = not ovf.is_manifest(
                    part.name
                ) and not ovf.is_certificate(part.name)
                self._accept(unpacked, part)
                transfer.session.files[part.name] = unpacked
            return
        self._fail(transfer.session, entry, error, at)

    @staticmethod
    def _accept(entry: SessionFile, sink: Sink) -> None:
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
        return Transfer(session, entry, self.keep_content, self.manifest(session))

    def finish_upload(self, transfer: Transfer, broken: bool = False) -> bool:
        """Verify what arrived; False if the session or file moved on meanwhile."""
        session, entry = transfer.session, transfer.file
        self.sessions.purge()  # the session may have expired while the bytes streamed
        alive = self.sessions.sessions.get(session.id) is session and session.state == ACTIVE
        if not alive or session.files.get(entry.name) is not entry:
            return False
        self.sessions.touch(session)
        if broken:
            entry.status, entry.bytes_transferred = WAITING, 0  # the client may send it again
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
        script = session.transfer_overrides.get(entry.name, {})
        entry.source = source = dataclasses.replace(
            source,
            rate=script.get("rate", source.rate),
            fail_after=script.get("fail_after", source.fail_after),
        )
        if not script.get("stall"):
            stop = source.size if source.fail_after is None else min(source.size, source.fail_after)
            self.sessions.extend(session, now + source.duration(stop))
        self._advance_pull(session, entry, now)

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
            reason = message(M.TRANSFER_INTERRUPTED, entry.name, source.uri, broken_at, why)
            self._fail(session, entry, reason, at)
            return at
        if moved < source.size:
            entry.bytes_transferred = moved
            return None
        at = started + source.duration(source.size)
        transfer = Transfer(session, entry, self.keep_content, self.manifest(session))
        transfer.script.pop("fail_after", None)  # already applied to the source
        transfer.feed(source.chunks())
        self._deliver(transfer, at)
        return at

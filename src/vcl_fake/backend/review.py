"""What the server makes of a session's files: the validation result and the preview.

Validation reports files in ERROR, files the OVF descriptor references but the session lacks,
files whose digest contradicts the manifest, and a certificate file whose signature does not
verify. The preview shows the package's signing certificate and one warning per problem,
judged at the clock's time against the trusted roots (or what a scenario forced).
"""

from __future__ import annotations

from typing import Any

from vcl_fake import messages as M
from vcl_fake.backend import ovf, signing
from vcl_fake.backend.records import FAILED, READY, SessionFile, UpdateSession
from vcl_fake.clock import Clock
from vcl_fake.errors import message


class Review:
    def __init__(self, clock: Clock, trusted: list[str], io: Any = None) -> None:
        self.clock = clock
        self.io = io  # the backend lock's condition: large files are hashed without the lock
        self.trusted = trusted  # PEMs, shared with the fake's trust()
        self._roots: dict[str, list[Any]] = {}  # PEM -> parsed certificates

    def validation(self, session: UpdateSession) -> dict[str, Any]:
        """``ValidationResult``: files in ERROR, files the descriptor references but the session
        lacks, and files whose digest contradicts the manifest."""
        invalid = [
            {"name": f.name, "error_message": f.error_message}
            for f in session.files.values()
            if f.status == FAILED and f.error_message is not None
        ]
        missing: list[str] = []
        descriptor = self.descriptor(session)
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
            actual = f.digest_in(algorithm, self.io)
            if actual is None:
                error = message(M.MANIFEST_UNVERIFIABLE, name, algorithm)
            elif actual != expected:
                error = message(M.MANIFEST_MISMATCH, name, algorithm, expected, actual)
            else:
                continue
            found.append({"name": name, "error_message": error})
        return found

    @staticmethod
    def descriptor(session: UpdateSession) -> SessionFile | None:
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

    def preview(self, session: UpdateSession, without_package: dict[str, Any]) -> dict[str, Any]:
        """``PreviewInfo``: ``without_package`` (UNAVAILABLE, or NOT_APPLICABLE once complete
        is called) until the session brings a descriptor; PREPARING until the package
        metadata has arrived; then AVAILABLE with the signer's certificate and one warning
        per problem, judged at the clock's time."""
        if session.preview_override is not None:
            return self._scripted_preview(session, session.preview_override)
        metadata = [
            f
            for f in session.files.values()
            if f.source_type != "NONE" and (ovf.is_metadata(f.name) or ovf.is_ova(f.name))
        ]
        if not any(ovf.is_descriptor(f.name) or ovf.is_ova(f.name) for f in metadata):
            return without_package
        if any(f.status != READY for f in metadata):
            return {"state": "PREPARING"}
        _, cert_file = self._cert_file(session)
        if cert_file is None:
            return {"state": "AVAILABLE", "warnings": []}
        ignored = {b["type"]: b["ignored"] for b in session.warning_behavior}
        now = self.clock.now()
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

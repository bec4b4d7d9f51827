"""PULL sources: what the fake's server side finds when it fetches ``source_endpoint.uri``.

Tests register sources with ``vc.add_source(uri, data=..., rate=..., certificate=...,
fail_after=...)``; pulling an unregistered URI fails with a message saying so and how to
register it, unless the fake may fetch real URLs (:mod:`vcl_fake.backend.fetch`). For
``https`` sources given a ``certificate`` (PEM, the server's certificate first, then its
chain), the endpoint's TLS expectations are checked the way vCenter does:
``ssl_certificate`` must equal it, else ``ssl_certificate_thumbprint`` must match (SHA-256,
or SHA-1 for compatibility), else the chain must verify against the fake's trusted roots for
the URI's host at the fake's current time. An https source with no certificate presents one
the fake trusts.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from vcl_fake import messages as M
from vcl_fake.errors import Message, message

CHUNK = 1 << 20
#: What a PULL may fetch: web servers, datastores, and files the server can read (the bindings'
#: File.add: "a file or datastore URI").
SCHEMES = ("http", "https", "ds", "file")
#: What govc's probe can check (vcsim, modelled on vCenter, probes http and https only).
PROBE_SCHEMES = ("http", "https")
#: The largest source a test may register (generated content, or a file): 1 TiB.
MAX_SOURCE_SIZE = 1 << 40


@dataclass(frozen=True)
class Source:
    uri: str
    size: int
    data: bytes | None = None
    path: Path | None = None
    rate: float | None = None  # bytes per second; None: instant
    certificate: str | None = None  # PEM chain the https server presents
    fail_after: int | None = None  # the connection breaks after this many bytes
    spool: IO[bytes] | None = field(default=None, compare=False)  # what a real fetch brought

    def chunks(self, limit: int | None = None) -> Iterator[bytes]:
        """The content, at most ``limit`` bytes, in chunks."""
        remaining = self.size if limit is None else min(limit, self.size)
        if self.spool is not None:
            self.spool.seek(0)
            while remaining > 0 and (chunk := self.spool.read(min(CHUNK, remaining))):
                remaining -= len(chunk)
                yield chunk
            return
        if self.data is None and self.path is None:  # synthetic content of a given size
            pattern = bytes(range(256)) * (CHUNK // 256)
            while remaining > 0:
                yield pattern[: min(CHUNK, remaining)]
                remaining -= CHUNK
            return
        if self.data is not None:
            for start in range(0, remaining, CHUNK):
                yield self.data[start : min(start + CHUNK, remaining)]
            return
        assert self.path is not None
        with self.path.open("rb") as fh:
            while remaining > 0 and (chunk := fh.read(min(CHUNK, remaining))):
                remaining -= len(chunk)
                yield chunk

    def duration(self, nbytes: int) -> _dt.timedelta:
        """How long moving ``nbytes`` takes at this source's rate."""
        if self.rate is None:
            return _dt.timedelta(0)
        return _dt.timedelta(seconds=nbytes / self.rate)


def uri_scheme(uri: str) -> str | None:
    """The lower-case scheme of ``uri``, or None when it is not a URI at all
    (``http://[::1`` and other malformed authorities)."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  (a bad port is found here)
        _check_bracketed_host(parts.netloc)
    except ValueError:
        return None
    return parts.scheme.lower()


def _check_bracketed_host(netloc: str) -> None:
    """Raise ValueError unless a ``[...]`` host is an IPv6 address or an IPvFuture literal
    (RFC 3986), as urllib itself checks from Python 3.11.4 on, on every Python."""
    host = netloc.rpartition("@")[2]
    if not host.startswith("["):
        return
    inside = host[1:].partition("]")[0]
    if inside[:1] in ("v", "V"):
        if not re.fullmatch(r"v[0-9a-f]+\.[a-z0-9._~!$&'()*+,;=:-]+", inside, re.IGNORECASE):
            raise ValueError(f"invalid IPvFuture host {inside!r}")
        return
    ipaddress.IPv6Address(inside)  # a scope id (%eth0) is accepted, anything else raises


def make_source(
    uri: str,
    data: bytes | str | os.PathLike[str] | None,
    *,
    size: int | None = None,
    rate: float | None = None,
    certificate: str | None = None,
    fail_after: int | None = None,
) -> Source:
    scheme = uri_scheme(uri)
    if scheme not in SCHEMES:
        raise ValueError(f"source URIs are http, https, ds or file, not {uri!r}")
    if rate is not None and rate <= 0:
        raise ValueError("rate is in bytes per second and must be positive")
    if fail_after is not None and fail_after < 0:
        raise ValueError("fail_after is a byte count and cannot be negative")
    if certificate is not None:
        if scheme != "https":
            raise ValueError("only https sources present a certificate")
        load_certificates(certificate)  # fail early on a bad PEM
    if data is None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("a source needs data, a file path, or a size")
        if size > MAX_SOURCE_SIZE:
            raise ValueError(f"a source holds at most {MAX_SOURCE_SIZE} bytes, not {size}")
        return Source(uri, size, rate=rate, certificate=certificate, fail_after=fail_after)
    if isinstance(data, (bytes, bytearray, memoryview)):
        blob = bytes(data)
        return Source(
            uri, len(blob), data=blob, rate=rate, certificate=certificate, fail_after=fail_after
        )
    path = Path(data)
    return Source(
        uri,
        path.stat().st_size,
        path=path,
        rate=rate,
        certificate=certificate,
        fail_after=fail_after,
    )


def load_certificates(pem: str) -> list[Any]:
    from cryptography import x509

    certs = x509.load_pem_x509_certificates(pem.encode())
    if not certs:
        raise ValueError("no PEM certificate found")
    return certs


def _fingerprints(cert: Any) -> set[str]:
    from cryptography.hazmat.primitives.serialization import Encoding

    der = cert.public_bytes(Encoding.DER)
    return {hashlib.sha256(der).hexdigest(), hashlib.sha1(der).hexdigest()}


def thumbprint(cert: Any, algorithm: str = "sha1") -> str:
    """A certificate's thumbprint as vSphere shows it: colon-separated upper-case hex."""
    from cryptography.hazmat.primitives.serialization import Encoding

    digest = hashlib.new(algorithm, cert.public_bytes(Encoding.DER)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _normalise_thumbprint(text: str) -> str:
    return text.replace(":", "").replace(" ", "").lower()


def check_tls(
    source: Source, endpoint: dict[str, Any], trusted: list[str], now: _dt.datetime
) -> Message | None:
    """Why the fake's TLS client would refuse ``source``, or None."""
    if source.certificate is None or urlsplit(source.uri).scheme.lower() != "https":
        return None
    certs = load_certificates(source.certificate)
    leaf = certs[0]
    expected_pem = endpoint.get("ssl_certificate")
    if expected_pem:
        try:
            expected = load_certificates(expected_pem)[0]
        except ValueError:
            return message(M.SSL_CERTIFICATE_MISMATCH, source.uri, "certificate (not valid PEM)")
        if expected != leaf:
            return message(M.SSL_CERTIFICATE_MISMATCH, source.uri, "certificate")
        return None
    thumbprint = endpoint.get("ssl_certificate_thumbprint")
    if thumbprint:
        if _normalise_thumbprint(thumbprint) not in _fingerprints(leaf):
            return message(M.SSL_CERTIFICATE_MISMATCH, source.uri, f"thumbprint {thumbprint}")
        return None
    return _verify_chain(certs, trusted, urlsplit(source.uri).hostname or "", now, source.uri)


def _verify_chain(
    certs: list[Any], trusted: list[str], host: str, now: _dt.datetime, uri: str
) -> Message | None:
    from cryptography import x509
    from cryptography.x509.verification import (
        Criticality,
        ExtensionPolicy,
        PolicyBuilder,
        Store,
    )

    roots = [c for pem in trusted for c in load_certificates(pem)]
    if not roots:
        return message(M.PEER_NOT_AUTHENTICATED, f"{uri}: no trusted root certificates")
    try:
        verifier = (
            PolicyBuilder()
            .store(Store(roots))
            .time(now.astimezone(_dt.timezone.utc).replace(tzinfo=None))
            # Signatures, validity, CA constraints and the host name are checked as a TLS
            # client does; the leaf's extensions are not held to the stricter CA/B rules.
            .extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=ExtensionPolicy.permit_all().require_present(
                    x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
                ),
            )
            .build_server_verifier(x509.DNSName(host))
        )
        verifier.verify(certs[0], certs[1:])
    except Exception as exc:  # VerificationError, a bad host name, an unsupported key...
        return message(M.PEER_NOT_AUTHENTICATED, f"{uri}: {exc}")
    return None


def unknown_source(uri: str) -> Message:
    """What pulling an unregistered URI reports, when the fake does not fetch it."""
    parts = urlsplit(uri)
    if parts.scheme.lower() in ("ds", "file"):
        return message(M.DATASTORE_FILE_NOT_FOUND, uri)
    return message(M.HTTP_REQUEST_ERROR, message(M.SOURCE_NOT_REGISTERED, uri)["default_message"])

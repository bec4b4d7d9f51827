"""Signed OVF packages: the certificate file, its signature over the manifest, and the
preview warnings vCenter raises about the signer's certificate.

A ``.cert`` file holds a line ``SHA256(name.mf)= <hex signature>`` (SHA1 and SHA512 too)
followed by PEM certificates, the signer first, then its chain. Certificates are judged at
the fake clock's time against the roots the fake trusts.
"""

from __future__ import annotations

import base64
import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

from vcl_fake import messages as M
from vcl_fake.backend.ovf import OvfError
from vcl_fake.contract.enums import SIGNATURE_ALGORITHMS
from vcl_fake.errors import Message, message

_SIGNATURE_LINE = re.compile(
    rf"^({'|'.join(SIGNATURE_ALGORITHMS)})\((.+)\)\s*=\s*([0-9a-fA-F]+)\s*$"
)
MAX_CHAIN = 10


@dataclass(frozen=True)
class CertFile:
    manifest_name: str
    algorithm: str
    signature: bytes
    certificates: tuple[Any, ...]  # cryptography x509.Certificate, the signer first

    @property
    def signer(self) -> Any:
        return self.certificates[0]


def parse_cert_file(content: bytes) -> CertFile:
    from cryptography import x509

    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        raise OvfError("the certificate file is not ASCII text") from None
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    found = _SIGNATURE_LINE.match(first)
    if found is None:
        raise OvfError("the certificate file does not start with 'ALGORITHM(name.mf)= signature'")
    algorithm, manifest_name, signature = found.groups()
    if len(signature) % 2:
        raise OvfError("the signature has an odd number of hex digits")
    try:
        certificates = tuple(x509.load_pem_x509_certificates(text.encode()))
    except ValueError as exc:
        raise OvfError(f"the certificate file holds no valid PEM certificate ({exc})") from None
    if len(certificates) > MAX_CHAIN:
        raise OvfError(f"the certificate file holds more than {MAX_CHAIN} certificates")
    try:
        certificates[0].public_key()
        certificates[0].subject.rfc4514_string()
        certificates[0].issuer.rfc4514_string()
        certificates[0].not_valid_before_utc, certificates[0].not_valid_after_utc
    except Exception as exc:  # UnsupportedAlgorithm, an unreadable name or date...
        raise OvfError(f"the signer's certificate cannot be used ({exc})") from None
    return CertFile(manifest_name, algorithm, bytes.fromhex(signature), certificates)


def _hash(algorithm: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    return getattr(hashes, algorithm)()


def signature_verifies(cert_file: CertFile, manifest: bytes) -> bool:
    """Does the signature verify over ``manifest`` with the signer's public key?"""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = cert_file.signer.public_key()
    digest = _hash(cert_file.algorithm)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert_file.signature, manifest, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert_file.signature, manifest, ec.ECDSA(digest))
        else:
            return False  # a key algorithm OVF signing does not use
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _pem(cert: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.PEM).decode()


def _issued_by(cert: Any, issuer: Any) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


def is_self_signed(cert: Any) -> bool:
    return cert.issuer == cert.subject and _issued_by(cert, cert)


def chains_to_trusted(cert_file: CertFile, trusted: list[Any]) -> bool:
    """Is there a path from the signer, through the file's certificates, to a trusted root?"""
    current = cert_file.signer
    pool = list(cert_file.certificates[1:])
    for _ in range(MAX_CHAIN):
        if any(current == root or _issued_by(current, root) for root in trusted):
            return True
        parent = next((c for c in pool if c != current and _issued_by(current, c)), None)
        if parent is None:
            return False
        pool.remove(parent)
        current = parent
    return False


def certificate_info(cert_file: CertFile) -> dict[str, Any]:
    """``PreviewInfo.certificate_info``."""
    signer = cert_file.signer
    return {
        "issuer": signer.issuer.rfc4514_string(),
        "subject": signer.subject.rfc4514_string(),
        "self_signed": is_self_signed(signer),
        "x509": _pem(signer),
    }


def cert_chain(cert_file: CertFile) -> list[str]:
    """``PreviewInfo.cert_chain``: base64 DER of every certificate in the file."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return [base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in cert_file.certificates]


def warnings(
    cert_file: CertFile, trusted: list[Any], now: _dt.datetime
) -> list[tuple[str, Message]]:
    """One (warning type, message) per problem with the signer's certificate."""
    signer = cert_file.signer
    start, end = signer.not_valid_before_utc, signer.not_valid_after_utc
    found: list[tuple[str, Message]] = []  # vCenter's warnings carry no args
    if is_self_signed(signer):
        found.append(("SELF_SIGNED_CERTIFICATE", message(M.WARNING_SELF_SIGNED)))
    if now > end:
        found.append(("EXPIRED_CERTIFICATE", message(M.WARNING_EXPIRED)))
    elif now < start:
        found.append(("NOT_YET_VALID_CERTIFICATE", message(M.WARNING_NOT_YET_VALID)))
    if not chains_to_trusted(cert_file, trusted):
        found.append(("UNTRUSTED_CERTIFICATE", message(M.WARNING_UNTRUSTED)))
    return found

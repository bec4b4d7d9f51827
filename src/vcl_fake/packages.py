"""Build OVF and OVA test packages (for vcl_fake's tests and yours).

>>> disk = b"\\0" * 1024
>>> pkg = ovf_package("photon", {"photon-disk1.vmdk": disk})
>>> sorted(pkg)
['photon-disk1.vmdk', 'photon.mf', 'photon.ovf']
>>> blob = ova(pkg)            # descriptor first, as the OVF specification requires

Signed packages (a ``.cert`` file: the signature over the manifest, then the signer's
certificate and its chain)::

    ca = certificate_authority("CN=Test Root")
    signer = signing_certificate("CN=Build Signer", issuer=ca)
    package = signed_ovf("photon", {"photon-disk1.vmdk": disk}, signer)
    vc.trust(ca.certificate_pem)   # without this: an UNTRUSTED_CERTIFICATE warning
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import ipaddress
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

from vcl_fake.contract.enums import SIGNATURE_ALGORITHMS

OVF_NS = "http://schemas.dmtf.org/ovf/envelope/1"


def descriptor(name: str, files: Mapping[str, int]) -> bytes:
    """A minimal, well-formed OVF descriptor referencing ``files`` (name -> size)."""
    refs = "\n".join(
        f'    <File ovf:href={quoteattr(f)} ovf:id="file{n}" ovf:size="{size}"/>'
        for n, (f, size) in enumerate(files.items(), 1)
    )
    disks = "\n".join(
        f'    <Disk ovf:diskId="vmdisk{n}" ovf:fileRef="file{n}" ovf:capacity="{max(size, 1)}"/>'
        for n, (f, size) in enumerate(files.items(), 1)
        if f.endswith(".vmdk")
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="{OVF_NS}" xmlns:ovf="{OVF_NS}">
  <References>
{refs}
  </References>
  <DiskSection>
    <Info>Virtual disks</Info>
{disks}
  </DiskSection>
  <VirtualSystem ovf:id={quoteattr(name)}>
    <Info>A virtual machine</Info>
  </VirtualSystem>
</Envelope>
""".encode()


def manifest(files: Mapping[str, bytes], algorithm: str = "SHA256") -> bytes:
    """Manifest lines ``ALGORITHM(name)= hex`` for ``files`` (name -> content)."""
    lines = [
        f"{algorithm}({n})= {hashlib.new(algorithm.lower(), d).hexdigest()}"
        for n, d in files.items()
    ]
    return ("\n".join(lines) + "\n").encode()


def ovf_package(
    name: str, files: Mapping[str, bytes], *, algorithm: str | None = "SHA256"
) -> dict[str, bytes]:
    """``{file name: content}`` of an OVF package: descriptor, files, and a manifest over the
    descriptor and files unless ``algorithm`` is None. Order: descriptor, manifest, files."""
    desc = descriptor(name, {f: len(d) for f, d in files.items()})
    package = {f"{name}.ovf": desc}
    if algorithm is not None:
        package[f"{name}.mf"] = manifest({f"{name}.ovf": desc, **files}, algorithm)
    package.update(files)
    return package


def ova(parts: Mapping[str, bytes]) -> bytes:
    """A tar of ``parts`` in the given order (put the descriptor first)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in parts.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


# --- signing -----------------------------------------------------------------------------------

_UTC = _dt.timezone.utc
DEFAULT_NOT_BEFORE = _dt.datetime(2000, 1, 1, tzinfo=_UTC)
DEFAULT_NOT_AFTER = _dt.datetime(2100, 1, 1, tzinfo=_UTC)


@dataclass(frozen=True)
class Signer:
    """A certificate with its private key, and the chain above it (nearest first)."""

    certificate_pem: str
    key: Any
    chain_pems: tuple[str, ...] = ()


def _name(subject: str) -> Any:
    from cryptography import x509

    return x509.Name.from_rfc4514_string(subject)


def _key(key_type: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"key_type is 'rsa' or 'ec', not {key_type!r}")


def _certificate(
    subject: str,
    issuer: Signer | None,
    *,
    ca: bool,
    not_before: _dt.datetime,
    not_after: _dt.datetime,
    key_type: str,
    server_names: Sequence[str] = (),
) -> Signer:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding

    key = _key(key_type)
    chain: tuple[str, ...]
    if issuer is None:
        issuer_name, signing_key, chain = _name(subject), key, ()
        issuer_public_key = key.public_key()
    else:
        issuer_cert = x509.load_pem_x509_certificate(issuer.certificate_pem.encode())
        issuer_name, signing_key = issuer_cert.subject, issuer.key
        issuer_public_key = issuer_cert.public_key()
        chain = (issuer.certificate_pem, *issuer.chain_pems)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        # required by strict verifiers (Python 3.13's default VERIFY_X509_STRICT, RFC 5280)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key),
            critical=False,
        )
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    elif server_names:
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        names: list[x509.GeneralName] = []
        for name in dict.fromkeys(server_names):
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                names.append(x509.DNSName(name))
        builder = builder.add_extension(
            x509.SubjectAlternativeName(names), critical=False
        ).add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    else:
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
        )
    builder = builder.add_extension(usage, critical=True)
    cert = builder.sign(signing_key, hashes.SHA256())
    return Signer(cert.public_bytes(Encoding.PEM).decode(), key, chain)


def certificate_authority(
    subject: str = "CN=vcl_fake Test Root CA,O=vcl_fake",
    *,
    issuer: Signer | None = None,
    not_before: _dt.datetime = DEFAULT_NOT_BEFORE,
    not_after: _dt.datetime = DEFAULT_NOT_AFTER,
    key_type: str = "rsa",
) -> Signer:
    """A CA certificate: a root (self-signed) or, with ``issuer``, an intermediate."""
    return _certificate(
        subject, issuer, ca=True, not_before=not_before, not_after=not_after, key_type=key_type
    )


def signing_certificate(
    subject: str = "CN=vcl_fake Test Signer,O=vcl_fake",
    *,
    issuer: Signer | None = None,
    not_before: _dt.datetime = DEFAULT_NOT_BEFORE,
    not_after: _dt.datetime = DEFAULT_NOT_AFTER,
    key_type: str = "rsa",
) -> Signer:
    """A code-signing certificate, issued by ``issuer`` or self-signed."""
    return _certificate(
        subject, issuer, ca=False, not_before=not_before, not_after=not_after, key_type=key_type
    )


def server_certificate(
    names: Sequence[str],
    *,
    issuer: Signer,
    not_before: _dt.datetime = DEFAULT_NOT_BEFORE,
    not_after: _dt.datetime = DEFAULT_NOT_AFTER,
    key_type: str = "ec",
) -> Signer:
    """A TLS server certificate for ``names`` (host names or IP addresses)."""
    return _certificate(
        "CN=vcl-fake",
        issuer,
        ca=False,
        not_before=not_before,
        not_after=not_after,
        key_type=key_type,
        server_names=names,
    )


def signature(data: bytes, signer: Signer, algorithm: str = "SHA256") -> bytes:
    """Sign ``data`` as ovftool does (RSA PKCS#1 v1.5, or ECDSA)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if algorithm not in SIGNATURE_ALGORITHMS:
        raise ValueError(f"algorithm is one of {', '.join(SIGNATURE_ALGORITHMS)}")
    digest = getattr(hashes, algorithm)()
    if isinstance(signer.key, rsa.RSAPrivateKey):
        return signer.key.sign(data, padding.PKCS1v15(), digest)
    return signer.key.sign(data, ec.ECDSA(digest))


def certificate_file(
    manifest_name: str,
    manifest_data: bytes,
    signer: Signer,
    *,
    algorithm: str = "SHA256",
    include_chain: bool = True,
) -> bytes:
    """The ``.cert`` file: ``ALGORITHM(name.mf)= <signature hex>``, then the PEMs."""
    line = f"{algorithm}({manifest_name})= {signature(manifest_data, signer, algorithm).hex()}\n"
    pems = [signer.certificate_pem, *(signer.chain_pems if include_chain else ())]
    return (line + "".join(pems)).encode()


def sign(
    package: Mapping[str, bytes],
    signer: Signer,
    *,
    algorithm: str = "SHA256",
    include_chain: bool = True,
) -> dict[str, bytes]:
    """``package`` with a ``.cert`` signing its manifest, placed right after the manifest."""
    manifest_name = next(n for n in package if n.lower().endswith(".mf"))
    cert_name = manifest_name[:-3] + ".cert"
    cert = certificate_file(
        manifest_name,
        package[manifest_name],
        signer,
        algorithm=algorithm,
        include_chain=include_chain,
    )
    out: dict[str, bytes] = {}
    for name, data in package.items():
        out[name] = data
        if name == manifest_name:
            out[cert_name] = cert
    return out


def signed_ovf(
    name: str, files: Mapping[str, bytes], signer: Signer, *, algorithm: str = "SHA256"
) -> dict[str, bytes]:
    """An OVF package (see :func:`ovf_package`) signed by ``signer``."""
    return sign(ovf_package(name, files, algorithm=algorithm), signer, algorithm=algorithm)

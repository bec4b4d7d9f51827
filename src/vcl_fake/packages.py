"""Build OVF and OVA test packages (for vcl_fake's tests and yours).

>>> disk = b"\\0" * 1024
>>> pkg = ovf_package("photon", {"photon-disk1.vmdk": disk})
>>> sorted(pkg)
['photon-disk1.vmdk', 'photon.mf', 'photon.ovf']
>>> blob = ova(pkg)            # descriptor first, as the OVF specification requires
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Mapping
from xml.sax.saxutils import quoteattr

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

"""Every enumeration vcl_fake uses, declared once, taken from the generated contract where
the contract has it."""

from __future__ import annotations

from vcl_fake.contract._generated import ENUMS

_ITEM = "com.vmware.content.library.item."

#: Checksum algorithms of files, manifests (``MD5``, ``SHA1``, ``SHA256``, ``SHA512``).
ALGORITHMS: tuple[str, ...] = ENUMS[_ITEM + "file.checksum_algorithm"]
DEFAULT_ALGORITHM = "SHA1"
#: What an OVF signature (``.cert`` file) may use: the checksum algorithms but MD5.
SIGNATURE_ALGORITHMS: tuple[str, ...] = tuple(a for a in ALGORITHMS if a != "MD5")
SESSION_STATES: tuple[str, ...] = ENUMS[_ITEM + "update_session_model.state"]
TRANSFER_STATUSES: tuple[str, ...] = ENUMS[_ITEM + "transfer_status"]
SOURCE_TYPES: tuple[str, ...] = ENUMS[_ITEM + "updatesession.file.source_type"]
PREVIEW_STATES: tuple[str, ...] = ENUMS[_ITEM + "updatesession.preview_info.state"]
WARNING_TYPES: tuple[str, ...] = ENUMS[_ITEM + "updatesession.warning_type"]
LIBRARY_TYPES: tuple[str, ...] = ENUMS["com.vmware.content.library_model.library_type"]
#: Datastore types the inventory offers: the vAPI's ``vcenter.datastore.type`` as vim25
#: writes them (``vsan`` is ``VSAN`` in the vAPI).
DATASTORE_TYPES: tuple[str, ...] = tuple(
    "vsan" if t == "VSAN" else t for t in ENUMS["com.vmware.vcenter.datastore.type"]
)

"""Libraries, library items and the files an item holds (no HTTP, no locking: see Backend)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from vcl_fake import messages as M
from vcl_fake.backend.ids import IdSource
from vcl_fake.clock import Clock
from vcl_fake.errors import vapi_error

LOCAL, SUBSCRIBED = "LOCAL", "SUBSCRIBED"
DEFAULT_BACKING = {"type": "DATASTORE", "datastore_id": "datastore-11", "storage_uri": None}


def checksum_info(algorithm: str, checksum: str | None) -> dict[str, str] | None:
    """``com.vmware.content.library.item.file.checksum_info``, or None without a checksum."""
    return None if checksum is None else {"algorithm": algorithm, "checksum": checksum}


@dataclass
class ItemFile:
    """A file of a library item, as committed by a completed update session."""

    name: str
    size: int
    checksum: str | None = None
    algorithm: str = "SHA1"
    version: int = 1
    cached: bool = True
    data: IO[bytes] | None = field(default=None, repr=False)  # the content, when retained

    def info(self) -> dict[str, Any]:
        """``com.vmware.content.library.item.file.info``."""
        return {
            "name": self.name,
            "size": self.size,
            "cached": self.cached,
            "version": str(self.version),
            "checksum_info": checksum_info(self.algorithm, self.checksum),
            "file_download_endpoint": None,
        }


@dataclass
class Library:
    id: str
    name: str
    type: str
    creation_time: _dt.datetime
    description: str | None = None
    storage_backings: list[dict[str, Any]] = field(default_factory=lambda: [dict(DEFAULT_BACKING)])
    version: int = 1
    server_guid: str = ""

    def model(self) -> dict[str, Any]:
        """``com.vmware.content.library_model``."""
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "creation_time": self.creation_time,
            "last_modified_time": self.creation_time,
            "storage_backings": self.storage_backings,
            "version": str(self.version),
            "server_guid": self.server_guid,
            "state_info": {"state": "ACTIVE"},
            "configuration_info": {"apply_library_usage_to_items": False},
        }


@dataclass
class Item:
    id: str
    library_id: str
    name: str
    type: str | None
    creation_time: _dt.datetime
    last_modified_time: _dt.datetime
    description: str | None = None
    content_version: int = 1
    metadata_version: int = 1
    version: int = 1
    files: dict[str, ItemFile] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files.values())

    def model(self) -> dict[str, Any]:
        """``com.vmware.content.library.item_model``."""
        return {
            "id": self.id,
            "library_id": self.library_id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "content_version": str(self.content_version),
            "metadata_version": str(self.metadata_version),
            "version": str(self.version),
            "creation_time": self.creation_time,
            "last_modified_time": self.last_modified_time,
            "cached": bool(self.files) and all(f.cached for f in self.files.values()),
            "size": self.size,
        }


class Inventory:
    """Libraries and items. ``is_busy(item_id)`` names an item's ACTIVE session, if any."""

    def __init__(self, clock: Clock, ids: IdSource, server_guid: str) -> None:
        self.clock = clock
        self.ids = ids
        self.server_guid = server_guid
        self.libraries: dict[str, Library] = {}
        self.items: dict[str, Item] = {}
        self.is_busy: Callable[[str], str | None] = lambda item_id: None
        self.forget_item: Callable[[str], None] = lambda item_id: None

    # --- lookups -----------------------------------------------------------------------------
    def library(self, library_id: str) -> Library:
        found = self.libraries.get(library_id)
        if found is None:
            raise vapi_error("NOT_FOUND", M.LIBRARY_NOT_FOUND, library_id)
        return found

    def local_library(self, library_id: str) -> Library:
        found = self.library(library_id)
        if found.type != LOCAL:
            raise vapi_error("INVALID_ELEMENT_TYPE", M.LIBRARY_NOT_LOCAL, library_id, found.type)
        return found

    def item(self, item_id: str) -> Item:
        found = self.items.get(item_id)
        if found is None:
            raise vapi_error("NOT_FOUND", M.ITEM_NOT_FOUND, item_id)
        return found

    # --- seeding (also used by the REST create operations) -----------------------------------
    def add_library(
        self,
        name: str,
        *,
        type: str = LOCAL,
        description: str | None = None,
        storage_backings: list[dict[str, Any]] | None = None,
    ) -> Library:
        if type not in (LOCAL, SUBSCRIBED):
            raise ValueError(f"library type must be LOCAL or SUBSCRIBED, not {type!r}")
        if any(lib.name == name for lib in self.libraries.values()):
            raise vapi_error("INVALID_ARGUMENT", M.LIBRARY_NAME_EXISTS, name)
        lib = Library(
            id=self.ids.uuid(),
            name=name,
            type=type,
            creation_time=self.clock.now(),
            description=description,
            server_guid=self.server_guid,
        )
        if storage_backings:
            lib.storage_backings = [dict(b) for b in storage_backings]
        self.libraries[lib.id] = lib
        return lib

    def add_item(
        self,
        library_id: str,
        name: str,
        *,
        type: str | None = "ovf",
        description: str | None = None,
        content_version: int = 1,
        files: list[ItemFile] | None = None,
    ) -> Item:
        lib = self.library(library_id)
        if any(i.library_id == lib.id and i.name == name for i in self.items.values()):
            raise vapi_error("ALREADY_EXISTS", M.ITEM_NAME_EXISTS, name, lib.id)
        now = self.clock.now()
        item = Item(
            id=self.ids.uuid(),
            library_id=lib.id,
            name=name,
            type=type,
            creation_time=now,
            last_modified_time=now,
            description=description,
            content_version=content_version,
            files={f.name: f for f in files or ()},
        )
        self.items[item.id] = item
        return item

    # --- operation handlers --------------------------------------------------------------------
    def library_get(self, library_id: str) -> dict[str, Any]:
        return self.library(library_id).model()

    def library_list(self) -> list[str]:
        return list(self.libraries)

    def local_library_create(self, create_spec: dict[str, Any], client_token: str | None) -> str:
        return self.add_library(
            create_spec["name"],
            description=create_spec.get("description"),
            storage_backings=create_spec.get("storage_backings"),
        ).id

    def local_library_get(self, library_id: str) -> dict[str, Any]:
        return self.local_library(library_id).model()

    def local_library_list(self) -> list[str]:
        return [lib.id for lib in self.libraries.values() if lib.type == LOCAL]

    def local_library_delete(self, library_id: str) -> None:
        lib = self.local_library(library_id)
        items = [i for i in self.items.values() if i.library_id == lib.id]
        for item in items:
            busy = self.is_busy(item.id)
            if busy is not None:
                raise vapi_error(
                    "NOT_ALLOWED_IN_CURRENT_STATE", M.LIBRARY_NOT_EMPTY, lib.id, item.id
                )
        for item in items:
            self._drop_item(item.id)
        del self.libraries[lib.id]

    def item_create(self, create_spec: dict[str, Any], client_token: str | None) -> str:
        lib = self.library(create_spec["library_id"])
        if lib.type != LOCAL:
            raise vapi_error("INVALID_ELEMENT_TYPE", M.LIBRARY_NOT_LOCAL, lib.id, lib.type)
        return self.add_item(
            lib.id,
            create_spec["name"],
            type=create_spec.get("type"),
            description=create_spec.get("description"),
        ).id

    def item_get(self, library_item_id: str) -> dict[str, Any]:
        return self.item(library_item_id).model()

    def item_list(self, library_id: str) -> list[str]:
        lib = self.library(library_id)
        return [i.id for i in self.items.values() if i.library_id == lib.id]

    def item_delete(self, library_item_id: str) -> None:
        item = self.item(library_item_id)
        busy = self.is_busy(item.id)
        if busy is not None:
            raise vapi_error("NOT_ALLOWED_IN_CURRENT_STATE", M.ITEM_BUSY_DELETE, item.id, busy)
        self._drop_item(item.id)

    def item_file_list(self, library_item_id: str) -> list[dict[str, Any]]:
        return [f.info() for f in self.item(library_item_id).files.values()]

    def item_file_get(self, library_item_id: str, name: str) -> dict[str, Any]:
        found = self.item(library_item_id).files.get(name)
        if found is None:
            raise vapi_error("NOT_FOUND", M.ITEM_FILE_NOT_FOUND, library_item_id, name)
        return found.info()

    def _drop_item(self, item_id: str) -> None:
        del self.items[item_id]
        self.forget_item(item_id)

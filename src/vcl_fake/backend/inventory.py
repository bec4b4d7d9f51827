"""Libraries, library items and the files an item holds (no HTTP, no locking: see Backend)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from vcl_fake import messages as M
from vcl_fake.backend.ids import IdSource, check_client_token
from vcl_fake.backend.records import LOCAL, SUBSCRIBED, ItemFile
from vcl_fake.clock import Clock
from vcl_fake.contract.operations import STATIC_PATH
from vcl_fake.errors import vapi_error

if TYPE_CHECKING:
    from vcl_fake.backend.core import Context

#: What a subscribed library seeded without one subscribes to (it never synchronises).
DEFAULT_SUBSCRIPTION: dict[str, Any] = {
    "authentication_method": "NONE",
    "automatic_sync_enabled": False,
    "on_demand": True,
}
SUBSCRIPTION_URL = "https://publisher.example.com/cls/vcsp/lib/{0}/lib.json"
#: Item.create / Item.update limits (InvalidArgument beyond them).
ITEM_NAME_MAX, ITEM_DESCRIPTION_MAX = 80, 2000


@dataclass
class Publication:
    """How a local library is published (``com.vmware.content.library.publish_info``)."""

    published: bool = False
    authentication_method: str = "NONE"
    password: str | None = field(default=None, repr=False)
    persist_json_enabled: bool = False

    def info(self, publish_url: str) -> dict[str, Any]:
        """As get and list return it: never the password."""
        return {
            "authentication_method": self.authentication_method,
            "published": self.published,
            "publish_url": publish_url,
            "user_name": "vcsp" if self.authentication_method == "BASIC" else None,
            "password": None,
            "current_password": None,
            "persist_json_enabled": self.persist_json_enabled,
        }


@dataclass
class Library:
    id: str
    name: str
    type: str
    creation_time: _dt.datetime
    description: str | None = None
    storage_backings: list[dict[str, Any]] = field(default_factory=list)
    version: int = 1
    server_guid: str = ""
    last_modified_time: _dt.datetime | None = None
    publication: Publication | None = None  # LOCAL libraries only
    subscription: dict[str, Any] | None = None  # SUBSCRIBED libraries only
    security_policy_id: str | None = None
    apply_library_usage_to_items: bool = False
    storage_lost: bool = False  # its content is gone from the storage backing

    def model(self, origin: str) -> dict[str, Any]:
        """``com.vmware.content.library_model`` (``origin``: where publish URLs point), with
        the values vCenter gives unset fields (an empty description)."""
        publish_url = f"{origin}/cls/vcsp/lib/{self.id}/lib.json"
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description or "",
            "creation_time": self.creation_time,
            "last_modified_time": self.last_modified_time or self.creation_time,
            "storage_backings": self.storage_backings,
            "optimization_info": {"optimize_remote_publishing": False},
            "version": str(self.version),
            "server_guid": self.server_guid,
            "publish_info": self.publication.info(publish_url) if self.publication else None,
            "subscription_info": self.subscription,
            "security_policy_id": self.security_policy_id,
            "state_info": {"state": "ACTIVE"},
            "configuration_info": {
                "apply_library_usage_to_items": self.apply_library_usage_to_items
            },
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
    source_id: str | None = None

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
            "description": self.description or "",
            "content_version": str(self.content_version),
            "metadata_version": str(self.metadata_version),
            "version": str(self.version),
            "creation_time": self.creation_time,
            "last_modified_time": self.last_modified_time,
            "cached": self.cached,
            "size": self.size,
            "source_id": self.source_id,
            "security_compliance": True,
            "certificate_verification_info": {"status": "NOT_AVAILABLE"},
        }

    @property
    def cached(self) -> bool:
        return bool(self.files) and all(f.cached for f in self.files.values())


class Inventory:
    """Libraries and items. ``is_busy(item_id)`` names an item's ACTIVE session, if any.

    Every lookup by name is a dictionary lookup: indexes by exact name (what uniqueness
    checks use) and by case-folded name (what find uses) are kept in step with create,
    rename and delete (:meth:`_index`, :meth:`_unindex`); items by library and the bytes each
    library stores with create, commit and delete. Lists keep creation order.
    """

    def __init__(self, clock: Clock, ids: IdSource, server_guid: str) -> None:
        self.clock = clock
        self.ids = ids
        self.server_guid = server_guid
        self.libraries: dict[str, Library] = {}
        self.items: dict[str, Item] = {}
        self.library_tokens: dict[str, str] = {}  # client token -> library id
        self.item_tokens: dict[str, str] = {}  # client token -> item id
        self._libraries_folded: dict[str, dict[str, Library]] = {}
        self._item_named: dict[tuple[str, str], Item] = {}  # (library id, name) -> item
        self._items_folded: dict[str, dict[str, Item]] = {}
        self._items_of: dict[str, dict[str, Item]] = {}  # library id -> its items
        self._stored: dict[str, int] = {}  # library id -> bytes of its items' content
        self.is_busy: Callable[[str], str | None] = lambda item_id: None
        #: The datastore a library without backings uses, and whether a datastore exists.
        self.default_datastore: Callable[[], str] = lambda: "datastore-11"
        self.datastore_exists: Callable[[str], bool] = lambda datastore_id: True
        self.forget_item: Callable[[str], None] = lambda item_id: None

    # --- lookups -----------------------------------------------------------------------------
    def library(self, library_id: str) -> Library:
        found = self.libraries.get(library_id)
        if found is None:
            raise vapi_error("NOT_FOUND", M.LIBRARY_NOT_FOUND, library_id)
        return found

    def writable(self, library: Library) -> Library:
        """A library whose content can change: its storage backing must still hold it."""
        if library.storage_lost:
            raise vapi_error(
                "NOT_ALLOWED_IN_CURRENT_STATE", M.LIBRARY_BACKING_LOST, library.name, library.id
            )
        return library

    def _persisted(self, library: Library) -> None:
        """LocalLibrary.update and Item.update refuse a library published with JSON
        persistence whose content is gone from its storage (their documented condition)."""
        if library.publication is not None and library.publication.persist_json_enabled:
            self.writable(library)

    def local_library(self, library_id: str) -> Library:
        found = self.library(library_id)
        if found.type != LOCAL:
            raise vapi_error("INVALID_ELEMENT_TYPE", M.LIBRARY_NOT_LOCAL, library_id, found.type)
        return found

    def subscribed_library(self, library_id: str) -> Library:
        found = self.library(library_id)
        if found.type != SUBSCRIBED:
            raise vapi_error(
                "INVALID_ELEMENT_TYPE", M.LIBRARY_NOT_SUBSCRIBED, library_id, found.type
            )
        return found

    def item(self, item_id: str) -> Item:
        found = self.items.get(item_id)
        if found is None:
            raise vapi_error("NOT_FOUND", M.ITEM_NOT_FOUND, item_id)
        return found

    def items_named(self, name: str) -> list[Item]:
        """The items called ``name`` (exactly), in any library."""
        return [i for i in self._items_folded.get(name.casefold(), {}).values() if i.name == name]

    # --- the name indexes (a rename takes a record out and puts it back) ------------------------
    def _index(self, record: Library | Item) -> None:
        if isinstance(record, Library):
            self._libraries_folded.setdefault(record.name.casefold(), {})[record.id] = record
        else:
            self._item_named[record.library_id, record.name] = record
            self._items_folded.setdefault(record.name.casefold(), {})[record.id] = record

    def _unindex(self, record: Library | Item) -> None:
        if isinstance(record, Library):
            _discard(self._libraries_folded, record.name.casefold(), record.id)
        else:
            del self._item_named[record.library_id, record.name]
            _discard(self._items_folded, record.name.casefold(), record.id)

    def _change(self, record: Library | Item, changes: dict[str, Any]) -> bool:
        """Apply ``changes`` (field -> value) to ``record``, re-indexed by name; its version
        and modification time move only when there is a change. True if there was."""
        if not changes:
            return False
        self._unindex(record)
        for name, value in changes.items():
            setattr(record, name, value)
        self._index(record)
        record.version += 1
        record.last_modified_time = self.clock.now()
        return True

    # --- seeding (also used by the REST create operations) -----------------------------------
    def add_library(
        self,
        name: str,
        *,
        type: str = LOCAL,
        description: str | None = None,
        storage_backings: list[dict[str, Any]] | None = None,
        publish_info: dict[str, Any] | None = None,
        subscription_info: dict[str, Any] | None = None,
        security_policy_id: str | None = None,
        storage_lost: bool = False,
    ) -> Library:
        """A library; a LOCAL one is published as ``publish_info`` says (not by default), a
        SUBSCRIBED one carries ``subscription_info`` over :data:`DEFAULT_SUBSCRIPTION`."""
        if type not in (LOCAL, SUBSCRIBED):
            raise ValueError(f"library type must be LOCAL or SUBSCRIBED, not {type!r}")
        self._check_library_name(name)
        if storage_backings is not None and len(storage_backings) > 1:
            raise vapi_error("UNSUPPORTED", M.LIBRARY_BACKINGS_UNSUPPORTED, len(storage_backings))
        backings = self.check_backings(storage_backings) or [
            {"type": "DATASTORE", "datastore_id": self.default_datastore(), "storage_uri": None}
        ]
        lib = Library(
            id=self.ids.uuid(),
            name=name,
            type=type,
            creation_time=self.clock.now(),
            description=description,
            server_guid=self.server_guid,
            security_policy_id=security_policy_id,
            storage_lost=storage_lost,
            storage_backings=backings,
        )
        if type == LOCAL:
            lib.publication = _publish(Publication(), publish_info or {}, "create", lib.id)
        else:
            url = SUBSCRIPTION_URL.format(self.ids.uuid())
            lib.subscription = {**DEFAULT_SUBSCRIPTION, "subscription_url": url}
            lib.subscription.update(subscription_info or {})
        self.libraries[lib.id] = lib
        self._items_of[lib.id], self._stored[lib.id] = {}, 0
        self._index(lib)
        return lib

    @staticmethod
    def _check_library_name(name: str | None) -> None:
        """A library needs a name; names need not be unique (LibraryModel.name)."""
        if name is None or not name.strip():
            raise vapi_error("INVALID_ARGUMENT", M.LIBRARY_NAME_MISSING)

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
        if (lib.id, name) in self._item_named:
            raise vapi_error("ALREADY_EXISTS", M.ITEM_NAME_EXISTS, name, lib.name, lib.id)
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
        self.items[item.id] = self._items_of[lib.id][item.id] = item
        self._stored[lib.id] += item.size
        self._index(item)
        return item

    # --- operation handlers --------------------------------------------------------------------
    def library_get(self, library_id: str, context: Context) -> dict[str, Any]:
        return self.library(library_id).model(context.origin)

    def library_list(self) -> list[str]:
        return list(self.libraries)

    def library_find(self, spec: dict[str, Any]) -> list[str]:
        """Libraries matching every given field; the name without regard to case."""
        if all(v is None for v in spec.values()):
            raise vapi_error("INVALID_ARGUMENT", M.FIND_SPEC_EMPTY, "library")
        name, backing = spec["name"], spec["storage_backing"]
        candidates = (
            self.libraries if name is None else self._libraries_folded.get(name.casefold(), {})
        )
        return [
            lib.id
            for lib in candidates.values()
            if (spec["type"] is None or lib.type == spec["type"])
            and (backing is None or any(_backs(backing, b) for b in lib.storage_backings))
        ]

    def library_update(self, library_id: str, update_spec: dict[str, Any]) -> None:
        lib = self.library(library_id)
        if update_spec["version"] not in (None, str(lib.version)):
            raise vapi_error(
                "INVALID_ARGUMENT", M.LIBRARY_VERSION_MISMATCH, lib.id, update_spec["version"]
            )
        self._update_library(lib, update_spec, None)

    def local_library_create(self, create_spec: dict[str, Any], client_token: str | None) -> str:
        if client_token is not None:
            check_client_token(client_token)
            if self.library_tokens.get(client_token) in self.libraries:
                return self.library_tokens[client_token]  # the same token: the same library
        library_id = self.add_library(
            create_spec["name"],
            description=create_spec.get("description"),
            storage_backings=create_spec.get("storage_backings"),
            publish_info=create_spec.get("publish_info"),
            security_policy_id=create_spec.get("security_policy_id"),
        ).id
        if client_token is not None:
            self.library_tokens[client_token] = library_id
        return library_id

    def local_library_get(self, library_id: str, context: Context) -> dict[str, Any]:
        return self.local_library(library_id).model(context.origin)

    def local_library_list(self) -> list[str]:
        return [lib.id for lib in self.libraries.values() if lib.type == LOCAL]

    def local_library_update(self, library_id: str, update_spec: dict[str, Any]) -> None:
        lib = self.local_library(library_id)
        self._persisted(lib)
        if update_spec["version"] not in (None, str(lib.version)):
            raise vapi_error(
                "CONCURRENT_CHANGE", M.LIBRARY_VERSION_MISMATCH, lib.id, update_spec["version"]
            )
        self._update_library(lib, update_spec, update_spec["publish_info"])

    def _update_library(
        self, lib: Library, spec: dict[str, Any], publish_info: dict[str, Any] | None
    ) -> None:
        """The fields an update may change (checked first, then applied together); the version
        and modification time move only when something changed."""
        changes: dict[str, Any] = {}
        if spec["name"] is not None and spec["name"] != lib.name:
            self._check_library_name(spec["name"])
            changes["name"] = spec["name"]
        if spec["description"] is not None and spec["description"] != lib.description:
            changes["description"] = spec["description"]
        usage = (spec["configuration_info"] or {}).get("apply_library_usage_to_items")
        if usage is not None and usage != lib.apply_library_usage_to_items:
            changes["apply_library_usage_to_items"] = usage
        policy = None if spec["unset_security_policy_id"] else spec["security_policy_id"]
        if (spec["unset_security_policy_id"] or policy is not None) and (
            policy != lib.security_policy_id
        ):
            changes["security_policy_id"] = policy
        if publish_info is not None and lib.publication is not None:
            publication = _publish(lib.publication, publish_info, "update", lib.id)
            if publication != lib.publication:
                changes["publication"] = publication
        self._change(lib, changes)

    def local_library_delete(self, library_id: str) -> None:
        lib = self.local_library(library_id)
        items = list(self._items_of[lib.id].values())
        for item in items:
            busy = self.is_busy(item.id)
            if busy is not None:
                raise vapi_error(
                    "NOT_ALLOWED_IN_CURRENT_STATE", M.LIBRARY_NOT_EMPTY, lib.id, item.id
                )
        for item in items:
            self._drop_item(item.id)
        del self.libraries[lib.id], self._items_of[lib.id], self._stored[lib.id]
        self._unindex(lib)

    def subscribed_library_get(self, library_id: str, context: Context) -> dict[str, Any]:
        return self.subscribed_library(library_id).model(context.origin)

    def subscribed_library_list(self) -> list[str]:
        return [lib.id for lib in self.libraries.values() if lib.type == SUBSCRIBED]

    def item_create(self, create_spec: dict[str, Any], client_token: str | None) -> str:
        if client_token is not None:
            check_client_token(client_token)
            if self.item_tokens.get(client_token) in self.items:
                return self.item_tokens[client_token]  # the same token: the same item
        lib = self.library(create_spec["library_id"])
        if lib.type != LOCAL:
            raise vapi_error("INVALID_ELEMENT_TYPE", M.LIBRARY_NOT_LOCAL, lib.id, lib.type)
        _check_item_fields(create_spec["name"], create_spec.get("description"))
        self.writable(lib)
        item = self.add_item(
            lib.id,
            create_spec["name"],
            type=create_spec.get("type"),
            description=create_spec.get("description"),
        )
        item.source_id = create_spec.get("source_id")
        if client_token is not None:
            self.item_tokens[client_token] = item.id
        return item.id

    def item_get(self, library_item_id: str) -> dict[str, Any]:
        return self.item(library_item_id).model()

    def item_list(self, library_id: str) -> list[str]:
        return list(self._items_of[self.library(library_id).id])

    def item_find(self, spec: dict[str, Any]) -> list[str]:
        """Items matching every given field; name and type without regard to case. An unknown
        library matches nothing (find declares no NOT_FOUND)."""
        if all(v is None for v in spec.values()):
            raise vapi_error("INVALID_ARGUMENT", M.FIND_SPEC_EMPTY, "library item")
        name, kind, library_id = spec["name"], spec["type"], spec["library_id"]
        if name is not None:
            candidates = self._items_folded.get(name.casefold(), {})
        elif library_id is not None:
            candidates = self._items_of.get(library_id, {})
        else:
            candidates = self.items
        return [
            item.id
            for item in candidates.values()
            if (library_id is None or item.library_id == library_id)
            and (spec["source_id"] is None or item.source_id == spec["source_id"])
            and (kind is None or (item.type or "").casefold() == kind.casefold())
            and (spec["cached"] is None or item.cached == spec["cached"])
        ]

    def item_update(self, library_item_id: str, update_spec: dict[str, Any]) -> None:
        """Name, description and type; checked first, applied together. The version and
        metadata version and modification time move only when something changed."""
        item = self.item(library_item_id)
        lib = self.library(item.library_id)
        if lib.type != LOCAL:
            raise vapi_error("INVALID_ELEMENT_TYPE", M.ITEM_NOT_UPDATABLE, item.id, lib.id)
        self._persisted(lib)
        name, description = update_spec["name"], update_spec["description"]
        _check_item_fields(name, description)
        if update_spec["version"] not in (None, str(item.version)):
            raise vapi_error(
                "INVALID_ARGUMENT", M.ITEM_VERSION_MISMATCH, item.id, update_spec["version"]
            )
        other = self._item_named.get((lib.id, name)) if name is not None else None
        if other is not None and other is not item:
            raise vapi_error("ALREADY_EXISTS", M.ITEM_NAME_EXISTS, name, lib.name, lib.id)
        changes = {
            key: update_spec[key]
            for key in ("name", "description", "type")
            if update_spec[key] is not None and update_spec[key] != getattr(item, key)
        }
        if self._change(item, changes):
            item.metadata_version += 1

    def item_delete(self, library_item_id: str) -> None:
        item = self.item(library_item_id)
        lib = self.library(item.library_id)
        if lib.type != LOCAL:
            raise vapi_error("INVALID_ELEMENT_TYPE", M.ITEM_SUBSCRIBED, item.id, lib.id)
        busy = self.is_busy(item.id)
        if busy is not None:
            raise vapi_error("NOT_ALLOWED_IN_CURRENT_STATE", M.ITEM_BUSY_DELETE, item.id, busy)
        self._drop_item(item.id)

    def item_storage_list(self, library_item_id: str) -> list[dict[str, Any]]:
        item = self.item(library_item_id)
        return [self._storage(item, f) for f in item.files.values()]

    def item_storage_get(self, library_item_id: str, file_name: str) -> list[dict[str, Any]]:
        item = self.item(library_item_id)
        found = item.files.get(file_name)
        if found is None:
            raise vapi_error("NOT_FOUND", M.ITEM_FILE_NOT_FOUND, library_item_id, file_name)
        return [self._storage(item, found)]

    def _storage(self, item: Item, file: ItemFile) -> dict[str, Any]:
        """``com.vmware.content.library.item.storage.info``: the file on its library's first
        storage backing."""
        backing = self.library(item.library_id).storage_backings[0]
        if backing.get("type") == "DATASTORE":
            root = f"ds:///vmfs/volumes/{backing.get('datastore_id')}"
        else:
            root = str(backing.get("storage_uri") or "").rstrip("/")
        info = file.info()
        return {
            "storage_backing": backing,
            "storage_uris": [f"{root}/contentlib-{item.library_id}/{item.id}/{file.name}"],
            "checksum_info": info["checksum_info"],
            "name": file.name,
            "size": file.size if file.cached else 0,
            "cached": file.cached,
            "version": info["version"],
            "file_download_endpoint": None,
        }

    def item_file_list(self, library_item_id: str, context: Context) -> list[dict[str, Any]]:
        item = self.item(library_item_id)
        return [self.file_info(item, f, context.origin) for f in item.files.values()]

    def item_file_get(self, library_item_id: str, name: str, context: Context) -> dict[str, Any]:
        item = self.item(library_item_id)
        found = item.files.get(name)
        if found is None:
            raise vapi_error("NOT_FOUND", M.ITEM_FILE_NOT_FOUND, library_item_id, name)
        return self.file_info(item, found, context.origin)

    @staticmethod
    def file_info(item: Item, f: ItemFile, origin: str) -> dict[str, Any]:
        """An item file's info; while the fake holds its bytes, ``file_download_endpoint`` is
        its direct URL on ``origin`` (the caller's API session authorises it)."""
        url = None
        if f.data is not None:
            where = f"{item.library_id}/{item.id}/{quote(f.name)}?version={f.version}"
            url = f"{origin}{STATIC_PATH}{where}"
        return f.info(url)

    def check_backings(self, backings: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """Copies of storage backings, each DATASTORE one naming an existing datastore."""
        out = [dict(b) for b in backings or ()]
        for index, backing in enumerate(out):
            datastore_id = backing.get("datastore_id")
            if backing.get("type") == "DATASTORE" and not isinstance(datastore_id, str):
                raise vapi_error("INVALID_ARGUMENT", M.BACKING_DATASTORE_MISSING, index)
            if isinstance(datastore_id, str) and not self.datastore_exists(datastore_id):
                raise vapi_error("INVALID_ARGUMENT", M.BACKING_DATASTORE_NOT_FOUND, datastore_id)
        return out

    def stored_on(self, datastore_id: str) -> int:
        """Bytes of committed item content in libraries backed by a datastore (a running
        total per library: no item is visited)."""
        return sum(
            self._stored[lib.id]
            for lib in self.libraries.values()
            if any(b.get("datastore_id") == datastore_id for b in lib.storage_backings)
        )

    def resized(self, item: Item, before: int) -> None:
        """``item``'s files changed (a commit); ``before`` was its size."""
        self._stored[item.library_id] += item.size - before

    def datastore_of(self, item_id: str) -> str | None:
        """The datastore an item's content goes to (its library's first datastore backing)."""
        lib = self.libraries.get(self.items[item_id].library_id)
        for backing in lib.storage_backings if lib else ():
            if backing.get("type") == "DATASTORE" and backing.get("datastore_id"):
                return str(backing["datastore_id"])
        return None

    def _drop_item(self, item_id: str) -> None:
        item = self.items.pop(item_id)
        del self._items_of[item.library_id][item_id]
        self._stored[item.library_id] -= item.size
        self._unindex(item)
        self.forget_item(item_id)


def _discard(index: dict[str, dict[str, Any]], key: str, record_id: str) -> None:
    """Take ``record_id`` out of ``index[key]``, and the key once nothing is left under it."""
    bucket = index[key]
    del bucket[record_id]
    if not bucket:
        del index[key]


def _backs(wanted: dict[str, Any], backing: dict[str, Any]) -> bool:
    """True if ``backing`` has every field ``wanted`` sets."""
    return all(v is None or backing.get(k) == v for k, v in wanted.items())


def _check_item_fields(name: str | None, description: str | None) -> None:
    """Item.create and Item.update: a name is not empty and at most 80 characters, a
    description at most 2000."""
    if name is not None and not name.strip():
        raise vapi_error("INVALID_ARGUMENT", M.ITEM_NAME_EMPTY)
    if name is not None and len(name) > ITEM_NAME_MAX:
        raise vapi_error("INVALID_ARGUMENT", M.ITEM_NAME_TOO_LONG, len(name), ITEM_NAME_MAX)
    if description is not None and len(description) > ITEM_DESCRIPTION_MAX:
        raise vapi_error(
            "INVALID_ARGUMENT", M.ITEM_DESCRIPTION_TOO_LONG, len(description), ITEM_DESCRIPTION_MAX
        )


def _publish(
    current: Publication, spec: dict[str, Any], operation: str, library_id: str
) -> Publication:
    """The publication ``spec`` asks for, from ``current``; INVALID_ARGUMENT when the spec is
    not valid. Create needs ``authentication_method`` and ``published``; BASIC needs a
    password. Once BASIC, changing the password, turning authentication off or unpublishing
    needs ``current_password``. The user name, if given, is ``vcsp``."""
    if operation == "create" and spec:
        for key in ("authentication_method", "published"):
            if spec.get(key) is None:
                raise vapi_error(
                    "INVALID_ARGUMENT", M.FIELD_REQUIRED_FOR, f"publish_info.{key}", operation
                )
    if spec.get("user_name") not in (None, "vcsp"):
        raise vapi_error("INVALID_ARGUMENT", M.PUBLISH_USER_NAME, spec["user_name"])
    method = spec.get("authentication_method") or current.authentication_method
    published = current.published if spec.get("published") is None else spec["published"]
    password = spec.get("password")
    if current.authentication_method == "BASIC" and (
        password is not None or method == "NONE" or (current.published and not published)
    ):
        given = spec.get("current_password")
        if given is None:
            raise vapi_error("INVALID_ARGUMENT", M.PUBLISH_CURRENT_PASSWORD_MISSING, library_id)
        if given != current.password:
            raise vapi_error("INVALID_ARGUMENT", M.PUBLISH_PASSWORD_MISMATCH, library_id)
    if method == "BASIC":
        password = password if password is not None else current.password
        if not password:
            raise vapi_error("INVALID_ARGUMENT", M.PUBLISH_PASSWORD_MISSING, library_id)
    persist = spec.get("persist_json_enabled")
    return Publication(
        published=published,
        authentication_method=method,
        password=password if method == "BASIC" else None,
        persist_json_enabled=current.persist_json_enabled if persist is None else persist,
    )

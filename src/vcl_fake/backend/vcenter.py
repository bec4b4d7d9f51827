"""The vCenter around the libraries: a datacenter and its four folders, datastores, a cluster
with its resource pool, and a host (no HTTP, no locking: see Backend).

Objects carry vCenter-style managed object ids (``group-d1``, ``datacenter-3``,
``datastore-11``...). :meth:`VCenter.properties` answers an object's vim25 properties as
plain data (:class:`Ref` for managed object references); the SOAP layer types them, the vAPI
``vcenter.*`` services summarise them. A datastore's free space shrinks by the content the
libraries it backs hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from vcl_fake import messages as M
from vcl_fake.backend.ids import IdSource
from vcl_fake.contract.enums import DATASTORE_TYPES
from vcl_fake.errors import vapi_error

GiB = 1024**3
DEFAULT_CAPACITY = 1024 * GiB
DEFAULT_FREE_SPACE = 800 * GiB
#: vAPI folder types by a folder's childType.
FOLDER_TYPES = {
    "Datacenter": "DATACENTER",
    "VirtualMachine": "VIRTUAL_MACHINE",
    "ComputeResource": "HOST",
    "Datastore": "DATASTORE",
    "Network": "NETWORK",
}


class Ref(NamedTuple):
    """A managed object reference: its vim25 type and its id."""

    type: str
    value: str


@dataclass
class Entity:
    """One inventory object (a vim25 ManagedEntity)."""

    ref: Ref
    name: str
    parent: Ref | None
    children: list[Ref] = field(default_factory=list)  # folders: childEntity
    fields: dict[str, Any] = field(default_factory=dict)  # the type's own properties

    @property
    def id(self) -> str:
        return self.ref.value


@dataclass
class Datastore:
    """What a datastore knows beyond its entity: kind, location and space."""

    entity: Entity
    type: str
    url: str
    capacity: int
    free_space: int  # before content library content is taken off


#: The folder kinds of a datacenter: property, name, vCenter id prefix, childType.
FOLDERS = (
    ("vmFolder", "vm", "group-v", ["Folder", "VirtualMachine", "VirtualApp"]),
    ("hostFolder", "host", "group-h", ["Folder", "ComputeResource"]),
    ("datastoreFolder", "datastore", "group-s", ["Folder", "Datastore", "StoragePod"]),
    ("networkFolder", "network", "group-n", ["Folder", "Network", "DistributedVirtualSwitch"]),
)


class VCenter:
    """The inventory: one datacenter (four folders), a cluster with its resource pool and
    host, and datastores (one by default). ``used_space(datastore_id)`` is the library
    content stored there (wired by the backend)."""

    def __init__(self, ids: IdSource) -> None:
        self.ids = ids
        self.entities: dict[str, Entity] = {}
        self.datastores: dict[str, Datastore] = {}
        self._next = 1
        self.used_space: Callable[[str], int] = lambda datastore_id: 0
        self.root = self._add("Folder", "group-d", "Datacenters", None)
        self.root.fields["childType"] = ["Folder", "Datacenter"]
        dc = self.datacenter = self._add("Datacenter", "datacenter-", "Datacenter", self.root)
        for prop, name, prefix, child_types in FOLDERS:
            folder = self._add("Folder", prefix, name, dc, childType=child_types)
            dc.fields[prop] = folder.ref
        host_folder = self.entities[dc.fields["hostFolder"].value]
        self.cluster = self._add("ClusterComputeResource", "domain-c", "Cluster", host_folder)
        pool = self._add("ResourcePool", "resgroup-", "Resources", self.cluster)
        pool.fields["owner"] = self.cluster.ref
        self.cluster.fields["resourcePool"] = pool.ref
        self.host = self._add("HostSystem", "host-", "esxi-01.example.com", self.cluster)
        self._next = 11  # vCenter numbers leave gaps; the first datastore is datastore-11
        self.default_datastore = self.add_datastore("datastore1")

    # --- building ---------------------------------------------------------------------------
    def _add(
        self, type: str, prefix: str, name: str, parent: Entity | None, **fields: Any
    ) -> Entity:
        entity = Entity(Ref(type, f"{prefix}{self._next}"), name, parent.ref if parent else None)
        self._next += 1
        entity.fields.update(fields)
        self.entities[entity.id] = entity
        if parent is not None:
            parent.children.append(entity.ref)
        return entity

    def add_datastore(
        self,
        name: str,
        *,
        capacity: int = DEFAULT_CAPACITY,
        free_space: int | None = None,
        type: str = "VMFS",
    ) -> str:
        """Add a datastore to the datacenter (mounted on the host); return its id."""
        if not isinstance(name, str) or not name or len(name) > 80 or "/" in name:
            raise ValueError(f"a datastore name is 1 to 80 characters without '/': {name!r}")
        if any(ds.entity.name == name for ds in self.datastores.values()):
            raise ValueError(f"there is already a datastore named {name!r}")
        if type not in DATASTORE_TYPES:
            raise ValueError(f"datastore type must be one of {', '.join(DATASTORE_TYPES)}")
        free = min(capacity, DEFAULT_FREE_SPACE) if free_space is None else free_space
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
            raise ValueError(f"capacity must be a byte count, not {capacity!r}")
        if isinstance(free, bool) or not isinstance(free, int) or not 0 <= free <= capacity:
            raise ValueError(f"free_space must be a byte count up to the capacity, not {free!r}")
        folder = self.entities[self.datacenter.fields["datastoreFolder"].value]
        entity = self._add("Datastore", "datastore-", name, folder)
        url = f"ds:///vmfs/volumes/{self.ids.uuid()}/"
        self.datastores[entity.id] = Datastore(entity, type, url, capacity, free)
        return entity.id

    # --- lookups ----------------------------------------------------------------------------
    def entity(self, ref: Ref) -> Entity | None:
        """The entity ``ref`` names (its type must match), or None."""
        found = self.entities.get(ref.value)
        return found if found is not None and found.ref.type == ref.type else None

    def datastore(self, datastore_id: str) -> Datastore:
        found = self.datastores.get(datastore_id)
        if found is None:
            raise vapi_error("NOT_FOUND", M.DATASTORE_NOT_FOUND, datastore_id)
        return found

    def free_space(self, datastore_id: str) -> int:
        """What is left on a datastore once library content is stored (never negative)."""
        ds = self.datastores[datastore_id]
        return max(0, ds.free_space - self.used_space(datastore_id))

    def of_type(self, type: str) -> Iterator[Entity]:
        return (e for e in self.entities.values() if e.ref.type == type)

    def descendants(self, start: Entity) -> Iterator[Entity]:
        """Every entity below ``start``, depth first."""
        for ref in self.children_of(start):
            child = self.entities[ref.value]
            yield child
            yield from self.descendants(child)

    def children_of(self, entity: Entity) -> list[Ref]:
        """Folders hold childEntity; a datacenter its four folders; a cluster its pool and
        hosts."""
        return list(entity.children)

    def datacenter_of(self, entity: Entity) -> Entity | None:
        """The datacenter an entity lies under (None for the root folder)."""
        ref: Ref | None = entity.ref
        while ref is not None:
            found = self.entities[ref.value]
            if ref.type == "Datacenter":
                return found
            ref = found.parent
        return None

    def _select(
        self, kind: str, spec: dict[str, Any] | None, own: str, **tests: Callable[[Entity], Any]
    ) -> list[Entity]:
        """The entities of a vim25 type that a vAPI filter spec selects: ``own`` names the
        spec's set of ids; each test maps an entity to what another field is matched on
        (a value, or a set of values of which one must match)."""
        spec = spec or {}
        out = []
        for entity in self.of_type(kind):
            wanted = spec.get(own)
            if wanted and entity.id not in wanted:
                continue
            if spec.get("names") and entity.name not in spec["names"]:
                continue
            keep = True
            for name, test in tests.items():
                want = spec.get(name)
                if want is None or want == []:
                    continue
                got = test(entity)
                values = got if isinstance(got, (set, list)) else {got}
                if isinstance(want, list):
                    keep = keep and any(v in want for v in values)
                else:
                    keep = keep and want in values
            if keep:
                out.append(entity)
        return out

    def _parent_id(self, entity: Entity) -> str | None:
        return entity.parent.value if entity.parent else None

    def _datacenter_id(self, entity: Entity) -> str | None:
        dc = self.datacenter_of(entity)
        return dc.id if dc else None

    def _summary_type(self, ds: Datastore) -> str:
        return ds.type.upper()

    # --- vAPI vcenter.* operation handlers -----------------------------------------------------
    def vcenter_datacenter_list(self, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
        found = self._select("Datacenter", filter, "datacenters", folders=self._parent_id)
        return [{"datacenter": e.id, "name": e.name} for e in found]

    def vcenter_datacenter_get(self, datacenter: str) -> dict[str, Any]:
        dc = self.entity(Ref("Datacenter", datacenter))
        if dc is None:
            raise vapi_error("NOT_FOUND", M.VCENTER_OBJECT_NOT_FOUND, "Datacenter", datacenter)
        return {
            "name": dc.name,
            "datastore_folder": dc.fields["datastoreFolder"].value,
            "host_folder": dc.fields["hostFolder"].value,
            "network_folder": dc.fields["networkFolder"].value,
            "vm_folder": dc.fields["vmFolder"].value,
        }

    def vcenter_folder_list(self, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
        found = self._select(
            "Folder",
            filter,
            "folders",
            type=self._folder_type,
            parent_folders=self._parent_id,
            datacenters=self._datacenter_id,
        )
        return [{"folder": e.id, "name": e.name, "type": self._folder_type(e)} for e in found]

    @staticmethod
    def _folder_type(folder: Entity) -> str:
        kinds = [FOLDER_TYPES[t] for t in folder.fields["childType"] if t in FOLDER_TYPES]
        return kinds[0]

    def vcenter_datastore_list(self, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
        found = self._select(
            "Datastore",
            filter,
            "datastores",
            types=lambda e: self._summary_type(self.datastores[e.id]),
            folders=self._parent_id,
            datacenters=self._datacenter_id,
        )
        out = []
        for e in found:
            ds = self.datastores[e.id]
            out.append(
                {
                    "datastore": e.id,
                    "name": e.name,
                    "type": self._summary_type(ds),
                    "free_space": self.free_space(e.id),
                    "capacity": ds.capacity,
                }
            )
        return out

    def vcenter_datastore_get(self, datastore: str) -> dict[str, Any]:
        ds = self.datastore(datastore)
        return {
            "name": ds.entity.name,
            "type": self._summary_type(ds),
            "accessible": True,
            "free_space": self.free_space(datastore),
            "multiple_host_access": False,
            "thin_provisioning_supported": True,
        }

    def vcenter_cluster_list(self, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
        found = self._select(
            "ClusterComputeResource",
            filter,
            "clusters",
            folders=self._parent_id,
            datacenters=self._datacenter_id,
        )
        return [
            {"cluster": e.id, "name": e.name, "ha_enabled": False, "drs_enabled": False}
            for e in found
        ]

    def vcenter_resource_pool_list(self, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
        found = self._select(
            "ResourcePool",
            filter,
            "resource_pools",
            parent_resource_pools=self._parent_id,
            datacenters=self._datacenter_id,
            clusters=lambda e: e.fields["owner"].value,
            hosts=lambda e: {
                h.value
                for h in self.children_of(self.entities[e.fields["owner"].value])
                if h.type == "HostSystem"
            },
        )
        return [{"resource_pool": e.id, "name": e.name} for e in found]

    def vcenter_resource_pool_get(self, resource_pool: str) -> dict[str, Any]:
        pool = self.entity(Ref("ResourcePool", resource_pool))
        if pool is None:
            raise vapi_error("NOT_FOUND", M.VCENTER_OBJECT_NOT_FOUND, "ResourcePool", resource_pool)
        return {"name": pool.name, "resource_pools": []}

    def vcenter_host_list(self, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
        found = self._select(
            "HostSystem",
            filter,
            "hosts",
            folders=self._parent_id,
            datacenters=self._datacenter_id,
            standalone=lambda e: e.parent is None or e.parent.type != "ClusterComputeResource",
            clusters=self._parent_id,
            connection_states=lambda e: "CONNECTED",
            host_uuids=lambda e: e.fields.get("uuid"),
        )
        return [
            {
                "host": e.id,
                "name": e.name,
                "connection_state": "CONNECTED",
                "power_state": "POWERED_ON",
            }
            for e in found
        ]

    # --- vim25 properties ---------------------------------------------------------------------
    def properties(self, entity: Entity) -> dict[str, Any]:
        """The entity's vim25 properties that the fake models, as plain data."""
        out: dict[str, Any] = {"name": entity.name, "overallStatus": "green"}
        if entity.parent is not None:
            out["parent"] = entity.parent
        kind = entity.ref.type
        datastores = [ds.entity.ref for ds in self.datastores.values()]
        if kind == "Folder":
            out["childEntity"] = list(entity.children)
        elif kind == "Datacenter":
            out["datastore"] = datastores
            out["network"] = []
        elif kind == "Datastore":
            out["summary"] = self.summary(self.datastores[entity.id])
            out["host"] = [{"key": self.host.ref, "mountInfo": {"accessMode": "readWrite"}}]
            out["vm"] = []
        elif kind == "ClusterComputeResource":
            out["host"] = [self.host.ref]
            out["datastore"] = datastores
            out["network"] = []
        elif kind == "ResourcePool":
            out["resourcePool"] = []
            out["vm"] = []
        elif kind == "HostSystem":
            out["datastore"] = datastores
            out["vm"] = []
        out.update(entity.fields)
        return out

    def summary(self, ds: Datastore) -> dict[str, Any]:
        """``vim.Datastore.Summary``."""
        return {
            "datastore": ds.entity.ref,
            "name": ds.entity.name,
            "url": ds.url,
            "capacity": ds.capacity,
            "freeSpace": self.free_space(ds.entity.id),
            "accessible": True,
            "multipleHostAccess": False,
            "type": ds.type,
            "maintenanceMode": "normal",
        }

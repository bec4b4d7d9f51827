"""The official Python SDK (create_vsphere_client, JSON-RPC) driving the fake end to end.

Every answer the fake gives in this module, on every protocol, is checked against the
official bindings' converters as it passes (see bindings.py).
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
import requests
from com.vmware.content.library.item.updatesession_client import File as SessionFile
from com.vmware.content.library.item.updatesession_client import WarningBehavior, WarningType
from com.vmware.content.library.item_client import UpdateSessionModel
from com.vmware.content.library_client import ItemModel, StorageBacking
from com.vmware.content_client import LibraryModel
from com.vmware.vapi.std.errors_client import (
    AlreadyExists,
    InvalidArgument,
    InvalidElementType,
    NotAllowedInCurrentState,
    NotFound,
    ResourceBusy,
    Unauthenticated,
)
from vmware.vapi.vsphere.client import create_vsphere_client

from contract.bindings import Checked
from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.packages import ovf_package, signed_ovf, signing_certificate
from vcl_fake.sdk import vsphere_client

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"


@pytest.fixture
def vc():
    with FakeVCenter(clock=ManualClock(), seed=3) as fake:
        Checked(fake)
        yield fake


@pytest.fixture
def client(vc):
    with vsphere_client(vc) as sdk:
        yield sdk


@pytest.fixture
def item(vc):
    return vc.create_item(vc.create_library("templates"), "photon-5")


def test_login_goes_through_json_rpc(vc, client):
    assert [c.operation for c in vc.calls] == ["session.login"]
    assert vc.calls[0].protocol == "jsonrpc"
    assert vc._adapter.handle.seen == ["jsonrpc session.login"]


def test_libraries_and_items(vc, client):
    datastore = vc.add_datastore("isos-ds")
    backing = StorageBacking(type=StorageBacking.Type.DATASTORE, datastore_id=datastore)
    library_id = client.content.LocalLibrary.create(
        LibraryModel(name="isos", storage_backings=[backing])
    )
    library = client.content.Library.get(library_id)
    assert (library.name, library.type, library.storage_backings[0].datastore_id) == (
        "isos",
        LibraryModel.LibraryType.LOCAL,
        datastore,
    )
    assert client.content.Library.list() == [library_id]
    assert client.content.LocalLibrary.list() == [library_id]
    item_id = client.content.library.Item.create(
        ItemModel(library_id=library_id, name="win", type="iso")
    )
    item = client.content.library.Item.get(item_id)
    assert (item.name, item.content_version, item.size, item.cached) == ("win", "1", 0, False)
    assert client.content.library.Item.list(library_id) == [item_id]
    client.content.library.Item.delete(item_id)
    client.content.LocalLibrary.delete(library_id)
    assert client.content.Library.list() == []


def upload(client: Any, session_id: str, package: dict[str, bytes]) -> None:
    files = client.content.library.item.updatesession.File
    for name in sorted(
        package, key=lambda n: (not n.endswith((".mf", ".cert")), not n.endswith(".ovf"), n)
    ):
        info = files.add(
            session_id,
            SessionFile.AddSpec(
                name=name, source_type=SessionFile.SourceType.PUSH, size=len(package[name])
            ),
        )
        assert info.status == "WAITING_FOR_TRANSFER"
        response = requests.post(
            info.upload_endpoint.uri, data=package[name], headers={"Content-Type": "text/ovf"}
        )
        assert response.status_code == 200


def test_whole_signed_ovf_upload_like_the_vmware_sample(vc, client, item):
    """create -> add/upload -> poll preview -> PATCH to ignore -> validate -> complete -> poll."""
    sessions = client.content.library.item.UpdateSession
    files = client.content.library.item.updatesession.File
    signer = signing_certificate("CN=SDK Signer")
    package = signed_ovf("photon", {"photon-disk1.vmdk": b"\x07" * 4096}, signer)
    session_id = sessions.create(
        UpdateSessionModel(library_item_id=item),
        client_token="2a4d1c5e-1111-4c1e-9a55-cafe00000001",
    )
    upload(client, session_id, package)
    preview = sessions.get(session_id).preview_info
    assert preview.state == "AVAILABLE"
    assert preview.certificate_info.self_signed is True
    assert preview.certificate_info.subject == "CN=SDK Signer"
    assert [w.type for w in preview.warnings] == [
        WarningType.SELF_SIGNED_CERTIFICATE,
        WarningType.UNTRUSTED_CERTIFICATE,
    ]
    behavior = [WarningBehavior(type=w.type, ignored=True) for w in preview.warnings]
    sessions.update(session_id, UpdateSessionModel(warning_behavior=behavior))
    assert all(w.ignored for w in sessions.get(session_id).preview_info.warnings)
    result = files.validate(session_id)
    assert (result.has_errors, result.missing_files, result.invalid_files) == (False, set(), [])
    listed = {f.name: f for f in files.list(session_id)}
    assert listed["photon.cert"].keep_in_storage is False
    sessions.complete(session_id)
    done = sessions.get(session_id)
    assert (done.state, done.preview_info) == (UpdateSessionModel.State.DONE, None)
    assert client.content.library.Item.get(item).content_version == "2"
    item_files = client.content.library.item.File.list(item)
    assert sorted(f.name for f in item_files) == ["photon-disk1.vmdk", "photon.ovf"]
    assert client.content.library.item.File.get(item, "photon-disk1.vmdk").size == 4096
    sessions.delete(session_id)
    assert sessions.list(library_item_id=item) == []


def test_pull_and_keep_alive(vc, client, item):
    vc.add_source("https://depot.example.org/a.iso", b"a" * 10_000, rate=1000)
    sessions = client.content.library.item.UpdateSession
    files = client.content.library.item.updatesession.File
    session_id = sessions.create(UpdateSessionModel(library_item_id=item))
    spec = SessionFile.AddSpec(
        name="a.iso",
        source_type=SessionFile.SourceType.PULL,
        source_endpoint=__import__(
            "com.vmware.content.library.item_client", fromlist=["TransferEndpoint"]
        ).TransferEndpoint(uri="https://depot.example.org/a.iso"),
    )
    assert files.add(session_id, spec).status == "TRANSFERRING"
    vc.clock.advance(4)
    assert files.get(session_id, "a.iso").bytes_transferred == 4000
    sessions.keep_alive(session_id, client_progress=40)
    assert sessions.get(session_id).client_progress == 40
    sessions.complete(session_id)
    vc.clock.advance(10)
    assert sessions.get(session_id).state == "DONE"


def test_expiry_over_the_sdk(vc, client, item):
    sessions = client.content.library.item.UpdateSession
    session_id = sessions.create(UpdateSessionModel(library_item_id=item))
    vc.clock.advance(301)
    with pytest.raises(NotFound) as caught:
        sessions.get(session_id)
    assert caught.value.messages[0].id == "com.vmware.vdcs.cls-main.update_session_not_found"


def test_documented_errors_raise_the_sdk_classes(vc, client, item):
    sessions = client.content.library.item.UpdateSession
    files = client.content.library.item.updatesession.File
    with pytest.raises(NotFound):
        sessions.get("nope:nope")
    session_id = sessions.create(UpdateSessionModel(library_item_id=item))
    with pytest.raises(ResourceBusy):
        sessions.create(UpdateSessionModel(library_item_id=item))
    with pytest.raises(InvalidArgument):
        sessions.create(UpdateSessionModel(library_item_id=item), client_token="not-a-uuid")
    with pytest.raises(InvalidArgument):
        sessions.keep_alive(session_id, client_progress=101)
    with pytest.raises(InvalidArgument):
        files.get(session_id, "ghost.iso")
    with pytest.raises(NotAllowedInCurrentState):
        sessions.delete(session_id)
    files.add(
        session_id, SessionFile.AddSpec(name="x.iso", source_type=SessionFile.SourceType.PUSH)
    )
    with pytest.raises(NotAllowedInCurrentState) as caught:
        sessions.complete(session_id)
    assert caught.value.messages[0].args == ["x.iso", "WAITING"]
    sessions.fail(session_id, "giving up")
    with pytest.raises(NotAllowedInCurrentState):
        files.validate(session_id)
    subscribed = vc.create_item(vc.create_library("mirror", type="SUBSCRIBED"), "copy")
    with pytest.raises(InvalidElementType):
        sessions.create(UpdateSessionModel(library_item_id=subscribed))
    with pytest.raises(NotFound):
        client.content.library.Item.get("ghost")
    library_id = vc.get_item(item)["library_id"]
    with pytest.raises(AlreadyExists):
        client.content.library.Item.create(ItemModel(library_id=library_id, name="photon-5"))
    with pytest.raises(InvalidArgument):
        client.content.library.Item.create(ItemModel(library_id=library_id))  # name is required


def test_wrong_password_raises_unauthenticated(vc):
    with pytest.raises(Unauthenticated):
        create_vsphere_client(
            server=vc.host, username=USER, password="wrong", session=requests.Session()
        )
    # The SDK leaves a half-built client behind; collect it here, at a shallow stack (its
    # __getattr__ recurses until the recursion limit), not at a random later moment.
    gc.collect()


def test_an_expired_login_raises_unauthenticated(vc, client, item):
    vc._backend._auth.expire_all()
    with pytest.raises(Unauthenticated):
        client.content.library.item.UpdateSession.list()


def test_scenario_faults_reach_the_sdk(vc, client, item):
    vc.load_scenario(
        {
            "version": 1,
            "name": "sdk",
            "rules": [
                {
                    "match": {"operation": "update_session.get", "protocol": "jsonrpc"},
                    "when": {"nth": 1},
                    "then": {"error": {"type": "SERVICE_UNAVAILABLE"}},
                },
                {
                    "match": {"operation": "update_session.get"},
                    "when": {"nth": 2},
                    "then": {"fault": "connection_error"},
                },
            ],
        }
    )
    from com.vmware.vapi.std.errors_client import ServiceUnavailable

    session_id = client.content.library.item.UpdateSession.create(
        UpdateSessionModel(library_item_id=item)
    )
    with pytest.raises(ServiceUnavailable):
        client.content.library.item.UpdateSession.get(session_id)
    with pytest.raises(requests.ConnectionError):
        client.content.library.item.UpdateSession.get(session_id)
    assert client.content.library.item.UpdateSession.get(session_id).state == "ACTIVE"


def test_find_by_name_then_update_like_the_ansible_modules(vc, client):
    """The lookups every real client makes before a session: find the library and the item by
    name, then read and change them (each answer checked by the bindings as it passes)."""
    from com.vmware.content.library.item_client import Storage
    from com.vmware.content.library_client import Item, PublishInfo
    from com.vmware.content_client import Library

    library = vc.create_library("Templates", description="golden images")
    item = vc.create_item(library, "photon-5", files=[{"name": "photon.ovf", "size": 512}])
    assert client.content.Library.find(Library.FindSpec(name="templates")) == [library]
    assert (
        client.content.Library.find(
            Library.FindSpec(name="templates", type=LibraryModel.LibraryType.SUBSCRIBED)
        )
        == []
    )
    found = client.content.library.Item.find(Item.FindSpec(name="PHOTON-5", library_id=library))
    assert found == [item]
    with pytest.raises(InvalidArgument) as caught:
        client.content.library.Item.find(Item.FindSpec())
    assert caught.value.messages[0].id == "com.vmware.vdcs.cls-main.find_spec_empty"

    client.content.Library.update(library, LibraryModel(description="photon only", version="1"))
    assert client.content.Library.get(library).version == "2"
    publish = PublishInfo(
        published=True,
        authentication_method=PublishInfo.AuthenticationMethod.BASIC,
        password="s3cret",
    )
    client.content.LocalLibrary.update(library, LibraryModel(publish_info=publish))
    local = client.content.LocalLibrary.get(library)
    assert (local.description, local.version, local.publish_info.published) == (
        "photon only",
        "3",
        True,
    )
    assert local.publish_info.user_name == "vcsp"
    assert local.publish_info.password is None
    assert local.publish_info.publish_url == (
        f"https://vcenter.example.com:443/cls/vcsp/lib/{library}/lib.json"
    )
    from com.vmware.vapi.std.errors_client import ConcurrentChange

    with pytest.raises(ConcurrentChange):
        client.content.LocalLibrary.update(library, LibraryModel(name="x", version="1"))

    assert client.content.SubscribedLibrary.list() == []
    client.content.library.Item.update(item, ItemModel(name="photon-5.1"))
    assert client.content.library.Item.get(item).metadata_version == "2"
    (stored,) = client.content.library.item.Storage.list(item)
    assert isinstance(stored, Storage.Info)
    assert (stored.name, stored.size, stored.cached) == ("photon.ovf", 512, True)
    assert stored.storage_uris == [
        f"ds:///vmfs/volumes/datastore-11/contentlib-{library}/{item}/photon.ovf"
    ]
    assert vc._adapter.handle.seen[-1] == "jsonrpc item_storage.list"


def test_export_through_a_download_session_like_the_vmware_sample(vc, client, item):
    """Upload an OVF, then read every file back: create, list, prepare, poll, GET, compare."""
    from com.vmware.content.library.item.downloadsession_client import File as DownloadFile
    from com.vmware.content.library.item_client import DownloadSessionModel
    from com.vmware.vapi.std.errors_client import Unauthorized

    package = ovf_package("photon", {"photon-disk1.vmdk": bytes(range(256)) * 64})
    sessions = client.content.library.item.UpdateSession
    session_id = sessions.create(UpdateSessionModel(library_item_id=item))
    upload(client, session_id, package)
    sessions.complete(session_id)

    downloads = client.content.library.item.DownloadSession
    files = client.content.library.item.downloadsession.File
    download_id = downloads.create(
        DownloadSessionModel(library_item_id=item),
        client_token="2a4d1c5e-1111-4c1e-9a55-cafe00000002",
    )
    exported = {}
    for info in files.list(download_id):
        assert info.status == DownloadFile.PrepareStatus.UNPREPARED
        prepared = files.prepare(download_id, info.name, DownloadFile.EndpointType.HTTPS)
        assert prepared.status == DownloadFile.PrepareStatus.PREPARE_REQUESTED
        while (got := files.get(download_id, info.name)).status != "PREPARED":
            vc.clock.advance(1)
        exported[info.name] = requests.get(got.download_endpoint.uri).content
        assert files.get(download_id, info.name).checksum_info.checksum
    assert exported == {n: package[n] for n in ("photon.ovf", "photon-disk1.vmdk")}
    downloads.keep_alive(download_id, progress=100)
    model = downloads.get(download_id)
    assert (model.state, model.client_progress, model.library_item_content_version) == (
        DownloadSessionModel.State.ACTIVE,
        100,
        "2",
    )
    assert downloads.list(library_item_id=item) == [download_id]
    with pytest.raises(InvalidArgument):
        files.get(download_id, "missing.vmdk")
    with pytest.raises(Unauthorized):
        files.prepare(download_id, "photon.ovf", DownloadFile.EndpointType.DIRECT)
    downloads.cancel(download_id)
    with pytest.raises(NotAllowedInCurrentState):
        downloads.cancel(download_id)
    downloads.delete(download_id)
    with pytest.raises(NotFound):
        downloads.get(download_id)


def test_vcenter_inventory_services_through_the_sdk(vc, client):
    from com.vmware.vcenter_client import Cluster, Datacenter, Datastore, Folder, Host, ResourcePool

    nfs = vc.add_datastore("nfs-02", capacity=2000, free_space=1500, type="NFS")
    stores = client.vcenter.Datastore.list()
    assert [(s.datastore, s.name, s.type) for s in stores] == [
        ("datastore-11", "datastore1", Datastore.Type.VMFS),
        (nfs, "nfs-02", Datastore.Type.NFS),
    ]
    only = client.vcenter.Datastore.list(Datastore.FilterSpec(types={Datastore.Type.NFS}))
    assert [(s.name, s.capacity, s.free_space) for s in only] == [("nfs-02", 2000, 1500)]
    named = client.vcenter.Datastore.list(Datastore.FilterSpec(names={"datastore1"}))
    assert [s.datastore for s in named] == ["datastore-11"]
    info = client.vcenter.Datastore.get(nfs)
    assert (info.name, info.free_space, info.accessible) == ("nfs-02", 1500, True)
    with pytest.raises(NotFound):
        client.vcenter.Datastore.get("datastore-99")
    (dc,) = client.vcenter.Datacenter.list()
    assert client.vcenter.Datacenter.get(dc.datacenter).datastore_folder == "group-s5"
    folders = client.vcenter.Folder.list(Folder.FilterSpec(type=Folder.Type.DATASTORE))
    assert [(f.folder, f.name) for f in folders] == [("group-s5", "datastore")]
    (cluster,) = client.vcenter.Cluster.list(Cluster.FilterSpec(datacenters={dc.datacenter}))
    (pool,) = client.vcenter.ResourcePool.list(ResourcePool.FilterSpec(clusters={cluster.cluster}))
    assert client.vcenter.ResourcePool.get(pool.resource_pool).name == "Resources"
    (host,) = client.vcenter.Host.list(Host.FilterSpec(standalone=False))
    assert host.connection_state == Host.ConnectionState.CONNECTED
    assert client.vcenter.Host.list(Host.FilterSpec(standalone=True)) == []
    assert client.vcenter.Datacenter.list(Datacenter.FilterSpec(names={"nope"})) == []


def test_vcenter_inventory_services_over_api_and_rest(vc):
    http = requests.Session()
    http.headers["vmware-api-session-id"] = http.post(
        f"{vc.url}/api/session", auth=(USER, PASSWORD)
    ).json()
    listed = http.get(f"{vc.url}/api/vcenter/datastore", params={"types": ["VMFS", "NFS"]})
    assert [s["datastore"] for s in listed.json()] == ["datastore-11"]
    pools = http.get(f"{vc.url}/api/vcenter/resource-pool", params={"clusters": "domain-c7"})
    assert pools.json() == [{"resource_pool": "resgroup-8", "name": "Resources"}]
    assert http.get(f"{vc.url}/api/vcenter/resource-pool/resgroup-8").json()["name"] == (
        "Resources"
    )
    hosts = http.get(f"{vc.url}/api/vcenter/host", params={"standalone": "maybe"})
    assert hosts.status_code == 400
    assert hosts.json()["messages"][0]["id"] == "vapi.data.validate.mismatch"
    assert {"api vcenter.datastore.list", "api vcenter.resource_pool.get"} <= set(
        vc._adapter.handle.seen
    )
    legacy = http.get(f"{vc.url}/rest/vcenter/datastore", params={"filter.names.1": "datastore1"})
    assert legacy.json()["value"][0]["datastore"] == "datastore-11"
    got = http.get(f"{vc.url}/rest/vcenter/datastore/datastore-11").json()["value"]
    assert (got["name"], got["type"]) == ("datastore1", "VMFS")
    bad = http.get(f"{vc.url}/rest/vcenter/datastore", params={"filter.bogus": "1"})
    assert bad.status_code == 400
    assert bad.json()["value"]["messages"][0]["id"] == "vapi.data.structure.field.unexpected"

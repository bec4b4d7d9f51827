"""pyVmomi, unmodified, against the served fake: the SDK samples' and Ansible's lookups."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator

import pytest
from clients.pyvmomi_flow import datastore_lookup
from pyVim.connect import Disconnect, SmartConnect, SmartStubAdapter
from pyVmomi import vim, vmodl

from vcl_fake import FakeVCenter, ManualClock

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"
PC = vmodl.query.PropertyCollector


@pytest.fixture
def served() -> Iterator[tuple[FakeVCenter, int]]:
    vc = FakeVCenter(clock=ManualClock(), seed=3)
    with vc.serve() as url:
        yield vc, int(url.rsplit(":", 1)[1])


@pytest.fixture
def si(served):
    _vc, port = served
    si = SmartConnect(
        host="127.0.0.1", port=port, user=USER, pwd=PASSWORD, disableSslCertValidation=True
    )
    yield si
    with contextlib.suppress(vim.fault.NotAuthenticated):  # the test logged out itself
        Disconnect(si)
    si._stub.DropConnections()


def container_view(si, kinds):
    content = si.RetrieveContent()
    return content.viewManager.CreateContainerView(content.rootFolder, kinds, True)


def test_smart_connect_verifies_the_served_ca_and_reads_about(served):
    vc, port = served
    context = ssl.create_default_context(cafile=str(vc.server.ca_file))
    si = SmartConnect(host="127.0.0.1", port=port, user=USER, pwd=PASSWORD, sslContext=context)
    try:
        about = si.content.about
        assert (about.apiType, about.apiVersion, about.name) == (
            "VirtualCenter",
            "8.0.3.0",
            "VMware vCenter Server",
        )
        assert si.content.sessionManager.currentSession.userName == USER
    finally:
        Disconnect(si)
        si._stub.DropConnections()
    operations = [c.operation for c in vc.calls]
    assert operations[:2] == [
        "vim.ServiceInstance.RetrieveServiceContent",
        "vim.SessionManager.Login",
    ]
    assert "vim.ManagedObject.Fetch" in operations  # si.content, currentSession
    assert operations[-2:] == [
        "vim.ServiceInstance.RetrieveServiceContent",
        "vim.SessionManager.Logout",
    ]
    assert {c.outcome for c in vc.calls} == {"success"}
    login = vc.calls[1]
    assert (login.protocol, login.outcome, login.input) == (
        "vim25",
        "success",
        {"_this": "SessionManager:SessionManager", "userName": USER, "locale": None},
    )


def test_current_time_is_the_fake_clock(served, si):
    vc, _ = served
    assert si.CurrentTime() == vc.clock.now()
    vc.clock.advance(90)
    assert si.CurrentTime() == vc.clock.now()


def test_container_view_over_datastores_and_fetch(served, si):
    vc, _ = served
    second = vc.add_datastore("nfs-02", capacity=2000, free_space=1500, type="NFS")
    view = container_view(si, [vim.Datastore])
    stores = {ds.name: ds for ds in view.view}
    assert sorted(stores) == ["datastore1", "nfs-02"]
    nfs = stores["nfs-02"]
    assert nfs._moId == second
    summary = nfs.summary
    assert (summary.capacity, summary.freeSpace, summary.type, summary.accessible) == (
        2000,
        1500,
        "NFS",
        True,
    )
    assert summary.datastore == nfs
    assert nfs.parent.name == "datastore"
    view.Destroy()
    with pytest.raises(vmodl.fault.ManagedObjectNotFound) as raised:
        view.Destroy()  # the SDK samples catch exactly this at exit
    assert raised.value.obj._moId == view._moId


def test_container_view_over_clusters_and_the_resource_pool(si):
    view = container_view(si, [vim.ClusterComputeResource])
    (cluster,) = view.view
    assert cluster.name == "Cluster"
    pool = cluster.resourcePool
    assert isinstance(pool, vim.ResourcePool)
    assert (pool.name, pool.owner) == ("Resources", cluster)
    assert [h.name for h in cluster.host] == ["esxi-01.example.com"]
    view.DestroyView()


def test_inventory_walk_by_attribute(si):
    (dc,) = si.content.rootFolder.childEntity
    assert dc.name == "Datacenter"
    folders = [dc.vmFolder, dc.hostFolder, dc.datastoreFolder, dc.networkFolder]
    assert [f.name for f in folders] == ["vm", "host", "datastore", "network"]
    assert [ds.name for ds in dc.datastore] == ["datastore1"]
    assert dc.datastore[0]._moId == "datastore-11"
    assert list(dc.datastoreFolder.childType) == ["Folder", "Datastore", "StoragePod"]
    assert si.content.rootFolder.parent is None  # unset: no returnval at all
    assert dc.datastore[0].browser is None  # declared by vim25, not modelled


def test_traversal_spec_lookup_with_dotted_paths(served, si):
    vc, _ = served
    vc.add_datastore("small", capacity=10_000, free_space=4_000)
    pc = si.content.propertyCollector
    result = pc.RetrievePropertiesEx(
        [datastore_lookup(si.content.rootFolder, datacenters=False)], PC.RetrieveOptions()
    )
    assert result.token is None
    found = {o.obj._moId: {p.name: p.val for p in o.propSet} for o in result.objects}
    assert found["datastore-11"]["name"] == "datastore1"
    assert found["datastore-12"] == {
        "name": "small",
        "summary.capacity": 10_000,
        "summary.freeSpace": 4_000,
    }
    assert set(found) == {"datastore-11", "datastore-12"}


def test_paging_with_max_objects_continue_and_cancel(served, si):
    vc, _ = served
    for n in range(4):
        vc.add_datastore(f"ds-{n}")
    pc = si.content.propertyCollector
    spec = datastore_lookup(si.content.rootFolder, datacenters=False)
    first = pc.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=2))
    assert len(first.objects) == 2 and first.token
    second = pc.ContinueRetrievePropertiesEx(first.token)
    assert len(second.objects) == 2 and second.token
    last = pc.ContinueRetrievePropertiesEx(second.token)
    assert len(last.objects) == 1 and last.token is None
    names = [o.propSet[0].val for page in (first, second, last) for o in page.objects]
    assert sorted(names) == ["datastore1", "ds-0", "ds-1", "ds-2", "ds-3"]
    with pytest.raises(vmodl.fault.InvalidArgument):
        pc.ContinueRetrievePropertiesEx(first.token)  # a token is good for one page
    again = pc.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=1))
    pc.CancelRetrievePropertiesEx(again.token)
    with pytest.raises(vmodl.fault.InvalidArgument):
        pc.ContinueRetrievePropertiesEx(again.token)


def test_nothing_matched_is_no_result_at_all(si):
    pc = si.content.propertyCollector
    spec = PC.FilterSpec(
        propSet=[PC.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])],
        objectSet=[PC.ObjectSpec(obj=si.content.rootFolder)],
    )
    assert pc.RetrievePropertiesEx([spec], PC.RetrieveOptions()) is None
    assert pc.RetrieveContents([spec]) == []


def test_subtypes_match_and_each_object_appears_once(si):
    pc = si.content.propertyCollector
    view = container_view(si, [vim.ManagedEntity])
    spec = PC.FilterSpec(
        propSet=[
            PC.PropertySpec(type=vim.ManagedEntity, pathSet=["name"]),
            PC.PropertySpec(type=vim.ComputeResource, pathSet=["resourcePool"]),
        ],
        objectSet=[
            PC.ObjectSpec(
                obj=view,
                skip=True,
                selectSet=[PC.TraversalSpec(type=vim.view.ContainerView, path="view")],
            )
        ],
    )
    contents = pc.RetrieveContents([spec])
    by_name = {
        {p.name: p.val for p in o.propSet}["name"]: {p.name for p in o.propSet} for o in contents
    }
    assert len(contents) == len(by_name) == 9  # datacenter, 4 folders, cluster, pool, host, ds
    assert by_name["Cluster"] == {"name", "resourcePool"}
    assert by_name["datastore1"] == {"name"}
    view.DestroyView()


def test_skip_and_non_recursive_views(si):
    content = si.content
    (dc,) = content.rootFolder.childEntity
    view = content.viewManager.CreateContainerView(dc, [vim.Folder], False)
    assert sorted(f.name for f in view.view) == ["datastore", "host", "network", "vm"]
    assert view.recursive is False
    view.DestroyView()


def test_faults_are_typed(served, si):
    vc, port = served
    stub = SmartStubAdapter(host="127.0.0.1", port=port, disableSslCertValidation=True)
    try:
        with pytest.raises(vim.fault.InvalidLogin) as refused:
            vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().sessionManager.Login(
                USER, "x"
            )
    finally:
        stub.DropConnections()
    assert refused.value.msg == "Cannot complete login due to an incorrect user name or password."
    assert vc.calls[-1].operation == "vim.SessionManager.Login"
    assert (vc.calls[-1].outcome, vc.calls[-1].error.fault) == (
        "UNAUTHENTICATED",
        "vim.fault.InvalidLogin",
    )
    assert "password" not in vc.calls[-1].input
    gone = vim.Datastore("datastore-999", stub=si._stub)
    with pytest.raises(vmodl.fault.ManagedObjectNotFound) as missing:
        _ = gone.name
    assert missing.value.obj._moId == "datastore-999"
    with pytest.raises(vmodl.query.InvalidProperty) as bad:
        si.content.propertyCollector.RetrieveContents(
            [
                PC.FilterSpec(
                    propSet=[PC.PropertySpec(type=vim.Datastore, pathSet=["bogusProperty"])],
                    objectSet=[PC.ObjectSpec(obj=vim.Datastore("datastore-11"))],
                )
            ]
        )
    assert bad.value.name == "bogusProperty"
    with pytest.raises(vmodl.fault.NotImplemented) as unmodelled:
        si.content.searchIndex.FindByInventoryPath("/Datacenter")
    assert "SearchIndex.FindByInventoryPath is not modelled by vcl_fake" in unmodelled.value.msg
    assert vc.calls[-1].operation == "vim.SearchIndex.FindByInventoryPath"
    assert vc.calls[-1].outcome == "OPERATION_NOT_FOUND"


def test_logged_out_sessions_are_not_authenticated(served, si):
    content = si.RetrieveContent()
    assert content.sessionManager.currentSession.userName == USER
    content.sessionManager.Logout()
    assert content.sessionManager.currentSession is None  # the usual "expired?" check
    (missing,) = content.propertyCollector.RetrieveContents(
        [
            PC.FilterSpec(
                propSet=[PC.PropertySpec(type=vim.SessionManager, pathSet=["currentSession"])],
                objectSet=[PC.ObjectSpec(obj=content.sessionManager)],
            )
        ]
    )
    assert missing.propSet == []
    assert isinstance(missing.missingSet[0].fault, vim.fault.NotAuthenticated)
    with pytest.raises(vim.fault.NotAuthenticated) as raised:
        si.CurrentTime()
    assert raised.value.privilegeId == "System.View"


def test_scenario_rules_apply_to_soap_methods(served, si):
    vc, _ = served
    vc.load_scenario(
        {
            "version": 1,
            "name": "vim-rule",
            "rules": [
                {
                    "name": "clock-down",
                    "match": {"operation": "vim.ServiceInstance.CurrentTime", "protocol": "vim25"},
                    "when": {"nth": 2},
                    "then": {"error": {"type": "SERVICE_UNAVAILABLE", "message": "maintenance"}},
                }
            ],
        }
    )
    si.CurrentTime()
    with pytest.raises(vmodl.fault.SystemError) as raised:
        si.CurrentTime()
    assert raised.value.reason == "maintenance"
    assert vc.calls[-1].rule == "clock-down"
    si.CurrentTime()


def test_free_space_follows_library_content(served, si):
    vc, _ = served
    library = vc.create_library("templates")
    vc.create_item(library, "disk", type="file", files=[{"name": "a.bin", "size": 1000}])
    (ds,) = container_view(si, [vim.Datastore]).view
    assert ds.summary.freeSpace == 800 * 1024**3 - 1000


def test_concurrent_pyvmomi_clients(served):
    import threading

    vc, port = served
    failures: list[BaseException] = []

    def client() -> None:
        try:
            for _ in range(3):
                si = SmartConnect(
                    host="127.0.0.1",
                    port=port,
                    user=USER,
                    pwd=PASSWORD,
                    disableSslCertValidation=True,
                )
                try:
                    view = container_view(si, [vim.Datastore])
                    assert [ds.name for ds in view.view] == ["datastore1"]
                    view.DestroyView()
                finally:
                    Disconnect(si)
                    si._stub.DropConnections()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    logins = [c for c in vc.calls if c.operation == "vim.SessionManager.Login"]
    assert len(logins) == 18 and all(c.ok for c in logins)
    assert vc._backend.vim_sessions() == 0  # every session logged out
    assert {c.outcome for c in vc.calls} == {"success"}


def test_unfinished_retrievals_are_bounded_per_session(served, si):
    vc, _ = served
    vc.add_datastore("second")
    pc = si.content.propertyCollector
    spec = datastore_lookup(si.content.rootFolder, datacenters=False)
    tokens = [
        pc.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=1)).token for _ in range(65)
    ]
    with pytest.raises(vmodl.fault.InvalidArgument):
        pc.ContinueRetrievePropertiesEx(tokens[0])  # dropped for the 65th
    assert len(pc.ContinueRetrievePropertiesEx(tokens[-1]).objects) == 1

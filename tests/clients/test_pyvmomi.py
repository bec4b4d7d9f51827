"""pyVmomi against the served fake's vim25 SOAP endpoint (``/sdk``), as the SDK samples and
the Ansible collections use it: SmartConnect, container views, Fetch, a TraversalSpec
lookup, CurrentTime, Disconnect.

What pyVmomi sees is compared with what the fake's vAPI (``vcenter.*``) says about the same
inventory. CI runs this module with the current pyVmomi and again with 7.0.3, which reads
properties with RetrievePropertiesEx where 8.0 and later use Fetch.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata

import pytest
from conftest import USER

from clients.conftest import connect, find_client
from clients.pyvmomi_flow import datastore_lookup, found, paged

find_client("pyVmomi")
from pyVim.connect import Disconnect  # noqa: E402
from pyVmomi import vim, vmodl  # noqa: E402

PYVMOMI = tuple(int(n) for n in importlib.metadata.version("pyvmomi").split(".")[:2])
PC = vmodl.query.PropertyCollector


@pytest.fixture
def si(served_vcenter):
    instance = connect(served_vcenter)
    yield instance
    Disconnect(instance)
    close(instance)


def close(instance) -> None:
    """Close pyVmomi's pooled connections (Disconnect logs out but leaves its socket open)."""
    instance._stub.DropConnections()


def ops(vc) -> list[str]:
    return [c.operation for c in vc.calls]


def test_smartconnect_logs_in(fake_vcenter, si):
    content = si.content
    assert content.about.apiType == "VirtualCenter"
    assert content.about.productLineId == "vpx"
    assert isinstance(content.rootFolder, vim.Folder)
    assert content.sessionManager.currentSession.userName == USER
    assert "vim.SessionManager.Login" in ops(fake_vcenter)


# SmartConnect keeps the refused login's socket in a stub the caller never gets to close
@pytest.mark.filterwarnings("ignore:unclosed <ssl.SSLSocket:ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_smartconnect_with_a_wrong_password_is_invalid_login(fake_vcenter, served_vcenter):
    with pytest.raises(vim.fault.InvalidLogin):
        connect(served_vcenter, pwd="wrong")


def test_container_view_over_datastores(si, vapi):
    content = si.content
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Datastore], True)
    try:
        seen = {ds._moId: (ds.name, ds.summary.capacity, ds.summary.freeSpace) for ds in view.view}
    finally:
        view.DestroyView()
    expected = vapi.get("/api/vcenter/datastore")
    assert len(expected) == 1  # the default inventory: govc's default-datastore lookup needs one
    assert seen == {d["datastore"]: (d["name"], d["capacity"], d["free_space"]) for d in expected}
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        view.DestroyView()  # the SDK samples catch exactly this at exit


def test_container_view_over_clusters(si, vapi):
    content = si.content
    view = content.viewManager.CreateContainerView(
        content.rootFolder, [vim.ClusterComputeResource], True
    )
    try:
        seen = {c._moId: (c.name, c.resourcePool._moId) for c in view.view}
    finally:
        view.DestroyView()
    clusters = vapi.get("/api/vcenter/cluster")
    assert {c["cluster"]: c["name"] for c in clusters} == {k: v[0] for k, v in seen.items()}
    for cluster_id, (_, pool) in seen.items():
        pools = vapi.get("/api/vcenter/resource-pool", clusters=cluster_id)
        assert pool in [p["resource_pool"] for p in pools]


def test_fetch_walks_the_inventory(fake_vcenter, si, vapi):
    content = si.content
    (dc,) = content.rootFolder.childEntity
    assert [(dc._moId, dc.name)] == [
        (d["datacenter"], d["name"]) for d in vapi.get("/api/vcenter/datacenter")
    ]
    assert dc.parent == content.rootFolder
    folders = {
        "VIRTUAL_MACHINE": dc.vmFolder,
        "HOST": dc.hostFolder,
        "DATASTORE": dc.datastoreFolder,
        "NETWORK": dc.networkFolder,
    }
    for kind, folder in folders.items():
        assert isinstance(folder, vim.Folder)
        listed = vapi.get("/api/vcenter/folder", type=kind, datacenters=dc._moId)
        assert folder._moId in [f["folder"] for f in listed], kind
    datastores = vapi.get("/api/vcenter/datastore")
    assert sorted(ds._moId for ds in dc.datastore) == sorted(d["datastore"] for d in datastores)
    summary = dc.datastore[0].summary
    assert isinstance(summary, vim.Datastore.Summary)
    assert (summary.name, summary.capacity, summary.freeSpace) == (
        datastores[0]["name"],
        datastores[0]["capacity"],
        datastores[0]["free_space"],
    )
    clusters = [e for e in dc.hostFolder.childEntity if isinstance(e, vim.ClusterComputeResource)]
    assert sorted(c._moId for c in clusters) == sorted(
        c["cluster"] for c in vapi.get("/api/vcenter/cluster")
    )
    # pyVmomi 8 and later read every attribute with Fetch; 7.0.3 with RetrievePropertiesEx
    reader = ".Fetch" if PYVMOMI >= (8, 0) else ".RetrievePropertiesEx"
    assert any(op.endswith(reader) for op in ops(fake_vcenter))
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        _ = vim.Datastore("datastore-999", si._stub).name


def test_traversal_spec_lookup_pages_with_retrieve_properties_ex(si, vapi):
    content = si.content
    spec = datastore_lookup(content.rootFolder)
    objects, pages = paged(content.propertyCollector, spec, 1)
    assert found(objects) == vapi.lookup()
    assert pages == [1] * len(objects)  # one object per page, the last without a token

    collector = content.propertyCollector
    first = collector.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=1))
    collector.CancelRetrievePropertiesEx(first.token)
    with pytest.raises(vmodl.fault.InvalidArgument):
        collector.ContinueRetrievePropertiesEx(first.token)


@pytest.mark.fake_vcenter(clock="manual")
def test_current_time_is_the_fake_clock(fake_vcenter, si):
    start = fake_vcenter.clock.now()
    assert si.CurrentTime() == start
    fake_vcenter.clock.advance(90)
    assert si.CurrentTime() == start + _dt.timedelta(seconds=90)


def test_disconnect_logs_out(fake_vcenter, served_vcenter):
    si = connect(served_vcenter)
    si.CurrentTime()
    Disconnect(si)
    assert ops(fake_vcenter)[-1] == "vim.SessionManager.Logout"
    with pytest.raises(vim.fault.NotAuthenticated):
        si.CurrentTime()  # the cookie died with the session
    close(si)

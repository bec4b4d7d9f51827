"""What SDK samples and Ansible modules do with pyVmomi, as one script: run in-process by
``test_pyvmomi.py`` for its lookups, and as a program in another interpreter by
``test_pyvmomi7.py`` (pyVmomi 7.0.3 cannot share a process with the pyVmomi the fake serves
SOAP with).

    python pyvmomi_flow.py HOST PORT USER PASSWORD CA_FILE   # prints one JSON object

Only the standard library and pyVmomi: the interpreter running it has nothing else.
"""

from __future__ import annotations

import json
import ssl
import sys
from importlib.metadata import version
from typing import Any


def datastore_lookup(root: Any, datacenters: bool = True) -> Any:
    """The folder traversal from ``root`` to every datacenter and datastore (the Ansible and
    SDK pattern): datastores with name, capacity and free space, and (unless not
    ``datacenters``) datacenters with name."""
    from pyVmomi import vim, vmodl

    pc = vmodl.query.PropertyCollector
    folders = pc.TraversalSpec(
        name="folderTraversal",
        type=vim.Folder,
        path="childEntity",
        skip=False,
        selectSet=[pc.SelectionSpec(name="folderTraversal"), pc.SelectionSpec(name="dcToDs")],
    )
    dc_to_ds = pc.TraversalSpec(
        name="dcToDs",
        type=vim.Datacenter,
        path="datastoreFolder",
        skip=False,
        selectSet=[pc.SelectionSpec(name="folderTraversal")],
    )
    wanted = [
        pc.PropertySpec(
            type=vim.Datastore, pathSet=["name", "summary.capacity", "summary.freeSpace"]
        )
    ]
    if datacenters:
        wanted.append(pc.PropertySpec(type=vim.Datacenter, pathSet=["name"]))
    return pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=root, skip=True, selectSet=[folders, dc_to_ds])],
        propSet=wanted,
    )


def paged(collector: Any, spec: Any, page_size: int) -> tuple[list[Any], list[int]]:
    """RetrievePropertiesEx page by page: every object, and the size of each page."""
    from pyVmomi import vmodl

    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page_size)
    page = collector.RetrievePropertiesEx([spec], options)
    objects, sizes = list(page.objects), [len(page.objects)]
    while page.token:
        page = collector.ContinueRetrievePropertiesEx(page.token)
        objects += page.objects
        sizes.append(len(page.objects))
    return objects, sizes


def found(objects: list[Any]) -> list[list[Any]]:
    """``[type, id, {path: value}]`` of retrieved objects, sorted."""
    return sorted(
        [o.obj._wsdlName, o.obj._moId, {p.name: p.val for p in o.propSet}] for o in objects
    )


def flow(host: str, port: int, user: str, pwd: str, ca_file: str) -> dict[str, Any]:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim, vmodl

    si = SmartConnect(
        host=host,
        port=port,
        user=user,
        pwd=pwd,
        sslContext=ssl.create_default_context(cafile=ca_file),
    )
    content = si.RetrieveContent()
    out: dict[str, Any] = {"pyvmomi": version("pyvmomi"), "api_type": content.about.apiType}
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Datastore], True)
    out["datastores"] = sorted(
        [ds._moId, ds.name, ds.summary.capacity, ds.summary.freeSpace] for ds in view.view
    )
    view.DestroyView()
    kinds = [vim.ClusterComputeResource]
    view = content.viewManager.CreateContainerView(content.rootFolder, kinds, True)
    out["clusters"] = sorted([c._moId, c.name, c.resourcePool._moId] for c in view.view)
    view.DestroyView()
    objects, out["pages"] = paged(
        content.propertyCollector, datastore_lookup(content.rootFolder), 1
    )
    out["lookup"] = found(objects)
    out["now"] = si.CurrentTime().isoformat()
    try:
        _ = vim.Datastore("datastore-999", si._stub).name
    except vmodl.fault.ManagedObjectNotFound:
        out["unknown_datastore"] = "ManagedObjectNotFound"
    Disconnect(si)
    try:
        si.CurrentTime()
    except vim.fault.NotAuthenticated:
        out["after_disconnect"] = "NotAuthenticated"
    return out


if __name__ == "__main__":
    host, port, user, pwd, ca_file = sys.argv[1:6]
    print(json.dumps(flow(host, int(port), user, pwd, ca_file)))

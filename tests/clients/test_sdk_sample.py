"""The vSphere Automation SDK samples' content-library pattern, over the served fake: pyVmomi
finds the datastore, the official SDK (``vmware-vcenter``) creates the library, the item and
an update session, and the bytes go up with ``urllib.request`` to the upload endpoint.
"""

from __future__ import annotations

import hashlib
import ssl
import urllib.request
import uuid

import requests

from clients.conftest import connect, find_client

find_client("com.vmware.content_client")
find_client("pyVmomi")
from com.vmware.content.library.item.updatesession_client import File  # noqa: E402
from com.vmware.content.library.item_client import File as ItemFile  # noqa: E402
from com.vmware.content.library.item_client import UpdateSessionModel  # noqa: E402
from com.vmware.content.library_client import ItemModel, StorageBacking  # noqa: E402
from com.vmware.content_client import LibraryModel  # noqa: E402
from pyVim.connect import Disconnect  # noqa: E402
from pyVmomi import vim  # noqa: E402

from vcl_fake.sdk import vsphere_client  # noqa: E402

ISO = bytes(range(256)) * 257  # 65792 bytes: more than one read buffer


def sdk_session(served) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    session.verify = str(served.ca_file)
    return session


def upload(uri: str, data: bytes, served) -> int:
    """What the samples' helper does: a PUT with urllib, trusting the server's CA."""
    request = urllib.request.Request(uri, data=data, method="PUT")
    request.add_header("Content-Type", "application/octet-stream")
    request.add_header("Cache-Control", "no-cache")
    context = ssl.create_default_context(cafile=str(served.ca_file))
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:
        return answer.status


def upload_iso(sdk, item_id: str, served) -> str:
    """The samples' upload: session, file spec, urllib PUT, complete, delete."""
    updates = sdk.content.library.item.UpdateSession
    session_id = updates.create(
        create_spec=UpdateSessionModel(library_item_id=item_id), client_token=str(uuid.uuid4())
    )
    spec = File.AddSpec(
        name="tiny.iso",
        source_type=File.SourceType.PUSH,
        size=len(ISO),
        checksum_info=ItemFile.ChecksumInfo(
            algorithm=ItemFile.ChecksumAlgorithm.SHA256, checksum=hashlib.sha256(ISO).hexdigest()
        ),
    )
    info = sdk.content.library.item.updatesession.File.add(session_id, spec)
    assert info.upload_endpoint.uri.startswith(
        served.url + "/"
    )  # the served socket, not the fake's name
    assert upload(info.upload_endpoint.uri, ISO, served) == 200
    updates.complete(session_id)
    assert updates.get(session_id).state == "DONE"
    updates.delete(session_id)
    return session_id


def test_sdk_and_urllib_upload_over_the_socket(fake_vcenter, served_vcenter):
    library = fake_vcenter.create_library("isos")
    with vsphere_client(
        fake_vcenter,
        server=f"{served_vcenter.host}:{served_vcenter.port}",
        session=sdk_session(served_vcenter),
    ) as sdk:
        item_id = sdk.content.library.Item.create(
            create_spec=ItemModel(name="tiny", library_id=library, type="iso"),
            client_token=str(uuid.uuid4()),
        )
        upload_iso(sdk, item_id, served_vcenter)
        assert sdk.content.library.item.UpdateSession.list() == []
    item = fake_vcenter.get_item(item_id)
    assert (item["name"], item["type"], item["content_version"]) == ("tiny", "iso", "2")
    assert [(f["name"], f["size"]) for f in item["files"]] == [("tiny.iso", len(ISO))]
    assert fake_vcenter.read_item_file(item_id, "tiny.iso") == ISO
    upload_ops = [c.operation for c in fake_vcenter.calls if c.protocol != "jsonrpc"]
    assert upload_ops == ["upload"]  # the data plane, through the same journal


def test_the_sample_pattern(fake_vcenter, served_vcenter):
    si = connect(served_vcenter)
    try:
        content = si.content
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Datastore], True)
        try:
            (datastore,) = view.view
            datastore_id, name = datastore._moId, datastore.name
        finally:
            view.DestroyView()
    finally:
        Disconnect(si)
    assert name

    with vsphere_client(
        fake_vcenter,
        server=f"{served_vcenter.host}:{served_vcenter.port}",
        session=sdk_session(served_vcenter),
    ) as sdk:
        library_id = sdk.content.LocalLibrary.create(
            create_spec=LibraryModel(
                name="sample-library",
                description="created by the SDK sample pattern",
                type=LibraryModel.LibraryType.LOCAL,
                storage_backings=[
                    StorageBacking(type=StorageBacking.Type.DATASTORE, datastore_id=datastore_id)
                ],
            ),
            client_token=str(uuid.uuid4()),
        )
        item_id = sdk.content.library.Item.create(
            create_spec=ItemModel(name="tiny", library_id=library_id, type="iso"),
            client_token=str(uuid.uuid4()),
        )
        upload_iso(sdk, item_id, served_vcenter)

    library = fake_vcenter.get_library(library_id)
    assert [i["id"] for i in fake_vcenter.items() if i["library_id"] == library_id] == [item_id]
    assert [(b["type"], b["datastore_id"]) for b in library["storage_backings"]] == [
        ("DATASTORE", datastore_id)
    ]
    assert fake_vcenter.read_item_file(item_id, "tiny.iso") == ISO

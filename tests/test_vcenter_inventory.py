"""The vCenter inventory: datastores that library backings must name, and free space that
committed content takes (a file that does not fit fails its session)."""

from __future__ import annotations

import pytest
import requests
from conftest import SESSIONS, assert_error

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.control import Control
from vcl_fake.protocols.http import Headers, Request

CLS = "com.vmware.vdcs.cls-main."
URI = "https://depot.example.org/big.iso"


def test_default_inventory(vc):
    inventory = vc._backend._vcenter
    kinds = sorted(e.ref.type for e in inventory.entities.values())
    assert kinds == sorted(
        ["Folder"] * 5
        + ["Datacenter", "ClusterComputeResource", "ResourcePool", "HostSystem", "Datastore"]
    )
    assert inventory.root.ref.value == "group-d1"
    assert vc.datastores() == {"datastore-11": "datastore1"}
    assert vc.free_space("datastore-11") == 800 * 1024**3


def test_add_datastore_checks_its_input(vc):
    assert vc.add_datastore("nfs", capacity=100, free_space=40, type="NFS") == "datastore-12"
    for bad in (
        {"name": ""},
        {"name": "a/b"},
        {"name": "nfs"},
        {"name": "x", "capacity": -1},
        {"name": "x", "capacity": 10, "free_space": 11},
        {"name": "x", "type": "TAPE"},
    ):
        with pytest.raises(ValueError):
            vc.add_datastore(**bad)
    assert len(vc.datastores()) == 2


def test_backings_must_name_an_existing_datastore(api, vc):
    body = {"name": "isos", "storage_backings": [{"type": "DATASTORE", "datastore_id": "ds-9"}]}
    response = api.post("/api/content/local-library", json=body)
    error = assert_error(
        response, 400, "INVALID_ARGUMENT", CLS + "storage_backing_datastore_not_found"
    )
    assert error["messages"][0]["default_message"] == (
        "The storage backing names datastore ds-9, which does not exist."
    )
    assert vc.libraries() == {}
    other = vc.add_datastore("nfs")
    body["storage_backings"][0]["datastore_id"] = other
    assert api.post("/api/content/local-library", json=body).status_code == 201


def test_a_library_without_backings_uses_the_default_datastore(vc):
    library = vc.create_library("plain")
    backing = vc.get_library(library)["storage_backings"][0]
    assert (backing["type"], backing["datastore_id"]) == ("DATASTORE", "datastore-11")


def upload(api, item_id, data: bytes, name="disk.iso"):
    session_id = api.create_session(item_id)
    info = api.post(
        f"{SESSIONS}/{session_id}/file",
        json={"name": name, "source_type": "PUSH", "size": len(data)},
    ).json()
    requests.put(info["upload_endpoint"]["uri"], data=data)
    return session_id


def test_content_takes_free_space_and_a_file_that_does_not_fit_fails(api, vc):
    small = vc.add_datastore("small", capacity=1000, free_space=300)
    library = vc.create_library(
        "tight", storage_backings=[{"type": "DATASTORE", "datastore_id": small}]
    )
    item = vc.create_item(library, "iso", type="iso")
    first = upload(api, item, b"a" * 200)
    assert api.action(first, "complete").status_code == 204
    assert vc.free_space(small) == 100
    second = upload(api, item, b"b" * 150, name="more.iso")
    session = api.session(second)
    assert session["state"] == "ERROR"
    text = (
        "Failed to transfer more.iso: insufficient disk space on datastore 'small' "
        "(150 bytes needed, 100 bytes free)."
    )
    assert session["error_message"]["default_message"] == text
    assert session["error_message"]["id"] == CLS + "datastore_insufficient_space"
    info = api.get(f"{SESSIONS}/{second}/file/more.iso").json()
    assert (info["status"], info["error_message"]["default_message"]) == ("ERROR", text)
    assert vc.free_space(small) == 100  # nothing committed


def test_a_pull_that_does_not_fit_fails(api, vc):
    small = vc.add_datastore("small", capacity=1000, free_space=500)
    library = vc.create_library(
        "tight", storage_backings=[{"type": "DATASTORE", "datastore_id": small}]
    )
    item = vc.create_item(library, "iso", type="iso")
    vc.add_source(URI, size=600)
    session_id = api.create_session(item)
    api.post(
        f"{SESSIONS}/{session_id}/file",
        json={"name": "big.iso", "source_type": "PULL", "source_endpoint": {"uri": URI}},
    )
    session = api.session(session_id)
    assert session["state"] == "ERROR"
    assert (
        "insufficient disk space on datastore 'small'"
        in (session["error_message"]["default_message"])
    )


SCENARIO = """
version: 1
name: datastore-full
setup:
  datastores:
    - {name: tiny, capacity: 1 MB, free_space: 10 KB, type: NFS}
  libraries:
    - name: isos
      datastore: tiny
      items: [{name: iso, type: iso}]
"""


def test_scenario_setup_adds_datastores_that_libraries_name():
    with FakeVCenter(clock=ManualClock(), scenario=SCENARIO) as vc:
        (tiny,) = [i for i, name in vc.datastores().items() if name == "tiny"]
        tiny_ds = vc._backend._vcenter.datastores[tiny]
        assert (tiny_ds.capacity, vc.free_space(tiny), tiny_ds.type) == (1_000_000, 10_000, "NFS")
        (library,) = vc.libraries()
        assert vc.get_library(library)["storage_backings"][0]["datastore_id"] == tiny


def test_scenario_naming_an_unknown_datastore_changes_nothing():
    vc = FakeVCenter(clock=ManualClock())
    bad = SCENARIO.replace("datastore: tiny", "datastore: huge")
    with pytest.raises(ValueError, match="no datastore is named huge"):
        vc.load_scenario(bad)
    assert len(vc.datastores()) == 1
    assert vc.libraries() == {}


def test_control_api_adds_datastores():
    vc = FakeVCenter(clock=ManualClock())
    control = Control(vc)
    request = Request(
        "POST",
        "https://x/_vcl_fake/datastores",
        Headers({}),
        b'{"name": "nfs-02", "capacity": 2000, "free_space": 100}',
    )
    response = control(request, "127.0.0.1")
    assert response.status == 200
    assert response.body == b'{"id":"datastore-12"}'
    again = control(request, "127.0.0.1")
    assert again.status == 400  # the name is taken


def test_serve_adds_datastores_from_the_command_line():
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "vcl_fake.cli", "serve", "--port", "0", "--no-tls"]
    proc = subprocess.Popen(
        [*command, "--datastore", "nfs-02:2GiB:1GiB"], stdout=subprocess.PIPE, text=True
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith("control API"):
            line = proc.stdout.readline()
            assert line, f"vcl-fake serve ended early: {lines}"
            lines.append(line.strip())
        assert "datastore datastore1: datastore-11" in lines
        assert "datastore nfs-02: datastore-12" in lines
        assert any(line.startswith("vim25 SOAP (govc, pyVmomi): http://") for line in lines)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.stdout.close()
    refused = subprocess.run(
        [*command, "--datastore", "x:lots"], capture_output=True, text=True, timeout=30
    )
    assert refused.returncode == 2
    assert "--datastore: 'lots' is not a size (e.g. 500GiB)" in refused.stderr

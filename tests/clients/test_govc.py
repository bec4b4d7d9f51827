"""govc 0.24.2 against the served fake: every content-library step a govc user takes.

Each test runs the real binary (``$GOVC``, else ``govc`` on PATH) with a timeout, then checks
govc's output and the fake's state through its public API.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PASSWORD, SESSIONS, USER, Api

from clients.conftest import find_client
from vcl_fake import VapiError
from vcl_fake.packages import ova, ovf_package

GOVC = find_client("govc")
TIMEOUT = 30  # seconds per govc command; a hang fails the test instead of the suite


DISK = bytes(range(256)) * 64  # 16 KiB, not all one byte


@dataclass
class Govc:
    """govc with the served fake's URL, credentials and CA in a private environment."""

    env: dict[str, str]

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [GOVC, *args], env=self.env, capture_output=True, text=True, timeout=TIMEOUT
        )
        if ok:
            assert done.returncode == 0, f"govc {' '.join(args)}: {done.stderr}"
        return done

    def fields(self, *args: str) -> dict[str, str]:
        """``Key: value`` lines of govc's text output (the first of each key)."""
        found: dict[str, str] = {}
        for line in self(*args).stdout.splitlines():
            key, sep, value = line.strip().partition(":")
            if sep:
                found.setdefault(key, value.strip())
        return found


@pytest.fixture
def govc(served_vcenter, tmp_path) -> Govc:
    home = tmp_path / "home"
    home.mkdir()
    return Govc(
        {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),  # govc's session cache stays in the test
            "GOVC_URL": served_vcenter.url,
            "GOVC_USERNAME": USER,
            "GOVC_PASSWORD": PASSWORD,
            "GOVC_TLS_CA_CERTS": str(served_vcenter.ca_file),
            "GOVC_PERSIST_SESSION": "false",  # each command logs in and out on its own
        }
    )


@pytest.fixture
def library(fake_vcenter) -> str:
    return fake_vcenter.create_library("templates")


def ops(vc, since: int = 0) -> list[str]:
    return [c.operation for c in vc.calls[since:]]


def items_of(vc, library_id: str) -> list[dict]:
    return [item for item in vc.items() if item["library_id"] == library_id]


def only_item(vc, library_id: str) -> dict:
    (item,) = items_of(vc, library_id)
    return item


def files_of(item: dict) -> dict[str, int]:
    return {f["name"]: f["size"] for f in item["files"]}


# --- about and library.create -------------------------------------------------------------------
def test_about_shows_a_vcenter(fake_vcenter, govc):
    about = json.loads(govc("about", "-json").stdout)["About"]
    assert about["ApiType"] == "VirtualCenter"
    assert about["ProductLineId"] == "vpx"
    major, minor = (int(n) for n in about["ApiVersion"].split(".")[:2])
    assert (major, minor) >= (5, 5)  # govc refuses anything older
    text = govc("about").stdout
    for label, field in [
        ("Name", "Name"),
        ("Vendor", "Vendor"),
        ("Version", "Version"),
        ("Build", "Build"),
        ("API type", "ApiType"),
        ("API version", "ApiVersion"),
        ("UUID", "InstanceUuid"),
    ]:
        assert f"{label}:".ljust(14) + about[field] in text.splitlines()
    assert ops(fake_vcenter)[:3] == [
        "vim.ServiceInstance.RetrieveServiceContent",
        "vim.SessionManager.Login",
        "vim.SessionManager.Logout",
    ]


def test_about_with_a_wrong_password_is_a_login_failure(fake_vcenter, govc):
    govc.env["GOVC_PASSWORD"] = "wrong"
    done = govc("about", ok=False)
    assert done.returncode == 1
    assert done.stderr.startswith(f"{GOVC}: ServerFaultCode: ")
    assert done.stdout == ""


def test_library_create_uses_the_only_datastore(fake_vcenter, govc, vapi):
    (datastore,) = vapi.get("/api/vcenter/datastore")
    library_id = govc("library.create", "templates").stdout.strip()
    library = fake_vcenter.get_library(library_id)
    assert (library["name"], library["type"]) == ("templates", "LOCAL")
    assert items_of(fake_vcenter, library_id) == []
    assert [(b["type"], b["datastore_id"]) for b in library["storage_backings"]] == [
        ("DATASTORE", datastore["datastore"])
    ]


def test_library_create_on_a_named_datastore(fake_vcenter, govc, vapi):
    (datastore,) = vapi.get("/api/vcenter/datastore")
    done = govc("library.create", "-ds", datastore["name"], "-d", "ISO images", "isos")
    library = fake_vcenter.get_library(done.stdout.strip())
    assert (library["name"], library["description"]) == ("isos", "ISO images")
    assert [(b["type"], b["datastore_id"]) for b in library["storage_backings"]] == [
        ("DATASTORE", datastore["datastore"])
    ]

    before = len(fake_vcenter.calls)
    missing = govc("library.create", "-ds", "no-such-datastore", "other", ok=False)
    assert missing.returncode == 1
    assert missing.stderr == f"{GOVC}: datastore 'no-such-datastore' not found\n"
    assert "local_library.create" not in ops(fake_vcenter, before)


# --- library.import -------------------------------------------------------------------------
def test_import_an_ova(fake_vcenter, govc, library, tmp_path):
    package = ovf_package("photon", {"photon-disk1.vmdk": DISK})
    (tmp_path / "photon.ova").write_bytes(ova(package))
    govc("library.import", "templates", str(tmp_path / "photon.ova"))
    item = only_item(fake_vcenter, library)
    assert (item["name"], item["type"]) == ("photon", "ovf")
    # govc reads the manifest for checksums and uploads the descriptor and its references
    assert files_of(item) == {"photon.ovf": len(package["photon.ovf"]), "photon-disk1.vmdk": 16384}
    for name in files_of(item):
        assert fake_vcenter.read_item_file(item["id"], name) == package[name]
    assert "update_session.complete" in ops(fake_vcenter)


def test_import_an_ovf_directory(fake_vcenter, govc, library, tmp_path):
    package = ovf_package("photon", {"photon-disk1.vmdk": DISK, "photon-disk2.vmdk": DISK[:512]})
    folder = tmp_path / "photon"
    folder.mkdir()
    for name, data in package.items():
        (folder / name).write_bytes(data)
    govc("library.import", "-n", "photon-5", "templates", str(folder / "photon.ovf"))
    item = only_item(fake_vcenter, library)
    assert (item["name"], item["type"]) == ("photon-5", "ovf")
    assert files_of(item) == {
        "photon.ovf": len(package["photon.ovf"]),
        "photon-disk1.vmdk": 16384,
        "photon-disk2.vmdk": 512,
    }
    assert fake_vcenter.read_item_file(item["id"], "photon-disk2.vmdk") == DISK[:512]


def test_import_an_iso(fake_vcenter, govc, library, tmp_path):
    (tmp_path / "tiny.iso").write_bytes(DISK)
    govc("library.import", "templates", str(tmp_path / "tiny.iso"))
    item = only_item(fake_vcenter, library)
    assert (item["name"], item["type"], files_of(item)) == ("tiny", "iso", {"tiny.iso": 16384})
    assert fake_vcenter.read_item_file(item["id"], "tiny.iso") == DISK


def test_import_a_large_iso(fake_vcenter, govc, library, tmp_path):
    """Past the first MiB the body is read straight into the spool's aligned buffers."""
    data = os.urandom(5 * 1024 * 1024 + 4097)
    (tmp_path / "big.iso").write_bytes(data)
    govc("library.import", "templates", str(tmp_path / "big.iso"))
    item = only_item(fake_vcenter, library)
    assert files_of(item) == {"big.iso": len(data)}
    assert fake_vcenter.read_item_file(item["id"], "big.iso") == data


def test_import_a_plain_file(fake_vcenter, govc, library, tmp_path):
    (tmp_path / "notes.txt").write_bytes(b"release notes\n")
    govc("library.import", "templates", str(tmp_path / "notes.txt"))
    item = only_item(fake_vcenter, library)
    # govc creates the item with an empty type for a file that is neither an OVF nor an ISO
    assert (item["name"], item["type"], files_of(item)) == ("notes", "", {"notes.txt": 14})
    assert fake_vcenter.read_item_file(item["id"], "notes.txt") == b"release notes\n"


@pytest.fixture
def http_source(tmp_path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over a folder: govc HEADs a -pull source itself for its size."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
        server.shutdown()
        thread.join(timeout=10)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_import_pull_from_a_url(fake_vcenter, govc, library, http_source):
    base, folder = http_source
    (folder / "tiny.iso").write_bytes(DISK)
    fake_vcenter.add_source(f"{base}/tiny.iso", DISK)  # what the fake's transfer fetches
    govc("library.import", "-pull", "templates", f"{base}/tiny.iso")
    item = only_item(fake_vcenter, library)
    assert (item["name"], item["type"], files_of(item)) == ("tiny", "iso", {"tiny.iso": 16384})
    assert fake_vcenter.read_item_file(item["id"], "tiny.iso") == DISK
    added = next(c for c in fake_vcenter.calls if c.operation == "file.add")
    assert added.input["file_spec"]["source_type"] == "PULL"
    assert added.input["file_spec"]["size"] == 16384  # from govc's own HEAD


@pytest.mark.fake_vcenter(fetch=True)
def test_import_pull_of_an_ovf_descriptor_fetches_its_disks(
    fake_vcenter, govc, library, http_source
):
    """govc adds only the descriptor as a PULL file; the fake, like vCenter, fetches the files
    the descriptor references from the web server itself (nothing registered beforehand)."""
    base, folder = http_source
    package = ovf_package("photon", {"photon-disk1.vmdk": DISK, "photon-disk2.vmdk": DISK[:512]})
    for name, data in package.items():
        (folder / name).write_bytes(data)
    govc("library.import", "-pull", "-n", "photon-5", "templates", f"{base}/photon.ovf")
    item = only_item(fake_vcenter, library)
    assert (item["name"], item["type"]) == ("photon-5", "ovf")
    assert files_of(item) == {
        "photon.ovf": len(package["photon.ovf"]),
        "photon-disk1.vmdk": 16384,
        "photon-disk2.vmdk": 512,
    }
    for name in ("photon.ovf", "photon-disk1.vmdk", "photon-disk2.vmdk"):
        assert fake_vcenter.read_item_file(item["id"], name) == package[name], name
    added = [c.input["file_spec"] for c in fake_vcenter.calls if c.operation == "file.add"]
    assert [(spec["name"], spec["source_type"]) for spec in added] == [("photon.ovf", "PULL")]


# --- library.ls and library.info --------------------------------------------------------------
def test_ls_lists_the_libraries(fake_vcenter, govc, library):
    fake_vcenter.create_library("isos")
    assert govc("library.ls").stdout.splitlines() == ["/templates", "/isos"]
    listed = json.loads(govc("library.ls", "-json").stdout)
    assert [(lib["id"], lib["name"], lib["type"]) for lib in listed] == [
        (library, "templates", "LOCAL"),
        (fake_vcenter.get_library(listed[1]["id"])["id"], "isos", "LOCAL"),
    ]


def test_ls_and_info_with_wildcards(fake_vcenter, govc, library):
    item = fake_vcenter.create_item(library, "photon-5", files=[{"name": "photon.ovf", "size": 10}])
    fake_vcenter.create_item(library, "tiny", type="iso")
    assert govc("library.ls", "/*/*").stdout.splitlines() == [
        "/templates/photon-5",
        "/templates/tiny",
    ]
    assert govc("library.ls", "/templ*/ph*").stdout.splitlines() == ["/templates/photon-5"]
    (info,) = json.loads(govc("library.info", "-json", "/*/photon-*").stdout)
    expected = fake_vcenter.get_item(item)
    for field in ("id", "library_id", "name", "type", "size", "content_version", "cached"):
        assert info[field] == expected[field], field
    text = govc("library.info", "/*/photon-*").stdout.splitlines()
    assert text[:5] == [
        "Name:           photon-5",
        f"  ID:           {item}",
        "  Path:         /templates/photon-5",
        "  Description:  ",
        "  Type:         ovf",
    ]
    assert "  Size:         10B" in text
    assert govc("library.info", "/templ*").stdout.splitlines()[:3] == [
        "Name:               templates",
        f"  ID:               {library}",
        "  Path:             /templates",
    ]


def test_ls_by_path(fake_vcenter, govc, library):
    item = fake_vcenter.create_item(
        library,
        "photon-5",
        files=[{"name": "photon.ovf", "size": 10}, {"name": "photon-disk1.vmdk", "size": 20}],
    )
    fake_vcenter.create_item(library, "ubuntu-24.04", type="iso")
    assert govc("library.ls", "/templates").stdout.splitlines() == ["/templates"]
    assert govc("library.ls", "/templates/*").stdout.splitlines() == [
        "/templates/photon-5",
        "/templates/ubuntu-24.04",
    ]
    assert govc("library.ls", "/templates/photon-5").stdout.splitlines() == ["/templates/photon-5"]
    files = govc("library.ls", "/TEMPLATES/Photon-5/*").stdout.splitlines()  # names: any case
    assert files == ["/templates/photon-5/photon.ovf", "/templates/photon-5/photon-disk1.vmdk"]
    finds = [c for c in fake_vcenter.calls if c.operation in ("library.find", "item.find")]
    assert [(c.operation, c.input) for c in finds[-2:]] == [
        ("library.find", {"spec": {"name": "TEMPLATES", "type": None, "storage_backing": None}}),
        (
            "item.find",
            {
                "spec": {
                    "name": "Photon-5",
                    "library_id": library,
                    "source_id": None,
                    "type": None,
                    "cached": None,
                }
            },
        ),
    ]
    (listed,) = json.loads(govc("library.ls", "-json", "/templates/photon-5").stdout)
    assert (listed["id"], listed["library_id"]) == (item, library)


def test_info_of_a_library_by_path(fake_vcenter, govc, library, vapi):
    (datastore,) = vapi.get("/api/vcenter/datastore")
    text = govc("library.info", "/templates").stdout.splitlines()
    assert text[:3] == [
        "Name:               templates",
        f"  ID:               {library}",
        "  Path:             /templates",
    ]
    # the backing's datastore, shown by the name govc reads over SOAP
    backing = fake_vcenter.get_library(library)["storage_backings"][0]
    assert backing["datastore_id"] == datastore["datastore"]
    assert f"    DatastoreID:    {datastore['name']}" in text


def test_info_of_an_item_by_path(fake_vcenter, govc, library):
    item = fake_vcenter.create_item(
        library,
        "photon-5",
        files=[{"name": "photon.ovf", "size": 2048}, {"name": "photon-disk1.vmdk", "size": 4096}],
        description="Photon OS 5",
    )
    info = govc.fields("library.info", "/templates/photon-5")
    assert {
        k: info[k] for k in ("Name", "ID", "Path", "Description", "Type", "Size", "Version")
    } == {
        "Name": "photon-5",
        "ID": item,
        "Path": "/templates/photon-5",
        "Description": "Photon OS 5",
        "Type": "ovf",
        "Size": "6.0KB",
        "Version": "1",
    }
    (listed,) = json.loads(govc("library.info", "-json", "/templates/photon-5").stdout)
    assert (listed["id"], listed["library_id"], listed["size"], listed["cached"]) == (
        item,
        library,
        6144,
        True,
    )
    text = govc("library.info", "/templates/photon-5/photon.ovf").stdout.splitlines()
    assert text[:2] == ["Name:       photon.ovf", "  Path:     /templates/photon-5/photon.ovf"]
    assert "item.find" in ops(fake_vcenter)


def test_info_shows_what_an_update_changed(fake_vcenter, govc, library):
    """LocalLibrary.update over /api; govc then reads the library, its publication included."""
    spec = {
        "description": "published",
        "publish_info": {"published": True, "authentication_method": "NONE"},
    }
    response = Api(fake_vcenter).patch(f"/api/content/local-library/{library}", json=spec)
    assert response.status_code == 204, response.text
    info = govc.fields("library.info", "templates")
    # (govc also asks vim25 for the datastore's name; that line is not asserted here)
    assert {k: info[k] for k in ("Name", "ID", "Path", "Description", "Version", "Type")} == {
        "Name": "templates",
        "ID": library,
        "Path": "/templates",
        "Description": "published",
        "Version": "2",
        "Type": "DATASTORE",
    }
    assert info["Auth"] == "NONE"
    url = f"{govc.env['GOVC_URL']}/cls/vcsp/lib/{library}/lib.json"
    assert govc("library.info", "-U", "templates").stdout.splitlines() == [url]


def test_a_persisted_session_is_reused(fake_vcenter, govc, library):
    govc.env["GOVC_PERSIST_SESSION"] = "true"
    assert govc("library.ls").stdout == "/templates\n"
    assert govc("library.ls").stdout == "/templates\n"
    # the second command checks the saved REST session instead of logging in again
    assert ops(fake_vcenter) == [
        "session.login",
        "library.list",
        "library.get",
        "session.get",
        "library.list",
        "library.get",
    ]


def test_two_datastores_need_ds_as_on_vcenter(fake_vcenter, govc):
    fake_vcenter.add_datastore("nfs-02")
    refused = govc("library.create", "isos", ok=False)
    assert refused.returncode == 1
    assert "default datastore resolves to multiple instances" in refused.stderr
    created = govc("library.create", "-ds", "/Datacenter/datastore/nfs-02", "isos").stdout
    backing = fake_vcenter.get_library(created.strip())["storage_backings"][0]
    assert backing["datastore_id"] == "datastore-12"


def test_an_expired_soap_session_is_renewed(fake_vcenter, govc):
    govc.env["GOVC_PERSIST_SESSION"] = "true"
    govc("about")
    govc("about")  # reuses the saved cookie: reads SessionManager.currentSession
    assert ops(fake_vcenter) == [
        "vim.ServiceInstance.RetrieveServiceContent",
        "vim.SessionManager.Login",
        "vim.PropertyCollector.RetrieveProperties",
    ]
    fake_vcenter.clock.advance(1801)  # idle longer than the login timeout
    govc("about")  # currentSession comes back missing: govc logs in again
    assert [(c.operation, c.outcome) for c in fake_vcenter.calls][3:] == [
        ("vim.PropertyCollector.RetrieveProperties", "success"),
        ("vim.ServiceInstance.RetrieveServiceContent", "success"),
        ("vim.SessionManager.Login", "success"),
    ]


def test_find_walks_the_inventory(govc):
    assert govc("find", "/").stdout.split() == [
        "/",
        "/Datacenter",
        "/Datacenter/vm",
        "/Datacenter/host",
        "/Datacenter/host/Cluster",
        "/Datacenter/host/Cluster/Resources",
        "/Datacenter/host/Cluster/esxi-01.example.com",
        "/Datacenter/datastore",
        "/Datacenter/datastore/datastore1",
        "/Datacenter/network",
    ]
    info = govc.fields("datastore.info")
    assert (info["Name"], info["Type"], info["Capacity"]) == ("datastore1", "VMFS", "1024.0 GB")


# --- update sessions, library.rm -----------------------------------------------------------------
@pytest.fixture
def item(fake_vcenter, library) -> str:
    return fake_vcenter.create_item(library, "photon-5")


def test_session_ls(fake_vcenter, govc, item):
    session_id = Api(fake_vcenter).create_session(item)
    listed = json.loads(govc("library.session.ls", "-json").stdout)["Sessions"]
    # UpdateSession.get leaves the id out, as its model documents: govc has none to show
    assert [(s.get("id"), s["library_item_id"], s["state"]) for s in listed] == [
        (None, "/templates/photon-5", "ACTIVE")
    ]
    lines = govc("library.session.ls").stdout.splitlines()
    assert lines[0].split() == ["ID", "Item", "Type", "Version", "Progress", "State", "Expires"]
    assert lines[1].split()[:5] == ["/templates/photon-5", "Update", "1", "0", "ACTIVE"]
    assert len(lines) == 2
    assert "download_session.list" in ops(fake_vcenter)
    govc("library.session.rm", "-f", session_id)
    assert govc("library.session.ls").stdout == ""


def test_session_rm_cancels_and_deletes_an_active_session(fake_vcenter, govc, item):
    api = Api(fake_vcenter)
    session_id = api.create_session(item)
    before = len(fake_vcenter.calls)
    govc("library.session.rm", "-f", session_id)
    assert ops(fake_vcenter, before) == [
        "session.login",
        "update_session.get",
        "update_session.cancel",
        "update_session.delete",
        "session.logout",
    ]
    assert api.get(SESSIONS).json() == []
    assert fake_vcenter.get_item(item)["files"] == []  # nothing committed


def test_session_rm_deletes_a_finished_session(fake_vcenter, govc, item):
    api = Api(fake_vcenter)
    session_id = api.create_session(item)
    assert api.action(session_id, "complete").status_code == 204
    govc("library.session.rm", session_id)
    assert api.get(SESSIONS).json() == []
    assert fake_vcenter.get_item(item)["content_version"] == "2"  # the commit stays


def test_session_rm_of_an_unknown_session_fails(fake_vcenter, govc, item):
    done = govc("library.session.rm", "no-such-session", ok=False)
    assert done.returncode == 1
    # govc takes an id it cannot get as an update session for a download session
    assert done.stderr.startswith(f"{GOVC}: DELETE {fake_vcenter.server.url}/rest/")
    assert "404 Not Found" in done.stderr


def test_rm_an_item_then_the_library(fake_vcenter, govc, library, item):
    govc("library.rm", "/templates/photon-5")
    with pytest.raises(VapiError) as gone:
        fake_vcenter.get_item(item)
    assert gone.value.error_type == "NOT_FOUND"
    assert items_of(fake_vcenter, library) == []
    govc("library.rm", "/templates")
    with pytest.raises(VapiError) as gone:
        fake_vcenter.get_library(library)
    assert gone.value.error_type == "NOT_FOUND"
    assert govc("library.ls").stdout == ""
    missing = govc("library.rm", "nothing-here", ok=False)
    assert missing.returncode == 1
    assert "nothing-here" in missing.stderr

"""govc 0.24.2 against a served fake: the library commands that speak only the legacy /rest
vAPI (name lookups through Library.find and Item.find, info by path, sessions, removal).

govc is a Go binary (built from Debian's govmomi source package). Without it these tests
skip, naming the reason; with ``VCL_FAKE_REQUIRE_CLIENTS=1`` (set in CI) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from vcl_fake import FakeVCenter, ManualClock

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"


def govc_binary() -> str:
    """The govc to run: ``$VCL_FAKE_GOVC``, /tmp/gobin/govc (the build recipe's output), or
    ``govc`` on the PATH."""
    for candidate in (os.environ.get("VCL_FAKE_GOVC"), "/tmp/gobin/govc", shutil.which("govc")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    reason = "govc is not installed (set VCL_FAKE_GOVC or put govc 0.24.2 on the PATH)"
    if os.environ.get("VCL_FAKE_REQUIRE_CLIENTS") == "1":
        pytest.fail(f"VCL_FAKE_REQUIRE_CLIENTS=1 but {reason}")
    pytest.skip(reason)


class Govc:
    """Runs govc against one served fake; persisted sessions live in a private GOVMOMI_HOME."""

    def __init__(self, binary: str, url: str, home: Path) -> None:
        self.binary = binary
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "GOVMOMI_HOME": str(home),
            "GOVC_URL": url,
            "GOVC_USERNAME": USER,
            "GOVC_PASSWORD": PASSWORD,
            "GOVC_INSECURE": "1",
        }

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.binary, *args], env=self.env, capture_output=True, text=True, timeout=60
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
def vc():
    fake = FakeVCenter("govc.example.com", clock=ManualClock(), seed=12)
    fake.templates = fake.create_library("templates", description="golden images")
    fake.photon = fake.create_item(
        fake.templates,
        "photon-5",
        files=[{"name": "photon.ovf", "size": 2048}, {"name": "photon-disk1.vmdk", "size": 4096}],
        description="Photon OS 5",
    )
    fake.iso = fake.create_item(fake.templates, "ubuntu-24.04", type="iso")
    fake.isos = fake.create_library("isos")
    return fake


@pytest.fixture
def govc(vc, tmp_path):
    binary = govc_binary()
    with vc.serve() as url:
        yield Govc(binary, url, tmp_path)


def rest_calls(vc: FakeVCenter) -> list[str]:
    return [c.operation for c in vc.calls if c.protocol == "rest" and c.operation != "session.get"]


def test_library_ls_lists_libraries_items_and_files(vc, govc):
    assert govc("library.ls").stdout.splitlines() == ["/templates", "/isos"]
    assert govc("library.ls", "/templates/*").stdout.splitlines() == [
        "/templates/photon-5",
        "/templates/ubuntu-24.04",
    ]
    files = govc("library.ls", "/TEMPLATES/Photon-5/*").stdout.splitlines()  # names: any case
    assert files == ["/templates/photon-5/photon.ovf", "/templates/photon-5/photon-disk1.vmdk"]
    finds = [c for c in vc.calls if c.operation in ("library.find", "item.find")]
    assert [(c.operation, c.input) for c in finds[-2:]] == [
        ("library.find", {"spec": {"name": "TEMPLATES", "type": None, "storage_backing": None}}),
        (
            "item.find",
            {
                "spec": {
                    "name": "Photon-5",
                    "library_id": vc.templates,
                    "source_id": None,
                    "type": None,
                    "cached": None,
                }
            },
        ),
    ]


def test_library_info_of_an_item_by_path(vc, govc):
    info = govc.fields("library.info", "/templates/photon-5")
    assert {
        k: info[k] for k in ("Name", "ID", "Path", "Description", "Type", "Size", "Version")
    } == {
        "Name": "photon-5",
        "ID": vc.photon,
        "Path": "/templates/photon-5",
        "Description": "Photon OS 5",
        "Type": "ovf",
        "Size": "6.0KB",
        "Version": "1",
    }
    (item,) = json.loads(govc("library.info", "-json", "/templates/photon-5").stdout)
    assert (item["id"], item["library_id"], item["size"], item["cached"]) == (
        vc.photon,
        vc.templates,
        6144,
        True,
    )
    assert "item.find" in rest_calls(vc)


def test_library_info_shows_what_an_update_changed(vc, govc):
    """LocalLibrary.update over /api; govc then reads the library, its publication included."""
    http = requests.Session()
    http.verify = str(vc.server.ca_file)
    http.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    base = govc.env["GOVC_URL"]
    token = http.post(f"{base}/api/session", auth=(USER, PASSWORD)).json()
    spec = {
        "description": "published",
        "publish_info": {"published": True, "authentication_method": "NONE"},
    }
    response = http.patch(
        f"{base}/api/content/local-library/{vc.templates}",
        json=spec,
        headers={"vmware-api-session-id": token},
    )
    assert response.status_code == 204, response.text
    info = govc.fields("library.info", "templates")
    # (govc also asks vim25 for the datastore's name; that line is not asserted here)
    assert {k: info[k] for k in ("Name", "ID", "Path", "Description", "Version", "Type")} == {
        "Name": "templates",
        "ID": vc.templates,
        "Path": "/templates",
        "Description": "published",
        "Version": "2",
        "Type": "DATASTORE",
    }
    url = f"{base}/cls/vcsp/lib/{vc.templates}/lib.json"
    assert govc("library.info", "-U", "templates").stdout.splitlines() == [url]
    assert info["Auth"] == "NONE"


def test_library_session_ls_and_rm(vc, govc):
    with vc._backend._lock:
        session = vc._backend._sessions.update_session_create({"library_item_id": vc.photon}, None)
    lines = govc("library.session.ls").stdout.splitlines()
    assert lines[0].split() == ["ID", "Item", "Type", "Version", "Progress", "State", "Expires"]
    # the ID column stays empty: UpdateSession.get leaves out "id", as its model documents
    assert lines[1].split()[:5] == ["/templates/photon-5", "Update", "1", "0", "ACTIVE"]
    assert len(lines) == 2
    assert "download_session.list" in rest_calls(vc)
    before = len(vc.calls)
    govc("library.session.rm", "-f", session)
    assert [c.operation for c in vc.calls[before:] if c.operation != "session.get"] == [
        "update_session.get",
        "update_session.cancel",
        "update_session.delete",
    ]  # govc reuses its persisted login (checked with session.get)
    assert govc("library.session.ls").stdout == ""


def test_library_rm_of_an_item_and_a_library(vc, govc):
    govc("library.rm", "/templates/ubuntu-24.04")
    assert govc("library.ls", "/templates/*").stdout.splitlines() == ["/templates/photon-5"]
    govc("library.rm", "isos")
    assert govc("library.ls").stdout.splitlines() == ["/templates"]
    assert [i["id"] for i in vc.items()] == [vc.photon]
    missing = govc("library.rm", "nothing-here", ok=False)
    assert missing.returncode == 1
    assert "nothing-here" in missing.stderr


def test_without_govc_the_tests_skip_unless_clients_are_required(monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    monkeypatch.delenv("VCL_FAKE_REQUIRE_CLIENTS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="govc is not installed"):
        govc_binary()
    monkeypatch.setenv("VCL_FAKE_REQUIRE_CLIENTS", "1")
    with pytest.raises(pytest.fail.Exception, match="VCL_FAKE_REQUIRE_CLIENTS=1 but govc"):
        govc_binary()

"""govc (REST commands) against the served fake: ``library.export`` reads an item back through
a download session, ``library.session.ls`` lists download sessions next to update sessions;
and the requests ``library.import -pull`` sends, for a descriptor on a loopback web server."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from conftest import Api
from test_download import create, upload

from vcl_fake import FakeVCenter
from vcl_fake.packages import ovf_package

GOVC = shutil.which("govc") or "/tmp/gobin/govc"
USER = ("administrator@vsphere.local", "VMware1!")
PACKAGE = ovf_package("photon", {"photon-disk1.vmdk": bytes(range(256)) * 300}, algorithm=None)


@pytest.fixture
def govc(tmp_path: Path):
    if not Path(GOVC).is_file():
        if os.environ.get("VCL_FAKE_REQUIRE_CLIENTS") == "1":
            pytest.fail(f"govc is required (VCL_FAKE_REQUIRE_CLIENTS=1) but {GOVC} is absent")
        pytest.skip(f"govc is not installed ({GOVC}); build it with the govc build recipe")

    def run(vc: FakeVCenter, url: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),  # govc's session cache stays in this test
            "GOVC_URL": url,
            "GOVC_USERNAME": "administrator@vsphere.local",
            "GOVC_PASSWORD": "VMware1!",
            "GOVC_INSECURE": "1",
        }
        return subprocess.run(
            [GOVC, *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
        )

    return run


def test_library_export_reads_back_every_file(govc, tmp_path):
    with FakeVCenter(seed=1) as vc:
        item = vc.create_item(vc.create_library("templates"), "photon-5")
        upload(Api(vc), item, PACKAGE)
        (tmp_path / "out").mkdir()
        with vc.serve() as url:
            # wildcards make govc match names itself (library and item list and get)
            done = govc(vc, url, "library.export", "templates*/photon-5*", str(tmp_path / "out"))
        assert done.returncode == 0, done.stderr
        assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == PACKAGE
        ops = [(c.protocol, c.operation) for c in vc.calls if "download" in c.operation]
        assert ops == [
            ("rest", "download_session.create"),
            ("rest", "download_file.list"),
            ("rest", "download_file.prepare"),
            ("rest", "download_file.prepare"),
            ("rest", "download_file.get"),
            ("data", "download"),
            ("rest", "download_file.get"),
            ("data", "download"),
        ]


def test_library_session_ls_lists_download_sessions(govc):
    with FakeVCenter(seed=2) as vc:
        item = vc.create_item(vc.create_library("templates"), "photon-5")
        api = Api(vc)
        upload(api, item, PACKAGE)
        create(api, item)
        with vc.serve() as url:
            done = govc(vc, url, "library.session.ls")
        assert done.returncode == 0, done.stderr
        rows = [line.split() for line in done.stdout.splitlines()]
        kinds = {row[1]: row for row in rows if row and row[0] != "ID"}
        assert set(kinds) == {"Update", "Download"}
        assert kinds["Download"][:5] == ["/templates/photon-5", "Download", "2", "0", "ACTIVE"]
        assert kinds["Update"][:5] == ["/templates/photon-5", "Update", "1", "0", "DONE"]


def test_served_pull_of_a_descriptor_fetches_its_disk_the_govc_way(tmp_path):
    """What ``govc library.import -pull`` sends: HEAD the URL, add it as a PULL file with its
    size, complete at once, then poll the session."""
    folder = tmp_path / "web"
    folder.mkdir()
    for name, data in PACKAGE.items():
        (folder / name).write_bytes(data)
    handler = functools.partial(_Quiet, directory=str(folder))
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    try:
        with FakeVCenter(seed=3, fetch=True) as vc, vc.serve() as url:
            item = vc.create_item(vc.create_library("templates"), "photon")
            http_ = requests.Session()
            http_.verify, http_.trust_env = str(vc.server.ca_file), False
            login = http_.post(f"{url}/rest/com/vmware/cis/session", auth=USER)
            http_.headers["vmware-api-session-id"] = login.json()["value"]
            rest = f"{url}/rest/com/vmware/content/library/item"
            source = f"http://127.0.0.1:{web.server_address[1]}/photon.ovf"
            size = int(requests.head(source).headers["Content-Length"])
            spec = {"create_spec": {"library_item_id": item}}
            sid = http_.post(f"{rest}/update-session", json=spec).json()["value"]
            add = {
                "file_spec": {
                    "name": "photon.ovf",
                    "source_type": "PULL",
                    "size": size,
                    "source_endpoint": {"uri": source},
                }
            }
            assert http_.post(f"{rest}/updatesession/file/id:{sid}?~action=add", json=add).ok
            assert http_.post(f"{rest}/update-session/id:{sid}?~action=complete").ok
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                state = http_.get(f"{rest}/update-session/id:{sid}").json()["value"]["state"]
                if state != "ACTIVE":
                    break
                time.sleep(0.05)
            assert state == "DONE"
            http_.close()
            for name, data in PACKAGE.items():
                assert vc.read_item_file(item, name) == data
    finally:
        web.shutdown()
        web.server_close()
        thread.join(5)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

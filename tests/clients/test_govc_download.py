"""govc 0.24.2 (REST commands) against the served fake: ``library.export`` reads an item back
through a download session; ``library.session.ls`` lists download sessions next to update
sessions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import PASSWORD, USER, Api
from test_download import create, upload

from clients.conftest import find_client
from vcl_fake import FakeVCenter
from vcl_fake.packages import ovf_package

GOVC = find_client("govc")
PACKAGE = ovf_package("photon", {"photon-disk1.vmdk": bytes(range(256)) * 300}, algorithm=None)


def govc(vc: FakeVCenter, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """govc against ``vc``'s server, in a private environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),  # govc's session cache stays in the test
        "GOVC_URL": vc.server.url,
        "GOVC_USERNAME": USER,
        "GOVC_PASSWORD": PASSWORD,
        "GOVC_TLS_CA_CERTS": str(vc.server.ca_file),
        "GOVC_PERSIST_SESSION": "false",
    }
    return subprocess.run(
        [GOVC, *args], env=env, capture_output=True, text=True, timeout=60, cwd=home
    )


def test_library_export_reads_back_every_file(tmp_path):
    with FakeVCenter(seed=1) as vc:
        item = vc.create_item(vc.create_library("templates"), "photon-5")
        upload(Api(vc), item, PACKAGE)
        (tmp_path / "out").mkdir()
        with vc.serve():
            # wildcards make govc match names itself (library and item list and get)
            out = str(tmp_path / "out")
            done = govc(vc, tmp_path, "library.export", "templates*/photon-5*", out)
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


def test_library_session_ls_lists_download_sessions(tmp_path):
    with FakeVCenter(seed=2) as vc:
        item = vc.create_item(vc.create_library("templates"), "photon-5")
        api = Api(vc)
        upload(api, item, PACKAGE)
        create(api, item)
        with vc.serve():
            done = govc(vc, tmp_path, "library.session.ls")
        assert done.returncode == 0, done.stderr
        rows = [line.split() for line in done.stdout.splitlines()]
        kinds = {row[1]: row for row in rows if row and row[0] != "ID"}
        assert set(kinds) == {"Update", "Download"}
        assert kinds["Download"][:5] == ["/templates/photon-5", "Download", "2", "0", "ACTIVE"]
        assert kinds["Update"][:5] == ["/templates/photon-5", "Update", "1", "0", "DONE"]

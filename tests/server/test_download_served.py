"""Downloads over a real socket: scripted faults as clients see them, concurrent reads of one
file (each chunk is read at its own offset), curl resuming with a Range, what ``govc
library.import -pull`` sends for a descriptor on a loopback web server, and ``vcl-fake serve
--fetch`` pulling from one."""

from __future__ import annotations

import concurrent.futures
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
import requests
from conftest import Api, served_login
from test_download import DOWNLOADS, upload

from vcl_fake import FakeVCenter
from vcl_fake.packages import ovf_package

PULLED = ovf_package("photon", {"photon-disk1.vmdk": bytes(range(256)) * 300}, algorithm=None)
DATA = bytes(range(256)) * 12_000  # about 3 MiB: several chunks
RULES = """\
version: 1
name: served-downloads
rules:
  - match: {operation: download}
    when: {nth: 1}
    then: {fault: truncated_body}
  - match: {operation: download}
    when: {nth: 2}
    then: {fault: connection_error}
  - match: {operation: download}
    when: {nth: 3}
    then: {transfer: {fail_after: 1MiB}}
"""


@pytest.fixture
def served():
    with FakeVCenter("served.example.com", seed=5) as vc:
        item = vc.create_item(vc.create_library("l"), "i")
        api = Api(vc)
        upload(api, item, {"big.iso": DATA})
        with vc.serve() as url:
            http = served_login(url, str(vc.server.ca_file))
            yield vc, (http, url), item, url, http
            http.close()


def download_url(client: tuple[requests.Session, str], item: str) -> str:
    """A download URL, asked for over the socket (URLs are on the origin the client used)."""
    http, base = client
    did = http.post(f"{base}{DOWNLOADS}", json={"library_item_id": item}).json()
    files = f"{base}{DOWNLOADS}/{did}/file"
    http.post(files, params={"action": "prepare"}, json={"file_name": "big.iso"})
    return http.get(files, params={"file_name": "big.iso"}).json()["download_endpoint"]["uri"]


def test_scripted_faults_over_a_socket(served):
    vc, api, item, base, http = served
    vc.load_scenario(RULES)
    uri = download_url(api, item)
    assert uri.startswith(f"{base}/cls/data/")  # URLs carry the served host and port
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(uri).content  # noqa: B018  # half the declared bytes, then the connection closes
    with pytest.raises(requests.ConnectionError):
        http.get(uri)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(uri).content  # noqa: B018  # cut after 1 MiB
    assert http.get(uri).content == DATA  # the next one is whole
    outcomes = [c.outcome for c in vc.calls if c.operation == "download"]
    assert outcomes == ["fault truncated_body", "fault connection_error", "success", "success"]


def test_concurrent_downloads_of_one_file(served):
    vc, api, item, _, _ = served
    uri = download_url(api, item)
    ranges = [None, "bytes=0-99", "bytes=-5000", "bytes=1048570-2097160", None, None]

    def fetch(header: str | None) -> bytes:
        with requests.Session() as own:
            own.verify, own.trust_env = str(vc.server.ca_file), False
            return own.get(uri, headers={"Range": header} if header else {}).content

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(fetch, ranges))
    assert results == [DATA, DATA[:100], DATA[-5000:], DATA[1048570:2097161], DATA, DATA]


def test_curl_resumes_a_download_with_a_range(served, tmp_path):
    """curl's ``-C`` (continue) sends ``Range: bytes=N-`` and appends what comes back."""
    curl = shutil.which("curl")
    if curl is None:
        if os.environ.get("VCL_FAKE_REQUIRE_CLIENTS") == "1":
            pytest.fail("curl is required (VCL_FAKE_REQUIRE_CLIENTS=1) but not installed")
        pytest.skip("curl is not installed")
    vc, api, item, _, _ = served
    uri = download_url(api, item)
    target = tmp_path / "big.iso"
    target.write_bytes(DATA[:1_000_000])  # an earlier, interrupted download
    base = [curl, "-sS", "--fail", "--cacert", str(vc.server.ca_file)]
    subprocess.run([*base, "-C", "-", "-o", str(target), uri], check=True, timeout=60)
    assert target.read_bytes() == DATA
    head = subprocess.run([*base, "-I", uri], check=True, capture_output=True, text=True)
    assert f"content-length: {len(DATA)}" in head.stdout.lower()
    assert "accept-ranges: bytes" in head.stdout.lower()
    ranges = [c.input.get("range") for c in vc.calls if c.operation == "download"]
    assert ranges == ["bytes=1000000-", None]


def test_serve_command_fetches_with_the_fetch_option(tmp_path):
    folder = tmp_path / "web"
    folder.mkdir()
    (folder / "a.iso").write_bytes(b"served and fetched")
    handler = functools.partial(_Quiet, directory=str(folder))
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vcl_fake.cli", "serve", "--port", "0", "--no-tls", "--fetch"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip().removeprefix("vcl-fake listening on ")  # type: ignore[union-attr]
        with served_login(url) as http_:
            item = http_.get(
                f"{url}/api/content/library/item",
                params={"library_id": http_.get(f"{url}/api/content/library").json()[0]},
            ).json()[0]
            sessions = f"{url}/api/content/library/item/update-session"
            sid = http_.post(sessions, json={"library_item_id": item}).json()
            source = f"http://127.0.0.1:{web.server_address[1]}/a.iso"
            spec = {"name": "a.iso", "source_type": "PULL", "source_endpoint": {"uri": source}}
            assert http_.post(f"{sessions}/{sid}/file", json=spec).ok
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                info = http_.get(f"{sessions}/{sid}/file/a.iso").json()
                if info["status"] != "TRANSFERRING":
                    break
                time.sleep(0.05)
            assert (info["status"], info["size"]) == ("READY", len(b"served and fetched"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()  # type: ignore[union-attr]
        web.shutdown()
        web.server_close()
        thread.join(5)


def test_served_pull_of_a_descriptor_fetches_its_disk_the_govc_way(tmp_path):
    """What ``govc library.import -pull`` sends: HEAD the URL, add it as a PULL file with its
    size, complete at once, then poll the session."""
    folder = tmp_path / "web"
    folder.mkdir()
    for name, data in PULLED.items():
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
            login = http_.post(
                f"{url}/rest/com/vmware/cis/session",
                auth=("administrator@vsphere.local", "VMware1!"),
            )
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
            for name, data in PULLED.items():
                assert vc.read_item_file(item, name) == data
    finally:
        web.shutdown()
        web.server_close()
        thread.join(5)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

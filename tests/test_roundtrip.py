"""Round trips: whatever goes in (PUSH, PULL, an OVA, a descriptor that brings its disks,
a real fetch from a loopback web server) reads back byte for byte through a download
session, over /api, legacy /rest and in served mode; scenario rules reach downloads."""

from __future__ import annotations

import functools
import http.server
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme
from conftest import Api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_download import DOWNLOADS, UPDATES, act, create, file_get, upload, url_of

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.packages import ova, ovf_package

CLS = "com.vmware.vdcs.cls-main."


def export(api: Api, item: str) -> dict[str, bytes]:
    """Every file of ``item``, read through one download session."""
    did = create(api, item)
    names = [f["name"] for f in api.get(f"{DOWNLOADS}/{did}/file").json()]
    out = {name: requests.get(url_of(api, did, name)).content for name in names}
    assert api.delete(f"{DOWNLOADS}/{did}").status_code == 204
    return out


def pull(api: Api, item: str, files: dict[str, str]) -> str:
    """PULL ``{name: uri}`` into ``item``; return the session (not completed)."""
    sid = api.create_session(item)
    for name, uri in files.items():
        spec = {"name": name, "source_type": "PULL", "source_endpoint": {"uri": uri}}
        response = api.post(f"{UPDATES}/{sid}/file", json=spec)
        assert response.status_code == 200, response.text
    return sid


contents = st.binary(max_size=3 * 1024 * 1024 + 7)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=contents, name=st.sampled_from(["disk.vmdk", "a b.iso", "ünï.txt"]))
def test_push_then_download_round_trips(data, name):
    with FakeVCenter("push.example.com", clock=ManualClock()) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        upload(api, item, {name: data})
        assert export(api, item) == {name: data}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=contents, rate=st.one_of(st.none(), st.integers(1, 10**6)))
def test_pull_then_download_round_trips(data, rate):
    with FakeVCenter("pull.example.com", clock=ManualClock()) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        vc.add_source("https://depot.example.org/x.iso", data, rate=rate)
        sid = pull(api, item, {"x.iso": "https://depot.example.org/x.iso"})
        assert api.action(sid, "complete").status_code == 204
        vc.clock.advance(len(data) / rate + 1 if rate else 0)
        assert api.session(sid)["state"] == "DONE"
        assert export(api, item) == {"x.iso": data}


def test_a_pulled_descriptor_brings_its_disks(api, vc, item, clock):
    package = ovf_package("photon", {"disk1.vmdk": b"\x01" * 5000, "disk 2.vmdk": b"\x02" * 300})
    base = "https://depot.example.org/templates/photon"
    vc.add_source(f"{base}/photon.ovf", package["photon.ovf"])
    vc.add_source(f"{base}/disk1.vmdk", package["disk1.vmdk"], rate=1000)
    vc.add_source(f"{base}/disk%202.vmdk", package["disk 2.vmdk"])
    sid = pull(api, item, {"photon.ovf": f"{base}/photon.ovf"})
    files = {f["name"]: f for f in api.get(f"{UPDATES}/{sid}/file").json()}
    assert sorted(files) == ["disk 2.vmdk", "disk1.vmdk", "photon.ovf"]
    assert files["disk1.vmdk"]["source_endpoint"] == {"uri": f"{base}/disk1.vmdk"}
    assert (files["disk1.vmdk"]["status"], files["disk1.vmdk"]["bytes_transferred"]) == (
        "TRANSFERRING",
        0,
    )
    assert files["disk 2.vmdk"]["status"] == "READY"
    assert api.action(sid, "complete").status_code == 204  # no file added by the client
    clock.advance(2)
    disk = api.get(f"{UPDATES}/{sid}/file/disk1.vmdk").json()
    assert (disk["status"], disk["bytes_transferred"]) == ("TRANSFERRING", 2000)
    clock.advance(3)
    assert api.session(sid)["state"] == "DONE"
    assert export(api, item) == {n: package[n] for n in ("photon.ovf", "disk1.vmdk", "disk 2.vmdk")}


def test_a_descriptor_whose_disk_is_missing_fails_the_session(api, vc, item):
    package = ovf_package("photon", {"disk1.vmdk": b"\x01" * 10}, algorithm=None)
    vc.add_source("http://depot.example.org/photon.ovf", package["photon.ovf"])
    sid = pull(api, item, {"photon.ovf": "http://depot.example.org/photon.ovf"})
    model = api.session(sid)
    assert model["state"] == "ERROR"
    assert model["error_message"]["args"][0].startswith(
        "http://depot.example.org/disk1.vmdk is not a registered source"
    )
    assert "not a registered source" in model["error_message"]["default_message"]


def test_an_ova_exports_as_its_ovf_parts(api, vc, item):
    package = ovf_package("photon", {"photon-disk1.vmdk": bytes(range(256)) * 50})
    blob = ova(package)
    vc.add_source("https://depot.example.org/photon.ova", blob)
    sid = pull(api, item, {"photon.ova": "https://depot.example.org/photon.ova"})
    assert api.action(sid, "complete").status_code == 204
    # the manifest is checked, not stored (as vCenter keeps it); descriptor and disk read back
    assert export(api, item) == {n: package[n] for n in ("photon.ovf", "photon-disk1.vmdk")}
    second = vc.create_item(vc.create_library("pushed"), "p")
    upload(api, second, {"photon.ova": blob})
    assert export(api, second) == {n: package[n] for n in ("photon.ovf", "photon-disk1.vmdk")}


def test_legacy_rest_round_trip(api, vc, item):
    upload(api, item, {"a.iso": b"legacy bytes"})
    http = api.http
    base = f"{vc.url}/rest/com/vmware/content/library/item"
    created = http.post(f"{base}/download-session", json={"create_spec": {"library_item_id": item}})
    assert created.status_code == 200, created.text
    did = created.json()["value"]
    files = f"{base}/downloadsession/file"
    listed = http.get(files, params={"download_session_id": did}).json()["value"]
    assert [f["name"] for f in listed] == ["a.iso"]
    prepared = http.post(f"{files}/id:{did}?~action=prepare", json={"file_name": "a.iso"})
    assert prepared.json()["value"]["status"] == "PREPARE_REQUESTED"
    info = http.post(f"{files}/id:{did}?~action=get", json={"file_name": "a.iso"}).json()["value"]
    assert requests.get(info["download_endpoint"]["uri"]).content == b"legacy bytes"
    assert http.get(f"{base}/download-session/id:{did}").json()["value"]["state"] == "ACTIVE"
    assert http.get(f"{base}/download-session").json() == {"value": [did]}
    ops = [c.operation for c in vc.calls if c.protocol == "rest"]
    assert ops == [
        "download_session.create",
        "download_file.list",
        "download_file.prepare",
        "download_file.get",
        "download_session.get",
        "download_session.list",
    ]


def test_served_round_trip_with_ranges(vc, item, tmp_path):
    data = bytes(range(256)) * 9000
    with vc.serve() as base_url:
        http = requests.Session()
        http.verify = str(vc.server.ca_file)
        http.trust_env = False
        token = http.post(
            f"{base_url}/api/session", auth=("administrator@vsphere.local", "VMware1!")
        ).json()
        http.headers["vmware-api-session-id"] = token
        sid = http.post(f"{base_url}{UPDATES}", json={"library_item_id": item}).json()
        spec = {"name": "d.vmdk", "source_type": "PUSH"}
        info = http.post(f"{base_url}{UPDATES}/{sid}/file", json=spec).json()
        assert http.put(info["upload_endpoint"]["uri"], data=data).status_code == 200
        assert http.post(f"{base_url}{UPDATES}/{sid}", params={"action": "complete"}).ok
        did = http.post(f"{base_url}{DOWNLOADS}", json={"library_item_id": item}).json()
        files = f"{base_url}{DOWNLOADS}/{did}/file"
        http.post(files, params={"action": "prepare"}, json={"file_name": "d.vmdk"})
        uri = http.get(files, params={"file_name": "d.vmdk"}).json()["download_endpoint"]["uri"]
        assert uri.startswith(f"{base_url}/cls/data/")
        with http.get(uri, stream=True) as streamed:
            assert b"".join(streamed.iter_content(65536)) == data
        part = http.get(uri, headers={"Range": "bytes=-10"})
        assert (part.status_code, part.content) == (206, data[-10:])
        assert http.head(uri).headers["Content-Length"] == str(len(data))
        assert http.get(uri, headers={"Range": f"bytes={len(data)}-"}).status_code == 416
        assert http.get(uri).content == data  # the connection is still good after a 416
        http.close()


# --- fetching real URLs from a loopback web server ----------------------------------------------
@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain http.server on loopback serving ``tmp_path``."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_fetching_a_descriptor_from_a_loopback_web_server(web):
    url, folder = web
    package = ovf_package("vm", {"vm-disk1.vmdk": bytes(range(256)) * 4000})
    for name, data in package.items():
        (folder / name).write_bytes(data)
    with FakeVCenter("fetch.example.com", clock=ManualClock(), fetch=True) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        sid = pull(api, item, {"vm.ovf": f"{url}/vm.ovf"})
        assert api.action(sid, "complete").status_code == 204  # deferred: transfers run
        assert wait_for(lambda: api.session(sid)["state"] != "ACTIVE") and (
            api.session(sid)["state"] == "DONE"
        )
        assert export(api, item) == {n: package[n] for n in ("vm.ovf", "vm-disk1.vmdk")}


def test_fetch_failures(web):
    url, _ = web
    with FakeVCenter("fetch.example.com", clock=ManualClock(), fetch=True) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        sid = pull(api, item, {"a.iso": f"{url}/missing.iso"})
        wait_for(lambda: api.session(sid)["state"] == "ERROR")
        reason = api.session(sid)["error_message"]["args"][0]
        assert reason == f"GET {url}/missing.iso answered 404 File not found"
        sid = pull(
            api, vc.create_item(vc.create_library("m"), "j"), {"a.iso": "http://example.org/a"}
        )
        info = api.get(f"{UPDATES}/{sid}/file/a.iso").json()  # refused at once: no network I/O
        assert info["status"] == "ERROR"
        assert info["error_message"]["args"] == [
            "http://example.org/a: this fake fetches from loopback hosts only and example.org "
            "is not one (FakeVCenter(fetch='any') or vcl-fake serve --fetch any lifts that)"
        ]
        assert "loopback hosts only" in info["error_message"]["default_message"]


def test_fetching_is_off_by_default(web):
    url, folder = web
    (folder / "a.iso").write_bytes(b"x")
    with FakeVCenter("nofetch.example.com", clock=ManualClock()) as vc:
        api = Api(vc)
        sid = pull(api, vc.create_item(vc.create_library("l"), "i"), {"a.iso": f"{url}/a.iso"})
        assert "not a registered source" in api.session(sid)["error_message"]["default_message"]


def test_fetch_option_is_checked():
    with pytest.raises(ValueError, match="fetch is False, True, 'loopback' or 'any'"):
        FakeVCenter(fetch="everything")


def test_a_scenario_turns_fetching_on(web):
    url, folder = web
    (folder / "a.iso").write_bytes(b"fetched by a scenario")
    scenario = {"version": 1, "name": "fetching", "setup": {"fetch": True}}
    with FakeVCenter("scen.example.com", clock=ManualClock(), scenario=scenario) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        sid = pull(api, item, {"a.iso": f"{url}/a.iso"})
        wait_for(lambda: api.get(f"{UPDATES}/{sid}/file/a.iso").json()["status"] == "READY")
        assert api.action(sid, "complete").status_code == 204
        assert export(api, item) == {"a.iso": b"fetched by a scenario"}


# --- scenario rules on downloads -----------------------------------------------------------------
RULES = """\
version: 1
name: downloads
setup:
  libraries:
    - name: l
      items: [{name: i}]
rules:
  - match: {operation: download, file: a.iso}
    when: {nth: 1}
    then: {fault: connection_error}
  - match: {operation: download, file: a.iso}
    when: {nth: 2}
    then: {fault: truncated_body}
  - match: {operation: download, file: a.iso}
    when: {nth: 3}
    then: {error: {type: SERVICE_UNAVAILABLE}}
  - match: {operation: download, file: a.iso}
    when: {nth: 4}
    then: {transfer: {rate: 1KiB/s}}
  - match: {operation: download, file: a.iso}
    when: {nth: 5}
    then: {transfer: {fail_after: 100}}
  - match: {operation: download_file.prepare, file: slow.iso}
    then: {prepare: {requested: 10s, preparing: 20s}}
  - match: {operation: download_file.prepare, file: never.iso}
    then: {prepare: {stall: true}}
  - match: {operation: download_file.prepare, file: broken.iso}
    then: {prepare: {fail: disk is unreadable}}
  - match: {operation: download_session.keep_alive}
    when: {nth: 1}
    then: {fail_session: {message: lost the lease}}
"""


def test_scenario_rules_reach_downloads():
    with FakeVCenter("rules.example.com", scenario=RULES) as vc:
        api = Api(vc)
        item = vc.items()[0]["id"]
        files = {n: bytes(range(256)) * 8 for n in ("a.iso", "slow.iso", "never.iso", "broken.iso")}
        upload(api, item, files)
        did = create(api, item)
        url = url_of(api, did, "a.iso")
        with pytest.raises(requests.ConnectionError):
            requests.get(url)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(url)
        assert requests.get(url).status_code == 503
        before = vc.clock.now()
        assert requests.get(url).content == files["a.iso"]
        assert (vc.clock.now() - before).total_seconds() == 2  # 2 KiB at 1 KiB/s
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(url)  # cut after 100 bytes
        assert requests.get(url).content == files["a.iso"]
        outcomes = [c.outcome for c in vc.calls if c.operation == "download"]
        assert outcomes == [
            "fault connection_error",
            "fault truncated_body",
            "SERVICE_UNAVAILABLE",
            "success",
            "success",
            "success",
        ]
        assert prepare_status(api, did, "slow.iso") == "PREPARE_REQUESTED"
        vc.clock.advance(10)
        assert file_get(api, did, "slow.iso")["status"] == "PREPARING"
        vc.clock.advance(10)
        assert file_get(api, did, "slow.iso")["bytes_transferred"] == 1024
        vc.clock.advance(10)
        assert file_get(api, did, "slow.iso")["status"] == "PREPARED"
        api.post(f"{DOWNLOADS}/{did}", params={"action": "keep-alive"})  # fails the session
        failed = api.get(f"{DOWNLOADS}/{did}").json()
        assert (failed["state"], failed["error_message"]["default_message"]) == (
            "ERROR",
            "lost the lease",
        )
        other = create(api, item)
        prepare_status(api, other, "never.iso")
        for _ in range(5):
            vc.clock.advance(250)
            assert file_get(api, other, "never.iso")["status"] == "PREPARING"  # never ends
            assert act(api, other, "keep-alive").status_code == 204
        prepare_status(api, other, "broken.iso")
        broken = file_get(api, other, "broken.iso")
        assert (broken["status"], broken["error_message"]["default_message"]) == (
            "ERROR",
            "disk is unreadable",
        )


def prepare_status(api: Api, did: str, name: str) -> str:
    response = api.post(
        f"{DOWNLOADS}/{did}/file", params={"action": "prepare"}, json={"file_name": name}
    )
    assert response.status_code == 200, response.text
    return response.json()["status"]


@pytest.fixture
def tls_web(tmp_path: Path) -> Iterator[tuple[str, Path, trustme.CA]]:
    """An https http.server on loopback with a certificate for localhost from a test CA."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(context)
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}", tmp_path, ca
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_https_fetches_are_judged_like_registered_sources(tls_web):
    url, folder, ca = tls_web
    (folder / "a.iso").write_bytes(b"over TLS")
    with FakeVCenter("tls.example.com", clock=ManualClock(), fetch=True) as vc:
        api = Api(vc)
        untrusted = pull(
            api, vc.create_item(vc.create_library("l"), "i"), {"a.iso": f"{url}/a.iso"}
        )
        wait_for(lambda: api.session(untrusted)["state"] == "ERROR")
        error = api.session(untrusted)["error_message"]
        assert error["id"] == CLS + "http_request_error_peer_not_authenticated"
        vc.trust(ca.cert_pem.bytes().decode())
        item = vc.create_item(vc.create_library("m"), "j")
        sid = pull(api, item, {"a.iso": f"{url}/a.iso"})
        wait_for(lambda: api.get(f"{UPDATES}/{sid}/file/a.iso").json()["status"] == "READY")
        assert api.action(sid, "complete").status_code == 204
        assert export(api, item) == {"a.iso": b"over TLS"}
        spec = {
            "name": "a.iso",
            "source_type": "PULL",
            "source_endpoint": {"uri": f"{url}/a.iso", "ssl_certificate_thumbprint": "AB:CD"},
        }
        wrong = api.create_session(item)
        api.post(f"{UPDATES}/{wrong}/file", json=spec)
        wait_for(lambda: api.session(wrong)["state"] == "ERROR")
        assert api.session(wrong)["error_message"]["id"] == CLS + "ssl_certificate_mismatch"


def test_a_fetch_streams_without_the_lock_and_then_follows_the_fake_clock(tmp_path):
    """While the web server is still sending, the fake answers other calls (no network I/O
    under its lock) and shows the bytes received so far; a scripted rate then paces the pull
    on the fake clock."""
    release = threading.Event()
    first = b"x" * 1000

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2000")
            self.end_headers()
            self.wfile.write(first)
            self.wfile.flush()
            release.wait(10)
            self.wfile.write(b"y" * 1000)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scenario = {
        "version": 1,
        "name": "paced",
        "rules": [{"match": {"operation": "file.add"}, "then": {"transfer": {"rate": "100B/s"}}}],
    }
    try:
        with FakeVCenter("slow.example.com", fetch=True, scenario=scenario) as vc:
            api = Api(vc)
            item = vc.create_item(vc.create_library("l"), "i")
            sid = pull(api, item, {"a.iso": f"http://127.0.0.1:{server.server_address[1]}/a"})
            info = wait_for(
                lambda: (
                    (f := api.get(f"{UPDATES}/{sid}/file/a.iso").json())["bytes_transferred"] and f
                )
            )
            assert (info["status"], info["bytes_transferred"]) == ("TRANSFERRING", 1000)
            assert api.session(sid)["state"] == "ACTIVE"  # the lock is free meanwhile
            release.set()
            # fetched: the pull is now paced by the (still) fake clock, from where it began
            wait_for(
                lambda: api.get(f"{UPDATES}/{sid}/file/a.iso").json()["bytes_transferred"] == 0
            )
            vc.clock.advance(10)  # 100 B/s since the pull began
            paced = api.get(f"{UPDATES}/{sid}/file/a.iso").json()
            assert (paced["status"], paced["bytes_transferred"]) == ("TRANSFERRING", 1000)
            vc.clock.advance(10)
            done = api.get(f"{UPDATES}/{sid}/file/a.iso").json()
            assert (done["status"], done["size"]) == ("READY", 2000)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)

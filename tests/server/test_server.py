"""Server mode: the same fake over real HTTP(S), driven without responses."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest
import requests
from clients.conftest import find_client
from conftest import PASSWORD, SESSIONS, USER

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.control import Control
from vcl_fake.protocols.http import Headers, Request


class Client:
    """Plain requests against a served fake (verify with the served CA; no env overrides)."""

    def __init__(self, url: str, ca: str | bool) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        self.http.verify = ca

    def login(self) -> Client:
        token = self.http.post(self.url + "/api/session", auth=(USER, PASSWORD), timeout=10).json()
        self.http.headers["vmware-api-session-id"] = token
        return self

    def __getattr__(self, method):
        return lambda path, **kw: self.http.request(
            method.upper(),
            path if path.startswith("http") else self.url + path,
            timeout=kw.pop("timeout", 10),
            **kw,
        )


@pytest.fixture
def served():
    """A fake that is NOT intercepting requests: everything goes over the socket."""
    vc = FakeVCenter("served.example.com", clock=ManualClock(), seed=11)
    library = vc.create_library("templates")
    vc.item_ids = [vc.create_item(library, f"item-{n}") for n in range(20)]
    with vc.serve() as url:
        client = Client(url, str(vc.server.ca_file)).login()
        client.http.headers["vcl-fake-token"] = vc.server.control_token
        yield vc, client


def lifecycle(client: Client, item: str, data: bytes) -> str:
    session_id = client.post(SESSIONS, json={"library_item_id": item}).json()
    spec = {
        "name": "disk.iso",
        "source_type": "PUSH",
        "size": len(data),
        "checksum_info": {"algorithm": "SHA256", "checksum": hashlib.sha256(data).hexdigest()},
    }
    info = client.post(f"{SESSIONS}/{session_id}/file", json=spec).json()
    assert info["upload_endpoint"]["uri"].startswith(client.url + "/cls/data/")
    assert (
        client.put(
            info["upload_endpoint"]["uri"],
            data=(data[i : i + 4096] for i in range(0, len(data), 4096)),
        ).status_code
        == 200
    )
    assert client.post(f"{SESSIONS}/{session_id}", params={"action": "complete"}).status_code == 204
    return session_id


def test_a_whole_upload_over_https(served):
    vc, client = served
    data = bytes(range(256)) * 100
    session_id = lifecycle(client, vc.item_ids[0], data)
    assert client.get(f"{SESSIONS}/{session_id}").json()["state"] == "DONE"
    assert vc.read_item_file(vc.item_ids[0], "disk.iso") == data
    assert {c.protocol for c in vc.calls} == {"api", "data"}


def test_the_certificate_is_served_and_pinned(served):
    vc, client = served
    host, port = client.url.removeprefix("https://").rsplit(":", 1)
    der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate((host, int(port))))
    digest = hashlib.sha256(der).hexdigest().upper()
    assert vc.server.thumbprint == ":".join(digest[i : i + 2] for i in range(0, 64, 2))
    with pytest.raises(requests.exceptions.SSLError):
        Client(client.url, True).login()  # not trusted by the system store


def test_the_served_chain_passes_strict_x509_verification(served):
    """Python 3.13 verifies with VERIFY_X509_STRICT by default: every certificate needs an
    authority key identifier that names its issuer's subject key identifier."""
    vc, client = served
    host, port = client.url.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(vc.server.ca_file))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_legacy_rest_and_jsonrpc_over_the_socket(served):
    _, client = served
    r = client.http.post(client.url + "/rest/com/vmware/cis/session", auth=(USER, PASSWORD))
    assert r.status_code == 200 and len(r.json()["value"]) == 32
    body = {
        "jsonrpc": "2.0",
        "method": "invoke",
        "id": 5,
        "params": {
            "serviceId": "com.vmware.cis.session",
            "operationId": "get",
            "input": {"STRUCTURE": {"operation-input": {}}},
            "ctx": {"appCtx": {}, "securityCtx": {}},
        },
    }
    answer = client.post("/api", json=body).json()
    assert answer["id"] == 5 and "error" in answer["result"]


def test_plain_http_mode():
    vc = FakeVCenter("plain.example.com", clock=ManualClock())
    with vc.serve(tls=False) as url:
        assert url.startswith("http://127.0.0.1:")
        assert (
            Client(url, False).http.post(url + "/api/session", auth=(USER, PASSWORD)).status_code
            == 201
        )


def test_curl(served):
    vc, client = served
    curl = [find_client("curl"), "-sS", "--cacert", str(vc.server.ca_file)]
    token = json.loads(
        subprocess.run(
            [*curl, "-u", f"{USER}:{PASSWORD}", "-X", "POST", client.url + "/api/session"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    out = subprocess.run(
        [
            *curl,
            "-H",
            f"vmware-api-session-id: {token}",
            "-H",
            "Content-Type: application/json",
            "-d",
            json.dumps({"library_item_id": vc.item_ids[1]}),
            client.url + SESSIONS,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    session_id = json.loads(out)
    info = json.loads(
        subprocess.run(
            [
                *curl,
                "-H",
                f"vmware-api-session-id: {token}",
                "-H",
                "Content-Type: application/json",
                "-d",
                json.dumps({"name": "a.txt", "source_type": "PUSH"}),
                f"{client.url}{SESSIONS}/{session_id}/file",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    status = subprocess.run(
        [*curl, "-o", "/dev/null", "-w", "%{http_code}", "-T", "-", info["upload_endpoint"]["uri"]],
        input="hello curl",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == "200"
    assert client.get(f"{SESSIONS}/{session_id}/file/a.txt").json()["size"] == len("hello curl")


def test_the_official_sdk_over_real_https(served):
    find_client("com.vmware.content_client")
    from com.vmware.content.library.item_client import UpdateSessionModel

    from vcl_fake.sdk import vsphere_client

    vc, client = served
    session = requests.Session()
    session.trust_env = False
    session.verify = str(vc.server.ca_file)
    with vsphere_client(vc, server=client.url.removeprefix("https://"), session=session) as sdk:
        session_id = sdk.content.library.item.UpdateSession.create(
            UpdateSessionModel(library_item_id=vc.item_ids[2])
        )
        assert sdk.content.library.item.UpdateSession.get(session_id).state == "ACTIVE"
    assert [(c.protocol, c.operation) for c in vc.calls][-3:] == [
        ("jsonrpc", "update_session.create"),
        ("jsonrpc", "update_session.get"),
        ("jsonrpc", "session.logout"),
    ]


def test_concurrent_clients_hundreds_of_lifecycles(served):
    vc, client = served
    done: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            me = Client(client.url, client.http.verify).login()
            item = vc.item_ids[n % len(vc.item_ids)]
            for k in range(16):
                data = f"{n}-{k}".encode() * 50
                response = me.post(SESSIONS, json={"library_item_id": item})
                if response.status_code == 400:
                    assert response.json()["error_type"] == "RESOURCE_BUSY"
                    continue
                session_id = response.json()
                info = me.post(
                    f"{SESSIONS}/{session_id}/file",
                    json={"name": "f.bin", "source_type": "PUSH", "size": len(data)},
                ).json()
                assert me.put(info["upload_endpoint"]["uri"], data=data).status_code == 200
                assert (
                    me.post(f"{SESSIONS}/{session_id}", params={"action": "complete"}).status_code
                    == 204
                )
                with lock:
                    done.append(item)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]
    assert len(done) >= 200
    for item in vc.item_ids:
        assert vc.get_item(item)["content_version"] == str(1 + done.count(item))
    assert vc._backend._sessions.active_by_item == {}


def test_control_api_moves_the_clock_so_a_session_expires(served):
    vc, client = served
    session_id = client.post(SESSIONS, json={"library_item_id": vc.item_ids[3]}).json()
    moved = client.post("/_vcl_fake/clock/advance", json={"seconds": 301})
    assert moved.json() == {"now": "2026-01-01T00:05:01.000Z"}
    assert client.get(f"{SESSIONS}/{session_id}").status_code == 404


def test_control_api_seeds_inspects_and_resets(served):
    _, client = served
    library = client.post("/_vcl_fake/libraries", json={"name": "isos"}).json()["id"]
    item = client.post(
        "/_vcl_fake/items", json={"library_id": library, "name": "win", "type": "iso"}
    ).json()["id"]
    assert client.get(f"/api/content/library/item/{item}").json()["name"] == "win"
    client.post("/_vcl_fake/sources", json={"uri": "http://depot/a.iso", "size": 1000})
    spec = {
        "name": "a.iso",
        "source_type": "PULL",
        "source_endpoint": {"uri": "http://depot/a.iso"},
    }
    session_id = client.post(SESSIONS, json={"library_item_id": item}).json()
    assert client.post(f"{SESSIONS}/{session_id}/file", json=spec).json()["status"] == "READY"
    scenario = "version: 1\nname: ctl\nrules:\n  - match: {operation: update_session.list}\n    then: {error: {type: SERVICE_UNAVAILABLE}}\nexpect: {all_rules_fired: true}\n"
    assert client.post("/_vcl_fake/scenario", data=scenario).json() == {"name": "ctl"}
    assert client.get("/_vcl_fake/expectations").json() == {
        "failures": ["rule 'rules.0' (rules.0) never fired"]
    }
    assert client.get(SESSIONS).status_code == 503
    assert client.get("/_vcl_fake/expectations").json() == {"failures": []}
    calls = client.get("/_vcl_fake/calls").json()
    assert calls[-1] == {
        "protocol": "api",
        "request": "GET /api/content/library/item/update-session",
        "operation": "update_session.list",
        "status": 503,
        "outcome": "SERVICE_UNAVAILABLE",
        "state": None,
        "hint": "",
        "rule": "rules.0",
        "time": "2026-01-01T00:00:00.000Z",
    }
    bad = client.post(
        "/_vcl_fake/scenario",
        data="version: 1\nname: x\nrules: [{match: {operation: nope}, then: {delay: 1s}}]\n",
    )
    assert (
        bad.status_code == 400
        and "unknown operation 'nope'" in bad.json()["messages"][0]["default_message"]
    )
    assert client.post("/_vcl_fake/reset").json() == {"reset": True}
    fresh = Client(client.url, client.http.verify).login()
    assert fresh.get("/api/content/library").json() == []
    uri = fresh.post(f"{SESSIONS}", json={"library_item_id": "x"})
    assert uri.status_code == 404
    assert client.get("/_vcl_fake/nothing").status_code == 404


@pytest.mark.parametrize("reset", ["python", "control"])
def test_upload_urls_stay_on_the_socket_after_a_reset(reset):
    vc = FakeVCenter("served.example.com", clock=ManualClock(), seed=3)
    with vc.serve() as url:
        client = Client(url, str(vc.server.ca_file))
        client.http.headers["vcl-fake-token"] = vc.server.control_token
        if reset == "python":
            vc.reset()
        else:
            assert client.post("/_vcl_fake/reset").json() == {"reset": True}
        item = vc.create_item(vc.create_library("isos"), "win", type="iso")
        client.login()
        session_id = client.post(SESSIONS, json={"library_item_id": item}).json()
        spec = {"name": "a.iso", "source_type": "PUSH", "size": 3}
        info = client.post(f"{SESSIONS}/{session_id}/file", json=spec).json()
        assert info["upload_endpoint"]["uri"].startswith(f"{url}/cls/data/")
        assert client.put(info["upload_endpoint"]["uri"], data=b"abc").status_code == 200


def test_control_api_refuses_other_clients(served):
    vc, _ = served
    control = Control(vc)
    answer = control(Request("GET", "https://x/_vcl_fake/calls", Headers({})), "10.1.2.3")
    assert answer.status == 403
    assert json.loads(answer.body)["error_type"] == "UNAUTHORIZED"
    assert control(Request("GET", "https://x/_vcl_fake/calls", Headers({})), "::1").status == 200


def test_scripted_faults_over_the_socket(served, monkeypatch):
    vc, client = served
    monkeypatch.setattr("vcl_fake.server.READ_TIMEOUT_HOLD", 2.0)
    vc.load_scenario(
        {
            "version": 1,
            "name": "faults",
            "rules": [
                {
                    "match": {"operation": "update_session.list"},
                    "when": {"nth": 1},
                    "then": {"fault": "connection_error"},
                },
                {
                    "match": {"operation": "update_session.list"},
                    "when": {"nth": 2},
                    "then": {"fault": "truncated_body"},
                },
                {
                    "match": {"operation": "update_session.list"},
                    "when": {"nth": 3},
                    "then": {"fault": "read_timeout"},
                },
                {
                    "match": {"operation": "update_session.list"},
                    "when": {"nth": 4},
                    "then": {"http": {"status": 502, "body": "bad gateway"}},
                },
            ],
        }
    )
    client.post(SESSIONS, json={"library_item_id": vc.item_ids[4]})
    with pytest.raises(requests.ConnectionError):
        client.get(SESSIONS)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        client.get(SESSIONS)
    with pytest.raises(requests.ReadTimeout):
        client.get(SESSIONS, timeout=0.5)
    bad = client.get(SESSIONS)
    assert (bad.status_code, bad.text) == (502, "bad gateway")
    assert client.get(SESSIONS).status_code == 200


def raw(url: str, payload: bytes, ca: str) -> bytes:
    host, port = url.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=ca)
    with (
        socket.create_connection((host, int(port)), timeout=5) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        tls.sendall(payload)
        chunks = []
        while chunk := tls.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_malformed_requests_never_get_a_traceback(served):
    vc, client = served
    ca = str(vc.server.ca_file)
    assert raw(client.url, b"GARBAGE\r\n\r\n", ca).startswith(b"HTTP/1.1 400")
    huge_header = b"GET /api/session HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 70000 + b"\r\n\r\n"
    assert raw(client.url, huge_header, ca).startswith(b"HTTP/1.1 431")
    many = (
        b"GET /api/session HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"H%d: v\r\n" % n for n in range(200))
        + b"\r\n"
    )
    assert raw(client.url, many, ca).startswith(b"HTTP/1.1 431")
    bad_json = raw(
        client.url,
        b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{{{",
        ca,
    )
    assert bad_json.startswith(b"HTTP/1.1 401") and b"Traceback" not in bad_json
    bad_chunks = raw(
        client.url,
        b"PUT /cls/data/x/y HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ca,
    )
    assert b"Traceback" not in bad_chunks
    assert client.get("/api/content/library").status_code == 200  # still serving


def test_serve_command_prints_its_address_and_stops_cleanly(tmp_path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen(
            [sys.executable, "-m", "vcl_fake.cli", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            first = proc.stdout.readline().strip()
            assert first.startswith("vcl-fake listening on https://127.0.0.1:")
            lines = [proc.stdout.readline().strip() for _ in range(6)]
            assert lines[0] == f"credentials: {USER} / {PASSWORD}"
            assert lines[1].startswith("TLS certificate SHA-256 thumbprint: ")
            ca = lines[2].removeprefix("trust it with: ")
            url = first.removeprefix("vcl-fake listening on ")
            assert Client(url, ca).login().get("/api/content/library").status_code == 200
            start = time.monotonic()
            proc.send_signal(sig)
            assert proc.wait(timeout=10) == 0
            assert time.monotonic() - start < 5
            assert proc.stdout.read().strip().endswith("vcl-fake stopped")
        finally:
            proc.kill()
            proc.wait(10)
            proc.stdout.close()


def test_slow_clients_are_cut_off(served, monkeypatch):
    vc, client = served
    monkeypatch.setattr("vcl_fake.server._Handler.timeout", 0.5)
    host, port = client.url.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(vc.server.ca_file))
    with (
        socket.create_connection((host, int(port)), timeout=5) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        tls.sendall(b"GET /api/session HTTP/1.1\r\nHost: x\r\n")  # ... and never finishes
        start = time.monotonic()
        assert tls.recv(1024) == b""  # the server hangs up
        assert time.monotonic() - start < 4
    assert client.get("/api/content/library").status_code == 200


def test_oversized_api_bodies_are_refused(served, monkeypatch):
    _, client = served
    monkeypatch.setattr("vcl_fake.protocols.http.API_BODY_LIMIT", 1024)
    response = client.post(
        SESSIONS, data=b"{" + b" " * 4096 + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["messages"][0]["id"] == "vapi.json.read.invalid"


def test_upload_urls_point_at_the_server_after_a_reset(served):
    _, client = served
    assert client.post("/_vcl_fake/reset").json() == {"reset": True}
    library = client.post("/_vcl_fake/libraries", json={"name": "again"}).json()["id"]
    item = client.post("/_vcl_fake/items", json={"library_id": library, "name": "x"}).json()["id"]
    client.login()
    assert lifecycle(client, item, b"after reset" * 100)


def test_in_process_reset_while_serving_keeps_served_upload_urls():
    vc = FakeVCenter("served.example.com", clock=ManualClock())
    with vc.serve() as url:
        vc.reset()
        item = vc.create_item(vc.create_library("templates"), "photon")
        client = Client(url, str(vc.server.ca_file)).login()
        assert lifecycle(client, item, b"x" * 5000)


def test_a_wildcard_bind_hands_out_the_host_the_client_used():
    vc = FakeVCenter("served.example.com", clock=ManualClock())
    item = vc.create_item(vc.create_library("templates"), "photon")
    with vc.serve(bind="0.0.0.0", tls=False) as url:
        port = url.rsplit(":", 1)[1]
        assert url == f"http://0.0.0.0:{port}"
        client = Client(f"http://127.0.0.1:{port}", False).login()
        assert lifecycle(client, item, b"y" * 5000)  # the URL it got starts with 127.0.0.1

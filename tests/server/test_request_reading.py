"""How the server reads requests: headers without the email package (same limits and answers
as http.server), large bodies whole over plain HTTP and TLS, chunked or not."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import socket
import time

import pytest
import requests
from conftest import SESSIONS, direct_io_here, served_login
from hypothesis import given, settings
from hypothesis import strategies as st

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.server import MAX_HEADER_LINE, MAX_HEADERS, _Headers

MIB = 1 << 20


def test_headers_keep_order_repeats_and_folded_lines():
    wire = (
        b"Host: vc\r\nX-Many: one\r\nx-many: two\r\nX-Folded: first\r\n\tsecond\r\n"
        b"no colon here\r\nEmpty:\r\n\r\nbody"
    )
    rfile = io.BytesIO(wire)
    headers = _Headers(rfile)
    assert headers.items() == [
        ("Host", "vc"),
        ("X-Many", "one"),
        ("x-many", "two"),
        ("X-Folded", "first\tsecond"),
        ("Empty", ""),
    ]
    assert headers.get("x-MANY") == "one"
    assert headers.get_all("X-Many") == ["one", "two"]
    assert headers.get_all("absent") is None
    assert headers.get("absent", "d") == "d"
    assert headers["absent"] is None
    assert "HOST" in headers and "absent" not in headers
    assert rfile.read() == b"body"


def test_header_limits_are_http_clients():
    with pytest.raises(http.client.LineTooLong):
        _Headers(io.BytesIO(b"X: " + b"a" * MAX_HEADER_LINE + b"\r\n\r\n"))
    many = b"".join(b"H%d: v\r\n" % n for n in range(MAX_HEADERS + 1)) + b"\r\n"
    with pytest.raises(http.client.HTTPException, match="got more than 100 headers"):
        _Headers(io.BytesIO(many))
    assert len(_Headers(io.BytesIO(many[: many.index(b"H100")] + b"\r\n")).items()) == 100


@pytest.fixture(params=[False], ids=["http"])
def served(request):
    vc = FakeVCenter("reading.example.com", clock=ManualClock())
    item = vc.create_item(vc.create_library("l"), "i", type="iso")
    with vc.serve(tls=request.param) as url:
        http = served_login(url, str(vc.server.ca_file) if request.param else False)
        yield vc, url, http, item


def exchange(url: str, payload: bytes) -> bytes:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_request_lines_are_checked_as_http_server_checks_them(served):
    _, url, _, _ = served
    assert exchange(url, b"GET /api HTTP/2.0\r\n\r\n").startswith(b"HTTP/1.1 505")
    assert exchange(url, b"GET /api HTTP/1.x\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert exchange(url, b"GET /api HTTP/1.1 extra\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert exchange(url, b"POST /api\r\n\r\n").startswith(b"HTTP/1.1 400")
    ok = exchange(url, b"GET /api/session HTTP/1.0\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 401") and b"Connection: close" in ok
    continued = exchange(
        url,
        b"POST /api/session HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        b"Content-Length: 0\r\nConnection: close\r\n\r\n",
    )
    assert continued.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401")


def add_file(url: str, http: requests.Session, item: str, size: int) -> tuple[str, str]:
    session_id = http.post(url + SESSIONS, json={"library_item_id": item}).json()
    spec = {"name": "big.iso", "source_type": "PUSH", "size": size}
    info = http.post(f"{url}{SESSIONS}/{session_id}/file", json=spec).json()
    return session_id, info["upload_endpoint"]["uri"]


@pytest.mark.parametrize("served", [False, True], ids=["http", "https"], indirect=True)
@pytest.mark.parametrize("chunked", [False, True])
def test_large_bodies_arrive_whole(served, chunked):
    """Past the first MiB kept in memory, the spool is written past the page cache from an
    unaligned offset (300,000-byte chunks) and cut to its size."""
    vc, url, http, item = served
    data = bytes(range(256)) * (3 * MIB // 256 + 5)
    session_id, uri = add_file(url, http, item, len(data))
    body = (data[n : n + 300_000] for n in range(0, len(data), 300_000)) if chunked else data
    assert http.put(uri, data=body).status_code == 200
    assert http.post(f"{url}{SESSIONS}/{session_id}", params={"action": "complete"}).ok
    assert vc.read_item_file(item, "big.iso") == data


@pytest.mark.parametrize("served", [False, True], ids=["http", "https"], indirect=True)
@pytest.mark.parametrize("chunked", [False, True])
def test_past_the_first_mib_an_upload_is_read_straight_into_the_spool(served, chunked, monkeypatch):
    """Where the spool is written past the page cache, the body goes on straight into its
    aligned buffers (no chunk objects): every byte arrives, hashed and counted."""
    from vcl_fake.backend import transfers

    calls = []
    real = transfers._DirectWriter.read_into

    def counting(self, read, hasher):
        count = real(self, read, hasher)
        calls.append(count)
        return count

    monkeypatch.setattr(transfers._DirectWriter, "read_into", counting)
    vc, url, http, item = served
    data = os.urandom(5 * MIB + 12345)
    session_id = http.post(url + SESSIONS, json={"library_item_id": item}).json()
    checksum = {"algorithm": "SHA256", "checksum": hashlib.sha256(data).hexdigest()}
    spec = {"name": "big.iso", "source_type": "PUSH", "size": len(data), "checksum_info": checksum}
    info = http.post(f"{url}{SESSIONS}/{session_id}/file", json=spec).json()
    uri = info["upload_endpoint"]["uri"]
    body = (data[n : n + 700_000] for n in range(0, len(data), 700_000)) if chunked else data
    assert http.put(uri, data=body).status_code == 200
    info = http.get(f"{url}{SESSIONS}/{session_id}/file/big.iso").json()
    assert (info["status"], info["bytes_transferred"]) == ("READY", len(data))
    assert http.post(f"{url}{SESSIONS}/{session_id}", params={"action": "complete"}).ok
    assert vc.read_item_file(item, "big.iso") == data
    if direct_io_here():
        assert calls[-1] == 0 and sum(calls) > 3 * MIB
    else:
        assert calls == []


def test_a_client_that_breaks_off_a_large_body_leaves_the_server_serving(served):
    vc, url, http, item = served
    session_id, uri = add_file(url, http, item, 5 * MIB)
    host, port = url.removeprefix("http://").rsplit(":", 1)
    path = uri.removeprefix(url)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"PUT {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {5 * MIB}\r\n\r\n".encode()
        )
        sock.sendall(bytes(2 * MIB))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(c.operation == "upload" for c in vc.calls):
        time.sleep(0.05)
    upload = next(c for c in vc.calls if c.operation == "upload")
    assert (upload.outcome, upload.input["bytes"]) == ("ERROR", 2 * MIB)
    info = http.get(f"{url}{SESSIONS}/{session_id}/file/big.iso").json()
    assert (info["status"], info["bytes_transferred"]) == ("WAITING_FOR_TRANSFER", 0)
    assert http.get(url + "/api/content/library").status_code == 200


@pytest.mark.parametrize("flag", ["--keep-content", "--no-keep-content"])
def test_serve_keeps_content_unless_told_not_to(flag):
    import subprocess
    import sys

    argv = [sys.executable, "-m", "vcl_fake.cli", "serve", "--no-tls", "--port", "0", flag]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip().removeprefix("vcl-fake listening on ")
            http = served_login(url)
            item = http.post(
                url + "/api/content/library/item?action=find", json={"name": "photon-5"}
            ).json()[0]
            session_id, uri = add_file(url, http, item, 3)
            assert http.put(uri, data=b"abc").status_code == 200
            assert http.post(f"{url}{SESSIONS}/{session_id}", params={"action": "complete"}).ok
            listed = http.get(f"{url}/api/content/library/item/{item}/file").json()
            assert [f["name"] for f in listed] == ["big.iso"]
            kept = "file_download_endpoint" in listed[0]  # a URL only while the bytes are kept
            assert kept == (flag == "--keep-content"), listed
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _body(wire: bytes, chunked: bool, length: int = 0):
    from email.message import Message

    from vcl_fake.server import _Body

    headers = Message()
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(length)
    return _Body(io.BufferedReader(io.BytesIO(wire), 64), headers)


def _drain(body, switch: int, step: int) -> bytes:
    """Chunks for ``switch`` reads, then ``read_into`` ``step`` bytes at a time."""
    out = bytearray()
    chunks = iter(body)
    for _ in range(switch):
        chunk = next(chunks, None)
        if chunk is None:
            return bytes(out)
        out += chunk
    buffer = memoryview(bytearray(step))
    while count := body.read_into(buffer):
        out += buffer[:count]
    return bytes(out)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(min_size=1, max_size=300), max_size=6),
    st.integers(0, 4),
    st.integers(1, 200),
    st.booleans(),
)
def test_a_body_reads_the_same_as_chunks_or_straight_into_buffers(parts, switch, step, chunked):
    data = b"".join(parts)
    if chunked:
        wire = b"".join(b"%x;ext=1\r\n%b\r\n" % (len(p), p) for p in parts) + b"0\r\nT: v\r\n\r\n"
    else:
        wire = data
    body = _body(wire + b"NEXT", chunked, len(data))
    assert _drain(body, switch, step) == data
    assert body.done and body.rfile.read() == b"NEXT"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.integers(0, 3), st.integers(1, 100))
def test_any_chunked_wire_reads_or_fails_with_a_framing_or_connection_error(wire, switch, step):
    from vcl_fake.server import FramingError

    body = _body(wire, True)
    try:
        _drain(body, switch, step)
    except (FramingError, ConnectionError):
        return
    assert body.done


@pytest.mark.parametrize(
    ("transfer", "status", "file_status"),
    [({"corrupt": True}, 200, "ERROR"), ({"fail_after": 3 * MIB + 1}, 500, "ERROR")],
)
def test_scripted_transfers_of_a_large_served_upload_keep_their_script(
    served, transfer, status, file_status, monkeypatch
):
    """A scripted transfer never takes the straight reads (they would bypass the script)."""
    from vcl_fake.backend import transfers

    monkeypatch.setattr(transfers._DirectWriter, "read_into", None)  # any use would fail
    vc, url, http, item = served
    vc.load_scenario(
        {
            "version": 1,
            "name": "s",
            "rules": [{"match": {"operation": "upload"}, "then": {"transfer": transfer}}],
        }
    )
    data = os.urandom(5 * MIB)
    session_id = http.post(url + SESSIONS, json={"library_item_id": item}).json()
    checksum = {"algorithm": "SHA256", "checksum": hashlib.sha256(data).hexdigest()}
    spec = {"name": "big.iso", "source_type": "PUSH", "size": len(data), "checksum_info": checksum}
    uri = http.post(f"{url}{SESSIONS}/{session_id}/file", json=spec).json()["upload_endpoint"][
        "uri"
    ]
    assert http.put(uri, data=data).status_code == status
    info = http.get(f"{url}{SESSIONS}/{session_id}/file/big.iso").json()
    assert info["status"] == file_status

"""Server hardening: silent clients, connection limits, framing errors, address families."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import time
from email.message import Message

import pytest
from conftest import served_login
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.server import FramingError, body_length


def _ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def address(url: str) -> tuple[str, int]:
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    return host.strip("[]"), int(port)


def exchange(url: str, payload: bytes) -> bytes:
    """Send raw bytes over plain HTTP; everything the server answers before closing."""
    with socket.create_connection(address(url), timeout=5) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def vapi_error(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def test_a_silent_tls_client_blocks_neither_others_nor_the_exit():
    vc = FakeVCenter("silent.example.com", clock=ManualClock())
    with vc.serve() as url:
        silent = socket.create_connection(address(url), timeout=5)  # never says ClientHello
        start = time.monotonic()
        http = served_login(url, str(vc.server.ca_file))
        assert http.get(url + "/api/content/library", timeout=5).json() == []
        assert time.monotonic() - start < 3
        leaving = time.monotonic()
    assert time.monotonic() - leaving < 3  # serve() exits although the silent client is open
    assert silent.recv(1) == b""  # and its connection was closed
    silent.close()


def test_a_silent_handshake_times_out(monkeypatch):
    monkeypatch.setattr("vcl_fake.server.SLOW_CLIENT_TIMEOUT", 0.3)
    vc = FakeVCenter("silent.example.com", clock=ManualClock())
    with vc.serve() as url, socket.create_connection(address(url), timeout=5) as silent:
        start = time.monotonic()
        assert silent.recv(1) == b""
        assert time.monotonic() - start < 3


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_at_the_cap_the_longest_idle_connection_makes_room(monkeypatch, tls):
    """Over MAX_CONNECTIONS no connection is dropped: the one idle the longest (silent since
    it connected, or between requests) is closed, and the new one is served."""
    monkeypatch.setattr("vcl_fake.server.MAX_CONNECTIONS", 3)
    vc = FakeVCenter("bounded.example.com", clock=ManualClock())
    with vc.serve(tls=tls) as url:
        context = ssl.create_default_context(cafile=str(vc.server.ca_file)) if tls else None
        held = []
        for _ in range(3):
            sock = socket.create_connection(address(url), timeout=5)
            if context is not None:  # handshaken: idle between requests, not silent
                sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
            held.append(sock)
            time.sleep(0.05)  # an order of idleness: held[0] is the longest idle
        try:
            verify = str(vc.server.ca_file) if tls else False
            first = served_login(url, verify)  # reclaims held[0], the longest idle
            assert first.get(url + "/api/content/library", timeout=5).status_code == 200
            assert held[0].recv(1) == b""  # closed to make room
            second = served_login(url, verify)  # held[1] is now idle the longest
            assert second.get(url + "/api/content/library", timeout=5).status_code == 200
            assert held[1].recv(1) == b""
            second.close()
            assert first.get(url + "/api/content/library", timeout=5).status_code == 200
            first.close()
            assert held[2].getpeername()  # never the longest idle: still open
        finally:
            for sock in held:
                sock.close()


def test_at_the_cap_with_every_connection_busy_a_new_one_waits_its_turn(monkeypatch):
    monkeypatch.setattr("vcl_fake.server.MAX_CONNECTIONS", 2)
    vc = FakeVCenter("busy.example.com", clock=ManualClock())
    with vc.serve(tls=False) as url:
        busy = []
        for _ in range(2):  # requests whose bodies have not all arrived: not idle
            sock = socket.create_connection(address(url), timeout=5)
            sock.sendall(b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
            busy.append(sock)
        time.sleep(0.2)
        waiting = socket.create_connection(address(url), timeout=5)
        waiting.sendall(b"GET /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        waiting.settimeout(0.5)
        with pytest.raises(TimeoutError):  # not served while both slots are busy, not closed
            waiting.recv(1)
        busy[0].sendall(b"cdefghij")  # that request ends (401: no credentials): a slot frees
        assert busy[0].recv(12).startswith(b"HTTP/1.1 401")
        busy[0].close()
        waiting.settimeout(5)
        answer = b""
        while chunk := waiting.recv(65536):  # Connection: close: the whole answer, then EOF
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 404 ")
        assert json.loads(body)["messages"][0]["id"] == "com.vmware.vapi.rest.httpNotFound"
        for sock in (waiting, busy[1]):
            sock.close()


def test_a_request_line_and_headers_trickling_in_meet_one_deadline(monkeypatch):
    """Each read has its own timeout, which a byte now and then would reset: the request
    line and headers have SLOW_CLIENT_TIMEOUT in all."""
    monkeypatch.setattr("vcl_fake.server.SLOW_CLIENT_TIMEOUT", 0.6)
    vc = FakeVCenter("trickle.example.com", clock=ManualClock())
    with vc.serve(tls=False) as url, socket.create_connection(address(url), timeout=5) as slow:
        start = time.monotonic()
        closed = False
        for byte in b"GET /api HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - start > 3:
                break
        if not closed:
            slow.settimeout(2)
            with contextlib.suppress(ConnectionResetError):
                assert slow.recv(1) == b""
        assert time.monotonic() - start < 3
        http = served_login(url)  # others are served as before
        assert http.get(url + "/api/content/library", timeout=5).status_code == 200
        http.close()


def test_stop_does_not_wait_for_a_slot(monkeypatch):
    monkeypatch.setattr("vcl_fake.server.MAX_CONNECTIONS", 1)
    vc = FakeVCenter("stopping.example.com", clock=ManualClock())
    with vc.serve(tls=False) as url:
        busy = socket.create_connection(address(url), timeout=5)
        busy.sendall(b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        time.sleep(0.1)
        extra = socket.create_connection(address(url), timeout=5)
        time.sleep(0.1)
        leaving = time.monotonic()
    assert time.monotonic() - leaving < 3
    assert busy.recv(1) == b"" and extra.recv(1) == b""
    busy.close()
    extra.close()


@pytest.fixture(scope="module")
def served_plain():
    vc = FakeVCenter("framing.example.com", clock=ManualClock())
    vc.library = vc.create_library("templates")
    with vc.serve(tls=False) as url:
        yield vc, url


@pytest.fixture
def plain(served_plain):
    return served_plain[1]


def upload_path(vc: FakeVCenter, url: str) -> bytes:
    """The path of a live upload URL (a fresh item and session)."""
    http = served_login(url)
    item = vc.create_item(vc.library, f"item-{time.monotonic_ns()}")
    sessions = url + "/api/content/library/item/update-session"
    session = http.post(sessions, json={"library_item_id": item}, timeout=5).json()
    spec = {"name": "a.iso", "source_type": "PUSH"}
    info = http.post(f"{sessions}/{session}/file", json=spec, timeout=5).json()
    return info["upload_endpoint"]["uri"].removeprefix(url).encode()


@pytest.mark.parametrize(
    ("headers", "body", "why"),
    [
        (b"Content-Length: abc\r\n", b"", "Content-Length 'abc' is not a number of bytes"),
        (b"Content-Length: -5\r\n", b"", "Content-Length '-5' is not a number of bytes"),
        (b"Content-Length: 3\r\nContent-Length: 4\r\n", b"abc", "conflicting Content-Length"),
        (
            b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
            b"0\r\n\r\n",
            "both Transfer-Encoding and Content-Length",
        ),
        (b"Transfer-Encoding: gzip\r\n", b"", "unsupported Transfer-Encoding 'gzip'"),
        (b"Transfer-Encoding: chunked\r\n", b"zz\r\nab\r\n0\r\n\r\n", "bad chunk size line"),
        (b"Transfer-Encoding: chunked\r\n", b"-1\r\n", "bad chunk size line"),
        (b"Transfer-Encoding: chunked\r\n", b"2\r\nabXY0\r\n\r\n", "not followed by CRLF"),
    ],
)
@pytest.mark.parametrize("path", [b"/api/session", b"upload", b"/_vcl_fake/clock/advance"])
def test_bad_framing_gets_a_clean_400(served_plain, headers, body, why, path):
    vc, plain = served_plain
    path = upload_path(vc, plain) if path == b"upload" else path
    token = b"vcl-fake-token: " + vc.server.control_token.encode() + b"\r\n"
    request = b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + token + headers + b"\r\n" + body
    status, error = vapi_error(exchange(plain, request))
    assert status == 400
    assert error["error_type"] == "INVALID_REQUEST"
    assert error["messages"][0]["id"] == "vcl_fake.server.request_refused"
    assert why in error["messages"][0]["default_message"]
    assert served_login(plain).get(plain + "/api/content/library", timeout=5).status_code == 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Content-Length", "Transfer-Encoding", "content-length"]),
            st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=25),
        ),
        max_size=4,
    )
)
def test_body_length_reads_or_refuses_any_header_values(pairs):
    headers = Message()
    for name, value in pairs:
        headers[name] = value
    try:
        chunked, length = body_length(headers)
    except FramingError:
        return
    assert length >= 0 and (not chunked or length == 0)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200))
def test_any_chunked_body_gets_an_http_answer(plain, tail):
    request = b"PUT /cls/data/none/a.iso HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    with socket.create_connection(address(plain), timeout=5) as sock:
        sock.sendall(request + tail)
        sock.shutdown(socket.SHUT_WR)  # the client has said everything
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    if answer:  # nothing at all only when the body simply ended early
        status = int(answer.split(b" ", 2)[1])
        assert status in (400, 404), answer


@pytest.mark.parametrize("bind", ["127.0.0.1", "localhost", "::1"])
def test_ipv4_and_ipv6_binds(bind):
    if ":" in bind and not _ipv6_available():
        pytest.skip("this machine has no IPv6 loopback")
    vc = FakeVCenter("family.example.com", clock=ManualClock())
    with vc.serve(bind) as url:
        expected = {"::1": "https://[::1]:", "localhost": "https://127.0.0.1:"}.get(
            bind, f"https://{bind}:"
        )
        assert url.startswith(expected)
        http = served_login(url, str(vc.server.ca_file))
        assert http.get(url + "/api/content/library", timeout=5).json() == []
        token = {"vcl-fake-token": vc.server.control_token}
        assert http.get(url + "/_vcl_fake/clock", headers=token, timeout=5).status_code == 200


def test_ipv4_mapped_loopback_is_loopback():
    from vcl_fake.server import is_loopback

    assert is_loopback("::ffff:127.0.0.1")
    assert is_loopback("::1%lo")
    assert not is_loopback("::ffff:10.0.0.1")
    assert not is_loopback("not an address")


def test_tls_handshake_failures_leave_the_server_serving():
    vc = FakeVCenter("tls.example.com", clock=ManualClock())
    with vc.serve() as url:
        with socket.create_connection(address(url), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP to a TLS port
            with contextlib.suppress(ConnectionResetError):
                assert sock.recv(1024)[:1] in (b"", b"\x15")  # a TLS alert, or nothing
        context = ssl.create_default_context()  # does not trust the generated CA
        with (
            socket.create_connection(address(url), timeout=5) as sock,
            pytest.raises(ssl.SSLCertVerificationError),
        ):
            context.wrap_socket(sock, server_hostname="127.0.0.1")
        http = served_login(url, str(vc.server.ca_file))
        assert http.get(url + "/api/content/library", timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"200000\r\n" + bytes(2 << 20) + b"\r\nzz\r\n", "bad chunk size line"),
        (b"200000\r\n" + bytes(2 << 20) + b"XYZ", "not followed by CRLF"),
        (b"100000\r\n" + bytes(1 << 20) + b"\r\n1000\r\n" + bytes(4096) + b"\r\n-1\r\n", "bad"),
    ],
)
def test_bad_framing_past_the_first_mib_of_an_upload_gets_a_clean_400(served_plain, body, why):
    """Past the first MiB an upload is read straight into the spool's buffers: framing is
    checked there all the same, and the spool's threads are gone when the answer leaves."""
    import threading

    vc, plain = served_plain
    head = b"PUT " + upload_path(vc, plain) + b" HTTP/1.1\r\nHost: x\r\n"
    status, error = vapi_error(exchange(plain, head + b"Transfer-Encoding: chunked\r\n\r\n" + body))
    assert status == 400
    assert why in error["messages"][0]["default_message"]
    assert not [t for t in threading.enumerate() if t.name in ("vcl-fake-spool", "vcl-fake-hash")]
    assert served_login(plain).get(plain + "/api/content/library", timeout=5).status_code == 200

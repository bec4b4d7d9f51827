"""Every HTTP client: the httpx transports (in-process and served) and served mode for
``requests``, answering from the same application."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
import requests
from conftest import PASSWORD, SESSIONS, USER

from vcl_fake import FakeVCenter, ManualClock

AUTH = (USER, PASSWORD)


def upload_flow(client: httpx.Client, vc: FakeVCenter, item: str) -> str:
    client.headers["vmware-api-session-id"] = client.post("/api/session", auth=AUTH).json()
    session_id = client.post(SESSIONS, json={"library_item_id": item}).json()
    spec = {"name": "a.iso", "source_type": "PUSH", "size": 6}
    added = client.post(f"{SESSIONS}/{session_id}/file", json=spec)
    assert added.status_code == 200, added.text
    uri = added.json()["upload_endpoint"]["uri"]
    assert client.put(uri, content=iter([b"abc", b"def"])).status_code == 200  # streamed
    assert client.post(f"{SESSIONS}/{session_id}", params={"action": "complete"}).status_code == 204
    return session_id


def test_httpx_transport_serves_a_whole_upload():
    vc = FakeVCenter(clock=ManualClock(), seed=1)
    item = vc.create_item(vc.create_library("templates"), "photon-5")
    with httpx.Client(transport=vc.httpx_transport(), base_url=vc.url) as client:
        session_id = upload_flow(client, vc, item)
    assert vc.get_session(session_id)["state"] == "DONE"
    assert vc.read_item_file(item, "a.iso") == b"abcdef"
    assert [c.operation for c in vc.calls] == [
        "session.login",
        "update_session.create",
        "file.add",
        "upload",
        "update_session.complete",
    ]


def test_async_httpx_transport():
    vc = FakeVCenter(clock=ManualClock(), seed=1)
    item = vc.create_item(vc.create_library("templates"), "photon-5")

    async def flow() -> list[int]:
        async with httpx.AsyncClient(transport=vc.async_httpx_transport(), base_url=vc.url) as c:
            login = await c.post("/api/session", auth=AUTH)
            c.headers["vmware-api-session-id"] = login.json()
            created = await c.post(SESSIONS, json={"library_item_id": item})
            missing = await c.get(f"{SESSIONS}/nope:nope")
            return [login.status_code, created.status_code, missing.status_code]

    assert asyncio.run(flow()) == [201, 201, 404]
    assert vc.calls[-1].outcome == "NOT_FOUND"


def test_httpx_transport_refuses_other_hosts():
    vc = FakeVCenter()
    with (
        httpx.Client(transport=vc.httpx_transport()) as client,
        pytest.raises(
            httpx.ConnectError,
            match=re.escape("answers for 'vcenter.example.com' only, not 'vcenter.exmaple.com'"),
        ),
    ):
        client.get("https://vcenter.exmaple.com/api")


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("connection_error", httpx.ReadError),
        ("read_timeout", httpx.ReadTimeout),
        ("truncated_body", httpx.RemoteProtocolError),
    ],
)
def test_httpx_transport_renders_scripted_faults(fault, error):
    scenario = {
        "version": 1,
        "name": "f",
        "rules": [{"match": {"operation": "library.list"}, "then": {"fault": fault}}],
    }
    vc = FakeVCenter(scenario=scenario)
    with httpx.Client(transport=vc.httpx_transport(), base_url=vc.url) as client:
        client.headers["vmware-api-session-id"] = client.post("/api/session", auth=AUTH).json()
        with pytest.raises(error):
            client.get("/api/content/library")
    assert vc.calls[-1].outcome == f"fault {fault}"


def test_served_mode_sends_requests_and_httpx_through_a_socket():
    vc = FakeVCenter(clock=ManualClock(), seed=1, served=True)
    item = vc.create_item(vc.create_library("templates"), "photon-5")
    assert vc.server is None
    with vc:
        served_url = vc.server.url
        with requests.Session() as http:
            login = http.post(f"{vc.url}/api/session", auth=AUTH)
            assert (login.status_code, login.url) == (201, f"{vc.url}/api/session")
            pool = login.raw._pool  # answered over a real connection to the served socket
            assert f"https://{pool.host}:{pool.port}" == served_url
            http.headers["vmware-api-session-id"] = login.json()
            session_id = http.post(f"{vc.url}{SESSIONS}", json={"library_item_id": item}).json()
            spec = {"name": "a.iso", "source_type": "PUSH", "size": 3}
            uri = http.post(f"{vc.url}{SESSIONS}/{session_id}/file", json=spec).json()[
                "upload_endpoint"
            ]["uri"]
            assert uri.startswith("https://vcenter.example.com:443/cls/data/")  # the Host header
            assert http.put(uri, data=b"abc").status_code == 200
        with httpx.Client(transport=vc.httpx_transport(), base_url=vc.url) as client:
            client.headers["vmware-api-session-id"] = login.json()
            done = client.post(f"{SESSIONS}/{session_id}", params={"action": "complete"})
            assert done.status_code == 204
        with vc.serve() as again:  # serving an already served fake yields its URL
            assert again == served_url
    assert vc.server is None  # stopped with the fake
    assert vc.read_item_file(item, "a.iso") == b"abc"
    assert vc.get_session(session_id)["state"] == "DONE"

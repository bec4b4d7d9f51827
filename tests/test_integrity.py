"""Data integrity: concurrent uploads to one URL, and an all-or-nothing commit."""

from __future__ import annotations

import hashlib
import threading

import pytest
import requests
from conftest import SESSIONS, assert_error

from vcl_fake.backend import inventory


def push(api, item: str, name: str = "disk.iso") -> tuple[str, str]:
    session_id = api.create_session(item)
    info = api.post(f"{SESSIONS}/{session_id}/file", json={"name": name, "source_type": "PUSH"})
    assert info.status_code == 200, info.text
    return session_id, info.json()["upload_endpoint"]["uri"]


def test_a_retry_while_the_first_upload_streams_wins_and_the_first_is_dropped(vc, api, item):
    session_id, uri = push(api, item)
    halfway, go_on = threading.Event(), threading.Event()

    def slow():  # 2000 bytes, stalled after the first 1000
        yield b"a" * 1000
        halfway.set()
        assert go_on.wait(10)
        yield b"a" * 1000

    first: dict[str, requests.Response] = {}
    thread = threading.Thread(target=lambda: first.update(r=requests.put(uri, data=slow())))
    thread.start()
    assert halfway.wait(10)
    retry = requests.put(uri, data=b"0123456789")  # the client retries with the real bytes
    assert retry.status_code == 200
    go_on.set()
    thread.join(10)
    body = assert_error(
        first["r"], 409, "CONCURRENT_CHANGE", "com.vmware.vdcs.cls-main.transfer_superseded"
    )
    assert "superseded by a later upload" in body["messages"][0]["default_message"]

    info = api.get(f"{SESSIONS}/{session_id}/file/disk.iso").json()
    assert (info["status"], info["size"], info["bytes_transferred"]) == ("READY", 10, 10)
    assert api.action(session_id, "complete").status_code == 204
    files = {f["name"]: f for f in vc.get_item(item)["files"]}
    assert files["disk.iso"]["size"] == 10
    assert vc.read_item_file(item, "disk.iso") == b"0123456789"
    outcomes = [c.outcome for c in vc.calls if c.operation == "upload"]
    assert sorted(outcomes) == ["CONCURRENT_CHANGE", "success"]


def test_a_retry_after_the_first_upload_finished_replaces_it(vc, api, item):
    session_id, uri = push(api, item)
    assert requests.put(uri, data=b"x" * 2000).status_code == 200
    assert requests.put(uri, data=b"y" * 10).status_code == 200
    info = api.get(f"{SESSIONS}/{session_id}/file/disk.iso").json()
    assert (info["size"], info["bytes_transferred"]) == (10, 10)
    assert api.action(session_id, "complete").status_code == 204
    assert vc.read_item_file(item, "disk.iso") == b"y" * 10


def test_a_failing_commit_changes_nothing(vc, api, item, monkeypatch):
    session_id = api.create_session(item)
    uris = []
    for name in ("a.iso", "b.iso"):
        info = api.post(f"{SESSIONS}/{session_id}/file", json={"name": name, "source_type": "PUSH"})
        uris.append(info.json()["upload_endpoint"]["uri"])
    for uri in uris:
        assert requests.put(uri, data=b"data").status_code == 200
    before = vc.get_item(item)
    real = inventory.ItemFile
    made = []

    def breaks_on_the_second(**fields):
        made.append(fields["name"])
        if len(made) == 2:
            raise OSError("disk full")
        return real(**fields)

    monkeypatch.setattr("vcl_fake.backend.files.ItemFile", breaks_on_the_second)
    assert_error(api.action(session_id, "complete"), 500, "INTERNAL_SERVER_ERROR")
    assert vc.get_item(item) == before  # no file, no new content version
    assert api.session(session_id)["state"] == "ACTIVE"
    monkeypatch.setattr("vcl_fake.backend.files.ItemFile", real)
    assert api.action(session_id, "complete").status_code == 204
    assert sorted(f["name"] for f in vc.get_item(item)["files"]) == ["a.iso", "b.iso"]


@pytest.mark.parametrize("retries", [2, 5])
def test_concurrent_uploads_to_one_url_leave_a_consistent_file(vc, api, item, retries):
    session_id, uri = push(api, item)
    payloads = [bytes([65 + n]) * (100 * (n + 1)) for n in range(retries)]
    start = threading.Barrier(retries)

    def send(payload: bytes) -> None:
        start.wait(10)
        requests.put(uri, data=(payload[i : i + 7] for i in range(0, len(payload), 7)))

    threads = [threading.Thread(target=send, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    info = api.get(f"{SESSIONS}/{session_id}/file/disk.iso").json()
    assert info["status"] == "READY"
    assert api.action(session_id, "complete").status_code == 204
    data = vc.read_item_file(item, "disk.iso")
    assert data in payloads  # one whole attempt, never a mix
    stored = {f["name"]: f for f in vc.get_item(item)["files"]}["disk.iso"]
    assert stored["size"] == len(data) == info["size"]
    assert stored["checksum_info"]["checksum"] == hashlib.sha1(data).hexdigest()

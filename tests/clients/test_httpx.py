"""httpx, an HTTP stack that ``responses`` does not intercept, against the served fake: a
whole upload with a streamed body, verified with the served CA."""

from __future__ import annotations

import hashlib
import ssl

from conftest import PASSWORD, SESSIONS, USER

from clients.conftest import find_client

httpx = find_client("httpx")

DATA = b"\x00\x01photon" * 10_000


def test_an_upload_with_httpx(fake_vcenter, served_vcenter):
    library = fake_vcenter.create_library("isos")
    item = fake_vcenter.create_item(library, "tiny", type="iso")
    with httpx.Client(
        base_url=served_vcenter.url,
        verify=ssl.create_default_context(cafile=str(served_vcenter.ca_file)),
        timeout=30,
    ) as http:
        login = http.post("/api/session", auth=(USER, PASSWORD))
        assert login.status_code == 201
        http.headers["vmware-api-session-id"] = login.json()
        session_id = http.post(SESSIONS, json={"library_item_id": item}).json()
        spec = {
            "name": "tiny.iso",
            "source_type": "PUSH",
            "size": len(DATA),
            "checksum_info": {"algorithm": "SHA256", "checksum": hashlib.sha256(DATA).hexdigest()},
        }
        added = http.post(f"{SESSIONS}/{session_id}/file", json=spec)
        assert added.status_code == 200, added.text
        uri = added.json()["upload_endpoint"]["uri"]
        assert uri.startswith(served_vcenter.url + "/cls/data/")
        chunks = (DATA[i : i + 8192] for i in range(0, len(DATA), 8192))  # sent chunked
        assert http.put(uri, content=chunks).status_code == 200
        done = http.post(f"{SESSIONS}/{session_id}", params={"action": "complete"})
        assert done.status_code == 204
        assert http.get(f"{SESSIONS}/{session_id}").json()["state"] == "DONE"
    assert fake_vcenter.read_item_file(item, "tiny.iso") == DATA
    assert [c.operation for c in fake_vcenter.calls] == [
        "session.login",
        "update_session.create",
        "file.add",
        "upload",
        "update_session.complete",
        "update_session.get",
    ]

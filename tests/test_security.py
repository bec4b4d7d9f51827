"""Security properties: sessions, tokens, upload URLs, file names, and what input can reach."""

from __future__ import annotations

import json
import os
import tempfile

import pytest
import requests
from conftest import SESSIONS, Api, assert_error
from wire import Wire, invoke

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.contract.operations import TABLE

PROTECTED = sorted(a for a in TABLE if a != "session.login")


def api_request(vc, alias, token):
    op = TABLE[alias]
    path = op.api.template
    for var in op.api.path_vars:
        path = path.replace("{" + var + "}", "x")
    params = {k: v or "x" for k, v in op.api.dispatch.items()}
    headers = {"vmware-api-session-id": token} if token is not None else {}
    return requests.request(op.api.method, vc.url + path, params=params, headers=headers, json={})


def snapshot(vc):
    b = vc._backend
    return (
        dict(b._sessions.sessions),
        dict(b._inventory.items),
        dict(b._inventory.libraries),
        len(b._auth.sessions),
    )


@pytest.mark.parametrize("alias", PROTECTED)
@pytest.mark.parametrize("credential", ["missing", "unknown", "logged-out", "other-fake"])
def test_every_operation_refuses_a_bad_session(vc, item, alias, credential):
    api = Api(vc)
    token = (
        {"missing": None, "unknown": "f" * 32, "logged-out": api.token}[credential]
        if credential != "other-fake"
        else None
    )
    if credential == "logged-out":
        api.delete("/api/session")
    if credential == "other-fake":
        with FakeVCenter("other.example.com") as other:
            token = Api(other).token
    before = snapshot(vc)
    response = api_request(vc, alias, token)
    assert_error(
        response, 401, "UNAUTHENTICATED", "com.vmware.vapi.endpoint.method.authentication.required"
    )
    assert snapshot(vc) == before


@pytest.mark.parametrize("alias", PROTECTED)
def test_every_operation_refuses_a_bad_session_over_jsonrpc_and_rest(vc, alias):
    route = TABLE[alias].rest
    ids = {route.id_param: "x"} if route.id_param else {}
    wire = Wire(vc, token="bogus")
    rpc = wire.envelope(invoke(TABLE[alias], {}, "bogus"))
    rest = wire.call("rest", alias, **ids)
    required = "com.vmware.vapi.endpoint.method.authentication.required"
    assert (rpc.status, rpc.error_type, rpc.message["id"]) == (200, "UNAUTHENTICATED", required)
    assert (rest.status, rest.error_type, rest.message["id"]) == (401, "UNAUTHENTICATED", required)


def test_api_tokens_are_unguessable(vc):
    tokens = {Api(vc).token for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) == 32 and int(t, 16) >= 0 for t in tokens)  # 128 bits from secrets


def test_upload_urls_carry_256_random_bits_even_with_a_seed():
    uris = []
    for host in ("seed-a.example.com", "seed-b.example.com"):
        with FakeVCenter(host, clock=ManualClock(), seed=42) as vc:
            api = Api(vc)
            session_id = api.create_session(vc.create_item(vc.create_library("l"), "i"))
            for n in range(50):
                uris.append(
                    api.post(
                        f"{SESSIONS}/{session_id}/file",
                        json={"name": f"f{n}", "source_type": "PUSH"},
                    ).json()["upload_endpoint"]["uri"]
                )
    tokens = [u.rsplit("/", 2)[-2] for u in uris]
    assert len(set(tokens)) == 100  # the same seed does not repeat them
    assert all(len(t) == 64 for t in tokens)


@pytest.mark.parametrize(
    "end", ["cancel", "fail", "complete", "expire", "delete", "remove", "re-add"]
)
def test_upload_urls_die_with_their_session_or_file(vc, api, item, clock, end):
    session_id = api.create_session(item)
    files = f"{SESSIONS}/{session_id}/file"
    uri = api.post(files, json={"name": "a.iso", "source_type": "PUSH", "size": 1}).json()[
        "upload_endpoint"
    ]["uri"]
    if end == "complete":
        assert requests.put(uri, data=b"x").status_code == 200
        api.action(session_id, "complete")
    elif end in ("cancel", "delete"):
        api.action(session_id, "cancel")
        if end == "delete":
            api.delete(f"{SESSIONS}/{session_id}")
    elif end == "fail":
        api.action(session_id, "fail", client_error_message="x")
    elif end == "expire":
        clock.advance(301)
    elif end == "remove":
        api.delete(f"{files}/a.iso")
    else:
        api.post(files, json={"name": "a.iso", "source_type": "PUSH"})
    assert requests.put(uri, data=b"x").status_code == 404
    assert requests.post(uri, data=b"x").status_code == 404


def test_file_names_never_become_paths(vc, api, item, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    session_id = api.create_session(item)
    files = f"{SESSIONS}/{session_id}/file"
    for name in ("../../etc/passwd", "..", "a/b", "a\\b", "/abs", "nul\x00"):
        assert_error(
            api.post(files, json={"name": name, "source_type": "PUSH"}), 400, "INVALID_ARGUMENT"
        )
    big = b"\x01" * (9 * 1024 * 1024)  # past the in-memory threshold: spooled to disk
    uri = api.post(files, json={"name": "disk.vmdk", "source_type": "PUSH"}).json()[
        "upload_endpoint"
    ]["uri"]
    assert (
        requests.put(
            uri, data=(big[i : i + (1 << 20)] for i in range(0, len(big), 1 << 20))
        ).status_code
        == 200
    )
    api.action(session_id, "complete")
    assert vc.read_item_file(item, "disk.vmdk") == big
    assert os.listdir(tmp_path) == []  # spool files are anonymous: no name, no path to reach


def test_scenario_files_cannot_construct_objects(tmp_path):
    from vcl_fake.scenario import ScenarioError, read

    marker = tmp_path / "ran"
    for payload in (
        f"!!python/object/apply:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/module:os",
    ):
        with pytest.raises(ScenarioError, match="is not allowed"):
            read(f"version: 1\nname: x\ndescription: {payload}\n", name="evil.yaml")
    assert not marker.exists()


def test_xml_entities_are_refused(vc, api, item):
    session_id = api.create_session(item)
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Envelope>&lol2;</Envelope>'
    uri = api.post(
        f"{SESSIONS}/{session_id}/file", json={"name": "x.ovf", "source_type": "PUSH"}
    ).json()["upload_endpoint"]["uri"]
    requests.put(uri, data=bomb)
    info = api.get(f"{SESSIONS}/{session_id}/file/x.ovf").json()
    assert info["status"] == "ERROR"


def test_error_answers_never_leak_internals(vc, api):
    answers = [
        api.get("/api/nope"),
        api.post(SESSIONS, data=b"\xff"),
        api.post(SESSIONS, json={"library_item_id": {"$ne": 1}}),
    ]
    for response in answers:
        text = response.text
        assert "Traceback" not in text and "site-packages" not in text and 'File "' not in text
        json.loads(text)

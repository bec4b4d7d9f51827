"""The legacy /rest protocol: routes, envelopes, the same flows as /api, and govc's probe."""

from __future__ import annotations

import hashlib

import pytest
import requests
import trustme

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.contract.operations import TABLE

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"
REST = "/rest/com/vmware"
SESSIONS = f"{REST}/content/library/item/update-session"
FILES = f"{REST}/content/library/item/updatesession/file"
CLS = "com.vmware.vdcs.cls-main."


class Rest:
    def __init__(self, vc: FakeVCenter) -> None:
        self.vc = vc
        self.http = requests.Session()
        response = self.http.post(f"{vc.url}{REST}/cis/session", auth=(USER, PASSWORD))
        assert response.status_code == 200
        self.http.headers["vmware-api-session-id"] = response.json()["value"]

    def __getattr__(self, method):
        return lambda path, **kw: self.http.request(method.upper(), self.vc.url + path, **kw)


def assert_rest_error(response, status, error_type, message_id=None):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"type", "value"}
    assert body["type"] == "com.vmware.vapi.std.errors." + error_type.lower()
    assert body["value"]["error_type"] == error_type
    if message_id:
        assert body["value"]["messages"][0]["id"] == message_id
    return body["value"]


@pytest.fixture
def vc():
    with FakeVCenter(clock=ManualClock(), seed=2) as fake:
        yield fake


@pytest.fixture
def rest(vc):
    return Rest(vc)


@pytest.fixture
def item(vc):
    return vc.create_item(vc.create_library("templates"), "photon-5")


def test_login_logout_and_session_info(vc, rest):
    info = rest.post(f"{REST}/cis/session", params={"~action": "get"})
    assert info.json() == {
        "value": {
            "user": USER,
            "created_time": "2026-01-01T00:00:00.000Z",
            "last_accessed_time": "2026-01-01T00:00:00.000Z",
        }
    }
    assert rest.delete(f"{REST}/cis/session").status_code == 200
    assert_rest_error(rest.get(f"{REST}/content/library"), 401, "UNAUTHENTICATED")
    bad = requests.post(f"{vc.url}{REST}/cis/session", auth=(USER, "nope"))
    assert_rest_error(
        bad, 401, "UNAUTHENTICATED", "com.vmware.vapi.endpoint.method.authentication.required"
    )
    assert bad.headers["WWW-Authenticate"] == 'Basic realm="VAPI endpoint"'


def test_a_whole_upload_over_rest(vc, rest, item):
    data = b"payload" * 100
    created = rest.post(
        SESSIONS,
        json={
            "create_spec": {"library_item_id": item},
            "client_token": "3f1d2c4b-0000-4a00-8000-000000000001",
        },
    )
    assert created.status_code == 200
    session_id = created.json()["value"]
    got = rest.get(f"{SESSIONS}/id:{session_id}").json()["value"]
    assert (got["state"], got["preview_info"], got["client_progress"]) == (
        "ACTIVE",
        {"state": "UNAVAILABLE"},
        0,
    )
    spec = {
        "name": "a.iso",
        "source_type": "PUSH",
        "size": len(data),
        "checksum_info": {"algorithm": "SHA256", "checksum": hashlib.sha256(data).hexdigest()},
    }
    added = rest.post(
        f"{FILES}/id:{session_id}", params={"~action": "add"}, json={"file_spec": spec}
    )
    assert added.json()["value"]["status"] == "WAITING_FOR_TRANSFER"
    assert (
        requests.put(added.json()["value"]["upload_endpoint"]["uri"], data=data).status_code == 200
    )
    one = rest.post(
        f"{FILES}/id:{session_id}", params={"~action": "get"}, json={"file_name": "a.iso"}
    )
    assert one.json()["value"]["status"] == "READY"
    listed = rest.get(FILES, params={"update_session_id": session_id}).json()["value"]
    assert [f["name"] for f in listed] == ["a.iso"]
    valid = rest.post(f"{FILES}/id:{session_id}", params={"~action": "validate"})
    assert valid.json() == {
        "value": {"has_errors": False, "missing_files": [], "invalid_files": []}
    }
    keep = rest.post(
        f"{SESSIONS}/id:{session_id}",
        params={"~action": "keep-alive"},
        json={"client_progress": 90},
    )
    assert (keep.status_code, keep.content) == (200, b"")
    patched = rest.patch(
        f"{SESSIONS}/id:{session_id}", json={"update_spec": {"warning_behavior": []}}
    )
    assert patched.status_code == 200
    done = rest.post(f"{SESSIONS}/id:{session_id}", params={"~action": "complete"})
    assert (done.status_code, done.content) == (200, b"")
    assert rest.get(f"{SESSIONS}/id:{session_id}").json()["value"]["state"] == "DONE"
    assert rest.get(SESSIONS, params={"library_item_id": item}).json() == {"value": [session_id]}
    assert rest.delete(f"{SESSIONS}/id:{session_id}").status_code == 200
    item_model = rest.get(f"{REST}/content/library/item/id:{item}").json()["value"]
    assert (item_model["content_version"], item_model["size"]) == ("2", len(data))
    files = rest.get(f"{REST}/content/library/item/file", params={"library_item_id": item}).json()[
        "value"
    ]
    assert files[0]["checksum_info"]["algorithm"] == "SHA256"
    named = rest.post(
        f"{REST}/content/library/item/file/id:{item}",
        params={"~action": "get"},
        json={"name": "a.iso"},
    )
    assert named.json()["value"] == files[0]
    assert vc.read_item_file(item, "a.iso") == data
    assert {c.protocol for c in vc.calls} == {"rest", "data"}, [
        (c.protocol, c.operation) for c in vc.calls
    ]


def test_libraries_and_items_over_rest(rest):
    backing = [{"type": "DATASTORE", "datastore_id": "datastore-11"}]
    lib = rest.post(
        f"{REST}/content/local-library",
        json={"create_spec": {"name": "isos", "storage_backings": backing}},
    ).json()["value"]
    assert rest.get(f"{REST}/content/library").json() == {"value": [lib]}
    assert rest.get(f"{REST}/content/local-library/id:{lib}").json()["value"]["name"] == "isos"
    item = rest.post(
        f"{REST}/content/library/item",
        json={"create_spec": {"library_id": lib, "name": "x", "type": "iso"}},
    ).json()["value"]
    assert rest.get(f"{REST}/content/library/item", params={"library_id": lib}).json() == {
        "value": [item]
    }
    assert rest.delete(f"{REST}/content/library/item/id:{item}").status_code == 200
    assert rest.delete(f"{REST}/content/local-library/id:{lib}").status_code == 200


def test_errors_carry_the_typed_envelope(rest, item):
    value = assert_rest_error(
        rest.get(f"{SESSIONS}/id:nope"), 404, "NOT_FOUND", CLS + "update_session_not_found"
    )
    assert value["messages"][0]["args"] == ["nope"]
    session_id = rest.post(SESSIONS, json={"create_spec": {"library_item_id": item}}).json()[
        "value"
    ]
    assert_rest_error(
        rest.post(SESSIONS, json={"create_spec": {"library_item_id": item}}), 400, "RESOURCE_BUSY"
    )
    assert_rest_error(
        rest.delete(f"{SESSIONS}/id:{session_id}"), 400, "NOT_ALLOWED_IN_CURRENT_STATE"
    )
    bad = assert_rest_error(
        rest.post(SESSIONS, json={"create_spec": {"library_item_id": 5}}), 400, "INVALID_ARGUMENT"
    )
    assert "create_spec.library_item_id" in bad["messages"][0]["default_message"]
    typo = assert_rest_error(rest.post(SESSIONS, json={"create_spce": {}}), 400, "INVALID_ARGUMENT")
    assert typo["messages"][0]["args"] == ["create_spce", "operation-input"]
    assert_rest_error(
        rest.post(SESSIONS, data="[1]", headers={"Content-Type": "application/json"}),
        400,
        "INVALID_ARGUMENT",
    )
    not_found = "com.vmware.vapi.rest.httpNotFound"
    assert_rest_error(rest.get(f"{REST}/content/nothing"), 404, "NOT_FOUND", not_found)
    assert_rest_error(
        rest.post(f"{SESSIONS}/id:{session_id}", params={"~action": "explode"}),
        404,
        "NOT_FOUND",
        not_found,
    )
    wrong = assert_rest_error(
        rest.put(f"{SESSIONS}/id:{session_id}"),
        404,
        "OPERATION_NOT_FOUND",
        "com.vmware.vapi.rest.httpMethodNotAllowed",
    )
    assert wrong["messages"][0]["args"][2] == "DELETE, GET, PATCH, POST"


@pytest.mark.parametrize("alias", sorted(TABLE))
def test_every_operation_has_a_reachable_route(vc, rest, alias):
    op = TABLE[alias]
    path = op.rest.base + ("/id:x" if op.rest.id_param else "")
    params = {"~action": op.rest.action} if op.rest.action else {}
    response = (
        rest.request(op.rest.method, path, params=params)
        if False
        else rest.http.request(op.rest.method, vc.url + path, params=params)
    )
    value = response.json().get("value") if response.status_code == 404 else None
    assert value is None or value["messages"][0]["id"] not in (
        "com.vmware.vapi.rest.httpNotFound",
        "com.vmware.vapi.rest.httpMethodNotAllowed",
    ), alias
    assert vc.calls[-1].operation == alias


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def test_probe(vc, rest, ca):
    vc.add_source("http://depot.example.org/a.iso", b"abc")
    pem = ca.issue_cert("secure.example.org").cert_chain_pems[0].bytes().decode()
    vc.add_source("https://secure.example.org/b.iso", b"abc", certificate=pem)

    def probe(uri, **endpoint):
        response = rest.post(
            FILES, params={"~action": "probe"}, json={"source_endpoint": {"uri": uri, **endpoint}}
        )
        assert response.status_code == 200
        return response.json()["value"]

    assert probe("http://depot.example.org/a.iso") == {"status": "SUCCESS", "error_messages": []}
    unknown = probe("http://depot.example.org/missing.iso")
    assert (unknown["status"], unknown["error_messages"][0]["id"]) == (
        "INVALID_URL",
        CLS + "http_request_error",
    )
    assert (
        probe("ftp://x/y")["error_messages"][0]["id"] == CLS + "file_probe_unsupported_uri_scheme"
    )
    untrusted = probe("https://secure.example.org/b.iso")
    assert untrusted["status"] == "CERTIFICATE_ERROR"
    assert untrusted["ssl_certificate"] == pem
    assert len(untrusted["ssl_thumbprint"].split(":")) == 20
    pinned = probe(
        "https://secure.example.org/b.iso", ssl_certificate_thumbprint=untrusted["ssl_thumbprint"]
    )
    assert pinned["status"] == "SUCCESS"
    vc.trust(ca.cert_pem.bytes().decode())
    assert probe("https://secure.example.org/b.iso")["status"] == "SUCCESS"
    assert vc.calls[-1].operation == "file.probe"

"""Session files and PUSH uploads over /api and the data plane (first slice of issue 3)."""

from __future__ import annotations

import hashlib

import pytest
import requests
from conftest import SESSIONS, assert_error

CLS = "com.vmware.vdcs.cls-main."
ALGORITHMS = {
    "MD5": hashlib.md5,
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
}


def files_url(session_id: str) -> str:
    return f"{SESSIONS}/{session_id}/file"


def add_push(api, session_id, name="disk.vmdk", data=None, algorithm=None, **spec):
    if data is not None:
        spec.setdefault("size", len(data))
        if algorithm:
            spec["checksum_info"] = {
                "algorithm": algorithm,
                "checksum": ALGORITHMS[algorithm](data).hexdigest(),
            }
    response = api.post(files_url(session_id), json={"name": name, "source_type": "PUSH", **spec})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def seeded_item(vc, library):
    return vc.create_item(
        library, "seeded", files=[{"name": "old.ovf", "size": 10, "checksum": "a" * 40}]
    )


def test_new_session_lists_the_item_files(api, seeded_item):
    session_id = api.create_session(seeded_item)
    response = api.get(files_url(session_id))
    assert response.status_code == 200
    assert response.json() == [
        {
            "name": "old.ovf",
            "source_type": "NONE",
            "size": 10,
            "checksum_info": {"algorithm": "SHA1", "checksum": "a" * 40},
            "bytes_transferred": 10,
            "status": "READY",
            "keep_in_storage": True,
        }
    ]


def test_add_push_returns_an_unguessable_upload_url(api, item):
    session_id = api.create_session(item)
    info = add_push(api, session_id, size=5)
    uri = info["upload_endpoint"]["uri"]
    prefix = "https://vcenter.example.com:443/cls/data/"
    assert uri.startswith(prefix) and uri.endswith("/disk.vmdk")
    token = uri[len(prefix) : -len("/disk.vmdk")]
    assert len(token) >= 32 and int(token, 16) >= 0  # at least 128 bits of hex
    assert info["status"] == "WAITING_FOR_TRANSFER"
    assert info["bytes_transferred"] == 0
    assert "size" not in info  # present once READY
    other = add_push(api, session_id, name="other.vmdk")
    assert other["upload_endpoint"]["uri"].split("/")[-2] != token


def test_upload_urls_are_built_from_the_url_the_client_asked(api, vc, item):
    session_id = api.create_session(item)
    add_push(api, session_id, size=3)
    listed = api.http.get(f"http://VCENTER.example.com:8080{files_url(session_id)}").json()
    uri = listed[0]["upload_endpoint"]["uri"]
    assert uri.startswith("http://vcenter.example.com:8080/cls/data/")
    assert requests.put(uri, data=b"abc").status_code == 200
    again = api.get(f"{files_url(session_id)}/disk.vmdk").json()["upload_endpoint"]["uri"]
    assert again == uri.replace("http://", "https://").replace(":8080", ":443")


@pytest.mark.parametrize("algorithm", ["MD5", "SHA1", "SHA256", "SHA512"])
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_upload_with_every_checksum_algorithm(api, vc, item, algorithm, method):
    data = b"0123456789abcdef" * 4096
    session_id = api.create_session(item)
    info = add_push(api, session_id, data=data, algorithm=algorithm)
    chunks = (data[i : i + 7000] for i in range(0, len(data), 7000))
    response = requests.request(
        method, info["upload_endpoint"]["uri"], data=chunks, headers={"Content-Type": "text/ovf"}
    )
    assert response.status_code == 200
    assert response.content == b""
    got = api.get(f"{files_url(session_id)}/disk.vmdk").json()
    assert (got["status"], got["size"], got["bytes_transferred"]) == ("READY", len(data), len(data))
    assert api.action(session_id, "complete").status_code == 204
    files = vc.get_item(item)["files"]
    assert files == [
        {
            "name": "disk.vmdk",
            "size": len(data),
            "cached": True,
            "version": "1",
            "checksum_info": {
                "algorithm": algorithm,
                "checksum": ALGORITHMS[algorithm](data).hexdigest(),
            },
            "file_download_endpoint": None,
        }
    ]
    assert vc.read_item_file(item, "disk.vmdk") == data
    assert vc.get_item(item)["content_version"] == "2"
    over_api = api.get(f"/api/content/library/item/{item}/file").json()
    direct = over_api[0].pop("file_download_endpoint")  # the API call's origin gives the URL
    assert direct == (
        f"{vc.url}:443/cls/static/{vc.get_item(item)['library_id']}/{item}/disk.vmdk?version=1"
    )
    assert over_api == [{k: v for k, v in files[0].items() if v is not None}]
    over_api[0]["file_download_endpoint"] = direct
    one = api.get(f"/api/content/library/item/{item}/file", params={"name": "disk.vmdk"})
    assert one.json() == over_api[0]
    assert api.get(f"/api/content/library/item/{item}").json()["size"] == len(data)


def test_size_mismatch_fails_file_and_session(api, vc, item):
    session_id = api.create_session(item)
    info = add_push(api, session_id, size=10)
    assert requests.put(info["upload_endpoint"]["uri"], data=b"short").status_code == 200
    got = api.get(f"{files_url(session_id)}/disk.vmdk").json()
    assert got["status"] == "ERROR"
    assert got["error_message"]["args"] == ["disk.vmdk", "10", "5"]
    model = api.session(session_id)
    assert model["state"] == "ERROR"
    assert model["error_message"] == got["error_message"]
    body = assert_error(api.action(session_id, "complete"), 400, "NOT_ALLOWED_IN_CURRENT_STATE")
    assert body["messages"][0]["args"] == [
        "complete",
        "ERROR",
        "File disk.vmdk: expected 10 bytes but received 5.",
    ]
    assert vc.get_item(item)["content_version"] == "1"


def test_checksum_mismatch_names_expected_and_actual(api, item):
    session_id = api.create_session(item)
    expected = hashlib.sha256(b"right").hexdigest()
    info = add_push(api, session_id, checksum_info={"algorithm": "SHA256", "checksum": expected})
    requests.put(info["upload_endpoint"]["uri"], data=b"wrong")
    got = api.get(f"{files_url(session_id)}/disk.vmdk").json()
    assert got["error_message"]["id"] == CLS + "update_session_file_checksum_mismatch"
    assert got["error_message"]["args"] == [
        "disk.vmdk",
        "SHA256",
        expected,
        hashlib.sha256(b"wrong").hexdigest(),
    ]
    assert api.session(session_id)["state"] == "ERROR"


def test_complete_with_a_file_not_received_is_not_allowed(api, vc, item):
    session_id = api.create_session(item)
    add_push(api, session_id, size=3)
    body = assert_error(
        api.action(session_id, "complete"),
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_file_not_received",
    )
    assert body["messages"][0]["args"] == ["disk.vmdk", "WAITING"]
    assert api.session(session_id)["state"] == "ACTIVE"
    assert vc.get_item(item)["content_version"] == "1"


def test_upload_after_the_session_ended_is_refused(api, item):
    session_id = api.create_session(item)
    uri = add_push(api, session_id)["upload_endpoint"]["uri"]
    api.action(session_id, "cancel")
    assert_error(
        requests.put(uri, data=b"late"), 404, "NOT_FOUND", CLS + "transfer_endpoint_not_found"
    )


def test_upload_to_an_unknown_token_is_refused(vc):
    assert_error(requests.put(f"{vc.url}/cls/data/{'0' * 64}/x.iso", data=b"x"), 404, "NOT_FOUND")


def test_upload_url_dies_when_the_file_is_added_again(api, item):
    session_id = api.create_session(item)
    first = add_push(api, session_id)["upload_endpoint"]["uri"]
    second = add_push(api, session_id)["upload_endpoint"]["uri"]
    assert requests.put(first, data=b"x").status_code == 404
    assert requests.put(second, data=b"x").status_code == 200
    assert len(api.get(files_url(session_id)).json()) == 1


def test_upload_url_dies_when_the_session_expires(api, item, clock):
    session_id = api.create_session(item)
    uri = add_push(api, session_id)["upload_endpoint"]["uri"]
    clock.advance(301)
    assert requests.put(uri, data=b"x").status_code == 404


def test_upload_is_activity(api, item, clock):
    session_id = api.create_session(item)
    uri = add_push(api, session_id)["upload_endpoint"]["uri"]
    clock.advance(200)
    requests.put(uri, data=b"x")
    clock.advance(200)
    assert api.session(session_id)["state"] == "ACTIVE"


def test_remove_takes_effect_at_complete(api, vc, seeded_item):
    session_id = api.create_session(seeded_item)
    assert api.delete(f"{files_url(session_id)}/old.ovf").status_code == 204
    assert api.get(files_url(session_id)).json() == []
    assert [f["name"] for f in vc.get_item(seeded_item)["files"]] == ["old.ovf"]
    api.action(session_id, "complete")
    assert vc.get_item(seeded_item)["files"] == []


def test_replacing_an_item_file_bumps_its_version(api, vc, seeded_item):
    session_id = api.create_session(seeded_item)
    uri = add_push(api, session_id, name="old.ovf")["upload_endpoint"]["uri"]
    requests.put(uri, data=b"<Envelope/>")
    api.action(session_id, "complete")
    (f,) = vc.get_item(seeded_item)["files"]
    assert (f["name"], f["size"], f["version"]) == ("old.ovf", 11, "2")


@pytest.mark.parametrize("name", ["", "a/b", "a\\b", "..", ".", "bad\x01name", "x" * 300])
def test_add_refuses_names_that_are_not_plain(api, item, name):
    session_id = api.create_session(item)
    response = api.post(files_url(session_id), json={"name": name, "source_type": "PUSH"})
    assert_error(response, 400, "INVALID_ARGUMENT", CLS + "update_session_file_name_invalid")
    assert api.get(files_url(session_id)).json() == []


@pytest.mark.parametrize(
    ("spec", "message_id"),
    [
        ({"source_type": "PULL"}, "vapi.data.structure.union.missing"),
        (
            {"source_type": "PUSH", "source_endpoint": {"uri": "https://x/y"}},
            "vapi.data.structure.union.extra",
        ),
        ({"source_type": "PUSH", "size": -1}, CLS + "update_session_file_size_invalid"),
        (
            {"source_type": "PUSH", "checksum_info": {"algorithm": "CRC32", "checksum": "00"}},
            "vapi.bindings.typeconverter.enum.invalid.enum.type",
        ),
        (
            {"source_type": "PUSH", "checksum_info": {"algorithm": "SHA256", "checksum": "abc"}},
            CLS + "update_session_file_checksum_invalid",
        ),
        ({"source_type": "DIRECT"}, "vapi.bindings.typeconverter.enum.invalid.enum.type"),
    ],
)
def test_add_refuses_bad_specs(api, item, spec, message_id):
    session_id = api.create_session(item)
    response = api.post(files_url(session_id), json={"name": "f.iso", **spec})
    assert_error(response, 400, "INVALID_ARGUMENT", message_id)
    assert api.get(files_url(session_id)).json() == []


@pytest.mark.parametrize("op", ["get", "remove"])
def test_get_or_remove_of_a_name_not_in_the_session_is_invalid_argument(api, item, op):
    session_id = api.create_session(item)
    method = api.get if op == "get" else api.delete
    body = assert_error(
        method(f"{files_url(session_id)}/ghost.iso"),
        400,
        "INVALID_ARGUMENT",
        CLS + "update_session_file_not_found",
    )
    assert body["messages"][0]["args"] == [session_id, "ghost.iso"]


def test_file_operations_on_unknown_session_are_not_found(api):
    assert_error(api.get(files_url("a:b")), 404, "NOT_FOUND", CLS + "update_session_not_found")
    assert_error(
        api.post(files_url("a:b"), json={"name": "x", "source_type": "PUSH"}), 404, "NOT_FOUND"
    )
    assert_error(api.post(files_url("a:b"), params={"action": "validate"}), 404, "NOT_FOUND")


@pytest.mark.parametrize("op", ["add", "remove", "validate"])
def test_changes_on_an_ended_session_are_not_allowed_but_reads_are(api, seeded_item, op):
    session_id = api.create_session(seeded_item)
    api.action(session_id, "cancel")
    if op == "add":
        response = api.post(files_url(session_id), json={"name": "x", "source_type": "PUSH"})
    elif op == "remove":
        response = api.delete(f"{files_url(session_id)}/old.ovf")
    else:
        response = api.post(files_url(session_id), params={"action": "validate"})
    body = assert_error(
        response,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_invalid_state_for_operation",
    )
    assert body["messages"][0]["args"] == [op, "CANCELED"]
    assert api.get(files_url(session_id)).status_code == 200
    assert api.get(f"{files_url(session_id)}/old.ovf").status_code == 200


def test_validate_reports_failed_files(api, item):
    session_id = api.create_session(item)
    clean = api.post(files_url(session_id), params={"action": "validate"})
    assert clean.status_code == 200
    assert clean.json() == {"has_errors": False, "missing_files": [], "invalid_files": []}


def test_cancel_discards_staged_files(api, vc, item):
    session_id = api.create_session(item)
    uri = add_push(api, session_id)["upload_endpoint"]["uri"]
    requests.put(uri, data=b"data")
    api.action(session_id, "cancel")
    assert vc.get_item(item)["files"] == []


def test_keep_content_false_keeps_only_digests(library):
    from conftest import Api

    from vcl_fake import FakeVCenter, ManualClock

    with FakeVCenter("digests.example.com", clock=ManualClock(), keep_content=False) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        session_id = api.create_session(item)
        uri = add_push(api, session_id, data=b"abc", algorithm="SHA1")["upload_endpoint"]["uri"]
        requests.put(uri, data=b"abc")
        api.action(session_id, "complete")
        assert (
            vc.get_item(item)["files"][0]["checksum_info"]["checksum"]
            == hashlib.sha1(b"abc").hexdigest()
        )
        with pytest.raises(LookupError, match="not retained"):
            vc.read_item_file(item, "disk.vmdk")


def test_uploads_are_journaled(api, vc, item):
    session_id = api.create_session(item)
    uri = add_push(api, session_id)["upload_endpoint"]["uri"]
    requests.post(uri, data=b"12345")
    call = vc.calls[-1]
    assert (call.protocol, call.operation, call.outcome, call.result) == (
        "data",
        "upload",
        "success",
        "READY",
    )
    assert call.input == {"file_name": "disk.vmdk", "method": "POST", "bytes": 5}


def test_progress_is_visible_while_the_upload_streams(api, item):
    session_id = api.create_session(item)
    uri = add_push(api, session_id, size=3000)["upload_endpoint"]["uri"]
    seen = []

    def body():
        for _ in range(3):
            yield b"x" * 1000
            info = api.get(f"{files_url(session_id)}/disk.vmdk").json()
            seen.append((info["status"], info["bytes_transferred"]))

    assert requests.put(uri, data=body()).status_code == 200
    assert seen == [("TRANSFERRING", 1000), ("TRANSFERRING", 2000), ("TRANSFERRING", 3000)]
    assert api.get(f"{files_url(session_id)}/disk.vmdk").json()["status"] == "READY"


def test_a_broken_upload_reaches_the_client_and_can_be_retried(api, item):
    session_id = api.create_session(item)
    uri = add_push(api, session_id, size=4)["upload_endpoint"]["uri"]

    def body():
        yield b"ab"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError, match="client went away"):
        requests.put(uri, data=body())
    info = api.get(f"{files_url(session_id)}/disk.vmdk").json()
    assert (info["status"], info["bytes_transferred"]) == ("WAITING_FOR_TRANSFER", 0)
    assert api.session(session_id)["state"] == "ACTIVE"
    assert requests.put(uri, data=b"abcd").status_code == 200
    assert api.get(f"{files_url(session_id)}/disk.vmdk").json()["status"] == "READY"

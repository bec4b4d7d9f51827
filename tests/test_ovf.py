"""OVF and OVA awareness: references, manifests, metadata order, OVAs unpacked as they stream."""

from __future__ import annotations

import hashlib

import pytest
import requests
from conftest import SESSIONS, assert_error

from vcl_fake.packages import ova, ovf_package

CLS = "com.vmware.vdcs.cls-main."
DISK = bytes(range(256)) * 64
PACKAGE = ovf_package("photon", {"photon-disk1.vmdk": DISK})


def files_url(session_id: str) -> str:
    return f"{SESSIONS}/{session_id}/file"


def push(api, session_id, name, data, **spec):
    response = api.post(files_url(session_id), json={"name": name, "source_type": "PUSH", **spec})
    assert response.status_code == 200, response.text
    assert requests.put(response.json()["upload_endpoint"]["uri"], data=data).status_code == 200


def validate(api, session_id):
    response = api.post(files_url(session_id), params={"action": "validate"})
    assert response.status_code == 200, response.text
    return response.json()


def upload_package(api, session_id, package, skip=()):
    """Add the manifest first, then the descriptor, then the rest (the order vCenter needs)."""
    order = sorted(package, key=lambda n: (not n.endswith(".mf"), not n.endswith(".ovf")))
    for name in order:
        if name not in skip:
            push(api, session_id, name, package[name])


def test_a_clean_package_validates_and_commits_without_the_manifest(api, vc, item):
    session_id = api.create_session(item)
    upload_package(api, session_id, PACKAGE)
    assert validate(api, session_id) == {
        "has_errors": False,
        "missing_files": [],
        "invalid_files": [],
    }
    listed = {f["name"]: f for f in api.get(files_url(session_id)).json()}
    assert listed["photon.mf"]["keep_in_storage"] is False
    assert listed["photon.ovf"]["keep_in_storage"] is True
    assert api.action(session_id, "complete").status_code == 204
    assert sorted(f["name"] for f in vc.get_item(item)["files"]) == [
        "photon-disk1.vmdk",
        "photon.ovf",
    ]
    assert vc.read_item_file(item, "photon-disk1.vmdk") == DISK


def test_a_missing_disk_is_reported_and_blocks_complete(api, vc, item):
    session_id = api.create_session(item)
    upload_package(api, session_id, PACKAGE, skip={"photon-disk1.vmdk"})
    assert validate(api, session_id) == {
        "has_errors": True,
        "missing_files": ["photon-disk1.vmdk"],
        "invalid_files": [],
    }
    body = assert_error(
        api.action(session_id, "complete"),
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "session_has_missing_or_invalid_files",
    )
    assert body["messages"][0]["args"] == ["photon-disk1.vmdk ", ""]
    assert api.session(session_id)["state"] == "ACTIVE"
    push(api, session_id, "photon-disk1.vmdk", DISK)  # the client can still fix it
    assert api.action(session_id, "complete").status_code == 204
    assert vc.get_item(item)["content_version"] == "2"


def test_a_file_contradicting_the_manifest_is_invalid(api, item):
    session_id = api.create_session(item)
    tampered = dict(PACKAGE, **{"photon-disk1.vmdk": b"tampered" + DISK[8:]})
    upload_package(api, session_id, tampered)
    result = validate(api, session_id)
    assert result["has_errors"] is True and result["missing_files"] == []
    (invalid,) = result["invalid_files"]
    assert invalid["name"] == "photon-disk1.vmdk"
    assert invalid["error_message"]["id"] == CLS + "ovf_manifest_digest_mismatch"
    assert invalid["error_message"]["args"] == [
        "photon-disk1.vmdk",
        "SHA256",
        hashlib.sha256(DISK).hexdigest(),
        hashlib.sha256(tampered["photon-disk1.vmdk"]).hexdigest(),
    ]
    assert_error(api.action(session_id, "complete"), 400, "NOT_ALLOWED_IN_CURRENT_STATE")


@pytest.mark.parametrize("late", ["photon.mf", "photon.cert"])
def test_manifest_or_certificate_after_the_descriptor_is_not_allowed(api, item, late):
    session_id = api.create_session(item)
    push(api, session_id, "photon.ovf", PACKAGE["photon.ovf"])
    response = api.post(files_url(session_id), json={"name": late, "source_type": "PUSH"})
    body = assert_error(
        response,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_metadata_after_descriptor",
    )
    assert body["messages"][0]["args"] == [late, "photon.ovf"]


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("bad.ovf", b"<Envelope><References>", "not well-formed XML"),
        ("bad.ovf", b"<NotAnEnvelope/>", "not Envelope"),
        ("bad.ovf", b'<!DOCTYPE x [<!ENTITY a "b">]><Envelope/>', "not well-formed XML"),
        ("bad.mf", b"this is not a manifest\n", "manifest line 1"),
    ],
)
def test_malformed_metadata_puts_the_file_in_error(api, item, name, data, needle):
    session_id = api.create_session(item)
    push(api, session_id, name, data)
    info = api.get(f"{files_url(session_id)}/{name}").json()
    assert info["status"] == "ERROR"
    assert info["error_message"]["id"] == CLS + "ovf_package_invalid"
    assert needle in info["error_message"]["default_message"]
    assert api.session(session_id)["state"] == "ERROR"


def test_an_ova_is_unpacked_into_the_item_files(api, vc, item):
    blob = ova(PACKAGE)
    session_id = api.create_session(item)
    push(
        api,
        session_id,
        "photon.ova",
        (blob[i : i + 3000] for i in range(0, len(blob), 3000)),
        size=len(blob),
        checksum_info={"algorithm": "SHA1", "checksum": hashlib.sha1(blob).hexdigest()},
    )
    listed = {f["name"]: f for f in api.get(files_url(session_id)).json()}
    assert set(listed) == {"photon.ova", "photon.ovf", "photon.mf", "photon-disk1.vmdk"}
    assert all(f["status"] == "READY" for f in listed.values())
    assert listed["photon.ova"]["size"] == len(blob)
    assert listed["photon.ova"]["keep_in_storage"] is False
    assert listed["photon-disk1.vmdk"]["size"] == len(DISK)
    assert validate(api, session_id)["has_errors"] is False
    assert api.action(session_id, "complete").status_code == 204
    assert sorted(f["name"] for f in vc.get_item(item)["files"]) == [
        "photon-disk1.vmdk",
        "photon.ovf",
    ]
    assert vc.read_item_file(item, "photon.ovf") == PACKAGE["photon.ovf"]
    assert vc.read_item_file(item, "photon-disk1.vmdk") == DISK


def test_an_ova_with_a_tampered_disk_fails_validation(api, item):
    blob = ova(dict(PACKAGE, **{"photon-disk1.vmdk": b"x" * len(DISK)}))
    session_id = api.create_session(item)
    push(api, session_id, "photon.ova", blob)
    result = validate(api, session_id)
    assert [f["name"] for f in result["invalid_files"]] == ["photon-disk1.vmdk"]


def test_an_ova_missing_its_disk_reports_it(api, item):
    blob = ova({k: v for k, v in PACKAGE.items() if not k.endswith(".vmdk")})
    session_id = api.create_session(item)
    push(api, session_id, "photon.ova", blob)
    assert validate(api, session_id)["missing_files"] == ["photon-disk1.vmdk"]


@pytest.mark.parametrize(
    ("parts", "needle"),
    [
        ({"photon-disk1.vmdk": DISK, "photon.ovf": PACKAGE["photon.ovf"]}, "first member"),
        ({"photon.ovf": PACKAGE["photon.ovf"], "../evil.vmdk": b"x"}, "not a plain file name"),
        ({"photon.ovf": PACKAGE["photon.ovf"], "dir/disk.vmdk": b"x"}, "not a plain file name"),
        ({"photon.ovf": b"<broken"}, "not well-formed XML"),
        ({}, "holds no files"),
    ],
)
def test_bad_ovas_fail_cleanly(api, item, parts, needle):
    session_id = api.create_session(item)
    push(api, session_id, "photon.ova", ova(parts))
    info = api.get(f"{files_url(session_id)}/photon.ova").json()
    assert info["status"] == "ERROR"
    assert needle in info["error_message"]["default_message"]
    assert api.session(session_id)["state"] == "ERROR"
    assert [f["name"] for f in api.get(files_url(session_id)).json()] == ["photon.ova"]


def test_garbage_ova_fails_cleanly(api, item):
    session_id = api.create_session(item)
    push(api, session_id, "x.ova", b"\x00garbage" * 200)
    info = api.get(f"{files_url(session_id)}/x.ova").json()
    assert info["status"] == "ERROR"
    assert info["error_message"]["id"] == CLS + "ovf_package_invalid"


def test_an_ova_can_be_pulled(api, vc, item):
    blob = ova(PACKAGE)
    vc.add_source("https://depot.example.org/photon.ova", blob)
    session_id = api.create_session(item)
    response = api.post(
        files_url(session_id),
        json={
            "name": "photon.ova",
            "source_type": "PULL",
            "source_endpoint": {"uri": "https://depot.example.org/photon.ova"},
        },
    )
    assert response.json()["status"] == "READY"
    assert api.action(session_id, "complete").status_code == 204
    assert vc.read_item_file(item, "photon-disk1.vmdk") == DISK


def test_a_pulled_disk_contradicting_the_manifest_fails_a_deferred_complete(api, vc, item, clock):
    vc.add_source("http://depot.example.org/disk.vmdk", b"y" * len(DISK), rate=1000)
    session_id = api.create_session(item)
    upload_package(api, session_id, PACKAGE, skip={"photon-disk1.vmdk"})
    api.post(
        files_url(session_id),
        json={
            "name": "photon-disk1.vmdk",
            "source_type": "PULL",
            "source_endpoint": {"uri": "http://depot.example.org/disk.vmdk"},
        },
    )
    assert api.action(session_id, "complete").status_code == 204
    clock.advance(60)
    model = api.session(session_id)
    assert model["state"] == "ERROR"
    assert model["error_message"]["id"] == CLS + "session_has_missing_or_invalid_files"
    assert vc.get_item(item)["content_version"] == "1"

"""Preview info and signing-certificate warnings, walked through the official sample's flow:
create, add files, upload, poll preview until AVAILABLE, PATCH warning_behavior to ignore what
was seen, validate, complete, poll, delete."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import requests
from conftest import SESSIONS, assert_error
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from vcl_fake.packages import (
    certificate_authority,
    ova,
    ovf_package,
    sign,
    signed_ovf,
    signing_certificate,
)

CLS = "com.vmware.vdcs.cls-main."
UTC = dt.timezone.utc
DISK = b"\x00\x01" * 2048


@pytest.fixture(scope="module")
def root():
    return certificate_authority("CN=Test Root CA,O=Example")


@pytest.fixture(scope="module")
def trusted_signer(root):
    return signing_certificate("CN=Build Signer,O=Example", issuer=root)


@pytest.fixture(scope="module")
def self_signed():
    return signing_certificate("CN=Self Signer,O=Example")


def files_url(session_id):
    return f"{SESSIONS}/{session_id}/file"


def upload(api, session_id, package):
    """Manifest and certificate first, then the descriptor, then the disks."""

    def rank(name):
        return (0 if name.endswith((".mf", ".cert")) else 1 if name.endswith(".ovf") else 2, name)

    for name in sorted(package, key=rank):
        info = api.post(files_url(session_id), json={"name": name, "source_type": "PUSH"})
        assert info.status_code == 200, info.text
        assert (
            requests.put(info.json()["upload_endpoint"]["uri"], data=package[name]).status_code
            == 200
        )


def preview(api, session_id):
    return api.session(session_id)["preview_info"]


def ignore(api, session_id, types):
    body = {"warning_behavior": [{"type": t, "ignored": True} for t in types]}
    assert api.patch(f"{SESSIONS}/{session_id}", json=body).status_code == 204


def der_b64(pem):
    return base64.b64encode(
        x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)
    ).decode()


def sample_flow(api, vc, item, package):
    """The official sample up to the AVAILABLE preview; returns (session id, preview)."""
    session_id = api.create_session(item)
    assert preview(api, session_id) == {"state": "UNAVAILABLE"}
    upload(api, session_id, package)
    info = preview(api, session_id)
    assert info["state"] == "AVAILABLE"
    return session_id, info


def finish(api, vc, item, session_id):
    result = api.post(files_url(session_id), params={"action": "validate"})
    assert result.json() == {"has_errors": False, "missing_files": [], "invalid_files": []}
    assert api.action(session_id, "complete").status_code == 204
    assert api.session(session_id)["state"] == "DONE"
    assert "preview_info" not in api.session(session_id)
    assert api.delete(f"{SESSIONS}/{session_id}").status_code == 204
    assert vc.get_item(item)["content_version"] == "2"


def test_unsigned_package(api, vc, item):
    session_id, info = sample_flow(
        api, vc, item, ovf_package("photon", {"photon-disk1.vmdk": DISK})
    )
    assert info == {"state": "AVAILABLE", "warnings": []}
    finish(api, vc, item, session_id)


def test_package_signed_through_a_trusted_root(api, vc, item, root, trusted_signer):
    vc.trust(root.certificate_pem)
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, trusted_signer)
    session_id, info = sample_flow(api, vc, item, package)
    assert info == {
        "state": "AVAILABLE",
        "certificate_info": {
            "issuer": "CN=Test Root CA,O=Example",
            "subject": "CN=Build Signer,O=Example",
            "self_signed": False,
            "x509": trusted_signer.certificate_pem,
        },
        "cert_chain": [der_b64(trusted_signer.certificate_pem), der_b64(root.certificate_pem)],
        "warnings": [],
    }
    finish(api, vc, item, session_id)
    assert sorted(f["name"] for f in vc.get_item(item)["files"]) == [
        "photon-disk1.vmdk",
        "photon.ovf",
    ]


def test_self_signed_package_warns_and_fails_complete_until_ignored(api, vc, item, self_signed):
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, self_signed)
    session_id, info = sample_flow(api, vc, item, package)
    assert info["certificate_info"]["self_signed"] is True
    assert (
        info["certificate_info"]["issuer"]
        == info["certificate_info"]["subject"]
        == "CN=Self Signer,O=Example"
    )
    assert [(w["type"], w["ignored"]) for w in info["warnings"]] == [
        ("SELF_SIGNED_CERTIFICATE", False),
        ("UNTRUSTED_CERTIFICATE", False),
    ]
    assert [w["message"] for w in info["warnings"]] == [  # as a real vCenter words them
        {
            "id": "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_SELF_SIGNED",
            "default_message": "The certificate is self-signed.",
            "args": [],
        },
        {
            "id": "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_UNTRUSTED",
            "default_message": "The certificate is not trusted.",
            "args": [],
        },
    ]
    # The sample's step: ignore what was seen, then complete.
    ignore(api, session_id, [w["type"] for w in info["warnings"]])
    assert [w["ignored"] for w in preview(api, session_id)["warnings"]] == [True, True]
    finish(api, vc, item, session_id)


def test_complete_with_unignored_warnings_fails_the_session(api, vc, item, self_signed):
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, self_signed)
    session_id, _ = sample_flow(api, vc, item, package)
    ignore(api, session_id, ["SELF_SIGNED_CERTIFICATE"])
    body = assert_error(
        api.action(session_id, "complete"),
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_preview_warnings",
    )
    assert body["messages"][0]["args"] == ["UNTRUSTED_CERTIFICATE"]
    model = api.session(session_id)
    assert model["state"] == "ERROR"
    assert model["error_message"] == body["messages"][0]
    assert vc.get_item(item)["content_version"] == "1"


def test_warning_behavior_given_at_create(api, vc, item, self_signed):
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, self_signed)
    behavior = [
        {"type": "SELF_SIGNED_CERTIFICATE", "ignored": True},
        {"type": "UNTRUSTED_CERTIFICATE", "ignored": True},
    ]
    session_id = api.create_session(item, warning_behavior=behavior)
    upload(api, session_id, package)
    assert all(w["ignored"] for w in preview(api, session_id)["warnings"])
    assert api.action(session_id, "complete").status_code == 204


def test_self_signed_but_trusted_warns_only_self_signed(api, vc, item, self_signed):
    vc.trust(self_signed.certificate_pem)
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, self_signed)
    _, info = sample_flow(api, vc, item, package)
    assert [w["type"] for w in info["warnings"]] == ["SELF_SIGNED_CERTIFICATE"]


@pytest.mark.parametrize(
    ("not_before", "not_after", "expected", "message_id"),
    [
        (
            dt.datetime(2020, 1, 1, tzinfo=UTC),
            dt.datetime(2025, 1, 1, tzinfo=UTC),
            "EXPIRED_CERTIFICATE",
            "CERTIFICATE_EXPIRED",
        ),
        (
            dt.datetime(2027, 1, 1, tzinfo=UTC),
            dt.datetime(2030, 1, 1, tzinfo=UTC),
            "NOT_YET_VALID_CERTIFICATE",
            "CERTIFICATE_NOT_YET_VALID",
        ),
    ],
)
def test_validity_is_judged_on_the_fake_clock(
    api, vc, item, root, not_before, not_after, expected, message_id
):
    vc.trust(root.certificate_pem)
    signer = signing_certificate(
        "CN=Dated,O=Example", issuer=root, not_before=not_before, not_after=not_after
    )
    session_id, info = sample_flow(
        api, vc, item, signed_ovf("photon", {"photon-disk1.vmdk": DISK}, signer)
    )
    (warning,) = info["warnings"]
    assert warning["type"] == expected
    assert warning["message"]["id"] == "com.vmware.vdcs.vsphere-cs-lib." + message_id
    assert warning["message"]["args"] == []
    ignore(api, session_id, [expected])
    finish(api, vc, item, session_id)


def test_advancing_the_clock_makes_a_package_expire(api, vc, item, root, clock):
    vc.trust(root.certificate_pem)
    signer = signing_certificate(
        "CN=Short,O=Example", issuer=root, not_after=dt.datetime(2026, 1, 1, 0, 1, tzinfo=UTC)
    )
    session_id, info = sample_flow(
        api, vc, item, signed_ovf("photon", {"photon-disk1.vmdk": DISK}, signer)
    )
    assert info["warnings"] == []
    clock.advance(61)
    assert [w["type"] for w in preview(api, session_id)["warnings"]] == ["EXPIRED_CERTIFICATE"]


def test_unknown_ca_is_untrusted(api, vc, item, trusted_signer):
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, trusted_signer)  # root not trusted
    _, info = sample_flow(api, vc, item, package)
    assert [w["type"] for w in info["warnings"]] == ["UNTRUSTED_CERTIFICATE"]
    assert info["warnings"][0]["message"]["id"] == (
        "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_UNTRUSTED"
    )


def test_intermediate_ca_in_the_file_completes_the_chain(api, vc, item, root):
    vc.trust(root.certificate_pem)
    intermediate = certificate_authority("CN=Intermediate,O=Example", issuer=root)
    signer = signing_certificate("CN=Leaf,O=Example", issuer=intermediate)
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, signer)
    _, info = sample_flow(api, vc, item, package)
    assert info["warnings"] == []
    assert len(info["cert_chain"]) == 3


def test_missing_intermediate_is_untrusted(api, vc, item, root):
    vc.trust(root.certificate_pem)
    intermediate = certificate_authority("CN=Intermediate,O=Example", issuer=root)
    signer = signing_certificate("CN=Leaf,O=Example", issuer=intermediate)
    package = sign(ovf_package("photon", {"photon-disk1.vmdk": DISK}), signer, include_chain=False)
    _, info = sample_flow(api, vc, item, package)
    assert [w["type"] for w in info["warnings"]] == ["UNTRUSTED_CERTIFICATE"]


def test_tampered_manifest_fails_validation_not_preview(api, vc, item, root, trusted_signer):
    vc.trust(root.certificate_pem)
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, trusted_signer)
    package["photon.mf"] = package["photon.mf"] + b"\n"  # the signature no longer matches
    session_id, info = sample_flow(api, vc, item, package)
    assert info["warnings"] == []
    result = api.post(files_url(session_id), params={"action": "validate"}).json()
    assert result["has_errors"] is True
    (invalid,) = result["invalid_files"]
    assert invalid["name"] == "photon.cert"
    assert invalid["error_message"]["id"] == CLS + "ovf_signature_invalid"
    assert invalid["error_message"]["args"] == [
        "photon.cert",
        "photon.mf",
        "CN=Build Signer,O=Example",
    ]
    assert_error(
        api.action(session_id, "complete"),
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "session_has_missing_or_invalid_files",
    )
    assert api.session(session_id)["state"] == "ACTIVE"


def test_signature_by_another_key_fails_validation(api, vc, item, trusted_signer, self_signed):
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, self_signed)
    forged = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, trusted_signer)["photon.cert"]
    package["photon.cert"] = (
        package["photon.cert"].split(b"\n", 1)[0] + b"\n" + forged.split(b"\n", 1)[1]
    )
    session_id, _ = sample_flow(api, vc, item, package)
    result = api.post(files_url(session_id), params={"action": "validate"}).json()
    assert [f["name"] for f in result["invalid_files"]] == ["photon.cert"]


def test_disk_contradicting_a_signed_manifest_is_invalid(api, vc, item, self_signed):
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, self_signed)
    package["photon-disk1.vmdk"] = b"evil" + DISK[4:]
    session_id, _ = sample_flow(api, vc, item, package)
    result = api.post(files_url(session_id), params={"action": "validate"}).json()
    assert [f["name"] for f in result["invalid_files"]] == ["photon-disk1.vmdk"]


def test_malformed_certificate_file_is_a_file_error(api, item):
    session_id = api.create_session(item)
    upload(api, session_id, {"photon.cert": b"SHA256(photon.mf)= abcd\nno pem here\n"})
    info = api.get(f"{files_url(session_id)}/photon.cert").json()
    assert info["status"] == "ERROR"
    assert "no valid PEM certificate" in info["error_message"]["default_message"]


def test_preview_is_preparing_until_the_metadata_has_arrived(api, item):
    package = ovf_package("photon", {"photon-disk1.vmdk": DISK})
    session_id = api.create_session(item)
    uris = {}
    for name in ("photon.mf", "photon.ovf"):
        uris[name] = api.post(
            files_url(session_id), json={"name": name, "source_type": "PUSH"}
        ).json()["upload_endpoint"]["uri"]
    assert preview(api, session_id) == {"state": "PREPARING"}
    requests.put(uris["photon.ovf"], data=package["photon.ovf"])
    assert preview(api, session_id) == {"state": "PREPARING"}  # the manifest is still missing
    requests.put(uris["photon.mf"], data=package["photon.mf"])
    assert preview(api, session_id) == {"state": "AVAILABLE", "warnings": []}


def test_preview_of_a_signed_ova(api, vc, item, self_signed):
    blob = ova(signed_ovf("photon", {"photon-disk1.vmdk": DISK}, self_signed))
    session_id = api.create_session(item)
    info = api.post(
        files_url(session_id), json={"name": "photon.ova", "source_type": "PUSH"}
    ).json()
    assert preview(api, session_id) == {"state": "PREPARING"}
    requests.put(info["upload_endpoint"]["uri"], data=blob)
    got = preview(api, session_id)
    assert got["state"] == "AVAILABLE"
    assert got["certificate_info"]["subject"] == "CN=Self Signer,O=Example"
    assert [w["type"] for w in got["warnings"]] == [
        "SELF_SIGNED_CERTIFICATE",
        "UNTRUSTED_CERTIFICATE",
    ]
    ignore(api, session_id, ["SELF_SIGNED_CERTIFICATE", "UNTRUSTED_CERTIFICATE"])
    assert api.action(session_id, "complete").status_code == 204
    assert sorted(f["name"] for f in vc.get_item(item)["files"]) == [
        "photon-disk1.vmdk",
        "photon.ovf",
    ]


def test_not_applicable_after_complete_without_metadata(api, vc, item):
    vc.add_source("http://depot.example.org/win.iso", b"x" * 1000, rate=100)
    session_id = api.create_session(item)
    api.post(
        files_url(session_id),
        json={
            "name": "win.iso",
            "source_type": "PULL",
            "source_endpoint": {"uri": "http://depot.example.org/win.iso"},
        },
    )
    assert preview(api, session_id) == {"state": "UNAVAILABLE"}
    api.action(session_id, "complete")
    assert preview(api, session_id) == {"state": "NOT_APPLICABLE"}


def test_ecdsa_signatures_verify_too(api, vc, item):
    signer = signing_certificate("CN=EC Signer", key_type="ec")
    vc.trust(signer.certificate_pem)
    package = signed_ovf("photon", {"photon-disk1.vmdk": DISK}, signer, algorithm="SHA512")
    session_id, info = sample_flow(api, vc, item, package)
    assert [w["type"] for w in info["warnings"]] == ["SELF_SIGNED_CERTIFICATE"]
    ignore(api, session_id, ["SELF_SIGNED_CERTIFICATE"])
    finish(api, vc, item, session_id)

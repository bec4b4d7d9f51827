"""PULL transfers: sources, lazy progress on the fake clock, failures and TLS checks."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import trustme
from conftest import SESSIONS, Api, assert_error
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

CLS = "com.vmware.vdcs.cls-main."
DATA = bytes(range(256)) * 40  # 10240 bytes
URI = "https://depot.example.org/photon.iso"


def files_url(session_id: str) -> str:
    return f"{SESSIONS}/{session_id}/file"


def add_pull(api, session_id, uri=URI, name="photon.iso", **spec):
    endpoint = {"uri": uri, **spec.pop("endpoint", {})}
    response = api.post(
        files_url(session_id),
        json={"name": name, "source_type": "PULL", "source_endpoint": endpoint, **spec},
    )
    assert response.status_code == 200, response.text
    return response.json()


def file_info(api, session_id, name="photon.iso"):
    response = api.get(f"{files_url(session_id)}/{name}")
    assert response.status_code == 200
    return response.json()


def test_instant_pull_is_ready_at_once_and_commits(api, vc, item):
    vc.add_source(URI, DATA)
    session_id = api.create_session(item)
    info = add_pull(
        api,
        session_id,
        checksum_info={"algorithm": "SHA256", "checksum": hashlib.sha256(DATA).hexdigest()},
    )
    assert (info["status"], info["size"], info["bytes_transferred"]) == (
        "READY",
        len(DATA),
        len(DATA),
    )
    assert info["source_endpoint"] == {"uri": URI}
    assert "upload_endpoint" not in info
    assert api.action(session_id, "complete").status_code == 204
    assert api.session(session_id)["state"] == "DONE"
    assert vc.read_item_file(item, "photon.iso") == DATA
    assert vc.get_item(item)["content_version"] == "2"


def test_slow_pull_is_observed_mid_transfer(api, vc, item, clock):
    vc.add_source(URI, DATA, rate=1024)
    session_id = api.create_session(item)
    info = add_pull(api, session_id)
    assert (info["status"], info["bytes_transferred"]) == ("TRANSFERRING", 0)
    clock.advance(3)
    assert (
        file_info(api, session_id)["status"],
        file_info(api, session_id)["bytes_transferred"],
    ) == ("TRANSFERRING", 3072)
    clock.advance(4.5)
    assert file_info(api, session_id)["bytes_transferred"] == 7680
    clock.advance(2.5)
    done = file_info(api, session_id)
    assert (done["status"], done["size"], done["bytes_transferred"]) == (
        "READY",
        len(DATA),
        len(DATA),
    )


def test_complete_during_pulls_returns_at_once_and_finishes_later(api, vc, item, clock):
    vc.add_source(URI, DATA, rate=1024)
    session_id = api.create_session(item)
    add_pull(api, session_id)
    clock.advance(1)
    assert api.action(session_id, "complete").status_code == 204
    model = api.session(session_id)
    assert model["state"] == "ACTIVE"
    assert vc.get_item(item)["content_version"] == "1"
    response = api.post(files_url(session_id), json={"name": "x", "source_type": "PUSH"})
    assert_error(response, 400, "NOT_ALLOWED_IN_CURRENT_STATE", CLS + "update_session_completing")
    clock.advance(60)
    model = api.session(session_id)
    assert model["state"] == "DONE"
    # ended when the pull ended (t = 10 s), kept for the retention period from then
    assert model["expiration_time"] == "2026-01-01T00:05:10.000Z"
    assert vc.get_item(item)["content_version"] == "2"
    assert vc.read_item_file(item, "photon.iso") == DATA


def test_pull_failing_midway_fails_file_and_session(api, vc, item, clock):
    vc.add_source(URI, DATA, rate=1000, fail_after=4000)
    session_id = api.create_session(item)
    add_pull(api, session_id)
    api.action(session_id, "complete")
    clock.advance(3)
    assert file_info(api, session_id)["bytes_transferred"] == 3000
    clock.advance(2)
    info = file_info(api, session_id)
    assert (info["status"], info["bytes_transferred"]) == ("ERROR", 4000)
    assert info["error_message"]["id"] == CLS + "transfer_interrupted"
    library = vc.get_item(item)["library_id"]
    where = (
        f"ds:///vmfs/volumes/datastore-11/contentlib-{library}/{item}/photon.iso"
        f"?serverId={vc.get_library(library)['server_guid']}"
    )
    assert info["error_message"]["args"] == ["photon.iso", where, "connection reset by peer"]
    assert info["error_message"]["default_message"] == (
        f"Error transferring file photon.iso to {where}. Reason: Error during transfer of "
        f"{where}: connection reset by peer"
    )
    model = api.session(session_id)
    assert model["state"] == "ERROR"
    assert model["error_message"] == info["error_message"]
    assert vc.get_item(item)["content_version"] == "1"


def test_unregistered_source_says_so_and_how_to_register_it(api, item):
    session_id = api.create_session(item)
    uri = "http://nowhere.example.org/a.iso"
    info = add_pull(api, session_id, uri=uri)
    assert info["status"] == "ERROR"
    reason = (
        f"{uri} is not a registered source and this fake does not fetch real URLs; register "
        f"it with vc.add_source('{uri}', data) or a scenario's setup.sources, or let the fake "
        "fetch it (FakeVCenter(fetch=True), vcl-fake serve --fetch)"
    )
    assert info["error_message"] == {
        "id": CLS + "http_request_error",
        "default_message": f"HTTP request error: {reason}",
        "args": [reason],
    }
    assert api.session(session_id)["state"] == "ERROR"


def test_unknown_datastore_file(api, item):
    session_id = api.create_session(item)
    uri = "ds:///vmfs/volumes/ds1/iso/missing.iso"
    info = add_pull(api, session_id, uri=uri)
    assert info["error_message"]["id"] == CLS + "datastore_file_not_found"
    assert (
        f"register it with vc.add_source('{uri}', data)"
        in (info["error_message"]["default_message"])
    )


def test_datastore_and_path_sources(api, vc, item, tmp_path):
    disk = tmp_path / "disk.vmdk"
    disk.write_bytes(DATA)
    vc.add_source("ds:///vmfs/volumes/ds1/disk.vmdk", disk)
    session_id = api.create_session(item)
    info = add_pull(api, session_id, uri="ds:///vmfs/volumes/ds1/disk.vmdk", name="disk.vmdk")
    assert info["status"] == "READY"
    api.action(session_id, "complete")
    assert vc.read_item_file(item, "disk.vmdk") == DATA


def test_pull_checksum_mismatch(api, vc, item):
    vc.add_source(URI, DATA)
    session_id = api.create_session(item)
    info = add_pull(api, session_id, checksum_info={"algorithm": "MD5", "checksum": "0" * 32})
    assert info["status"] == "ERROR"
    assert info["error_message"]["args"] == [
        "photon.iso",
        "MD5",
        "0" * 32,
        hashlib.md5(DATA).hexdigest(),
    ]


def test_unsupported_scheme_is_invalid_argument(api, item):
    session_id = api.create_session(item)
    response = api.post(
        files_url(session_id),
        json={"name": "a.iso", "source_type": "PULL", "source_endpoint": {"uri": "ftp://x/a.iso"}},
    )
    assert_error(response, 400, "INVALID_ARGUMENT", CLS + "file_probe_unsupported_uri_scheme")
    assert api.get(files_url(session_id)).json() == []


def test_a_long_pull_keeps_the_session_alive(api, vc, item, clock):
    vc.add_source(URI, DATA, rate=10)  # 1024 s
    session_id = api.create_session(item)
    add_pull(api, session_id)
    clock.advance(1000)
    assert api.session(session_id)["state"] == "ACTIVE"
    clock.advance(24 + 300)
    assert file_info(api, session_id)["status"] == "READY"
    clock.advance(1)
    assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")


def test_cancel_during_a_pull(api, vc, item, clock):
    vc.add_source(URI, DATA, rate=100)
    session_id = api.create_session(item)
    add_pull(api, session_id)
    api.action(session_id, "complete")
    assert api.action(session_id, "cancel").status_code == 204
    clock.advance(200)
    assert api.session(session_id)["state"] == "CANCELED"
    assert vc.get_item(item)["files"] == []


def test_add_source_refuses_nonsense(vc):
    with pytest.raises(ValueError, match="http, https, ds or file"):
        vc.add_source("ftp://x/y", b"")
    with pytest.raises(ValueError, match="positive"):
        vc.add_source("http://x/y", b"", rate=0)
    with pytest.raises(ValueError, match="only https"):
        vc.add_source("http://x/y", b"", certificate="pem")


# --- TLS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def server_pem(ca):
    return ca.issue_cert("depot.example.org").cert_chain_pems[0].bytes().decode()


def fingerprint(pem: str, algorithm) -> str:
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)
    return algorithm(der).hexdigest()


def test_untrusted_chain_fails_as_peer_not_authenticated(api, vc, item, server_pem):
    vc.add_source(URI, DATA, certificate=server_pem)
    session_id = api.create_session(item)
    info = add_pull(api, session_id)
    assert info["status"] == "ERROR"
    assert info["error_message"]["id"] == CLS + "http_request_error_peer_not_authenticated"


def test_trusted_chain_is_accepted(api, vc, item, ca, server_pem):
    vc.trust(ca.cert_pem.bytes().decode())
    vc.add_source(URI, DATA, certificate=server_pem)
    session_id = api.create_session(item)
    assert add_pull(api, session_id)["status"] == "READY"


def test_trusted_chain_with_wrong_host_is_refused(api, vc, item, ca):
    vc.trust(ca.cert_pem.bytes().decode())
    pem = ca.issue_cert("other.example.org").cert_chain_pems[0].bytes().decode()
    vc.add_source(URI, DATA, certificate=pem)
    session_id = api.create_session(item)
    assert (
        add_pull(api, session_id)["error_message"]["id"]
        == CLS + "http_request_error_peer_not_authenticated"
    )


def test_expired_certificate_is_judged_on_the_fake_clock(api, vc, item, ca, clock):
    vc.trust(ca.cert_pem.bytes().decode())
    pem = (
        ca.issue_cert(
            "depot.example.org",
            not_before=dt.datetime(2025, 1, 1),
            not_after=dt.datetime(2026, 6, 1),
        )
        .cert_chain_pems[0]
        .bytes()
        .decode()
    )
    vc.add_source(URI, DATA, certificate=pem)
    session_id = api.create_session(item)
    assert add_pull(api, session_id)["status"] == "READY"
    api.action(session_id, "complete")
    clock.advance(200 * 86400)  # now past the certificate's notAfter
    api = Api(vc)  # the old login has expired too
    session_id = api.create_session(item)
    assert add_pull(api, session_id)["status"] == "ERROR"


@pytest.mark.parametrize("algorithm", [hashlib.sha256, hashlib.sha1])
def test_matching_thumbprint_skips_chain_validation(api, vc, item, server_pem, algorithm):
    vc.add_source(URI, DATA, certificate=server_pem)
    hexdigest = fingerprint(server_pem, algorithm).upper()
    thumbprint = ":".join(hexdigest[i : i + 2] for i in range(0, len(hexdigest), 2))
    session_id = api.create_session(item)
    assert (
        add_pull(api, session_id, endpoint={"ssl_certificate_thumbprint": thumbprint})["status"]
        == "READY"
    )


def test_thumbprint_mismatch(api, vc, item, server_pem):
    vc.add_source(URI, DATA, certificate=server_pem)
    session_id = api.create_session(item)
    info = add_pull(api, session_id, endpoint={"ssl_certificate_thumbprint": "AA:" * 31 + "AA"})
    assert info["status"] == "ERROR"
    assert info["error_message"]["id"] == CLS + "ssl_certificate_mismatch"
    assert api.session(session_id)["state"] == "ERROR"


def test_ssl_certificate_wins_over_the_thumbprint(api, vc, item, server_pem):
    vc.add_source(URI, DATA, certificate=server_pem)
    session_id = api.create_session(item)
    endpoint = {"ssl_certificate": server_pem, "ssl_certificate_thumbprint": "00:11"}
    assert add_pull(api, session_id, endpoint=endpoint)["status"] == "READY"


def test_ssl_certificate_mismatch(api, vc, item, ca, server_pem):
    vc.add_source(URI, DATA, certificate=server_pem)
    other = ca.issue_cert("depot.example.org").cert_chain_pems[0].bytes().decode()
    session_id = api.create_session(item)
    info = add_pull(api, session_id, endpoint={"ssl_certificate": other})
    assert info["error_message"]["id"] == CLS + "ssl_certificate_mismatch"


def test_trust_refuses_a_bad_pem(vc):
    with pytest.raises(ValueError):
        vc.trust("not a certificate")


def test_a_sized_source_generates_its_content(api, vc, item):
    vc.add_source("http://depot.example.org/big.iso", size=3 * 1024 * 1024 + 5)
    session_id = api.create_session(item)
    info = add_pull(api, session_id, uri="http://depot.example.org/big.iso", name="big.iso")
    assert (info["status"], info["size"]) == ("READY", 3 * 1024 * 1024 + 5)
    with pytest.raises(ValueError, match="data, a file path, or a size"):
        vc.add_source("http://depot.example.org/none.iso")

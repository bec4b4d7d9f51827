"""The uploader's tests, against vcl_fake: the ``fake_vcenter`` fixture answers every request
to https://vcenter.example.com in-process (or, with ``pytest --vcl-fake-served``, on a real
socket), and the marker configures it."""

from __future__ import annotations

import pytest
from uploader import UploadError, push, push_httpx

URL = "https://vcenter.example.com"
USER, PASSWORD = "administrator@vsphere.local", "VMware1!"
ISO = {"photon-5.iso": b"\x00" * 4096}


def test_uploads_an_iso_into_a_new_item(fake_vcenter):
    fake_vcenter.create_library("isos")

    item = push.upload_template(URL, USER, PASSWORD, "isos", "photon-5", ISO)

    assert (item["name"], item["type"], item["content_version"]) == ("photon-5", "iso", "2")
    item_id = fake_vcenter.find_item("isos", "photon-5")
    assert fake_vcenter.read_item_file(item_id, "photon-5.iso") == ISO["photon-5.iso"]
    assert fake_vcenter.sessions(item=item_id) == []  # deleted once DONE
    assert [c.operation for c in fake_vcenter.calls] == [
        "session.login",
        "library.find",
        "item.find",
        "item.create",
        "update_session.create",
        "file.add",
        "upload",
        "update_session.get",
        "file.validate",
        "update_session.complete",
        "update_session.get",
        "update_session.delete",
        "item.get",
    ]


def test_a_missing_library_is_reported(fake_vcenter):
    with pytest.raises(UploadError, match="no library named 'isos'"):
        push.upload_template(URL, USER, PASSWORD, "isos", "photon-5", ISO)


@pytest.mark.fake_vcenter(users={"ci": "s3cret"})
def test_a_wrong_password_is_reported(fake_vcenter):
    with pytest.raises(UploadError, match="POST /api/session: 401"):
        push.upload_template(URL, "ci", "wrong", "isos", "photon-5", ISO)


# --- the bundled scenarios, by name, with this project's library and item names ---------------
NAMES = {"library": "isos", "item": "photon-5"}


@pytest.mark.fake_vcenter(scenario="complete-503-then-success", scenario_params=NAMES)
def test_complete_is_retried_while_vcenter_is_busy(fake_vcenter):
    push.upload_template(URL, USER, PASSWORD, "isos", "photon-5", ISO)
    # the scenario's expectations (its rule fired, content_version 2) are checked after the test
    assert [c.status for c in fake_vcenter.calls if c.operation == "update_session.complete"] == [
        503,
        204,
    ]


@pytest.mark.fake_vcenter(scenario="connection-reset-during-upload", scenario_params=NAMES)
def test_a_reset_upload_is_sent_again(fake_vcenter):
    push.upload_template(URL, USER, PASSWORD, "isos", "photon-5", ISO)
    uploads = [c.outcome for c in fake_vcenter.calls if c.operation == "upload"]
    assert uploads == ["fault connection_error", "success"]


@pytest.mark.fake_vcenter(scenario="checksum-mismatch", scenario_params=NAMES)
def test_a_damaged_upload_fails_with_the_servers_reason(fake_vcenter):
    with pytest.raises(UploadError, match="expected SHA256 checksum"):
        push.upload_template(URL, USER, PASSWORD, "isos", "photon-5", ISO)
    (session,) = fake_vcenter.sessions(item="photon-5")
    assert session["state"] == "ERROR"  # left for an operator to read


# --- the same uploader on httpx, served by the fake's httpx transport ---------------------------
def test_the_httpx_uploader(fake_vcenter):
    fake_vcenter.create_library("isos")

    item = push_httpx.upload_template(
        URL, USER, PASSWORD, "isos", "photon-5", ISO, transport=fake_vcenter.httpx_transport()
    )

    assert item["content_version"] == "2"
    assert fake_vcenter.calls[-1].request.startswith("GET /api/content/library/item/")


@pytest.mark.fake_vcenter(scenario="checksum-mismatch", scenario_params=NAMES)
def test_the_httpx_uploader_under_a_scenario(fake_vcenter):
    with pytest.raises(UploadError, match="expected SHA256 checksum"):
        push_httpx.upload_template(
            URL, USER, PASSWORD, "isos", "photon-5", ISO, transport=fake_vcenter.httpx_transport()
        )

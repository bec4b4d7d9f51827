"""Spooled content is closed as soon as nothing holds it, and whatever a fake still holds is
closed with it: a consumer suite running with ``-W error`` never sees a ResourceWarning."""

from __future__ import annotations

import gc
import warnings

import pytest
import requests
from conftest import SESSIONS

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.packages import ova, ovf_package


def open_spools(vc: FakeVCenter) -> int:
    return len(vc._backend._files.spools)


def push(api, session_id: str, name: str, data: bytes, **spec) -> requests.Response:
    info = api.post(
        f"{SESSIONS}/{session_id}/file", json={"name": name, "source_type": "PUSH", **spec}
    )
    assert info.status_code == 200, info.text
    return requests.put(info.json()["upload_endpoint"]["uri"], data=data)


@pytest.mark.parametrize("end", ["cancel", "fail", "expire", "delete_item"])
def test_an_uncommitted_sessions_content_is_closed_when_it_ends(vc, api, item, clock, end):
    session_id = api.create_session(item)
    package = ovf_package("p", {"disk.vmdk": b"d" * 100})
    assert push(api, session_id, "p.ova", ova(package)).status_code == 200
    assert push(api, session_id, "extra.iso", b"x" * 10).status_code == 200
    assert open_spools(vc) == 4  # the OVA's descriptor, manifest and disk, and extra.iso
    if end == "cancel":
        assert api.action(session_id, "cancel").status_code == 204
    elif end == "fail":
        assert api.action(session_id, "fail", client_error_message="no").status_code == 204
    elif end == "expire":
        clock.advance(301)
        assert api.get(f"{SESSIONS}/{session_id}").status_code == 404
    else:
        assert api.action(session_id, "cancel").status_code == 204
        assert api.delete(f"/api/content/library/item/{item}").status_code == 204
    assert open_spools(vc) == 0


def test_failed_and_superseded_transfers_are_closed(vc, api, item):
    session_id = api.create_session(item)
    assert push(api, session_id, "a.iso", b"x" * 10, size=11).status_code == 200  # size mismatch
    assert open_spools(vc) == 0
    session_id = api.create_session(item)
    assert push(api, session_id, "a.iso", b"first").status_code == 200
    uri = api.get(f"{SESSIONS}/{session_id}/file/a.iso").json()["upload_endpoint"]["uri"]
    assert requests.put(uri, data=b"second").status_code == 200  # the first content is dropped
    assert open_spools(vc) == 1
    assert push(api, session_id, "a.iso", b"third").status_code == 200  # a.iso added again
    assert open_spools(vc) == 1
    assert api.delete(f"{SESSIONS}/{session_id}/file/a.iso").status_code == 204
    assert open_spools(vc) == 0


def test_committed_content_lives_with_the_fake(vc, api, item):
    for content in (b"one", b"two"):
        session_id = api.create_session(item)
        assert push(api, session_id, "a.iso", content).status_code == 200
        assert api.action(session_id, "complete").status_code == 204
        assert open_spools(vc) == 1  # the replaced content is closed (no download reads it)
        assert vc.read_item_file(item, "a.iso") == content
    spools = vc._backend._files.spools
    vc.reset()
    gc.collect()
    assert len(spools) == 0  # closed with the backend that held them


def test_a_dropped_fake_closes_what_it_held():
    vc = FakeVCenter("dropped.example.com", clock=ManualClock())
    with vc:
        import conftest

        api = conftest.Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        session_id = api.create_session(item)
        assert push(api, session_id, "kept.iso", b"x").status_code == 200
        assert api.action(session_id, "complete").status_code == 204
        spools = vc._backend._files.spools
        assert len(spools) == 1
        vc.reset()  # the old backend goes
        gc.collect()
        assert len(spools) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del vc, api
        gc.collect()


def test_a_consumer_suite_with_warnings_as_errors_passes(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import requests

        SESSIONS = "https://vcenter.example.com/api/content/library/item/update-session"

        def test_a_failing_upload(fake_vcenter):
            item = fake_vcenter.create_item(fake_vcenter.create_library("l"), "i")
            http = requests.Session()
            http.headers["vmware-api-session-id"] = http.post(
                "https://vcenter.example.com/api/session",
                auth=("administrator@vsphere.local", "VMware1!")).json()
            session_id = http.post(SESSIONS, json={"library_item_id": item}).json()
            for name in ("a.iso", "b.iso"):
                spec = {"name": name, "source_type": "PUSH"}
                info = http.post(f"{SESSIONS}/{session_id}/file", json=spec).json()
                http.put(info["upload_endpoint"]["uri"], data=b"0123456789")
            spec = {"name": "c.iso", "source_type": "PUSH", "size": 5}
            info = http.post(f"{SESSIONS}/{session_id}/file", json=spec).json()
            http.put(info["upload_endpoint"]["uri"], data=b"0123456789")
            assert http.get(f"{SESSIONS}/{session_id}").json()["state"] == "ERROR"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)

"""Every UpdateSession operation over /api: success and each documented error, exactly."""

from __future__ import annotations

import re
import uuid

import pytest
from conftest import SESSIONS, assert_error

CLS = "com.vmware.vdcs.cls-main."
SESSION_ID = re.compile(r"^[0-9a-f-]{36}:[0-9a-f-]{36}$")


def test_create_returns_201_and_a_real_looking_id(api, item):
    response = api.post(SESSIONS, json={"library_item_id": item})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    session_id = response.json()
    assert SESSION_ID.match(session_id)


def test_get_returns_the_documented_model(api, item, clock):
    session_id = api.create_session(item)
    response = api.get(f"{SESSIONS}/{session_id}")
    assert response.status_code == 200
    assert response.json() == {
        "library_item_id": item,
        "library_item_content_version": "1",
        "client_progress": 0,
        "state": "ACTIVE",
        "expiration_time": "2026-01-01T00:05:00.000Z",
        "preview_info": {"state": "UNAVAILABLE"},
        "warning_behavior": [],
    }


def test_create_keeps_warning_behavior(api, item):
    behavior = [{"type": "SELF_SIGNED_CERTIFICATE", "ignored": True}]
    session_id = api.create_session(item, warning_behavior=behavior)
    assert api.session(session_id)["warning_behavior"] == behavior


def test_create_unknown_item_is_not_found(api):
    response = api.post(SESSIONS, json={"library_item_id": "no-such-item"})
    body = assert_error(response, 404, "NOT_FOUND", CLS + "library_item_not_found")
    assert body["messages"][0]["args"] == ["no-such-item"]


def test_create_on_subscribed_library_is_invalid_element_type(api, vc):
    subscribed = vc.create_library("mirror", type="SUBSCRIBED")
    item = vc.create_item(subscribed, "copy")
    response = api.post(SESSIONS, json={"library_item_id": item})
    assert_error(response, 400, "INVALID_ELEMENT_TYPE", CLS + "update_session_subscribed_item")
    assert api.get(SESSIONS).json() == []


def test_second_active_session_is_resource_busy(api, item):
    first = api.create_session(item)
    response = api.post(SESSIONS, json={"library_item_id": item})
    body = assert_error(response, 400, "RESOURCE_BUSY", CLS + "update_session_item_busy")
    assert body["messages"][0]["args"] == [item, first]


@pytest.mark.parametrize("end", ["complete", "cancel", "fail"])
def test_ended_sessions_do_not_block_a_new_one(api, item, end):
    first = api.create_session(item)
    body = {"client_error_message": "x"} if end == "fail" else {}
    assert api.action(first, end, **body).status_code == 204
    second = api.create_session(item)
    assert second != first


def test_create_without_library_item_id_is_invalid_argument(api):
    response = api.post(SESSIONS, json={})
    body = assert_error(response, 400, "INVALID_ARGUMENT")
    assert "create_spec.library_item_id" in body["messages"][0]["default_message"]


def test_client_token_makes_create_idempotent(api, item):
    token = str(uuid.uuid4())
    first = api.post(SESSIONS, json={"library_item_id": item}, headers={"Client-Token": token})
    again = api.post(SESSIONS, json={"library_item_id": item}, headers={"Client-Token": token})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert api.get(SESSIONS).json() == [first.json()]


def test_client_token_also_accepted_as_client_token_parameter(api, item):
    token = str(uuid.uuid4())
    first = api.post(SESSIONS, json={"library_item_id": item}, params={"client_token": token})
    again = api.post(SESSIONS, json={"library_item_id": item}, headers={"Client-Token": token})
    assert first.json() == again.json()


def test_client_token_must_be_a_uuid(api, item):
    response = api.post(SESSIONS, json={"library_item_id": item}, headers={"Client-Token": "abc"})
    assert_error(response, 400, "INVALID_ARGUMENT", CLS + "client_token_invalid")
    assert api.get(SESSIONS).json() == []


def test_client_token_reused_for_another_item_is_invalid_argument(api, vc, library, item):
    other = vc.create_item(library, "other")
    token = str(uuid.uuid4())
    api.post(SESSIONS, json={"library_item_id": item}, headers={"Client-Token": token})
    response = api.post(SESSIONS, json={"library_item_id": other}, headers={"Client-Token": token})
    assert_error(response, 400, "INVALID_ARGUMENT", CLS + "client_token_reused")


def test_get_unknown_session_is_not_found(api):
    response = api.get(f"{SESSIONS}/nope:nope")
    body = assert_error(response, 404, "NOT_FOUND", CLS + "update_session_not_found")
    assert body["messages"][0] == {
        "id": CLS + "update_session_not_found",
        "default_message": "Update session nope:nope not found.",
        "args": ["nope:nope"],
    }


def test_list_all_and_by_item(api, vc, library, item):
    other = vc.create_item(library, "other")
    a = api.create_session(item)
    b = api.create_session(other)
    assert api.get(SESSIONS).json() == [a, b]
    response = api.get(SESSIONS, params={"library_item_id": other})
    assert response.status_code == 200
    assert response.json() == [b]


def test_list_unknown_item_is_not_found(api):
    response = api.get(SESSIONS, params={"library_item_id": "ghost"})
    assert_error(response, 404, "NOT_FOUND", CLS + "library_item_not_found")


def test_update_applies_warning_behavior_only(api, item):
    session_id = api.create_session(item)
    spec = {
        "warning_behavior": [{"type": "EXPIRED_CERTIFICATE", "ignored": True}],
        "client_progress": 50,  # documented as not used by update: ignored
    }
    response = api.patch(f"{SESSIONS}/{session_id}", json=spec)
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    model = api.session(session_id)
    assert model["warning_behavior"] == spec["warning_behavior"]
    assert model["client_progress"] == 0


def test_update_without_warning_behavior_leaves_it(api, item):
    behavior = [{"type": "SELF_SIGNED_CERTIFICATE", "ignored": True}]
    session_id = api.create_session(item, warning_behavior=behavior)
    assert api.patch(f"{SESSIONS}/{session_id}", json={}).status_code == 204
    assert api.session(session_id)["warning_behavior"] == behavior


def test_update_unknown_warning_type_is_invalid_argument(api, item):
    session_id = api.create_session(item)
    response = api.patch(
        f"{SESSIONS}/{session_id}", json={"warning_behavior": [{"type": "BAD", "ignored": True}]}
    )
    body = assert_error(response, 400, "INVALID_ARGUMENT")
    assert "update_spec.warning_behavior[0].type" in body["messages"][0]["default_message"]
    assert api.session(session_id)["warning_behavior"] == []


def test_update_not_active_is_not_allowed(api, item):
    session_id = api.create_session(item)
    api.action(session_id, "cancel")
    response = api.patch(f"{SESSIONS}/{session_id}", json={"warning_behavior": []})
    body = assert_error(
        response,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_invalid_state_for_operation",
    )
    assert body["messages"][0]["args"] == ["update", "CANCELED"]


def test_update_unknown_session_is_not_found(api):
    response = api.patch(f"{SESSIONS}/x:y", json={})
    assert_error(response, 404, "NOT_FOUND", CLS + "update_session_not_found")


def test_complete_empty_session_is_done_and_bumps_content_version_by_one(api, vc, item):
    session_id = api.create_session(item)
    response = api.action(session_id, "complete")
    assert response.status_code == 204
    assert response.content == b""
    model = api.session(session_id)
    assert model["state"] == "DONE"
    assert "preview_info" not in model
    assert model["library_item_content_version"] == "1"
    assert api.get(f"/api/content/library/item/{item}").json()["content_version"] == "2"
    assert vc.get_item(item)["content_version"] == "2"


def test_complete_twice_is_not_allowed(api, vc, item):
    session_id = api.create_session(item)
    api.action(session_id, "complete")
    response = api.action(session_id, "complete")
    body = assert_error(response, 400, "NOT_ALLOWED_IN_CURRENT_STATE")
    assert body["messages"][0]["args"] == ["complete", "DONE"]
    assert vc.get_item(item)["content_version"] == "2"


def test_complete_after_fail_names_the_reason(api, vc, item):
    session_id = api.create_session(item)
    api.action(session_id, "fail", client_error_message="disk full")
    response = api.action(session_id, "complete")
    body = assert_error(
        response,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_invalid_state_for_operation_reason",
    )
    assert body["messages"][0]["args"] == ["complete", "ERROR", "disk full"]
    assert vc.get_item(item)["content_version"] == "1"


def test_complete_unknown_is_not_found(api):
    assert_error(api.action("a:b", "complete"), 404, "NOT_FOUND", CLS + "update_session_not_found")


def test_keep_alive_sets_progress_and_extends_expiry(api, item, clock):
    session_id = api.create_session(item)
    clock.advance(120)
    response = api.action(session_id, "keep-alive", client_progress=40)
    assert response.status_code == 204
    model = api.session(session_id)
    assert model["client_progress"] == 40
    assert model["expiration_time"] == "2026-01-01T00:07:00.000Z"


def test_keep_alive_without_body_keeps_progress(api, item):
    session_id = api.create_session(item)
    api.action(session_id, "keep-alive", client_progress=70)
    assert api.post(f"{SESSIONS}/{session_id}", params={"action": "keep-alive"}).status_code == 204
    assert api.session(session_id)["client_progress"] == 70


def test_keep_alive_lower_progress_is_accepted(api, item):
    session_id = api.create_session(item)
    api.action(session_id, "keep-alive", client_progress=70)
    assert api.action(session_id, "keep-alive", client_progress=10).status_code == 204
    assert api.session(session_id)["client_progress"] == 10


@pytest.mark.parametrize("progress", [-1, 101])
def test_keep_alive_progress_out_of_range_is_invalid_argument(api, item, progress):
    session_id = api.create_session(item)
    body = assert_error(
        api.action(session_id, "keep-alive", client_progress=progress), 400, "INVALID_ARGUMENT"
    )
    assert body["messages"][0]["args"][:2] == ["client_progress", str(progress)]
    assert api.session(session_id)["client_progress"] == 0


def test_keep_alive_progress_wrong_type_is_invalid_argument(api, item):
    session_id = api.create_session(item)
    body = assert_error(
        api.action(session_id, "keep-alive", client_progress="50"), 400, "INVALID_ARGUMENT"
    )
    assert body["messages"][0]["args"] == ["client_progress", "integer", "string"]


@pytest.mark.parametrize("action", ["keep-alive", "cancel"])
def test_actions_on_ended_session_are_not_allowed(api, item, action):
    session_id = api.create_session(item)
    api.action(session_id, "complete")
    body = assert_error(api.action(session_id, action), 400, "NOT_ALLOWED_IN_CURRENT_STATE")
    assert body["messages"][0]["args"] == [action.replace("-", "_"), "DONE"]


def test_fail_on_ended_session_is_not_allowed(api, item):
    session_id = api.create_session(item)
    api.action(session_id, "cancel")
    response = api.action(session_id, "fail", client_error_message="late")
    assert_error(response, 400, "NOT_ALLOWED_IN_CURRENT_STATE")
    assert api.session(session_id)["state"] == "CANCELED"


def test_cancel_turns_canceled(api, vc, item):
    session_id = api.create_session(item)
    assert api.action(session_id, "cancel").status_code == 204
    model = api.session(session_id)
    assert model["state"] == "CANCELED"
    assert "error_message" not in model
    assert vc.get_item(item)["content_version"] == "1"


def test_fail_turns_error_with_the_client_message(api, item):
    session_id = api.create_session(item)
    assert (
        api.action(session_id, "fail", client_error_message="checksum mismatch").status_code == 204
    )
    model = api.session(session_id)
    assert model["state"] == "ERROR"
    assert model["error_message"]["default_message"] == "checksum mismatch"
    assert model["error_message"]["args"] == ["checksum mismatch"]


def test_fail_without_message_is_invalid_argument(api, item):
    session_id = api.create_session(item)
    body = assert_error(
        api.action(session_id, "fail"), 400, "INVALID_ARGUMENT", "vapi.method.input.missing"
    )
    assert body["messages"][0]["args"] == ["update_session.fail", "client_error_message"]
    assert api.session(session_id)["state"] == "ACTIVE"


@pytest.mark.parametrize("action", ["cancel", "fail"])
def test_unknown_session_actions_are_not_found(api, action):
    body = {"client_error_message": "x"} if action == "fail" else {}
    assert_error(api.action("u:v", action, **body), 404, "NOT_FOUND")


def test_delete_ended_session(api, item):
    session_id = api.create_session(item)
    api.action(session_id, "cancel")
    response = api.delete(f"{SESSIONS}/{session_id}")
    assert response.status_code == 204
    assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")
    assert api.get(SESSIONS).json() == []


def test_delete_active_session_is_not_allowed(api, item):
    session_id = api.create_session(item)
    response = api.delete(f"{SESSIONS}/{session_id}")
    body = assert_error(
        response,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_invalid_state_for_operation",
    )
    assert body["messages"][0]["args"] == ["delete", "ACTIVE"]
    assert api.session(session_id)["state"] == "ACTIVE"


def test_delete_unknown_session_is_not_found(api):
    assert_error(api.delete(f"{SESSIONS}/x:y"), 404, "NOT_FOUND")


def test_session_ids_are_reproducible_with_a_seed(item):
    from vcl_fake import FakeVCenter, ManualClock

    def ids() -> list[str]:
        with FakeVCenter("seeded.example.com", clock=ManualClock(), seed=42) as fake:
            lib = fake.create_library("l")
            it = fake.create_item(lib, "i")
            with fake._backend._lock:
                sid = fake._backend._sessions.update_session_create({"library_item_id": it}, None)
            return [lib, it, sid]

    assert ids() == ids()

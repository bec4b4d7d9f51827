"""Requests a real server would reject get INVALID_ARGUMENT (or 404) naming the problem,
never a 500, and leave state untouched."""

from __future__ import annotations

import pytest
from conftest import SESSIONS, assert_error


def snapshot(vc):
    b = vc._backend
    return (
        sorted(b._sessions.sessions),
        {i: (it.content_version, it.name) for i, it in b._inventory.items.items()},
        sorted(b._inventory.libraries),
    )


@pytest.mark.parametrize(
    ("body", "message_id", "needle"),
    [
        ("{not json", "vapi.json.read.invalid", "not valid JSON"),
        (b"\xff\xfe", "vapi.json.read.invalid", "not valid JSON"),
        ("[]", "vapi.data.validate.mismatch", "create_spec"),
        ('"a string"', "vapi.data.validate.mismatch", "create_spec"),
        ('{"library_item_id": 12}', "vapi.data.validate.mismatch", "create_spec.library_item_id"),
        (
            '{"library_item_id": null}',
            "vapi.data.structure.field.missing",
            "create_spec.library_item_id",
        ),
        (
            '{"library_itme_id": "x"}',
            "vapi.data.structure.field.unexpected",
            "create_spec.library_itme_id",
        ),
        (
            '{"library_item_id": "x", "warning_behavior": [{"type": "NOPE", "ignored": true}]}',
            "vapi.bindings.typeconverter.enum.invalid.enum.type",
            "create_spec.warning_behavior[0].type",
        ),
        (
            '{"library_item_id": "x", "warning_behavior": [{"type": "EXPIRED_CERTIFICATE"}]}',
            "vapi.data.structure.field.missing",
            "create_spec.warning_behavior[0].ignored",
        ),
        (
            '{"library_item_id": "x", "warning_behavior": '
            '[{"type": "EXPIRED_CERTIFICATE", "ignored": "yes"}]}',
            "vapi.data.validate.mismatch",
            "create_spec.warning_behavior[0].ignored",
        ),
        (
            '{"library_item_id": "x", "expiration_time": "yesterday"}',
            "vapi.data.invalid",
            "create_spec.expiration_time",
        ),
    ],
)
def test_bad_create_bodies(api, vc, item, body, message_id, needle):
    before = snapshot(vc)
    response = api.post(SESSIONS, data=body, headers={"Content-Type": "application/json"})
    error = assert_error(response, 400, "INVALID_ARGUMENT", message_id)
    assert needle in error["messages"][0]["default_message"]
    assert snapshot(vc) == before


def test_no_body_at_all_names_the_parameter(api):
    body = assert_error(api.post(SESSIONS), 400, "INVALID_ARGUMENT", "vapi.method.input.missing")
    assert body["messages"][0]["args"] == ["update_session.create", "create_spec"]


def test_unknown_field_in_a_parameter_object(api, item):
    session_id = api.create_session(item)
    response = api.action(session_id, "keep-alive", client_progress=5, progress=6)
    body = assert_error(response, 400, "INVALID_ARGUMENT", "vapi.data.structure.field.unexpected")
    assert body["messages"][0]["args"] == ["progress", "operation-input"]
    assert api.session(session_id)["client_progress"] == 0


def test_huge_integer_is_rejected(api, item):
    session_id = api.create_session(item)
    response = api.action(session_id, "keep-alive", client_progress=2**70)
    assert_error(response, 400, "INVALID_ARGUMENT", "vapi.data.invalid")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/nothing/here"),
        ("GET", "/api"),
        ("GET", "/"),
        ("POST", "/api/content/library/item/update-session/a:b?action=explode"),
        ("GET", "/api/content/library/item/update-session/a:b/nonsense"),
    ],
)
def test_unknown_paths_are_not_found_as_vcenter_says_it(api, vc, method, path):
    response = api.request(method, path)
    body = assert_error(response, 404, "NOT_FOUND", "com.vmware.vapi.rest.httpNotFound")
    assert body["messages"] == [
        {"id": "com.vmware.vapi.rest.httpNotFound", "default_message": "Not found.", "args": []}
    ]
    unrouted = vc.calls[-1]  # journaled, though it reached no operation
    assert (unrouted.operation, unrouted.outcome, unrouted.status) == ("", "unrouted", 404)
    assert unrouted.request == f"{method} {path}"
    assert vc.calls[-2].operation == "session.login"


def test_wrong_method_lists_the_allowed_ones(api):
    response = api.request("PUT", f"{SESSIONS}/a:b")
    body = assert_error(
        response, 404, "OPERATION_NOT_FOUND", "com.vmware.vapi.rest.httpMethodNotAllowed"
    )
    assert body["messages"][0]["args"][2] == "DELETE, GET, PATCH, POST"


def test_session_id_with_encoded_colon_is_understood(api, item):
    session_id = api.create_session(item)
    response = api.get(f"{SESSIONS}/{session_id.replace(':', '%3A')}")
    assert response.status_code == 200


def test_trailing_slash_is_tolerated(api, item):
    assert api.get(f"/api/content/library/item/{item}/").status_code == 200


def test_journal_records_decoded_input_and_outcome(api, vc, item):
    session_id = api.create_session(item)
    api.action(session_id, "keep-alive", client_progress=3)
    api.get(f"{SESSIONS}/zz:zz")
    create, keep, get = vc.calls[-3:]
    assert (create.protocol, create.operation, create.outcome) == (
        "api",
        "update_session.create",
        "success",
    )
    assert create.input["create_spec"]["library_item_id"] == item
    assert create.result == session_id
    assert keep.input == {"update_session_id": session_id, "client_progress": 3}
    assert (get.operation, get.outcome, get.error.error_type) == (
        "update_session.get",
        "NOT_FOUND",
        "NOT_FOUND",
    )
    assert vc.calls[0].input == {"user": "administrator@vsphere.local"}  # never the password


def test_internal_bug_answers_500_without_traceback(api, vc, item, monkeypatch):
    def boom(**_):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(vc._backend._handlers, "update_session_list", (boom, False))
    response = api.get(SESSIONS)
    body = assert_error(response, 500, "INTERNAL_SERVER_ERROR")
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert body["messages"][0]["args"] == ["RuntimeError"]

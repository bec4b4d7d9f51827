"""API login, tokens and 401s, over /api."""

from __future__ import annotations

import requests
from conftest import PASSWORD, SESSIONS, USER, Api, assert_error

from vcl_fake import FakeVCenter, ManualClock

AUTH_REQUIRED = "com.vmware.vapi.endpoint.method.authentication.required"


def test_login_returns_201_and_a_token(vc):
    response = requests.post(f"{vc.url}/api/session", auth=(USER, PASSWORD))
    assert response.status_code == 201
    token = response.json()
    assert isinstance(token, str) and len(token) == 32


def test_tokens_are_unique_per_login(vc):
    a = requests.post(f"{vc.url}/api/session", auth=(USER, PASSWORD)).json()
    b = requests.post(f"{vc.url}/api/session", auth=(USER, PASSWORD)).json()
    assert a != b


def test_wrong_password_is_unauthenticated(vc):
    response = requests.post(f"{vc.url}/api/session", auth=(USER, "nope"))
    body = assert_error(response, 401, "UNAUTHENTICATED", AUTH_REQUIRED)
    assert body["messages"] == [
        {"id": AUTH_REQUIRED, "default_message": "Authentication required.", "args": []}
    ]  # as vCenter answers a wrong password: the same as no login
    assert response.headers["WWW-Authenticate"] == 'Basic realm="VAPI endpoint"'


def test_login_without_credentials_is_unauthenticated(vc):
    assert_error(requests.post(f"{vc.url}/api/session"), 401, "UNAUTHENTICATED", AUTH_REQUIRED)


def test_custom_users_replace_the_default():
    with FakeVCenter("users.example.com", users={"ci@vsphere.local": "s3cret"}) as vc:
        ok = requests.post(f"{vc.url}/api/session", auth=("ci@vsphere.local", "s3cret"))
        assert ok.status_code == 201
        old = requests.post(f"{vc.url}/api/session", auth=(USER, PASSWORD))
        assert old.status_code == 401


def test_session_get_describes_the_login(api, clock):
    clock.advance(5)
    response = api.get("/api/session")
    assert response.status_code == 200
    assert response.json() == {
        "user": USER,
        "created_time": "2026-01-01T00:00:00.000Z",
        "last_accessed_time": "2026-01-01T00:00:05.000Z",
    }


def test_missing_token_is_401_on_every_operation(vc, item):
    response = requests.get(f"{vc.url}{SESSIONS}")
    assert_error(response, 401, "UNAUTHENTICATED", AUTH_REQUIRED)
    response = requests.post(f"{vc.url}{SESSIONS}", json={"library_item_id": item})
    assert_error(response, 401, "UNAUTHENTICATED")
    assert vc._backend._sessions.sessions == {}


def test_unknown_token_is_401(vc):
    response = requests.get(f"{vc.url}/api/content/library", headers={"vmware-api-session-id": "x"})
    assert_error(response, 401, "UNAUTHENTICATED", AUTH_REQUIRED)


def test_logout_ends_the_token(api):
    response = api.delete("/api/session")
    assert response.status_code == 204
    assert_error(api.get("/api/content/library"), 401, "UNAUTHENTICATED")


def test_auth_is_checked_before_input(vc):
    response = requests.post(
        f"{vc.url}{SESSIONS}", data="{not json", headers={"vmware-api-session-id": "x"}
    )
    assert_error(response, 401, "UNAUTHENTICATED")


def test_idle_api_session_expires():
    clock = ManualClock()
    with FakeVCenter("idle.example.com", clock=clock, api_session_timeout=60) as vc:
        api = Api(vc)
        clock.advance(60)
        assert api.get("/api/content/library").status_code == 200
        clock.advance(61)
        assert_error(api.get("/api/content/library"), 401, "UNAUTHENTICATED")


def test_token_of_one_fake_is_refused_by_another(api):
    with FakeVCenter("other.example.com") as other:
        response = requests.get(
            f"{other.url}/api/content/library", headers={"vmware-api-session-id": api.token}
        )
        assert_error(response, 401, "UNAUTHENTICATED")

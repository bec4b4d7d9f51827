"""The responses adapter: activation styles, hosts, ports, several fakes, and user mocks."""

from __future__ import annotations

import io

import pytest
import requests
import responses
from conftest import PASSWORD, SESSIONS, USER, assert_error

from vcl_fake import FakeVCenter


def login_status(url: str) -> int:
    return requests.post(f"{url}/api/session", auth=(USER, PASSWORD)).status_code


@pytest.mark.parametrize(
    "base",
    [
        "https://vcenter.example.com",
        "http://vcenter.example.com",
        "https://vcenter.example.com:443",
        "https://VCENTER.example.com:8443",
    ],
)
def test_every_scheme_and_port_of_the_host_is_answered(base):
    with FakeVCenter():
        assert login_status(base) == 201


def test_context_manager_start_stop_and_decorator():
    vc = FakeVCenter("deco.example.com")

    @vc
    def inside() -> int:
        return login_status(vc.url)

    assert inside() == 201
    vc.start()
    try:
        assert login_status(vc.url) == 201
    finally:
        vc.stop()
    with pytest.raises(requests.ConnectionError):
        login_status("https://deco.invalid")


def test_async_functions_can_be_decorated():
    import asyncio

    vc = FakeVCenter("async.example.com")

    @vc
    async def inside() -> int:
        return login_status(vc.url)

    assert asyncio.run(inside()) == 201


def test_stopped_fake_no_longer_answers():
    vc = FakeVCenter("gone.invalid")
    with vc:
        assert login_status(vc.url) == 201
    with pytest.raises(requests.ConnectionError):
        login_status(vc.url)


def test_other_hosts_are_refused_while_a_fake_is_active():
    with (
        FakeVCenter("only.example.com"),
        pytest.raises(requests.ConnectionError, match="Connection refused by vcl_fake"),
    ):
        requests.get("https://other.invalid/api/session", timeout=2)


def test_two_fakes_on_two_hosts_keep_separate_state():
    with FakeVCenter("a.example.com") as a, FakeVCenter("b.example.com") as b:
        a.create_library("only-in-a")
        sa = requests.Session()
        sa.headers["vmware-api-session-id"] = sa.post(
            f"{a.url}/api/session", auth=(USER, PASSWORD)
        ).json()
        sb = requests.Session()
        sb.headers["vmware-api-session-id"] = sb.post(
            f"{b.url}/api/session", auth=(USER, PASSWORD)
        ).json()
        assert len(sa.get(f"{a.url}/api/content/library").json()) == 1
        assert sb.get(f"{b.url}/api/content/library").json() == []
        assert {c.operation for c in a.calls} == {"session.login", "library.list"}


def test_two_fakes_on_one_host_is_an_error():
    with FakeVCenter("same.example.com"), pytest.raises(RuntimeError, match="already active"):
        FakeVCenter("same.example.com").start()


def test_nested_start_of_the_same_fake_is_harmless():
    vc = FakeVCenter("twice.example.com")
    with vc, vc:
        assert login_status(vc.url) == 201


def test_user_mock_started_before_the_fake():
    with responses.RequestsMock() as rsps:
        rsps.get("https://elsewhere.example.org/ping", json={"pong": True})
        with FakeVCenter() as vc:
            assert login_status(vc.url) == 201
            assert requests.get("https://elsewhere.example.org/ping").json() == {"pong": True}
        assert len(rsps.calls) == 1


def test_user_mock_started_after_the_fake():
    with FakeVCenter() as vc, responses.RequestsMock() as rsps:
        rsps.get("https://elsewhere.example.org/ping", json={"pong": True})
        assert login_status(vc.url) == 201
        assert requests.get("https://elsewhere.example.org/ping").json() == {"pong": True}
        assert len(rsps.calls) == 1
        assert [c.operation for c in vc.calls] == ["session.login"]


def test_user_mock_can_override_one_fake_url():
    with FakeVCenter() as vc, responses.RequestsMock() as rsps:
        rsps.get(
            f"{vc.url}/api/content/library", status=503, json={"error_type": "SERVICE_UNAVAILABLE"}
        )
        assert requests.get(f"{vc.url}/api/content/library").status_code == 503
        assert login_status(vc.url) == 201


@responses.activate
def test_responses_activate_decorator_inside_a_fake():
    responses.get("https://elsewhere.example.org/x", body="ok")
    with FakeVCenter() as vc:
        assert login_status(vc.url) == 201
        assert requests.get("https://elsewhere.example.org/x").text == "ok"


def test_file_like_and_generator_bodies_arrive_streamed():
    seen = []
    with FakeVCenter() as vc:
        original = vc.handle

        def spy(request):
            seen.append(type(request.body).__name__)
            return original(request)

        vc._adapter.handle = spy
        requests.post(f"{vc.url}/api/session", data=io.BytesIO(b"{}"), auth=(USER, PASSWORD))
        requests.post(
            f"{vc.url}/api/session", data=(c for c in [b"{", b"}"]), auth=(USER, PASSWORD)
        )
    assert seen == ["generator", "generator"]


def test_activation_is_counted_an_inner_exit_keeps_the_fake_active():
    vc = FakeVCenter("nested.invalid")  # a leak would fail: .invalid never resolves
    with vc:
        with vc:
            assert login_status(vc.url) == 201
        assert vc.active
        assert login_status(vc.url) == 201  # still the fake, not the network
        vc.start()
        vc.stop()
        assert login_status(vc.url) == 201
    assert not vc.active
    with pytest.raises(requests.ConnectionError):
        login_status(vc.url)


def test_a_decorated_function_inside_an_active_block_keeps_it_active():
    vc = FakeVCenter("decorated.invalid")

    @vc
    def inner() -> int:
        return login_status(vc.url)

    with vc:
        assert inner() == 201
        assert login_status(vc.url) == 201


def test_stops_beyond_the_starts_change_nothing():
    vc = FakeVCenter("extra.invalid")
    vc.stop()
    with vc:
        vc.stop()  # one too many: the fake is no longer active
        assert not vc.active
        vc.stop()
    assert not vc.active
    with vc:
        assert login_status(vc.url) == 201


def test_a_refused_activation_is_not_counted():
    with FakeVCenter("taken.invalid"):
        other = FakeVCenter("taken.invalid")
        with pytest.raises(RuntimeError, match="already active"):
            other.start()
        assert not other.active
    with other:
        assert login_status(other.url) == 201


def test_an_api_body_sent_as_bytes_is_read_whole_up_to_the_limit(vc, api, item, monkeypatch):
    monkeypatch.setattr("vcl_fake.protocols.http.API_BODY_LIMIT", 1024)
    spec = b'{"library_item_id": "%s"}' % item.encode()
    at_limit = spec[:-1] + b" " * (1024 - len(spec)) + b"}"
    headers = {"Content-Type": "application/json"}
    created = api.post(SESSIONS, data=at_limit, headers=headers)
    assert created.status_code == 201, created.text
    refused = api.post(SESSIONS, data=at_limit[:-1] + b" }", headers=headers)  # one byte over
    assert_error(refused, 400, "INVALID_ARGUMENT", "vapi.json.read.invalid")
    assert [s["id"] for s in vc.sessions()] == [created.json()]

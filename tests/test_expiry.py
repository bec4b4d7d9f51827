"""Session expiry and retention with every kind of clock."""

from __future__ import annotations

import datetime as dt

import freezegun
import pytest
import time_machine
from conftest import SESSIONS, Api, assert_error

from vcl_fake import FakeVCenter, ManualClock, SystemClock

UTC = dt.timezone.utc


def test_idle_session_expires_after_the_timeout(api, item, clock):
    session_id = api.create_session(item)
    clock.advance(300)
    assert api.session(session_id)["state"] == "ACTIVE"  # not earlier than expiration_time
    clock.advance(1)
    assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")
    assert api.get(SESSIONS).json() == []
    assert api.create_session(item) != session_id  # the item is free again


def test_get_and_list_are_not_activity(api, item, clock):
    session_id = api.create_session(item)
    for _ in range(3):
        clock.advance(100)
        api.get(SESSIONS)
        api.get(f"{SESSIONS}/{session_id}")
    clock.advance(1)
    assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")


@pytest.mark.parametrize("touch", ["keep-alive", "update"])
def test_activity_extends_expiry(api, item, clock, touch):
    session_id = api.create_session(item)
    for _ in range(5):
        clock.advance(200)
        if touch == "keep-alive":
            assert api.action(session_id, "keep-alive").status_code == 204
        else:
            assert api.patch(f"{SESSIONS}/{session_id}", json={}).status_code == 204
    assert api.session(session_id)["expiration_time"] == "2026-01-01T00:21:40.000Z"


def test_expired_session_refuses_every_operation(api, item, clock):
    session_id = api.create_session(item)
    clock.advance(301)
    for response in (
        api.action(session_id, "complete"),
        api.action(session_id, "keep-alive"),
        api.action(session_id, "cancel"),
        api.patch(f"{SESSIONS}/{session_id}", json={}),
        api.delete(f"{SESSIONS}/{session_id}"),
    ):
        assert_error(
            response, 404, "NOT_FOUND", "com.vmware.vdcs.cls-main.update_session_not_found"
        )


def test_ended_sessions_are_kept_for_the_retention_period(api, item, clock):
    session_id = api.create_session(item)
    clock.advance(10)
    api.action(session_id, "complete")
    model = api.session(session_id)
    assert model["expiration_time"] == "2026-01-01T00:05:10.000Z"
    clock.advance(300)
    assert api.session(session_id)["state"] == "DONE"
    clock.advance(1)
    assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")


def test_custom_timeout_and_retention():
    clock = ManualClock()
    with FakeVCenter("t.example.com", clock=clock, session_timeout=30, session_retention=5) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        session_id = api.create_session(item)
        assert api.session(session_id)["expiration_time"] == "2026-01-01T00:00:30.000Z"
        api.action(session_id, "cancel")
        clock.advance(6)
        assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")


def test_system_clock_advance_expires_sessions():
    with FakeVCenter("sys.example.com") as vc:
        assert isinstance(vc.clock, SystemClock)
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        session_id = api.create_session(item)
        vc.clock.advance(301)
        assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")


def test_expiry_under_freezegun():
    with (
        freezegun.freeze_time("2030-05-01T12:00:00Z") as frozen,
        FakeVCenter("frozen.example.com") as vc,
    ):
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        session_id = api.create_session(item)
        assert api.session(session_id)["expiration_time"] == "2030-05-01T12:05:00.000Z"
        frozen.tick(dt.timedelta(seconds=300))
        assert api.session(session_id)["state"] == "ACTIVE"
        frozen.tick(dt.timedelta(seconds=1))
        assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")


def test_expiry_under_time_machine():
    with (
        time_machine.travel(dt.datetime(2031, 1, 2, tzinfo=UTC), tick=False) as traveller,
        FakeVCenter("tm.example.com") as vc,
    ):
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        session_id = api.create_session(item)
        assert api.session(session_id)["expiration_time"] == "2031-01-02T00:05:00.000Z"
        traveller.shift(301)
        assert_error(api.get(f"{SESSIONS}/{session_id}"), 404, "NOT_FOUND")


def test_manual_clock_basics():
    clock = ManualClock("2026-03-01T10:00:00Z")
    assert clock.now() == dt.datetime(2026, 3, 1, 10, tzinfo=UTC)
    clock.advance(1.5)
    assert clock.now() == dt.datetime(2026, 3, 1, 10, 0, 1, 500000, tzinfo=UTC)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.set(dt.datetime(2020, 1, 1, tzinfo=UTC))
    clock.set(dt.datetime(2027, 1, 1))
    assert clock.now() == dt.datetime(2027, 1, 1, tzinfo=UTC)
    assert ManualClock().now() == dt.datetime(2026, 1, 1, tzinfo=UTC)


def test_system_clock_is_aware_utc_and_advances():
    clock = SystemClock()
    before = dt.datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)
    assert now >= before
    clock.advance(3600)
    assert clock.now() - dt.datetime.now(UTC) > dt.timedelta(seconds=3590)


def test_many_sessions_expire_lazily(vc, clock, library):
    items = [vc.create_item(library, f"i{n}") for n in range(200)]
    with vc._backend._lock:
        for item in items:
            vc._backend._sessions.update_session_create({"library_item_id": item}, None)
    clock.advance(301)
    with vc._backend._lock:
        assert vc._backend._sessions.update_session_list(None) == []
        assert vc._backend._sessions.active_by_item == {}

"""A long-lived fake keeps flat memory: nothing per call beyond a bounded journal, no request
bodies, no expired logins. The goals are asserted here (memory is not timing);
``bench/longrun.py`` measures the same with the default journal and more calls."""

from __future__ import annotations

import gc
import importlib.util
import sys
import tracemalloc
from pathlib import Path

import pytest
import requests
from conftest import SESSIONS, Api, assert_error

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.journal import JOURNAL_LIMIT

BENCH = Path(__file__).resolve().parents[1] / "bench" / "longrun.py"


@pytest.fixture(scope="module")
def longrun():
    spec = importlib.util.spec_from_file_location("longrun", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["longrun"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["longrun"]


@pytest.fixture
def traced():
    tracemalloc.start()
    yield
    tracemalloc.stop()


def test_calls_retain_under_100_bytes_each_once_the_journal_is_full(longrun, traced):
    assert longrun.per_call(900, journal_limit=100) < 100


def test_200_uploads_of_1_mib_retain_under_20_mib_without_content(longrun, traced):
    assert longrun.uploads(200) < 20 * 1024 * 1024


def test_the_fakes_own_mock_records_no_call(vc, api, item):
    session_id = api.create_session(item)
    api.get(f"{SESSIONS}/{session_id}")
    mock = vc._adapter.mock
    assert len(mock.calls) == 0
    assert [len(r.calls) for r in mock.registered()] == [0]
    assert [c.operation for c in vc.calls] == [
        "session.login",
        "update_session.create",
        "update_session.get",
    ]


def test_the_journal_keeps_the_latest_calls_up_to_its_limit():
    assert JOURNAL_LIMIT == 10_000
    with FakeVCenter(clock=ManualClock(), journal_limit=2) as vc:
        item = vc.create_item(vc.create_library("l"), "i")
        api = Api(vc)
        session_id = api.create_session(item)
        api.get(f"{SESSIONS}/{session_id}")
        assert [c.operation for c in vc.calls] == ["update_session.create", "update_session.get"]


def test_an_unbounded_journal_keeps_every_call():
    with FakeVCenter(clock=ManualClock(), journal_limit=None) as vc:
        api = Api(vc)
        for _ in range(3):
            api.get(SESSIONS)
        assert len(vc.calls) == 4


SCENARIO = """\
version: 1
name: bounded
setup:
  libraries: [{name: l, items: [{name: photon}]}]
expect:
  sessions: [{item: photon, state: DONE}]
  operations: [session.login, update_session.create]
"""


def test_expectations_count_calls_the_journal_no_longer_holds():
    with FakeVCenter(clock=ManualClock(), journal_limit=1, scenario=SCENARIO) as vc:
        api = Api(vc)
        item = vc.items()[0]["id"]
        session_id = api.create_session(item)
        assert api.action(session_id, "cancel").status_code == 204
        assert api.delete(f"{SESSIONS}/{session_id}").status_code == 204
        for _ in range(3):
            api.get("/api/content/library")
        assert [c.operation for c in vc.calls] == ["library.list"]
        assert vc.check_expectations() == [
            "session of item 'photon': expected DONE, got DELETED",
            "operations outside the expected list were called: "
            "library.list, update_session.cancel, update_session.delete",
        ]


def test_expired_logins_are_purged_at_the_next_login():
    clock = ManualClock()
    with FakeVCenter(clock=clock, api_session_timeout=60) as vc:
        kept = Api(vc)
        for _ in range(5):
            Api(vc)
        clock.advance(30)
        assert kept.get(SESSIONS).status_code == 200  # used: it stays
        clock.advance(31)
        Api(vc)
        assert len(vc._backend._auth.sessions) == 2
        assert kept.get(SESSIONS).status_code == 200
        clock.advance(61)
        assert kept.get(SESSIONS).status_code == 401


def test_a_large_kept_upload_reads_back_whole(vc, api, item):
    data = bytes(range(256)) * (3 * 4096 + 7)  # over SPOOL_IN_MEMORY: spooled by the writer
    session_id = api.create_session(item)
    info = api.post(
        f"{SESSIONS}/{session_id}/file",
        json={"name": "big.iso", "source_type": "PUSH", "size": len(data)},
    ).json()
    chunks = (data[n : n + 65536] for n in range(0, len(data), 65536))
    assert requests.put(info["upload_endpoint"]["uri"], data=chunks).status_code == 200
    assert api.action(session_id, "complete").status_code == 204
    assert vc.read_item_file(item, "big.iso") == data


def test_keep_alives_with_a_standing_clock_retain_nothing_and_expiry_still_holds(traced):
    """Each deadline change leaves a stale heap entry until its time comes; a clock that
    never moves would let them pile up. The heap is rebuilt from the live sessions."""
    clock = ManualClock()
    with FakeVCenter(clock=clock, journal_limit=10, session_timeout=300) as vc:
        item = vc.create_item(vc.create_library("l"), "i")
        api = Api(vc)
        session_id = api.create_session(item)
        one = f"{SESSIONS}/{session_id}"
        for _ in range(300):
            api.post(one, params={"action": "keep-alive"})
        gc.collect()  # what is retained, not garbage a collection has yet to find
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            assert api.post(one, params={"action": "keep-alive"}).status_code == 204
        gc.collect()
        assert (tracemalloc.get_traced_memory()[0] - before) / 2000 < 20
        clock.advance(299.999)
        assert vc.get_session(session_id)["state"] == "ACTIVE"
        clock.advance(0.002)
        assert_error(
            api.get(one), 404, "NOT_FOUND", "com.vmware.vdcs.cls-main.update_session_not_found"
        )

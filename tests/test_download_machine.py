"""Model-based tests of download sessions: Hypothesis drives the fake with random sequences
(create, keep-alive, cancel, fail, delete, prepare, download, time passing) and checks every
answer against a small reference model; straight at the backend, and over HTTP through a
randomly chosen protocol for each call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import requests
from conftest import Api
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule
from test_download import upload
from test_state_machine import RETENTION, TIMEOUT, BackendDriver, FakeMachine, machine_settings

from vcl_fake import ManualClock

FILES = {"a.iso": b"a" * 100, "b.vmdk": b"b" * 3000}


@dataclass
class RefDownload:
    item: int
    state: str = "ACTIVE"
    deadline: float = 0.0
    progress: int = 0
    prepared: set[str] = field(default_factory=set)


class DownloadSessionMachine(FakeMachine):
    host = "downloads.example.com"

    def __init__(self) -> None:
        super().__init__()
        library = self.vc.create_library("l")
        self.items = [self.vc.create_item(library, f"item-{n}") for n in range(2)]
        api = Api(self.vc)
        for item in self.items:
            upload(api, item, FILES)
        api.http.close()
        self.now = 0.0
        self.ref: dict[str, RefDownload] = {}
        self.known: list[str] = []
        self.urls: dict[tuple[str, str], str] = {}

    def tick(self) -> None:
        for sid in [s for s, r in self.ref.items() if self.now > r.deadline]:
            del self.ref[sid]

    def pick(self, n: int) -> str:
        return self.known[n % len(self.known)] if self.known else "none:none"

    def ended(self, ref: RefDownload, state: str) -> None:
        ref.state, ref.deadline = state, self.now + RETENTION

    # --- operations ---
    @rule(item=st.integers(0, 1))
    def create(self, item: int) -> None:
        self.tick()
        outcome, sid = self.driver.call(
            "download_session.create",
            create_spec={"library_item_id": self.items[item]},
            client_token=None,
        )
        assert outcome == "ok"
        self.ref[sid] = RefDownload(item, deadline=self.now + TIMEOUT)
        self.known.append(sid)

    def _on_active(self, alias: str, n: int, **inputs):
        self.tick()
        sid = self.pick(n)
        outcome, _ = self.driver.call(alias, download_session_id=sid, **inputs)
        ref = self.ref.get(sid)
        if ref is None:
            assert outcome == "NOT_FOUND", (alias, outcome)
            return None, outcome
        if ref.state != "ACTIVE":
            assert outcome == "NOT_ALLOWED_IN_CURRENT_STATE", (alias, outcome)
            return None, outcome
        return ref, outcome

    @rule(n=st.integers(0, 30), progress=st.integers(-5, 105))
    def keep_alive(self, n: int, progress: int) -> None:
        ref, outcome = self._on_active("download_session.keep_alive", n, progress=progress)
        if ref is None:
            return
        if not 0 <= progress <= 100:
            assert outcome == "INVALID_ARGUMENT"
            return
        assert outcome == "ok"
        ref.progress, ref.deadline = progress, self.now + TIMEOUT

    @rule(n=st.integers(0, 30))
    def cancel(self, n: int) -> None:
        ref, outcome = self._on_active("download_session.cancel", n)
        if ref is not None:
            assert outcome == "ok"
            self.ended(ref, "CANCELED")

    @rule(n=st.integers(0, 30))
    def fail(self, n: int) -> None:
        ref, outcome = self._on_active("download_session.fail", n, client_error_message="x")
        if ref is not None:
            assert outcome == "ok"
            self.ended(ref, "ERROR")

    @rule(n=st.integers(0, 30))
    def delete(self, n: int) -> None:
        self.tick()
        sid = self.pick(n)
        outcome, _ = self.driver.call("download_session.delete", download_session_id=sid)
        if sid in self.ref:
            assert outcome == "ok"
            del self.ref[sid]
        else:
            assert outcome == "NOT_FOUND"

    @rule(n=st.integers(0, 30), name=st.sampled_from([*FILES, "missing.iso"]))
    def prepare(self, n: int, name: str) -> None:
        self.tick()
        sid = self.pick(n)
        outcome, info = self.driver.call(
            "download_file.prepare", download_session_id=sid, file_name=name, endpoint_type=None
        )
        ref = self.ref.get(sid)
        if ref is None:
            assert outcome == "NOT_FOUND"
            return
        if name not in FILES:
            assert outcome == "INVALID_ARGUMENT"
            return
        assert outcome == "ok"
        if ref.state != "ACTIVE":
            assert info["status"] == "ERROR"
            return
        expected = "PREPARED" if name in ref.prepared else "PREPARE_REQUESTED"
        assert info["status"] == expected
        ref.prepared.add(name)
        ref.deadline = self.now + TIMEOUT
        got = BackendDriver(self.vc).call(
            "download_file.get", download_session_id=sid, file_name=name
        )[1]
        self.urls[(sid, name)] = got["download_endpoint"]["uri"]

    @rule(k=st.integers(0, 100))
    def download(self, k: int) -> None:
        if not self.urls:
            return
        self.tick()
        (sid, name), url = sorted(self.urls.items())[k % len(self.urls)]
        response = requests.get(url)
        ref = self.ref.get(sid)
        if ref is None or ref.state != "ACTIVE":
            assert response.status_code == 404
            return
        assert (response.status_code, response.content) == (200, FILES[name])
        ref.deadline = self.now + TIMEOUT

    @rule(seconds=st.sampled_from([1, 60, 299, 300, 301, 600]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.now += seconds

    # --- invariants ---
    @invariant()
    def sessions_match_the_model(self) -> None:
        if not hasattr(self, "driver"):
            return
        self.tick()
        backend = BackendDriver(self.vc)
        for sid in self.known:
            outcome, model = backend.call("download_session.get", download_session_id=sid)
            ref = self.ref.get(sid)
            if ref is None:
                assert outcome == "NOT_FOUND", sid
                continue
            assert outcome == "ok"
            assert (model["state"], model["client_progress"]) == (ref.state, ref.progress)
            deadline = dt.timedelta(seconds=ref.deadline) + ManualClock.DEFAULT_START
            assert model["expiration_time"] == deadline
            files = backend.call("download_file.list", download_session_id=sid)[1]
            for f in files:
                prepared = f["name"] in ref.prepared
                assert f["status"] == ("PREPARED" if prepared else "UNPREPARED")
                has_url = f["download_endpoint"] is not None
                assert has_url == (prepared and ref.state == "ACTIVE")
        listed = backend.call("download_session.list", library_item_id=None)[1]
        assert listed == [s for s in self.known if s in self.ref]


class TestBackendDownloadMachine(DownloadSessionMachine.TestCase):
    settings = machine_settings(100, 40)


class HttpDownloadMachine(DownloadSessionMachine):
    driver_kind = "http"


class TestHttpDownloadMachine(HttpDownloadMachine.TestCase):
    settings = machine_settings(40, 30)

"""Model-based tests: Hypothesis drives the fake with random sequences of operations and checks
every answer against a small, independent reference model of the contract's state machine.

Run twice: straight at the backend, and over HTTP with each call sent through a randomly
chosen protocol (/api, legacy /rest, JSON-RPC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from wire import Wire

from vcl_fake import FakeVCenter, ManualClock, VapiError
from vcl_fake.contract.operations import TABLE

TIMEOUT, RETENTION = 300, 300
ITEMS = 3


# --- the reference model --------------------------------------------------------------------


@dataclass
class RefFile:
    size: int
    ready: bool = False


@dataclass
class RefSession:
    item: int
    state: str = "ACTIVE"
    deadline: float = 0.0  # ACTIVE: expiry; ended: end of retention
    progress: int = 0
    files: dict[str, RefFile] = field(default_factory=dict)
    error: str | None = None


class Reference:
    def __init__(self) -> None:
        self.now = 0.0
        self.sessions: dict[str, RefSession] = {}
        self.versions = [1] * ITEMS

    def tick(self) -> None:
        for sid in [s for s, r in self.sessions.items() if self.now > r.deadline]:
            del self.sessions[sid]

    def active(self, item: int) -> str | None:
        return next(
            (s for s, r in self.sessions.items() if r.item == item and r.state == "ACTIVE"), None
        )

    def end(self, session: RefSession, state: str) -> None:
        session.state, session.deadline = state, self.now + RETENTION


# --- drivers: how calls reach the fake ------------------------------------------------------


class BackendDriver:
    """Calls the backend's handlers directly (as the dispatcher does, under the lock)."""

    def __init__(self, vc: FakeVCenter) -> None:
        self.vc = vc

    def call(self, alias: str, **inputs):
        with self.vc._backend._lock:
            try:
                return "ok", self.vc._backend.call(
                    alias.replace(".", "_"), inputs, origin=self.vc.url + ":443"
                )
            except VapiError as exc:
                return exc.error_type, None

    def upload(self, uri: str, data: bytes) -> int:
        return requests.put(uri, data=data).status_code


class HttpDriver:
    """Sends each call through a protocol the test picks (api, rest or jsonrpc), as
    :class:`wire.Wire` routes it."""

    def __init__(self, vc: FakeVCenter, protocols) -> None:
        self.wire = Wire(vc)
        self.protocols = protocols  # a callable returning the next protocol

    def call(self, alias: str, **inputs):
        op = TABLE[alias]
        params = {k: op.params[k].encode(v) for k, v in inputs.items() if v is not None}
        answer = self.wire.call(self.protocols(), alias, **params)
        return answer.error_type or "ok", answer.result

    def upload(self, uri: str, data: bytes) -> int:
        return requests.put(uri, data=data).status_code


# --- the machine ----------------------------------------------------------------------------


class FakeMachine(RuleBasedStateMachine):
    """A machine driving one fake on a manual clock, straight at the backend or (``http``)
    over HTTP through a protocol picked at random for each call."""

    driver_kind = "backend"
    host = "machine.example.com"

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.vc = FakeVCenter(
            self.host,
            clock=self.clock,
            session_timeout=TIMEOUT,
            session_retention=RETENTION,
            api_session_timeout=10**9,  # logins never idle out: the model is about sessions
        ).start()

    @initialize(protocols=st.randoms(use_true_random=False))
    def pick_driver(self, protocols) -> None:
        if self.driver_kind == "backend":
            self.driver = BackendDriver(self.vc)
        else:
            self.driver = HttpDriver(self.vc, lambda: protocols.choice(["api", "rest", "jsonrpc"]))

    def teardown(self) -> None:
        self.vc.stop()


class UpdateSessionMachine(FakeMachine):
    def __init__(self) -> None:
        super().__init__()
        library = self.vc.create_library("l")
        self.items = [self.vc.create_item(library, f"item-{n}") for n in range(ITEMS)]
        self.ref = Reference()
        self.known: list[str] = []  # every session id ever created (some are gone)
        self.uploads: dict[tuple[str, str], str] = {}
        self.ended: dict[str, dict] = {}  # snapshots of ended sessions

    sessions = st.integers(min_value=0, max_value=50)

    def pick(self, n: int) -> str:
        return self.known[n % len(self.known)] if self.known else "none:none"

    # --- operations ---
    @rule(item=st.integers(0, ITEMS - 1))
    def create(self, item: int) -> None:
        self.ref.tick()
        outcome, sid = self.driver.call(
            "update_session.create",
            create_spec={"library_item_id": self.items[item]},
            client_token=None,
        )
        if self.ref.active(item) is not None:
            assert outcome == "RESOURCE_BUSY"
            return
        assert outcome == "ok"
        self.ref.sessions[sid] = RefSession(item, deadline=self.ref.now + TIMEOUT)
        self.known.append(sid)

    def _active_op(self, alias: str, n: int, **inputs):
        self.ref.tick()
        sid = self.pick(n)
        outcome, result = self.driver.call(alias, update_session_id=sid, **inputs)
        ref = self.ref.sessions.get(sid)
        if ref is None:
            assert outcome == "NOT_FOUND", (alias, outcome)
            return None, None
        if ref.state != "ACTIVE":
            assert outcome == "NOT_ALLOWED_IN_CURRENT_STATE", (alias, outcome)
            return None, None
        return ref, (outcome, result)

    @rule(n=sessions, progress=st.integers(-5, 105))
    def keep_alive(self, n: int, progress: int) -> None:
        ref, answer = self._active_op("update_session.keep_alive", n, client_progress=progress)
        if ref is None:
            return
        if not 0 <= progress <= 100:
            assert answer[0] == "INVALID_ARGUMENT"
            return
        assert answer[0] == "ok"
        ref.progress, ref.deadline = progress, self.ref.now + TIMEOUT

    @rule(n=sessions, ignored=st.booleans())
    def update(self, n: int, ignored: bool) -> None:
        spec = {"warning_behavior": [{"type": "SELF_SIGNED_CERTIFICATE", "ignored": ignored}]}
        ref, answer = self._active_op("update_session.update", n, update_spec=spec)
        if ref is not None:
            assert answer[0] == "ok"
            ref.deadline = self.ref.now + TIMEOUT

    @rule(n=sessions, size=st.integers(0, 64), name=st.sampled_from(["a.iso", "b.iso"]))
    def add_file(self, n: int, size: int, name: str) -> None:
        spec = {"name": name, "source_type": "PUSH", "size": size}
        ref, answer = self._active_op("file.add", n, file_spec=spec)
        if ref is None:
            return
        assert answer[0] == "ok"
        assert answer[1]["status"] == "WAITING_FOR_TRANSFER"
        ref.files[name] = RefFile(size)
        ref.deadline = self.ref.now + TIMEOUT
        self.uploads[(self.pick(n), name)] = answer[1]["upload_endpoint"]["uri"]

    @precondition(lambda self: self.uploads)
    @rule(k=st.integers(0, 100), correct=st.booleans())
    def upload(self, k: int, correct: bool) -> None:
        self.ref.tick()
        (sid, name), uri = sorted(self.uploads.items())[k % len(self.uploads)]
        ref = self.ref.sessions.get(sid)
        expected_file = ref.files.get(name) if ref else None
        size = expected_file.size if expected_file else 1
        current = self.vc._backend._files.uploads.get(uri.rsplit("/", 2)[-2])  # re-added: dead
        status = self.driver.upload(uri, b"z" * (size if correct else size + 1))
        live = ref is not None and ref.state == "ACTIVE" and expected_file is not None
        if not live or current is None:
            assert status == 404
            return
        assert status == 200
        ref.deadline = self.ref.now + TIMEOUT
        if correct:
            expected_file.ready = True
        else:
            self.ref.end(ref, "ERROR")
            ref.error = "size"

    @rule(n=sessions)
    def complete(self, n: int) -> None:
        self.ref.tick()
        sid = self.pick(n)
        outcome, _ = self.driver.call("update_session.complete", update_session_id=sid)
        ref = self.ref.sessions.get(sid)
        if ref is None:
            assert outcome == "NOT_FOUND"
        elif ref.state != "ACTIVE" or not all(f.ready for f in ref.files.values()):
            assert outcome == "NOT_ALLOWED_IN_CURRENT_STATE"
        else:
            assert outcome == "ok"
            self.ref.end(ref, "DONE")
            self.ref.versions[ref.item] += 1

    @rule(n=sessions)
    def cancel(self, n: int) -> None:
        ref, answer = self._active_op("update_session.cancel", n)
        if ref is not None:
            assert answer[0] == "ok"
            self.ref.end(ref, "CANCELED")

    @rule(n=sessions)
    def fail(self, n: int) -> None:
        ref, answer = self._active_op("update_session.fail", n, client_error_message="boom")
        if ref is not None:
            assert answer[0] == "ok"
            self.ref.end(ref, "ERROR")

    @rule(n=sessions)
    def delete(self, n: int) -> None:
        self.ref.tick()
        sid = self.pick(n)
        outcome, _ = self.driver.call("update_session.delete", update_session_id=sid)
        ref = self.ref.sessions.get(sid)
        if ref is None:
            assert outcome == "NOT_FOUND"
        elif ref.state == "ACTIVE":
            assert outcome == "NOT_ALLOWED_IN_CURRENT_STATE"
        else:
            assert outcome == "ok"
            del self.ref.sessions[sid]

    @rule(seconds=st.sampled_from([1, 60, 299, 300, 301, 600]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.ref.now += seconds

    # --- invariants, checked after every step ---
    @invariant()
    def sessions_match_the_model(self) -> None:
        if not hasattr(self, "driver"):
            return
        self.ref.tick()
        start = self.clock.now()
        for sid in self.known:
            outcome, model = BackendDriver(self.vc).call(
                "update_session.get", update_session_id=sid
            )
            ref = self.ref.sessions.get(sid)
            if ref is None:
                assert outcome == "NOT_FOUND", sid  # expiry and retention honoured
                continue
            assert outcome == "ok"
            assert model["state"] == ref.state
            assert model["client_progress"] == ref.progress
            # preview_info only while ACTIVE
            assert (model["preview_info"] is not None) == (ref.state == "ACTIVE")
            expected_deadline = dt.timedelta(seconds=ref.deadline) + ManualClock.DEFAULT_START
            assert model["expiration_time"] == expected_deadline
            if ref.state != "ACTIVE":  # ended sessions never change
                snapshot = self.ended.setdefault(sid, model)
                assert model == snapshot
        assert self.clock.now() == start  # reading never moves time

    @invariant()
    def one_active_session_per_item(self) -> None:
        with self.vc._backend._lock:
            sessions = self.vc._backend._sessions
            sessions.purge()
            active = [s.item_id for s in sessions.sessions.values() if s.state == "ACTIVE"]
        assert len(active) == len(set(active))

    @invariant()
    def content_version_counts_completed_sessions(self) -> None:
        for n, item in enumerate(self.items):
            assert self.vc.get_item(item)["content_version"] == str(self.ref.versions[n])


def machine_settings(examples: int, steps: int) -> settings:
    """``examples`` runs of up to ``steps`` steps, with no deadline (HTTP calls vary)."""
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


class TestBackendMachine(UpdateSessionMachine.TestCase):
    settings = machine_settings(200, 50)


class HttpMachine(UpdateSessionMachine):
    driver_kind = "http"


class TestHttpMachine(HttpMachine.TestCase):
    settings = machine_settings(80, 40)

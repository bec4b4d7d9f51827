"""Thread stress: many threads run whole lifecycles on shared and on separate items, in-process
and served. No deadlock, no lost or mixed file, and the counts add up."""

from __future__ import annotations

import threading

import pytest
from conftest import SESSIONS, served_login

from vcl_fake import FakeVCenter, ManualClock

THREADS, ROUNDS = 12, 12


def run_stress(base: str, verify, vc: FakeVCenter) -> None:
    library = vc.create_library("stress")
    shared = [vc.create_item(library, f"shared-{n}") for n in range(2)]
    own = [vc.create_item(library, f"own-{n}") for n in range(THREADS // 2)]
    completed: dict[str, list[bytes]] = {i: [] for i in shared + own}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            http = served_login(base, verify, timeout=30)
            item = shared[(n // 2) % 2] if n % 2 else own[n // 2]
            for k in range(ROUNDS):
                payload = f"thread {n} round {k} ".encode() * (50 + n)
                created = http.post(base + SESSIONS, json={"library_item_id": item}, timeout=30)
                if created.status_code == 400:
                    assert created.json()["error_type"] == "RESOURCE_BUSY"
                    continue
                session_id = created.json()
                one = f"{base}{SESSIONS}/{session_id}"
                info = http.post(
                    one + "/file",
                    json={"name": "payload.bin", "source_type": "PUSH", "size": len(payload)},
                    timeout=30,
                ).json()
                assert (
                    http.put(info["upload_endpoint"]["uri"], data=payload, timeout=30).status_code
                    == 200
                )
                assert (
                    http.post(
                        one,
                        params={"action": "keep-alive"},
                        json={"client_progress": 90},
                        timeout=30,
                    ).status_code
                    == 204
                )
                if k % 4 == 3:  # some sessions are abandoned
                    assert (
                        http.post(one, params={"action": "cancel"}, timeout=30).status_code == 204
                    )
                    continue
                assert http.post(one, params={"action": "complete"}, timeout=30).status_code == 204
                with lock:
                    completed[item].append(payload)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "deadlock: threads still running"
    assert not errors, errors[0]
    for item, payloads in completed.items():
        info = vc.get_item(item)
        assert info["content_version"] == str(1 + len(payloads))
        if payloads:
            content = vc.read_item_file(item, "payload.bin")
            assert content in payloads  # whole, from one upload: never lost or mixed
            assert info["size"] == len(content)
    assert vc._backend._sessions.active_by_item == {}
    for item in own:  # alone on its item, a thread completes every round it does not cancel
        assert len(completed[item]) == ROUNDS - ROUNDS // 4
    assert all(completed[item] for item in shared)


def test_in_process_stress():
    with FakeVCenter("stress.example.com", clock=ManualClock()) as vc:
        run_stress(vc.url, True, vc)


@pytest.mark.parametrize("tls", [False, True])
def test_served_stress(tls):
    vc = FakeVCenter("served-stress.example.com", clock=ManualClock())
    with vc.serve(tls=tls) as url:
        run_stress(url, str(vc.server.ca_file) if tls else False, vc)

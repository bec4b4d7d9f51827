"""A threaded smoke test: many clients, whole lifecycles, invariants afterwards."""

from __future__ import annotations

import threading

from conftest import SESSIONS, Api


def test_concurrent_lifecycles_keep_the_invariants(vc, library):
    items = [vc.create_item(library, f"item-{n}") for n in range(4)]
    done: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            api = Api(vc)
            item = items[n % len(items)]
            for _ in range(15):
                response = api.post(SESSIONS, json={"library_item_id": item})
                if response.status_code == 400:
                    assert response.json()["error_type"] == "RESOURCE_BUSY"
                    continue
                assert response.status_code == 201, response.text
                session_id = response.json()
                assert api.action(session_id, "keep-alive", client_progress=50).status_code == 204
                assert api.action(session_id, "complete").status_code == 204
                with lock:
                    done.append(item)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[0]
    assert done
    for item in items:
        # content_version = 1 + number of sessions completed on the item
        assert vc.get_item(item)["content_version"] == str(1 + done.count(item))
    assert vc.backend.sessions.active_by_item == {}

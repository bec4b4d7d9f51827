"""get and list latency with 10 and with 10,000 sessions in the fake (the goal: flat).

Run: ``python bench/scale.py [CALLS]`` (default 2000). The fake holds N sessions spread over
N items (ended ones kept for retention, one ACTIVE per item at most); the timed calls are
``update_session.get`` of one session and ``update_session.list`` filtered by one item, through
requests and the responses adapter, best of 5 batches.
"""

from __future__ import annotations

import sys
import time

import requests

from vcl_fake import FakeVCenter, ManualClock

USER = ("administrator@vsphere.local", "VMware1!")
SESSIONS = "/api/content/library/item/update-session"


def populate(vc: FakeVCenter, count: int) -> tuple[str, str]:
    library = vc.create_library("l")
    backend = vc._backend
    item = ""
    with backend._lock:
        for n in range(count):
            item = vc.create_item(library, f"i{n}")
            session_id = backend._sessions.update_session_create({"library_item_id": item}, None)
            if n % 2:
                backend._sessions.update_session_complete(session_id)
    return item, session_id


def timed(call, count: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(count):
            call()
        best = min(best, (time.perf_counter() - start) / count)
    return best


def measure(count: int, calls: int) -> tuple[float, float]:
    with FakeVCenter(f"scale{count}.example.com", clock=ManualClock()) as vc:
        item, session_id = populate(vc, count)
        http = requests.Session()
        http.headers["vmware-api-session-id"] = http.post(vc.url + "/api/session", auth=USER).json()
        one = f"{vc.url}{SESSIONS}/{session_id}"
        get = timed(lambda: http.get(one).raise_for_status(), calls)
        listed = timed(
            lambda: http.get(
                vc.url + SESSIONS, params={"library_item_id": item}
            ).raise_for_status(),
            calls,
        )
        return get, listed


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    small, large = measure(10, calls), measure(10_000, calls)
    print(f"latency per call, best of 5 x {calls}")
    for n, name in enumerate(("get ", "list (by item)")):
        a, b = small[n] * 1e6, large[n] * 1e6
        print(
            f"  {name:16} 10 sessions {a:6.0f} us   10,000 sessions {b:6.0f} us"
            f"   ratio {b / a:5.2f}x"
        )


if __name__ == "__main__":
    main()

"""Latency with few and with many records in the fake (the goal: flat).

Run: ``python bench/scale.py [CALLS]`` (default 1000). Two fakes side by side: one holding 10
sessions over 10 items, one holding 20,000 (ended ones kept for retention, one ACTIVE per item
at most), all items in one library. Timed through requests and the responses adapter:
``update_session.get`` of one session, ``update_session.list`` filtered by one item,
``item.create`` (a new name each time: the name check), ``item.find`` by name,
``library.find`` by name, and an upload (create a session, add a file, PUT 4 KiB, complete:
complete checks the free space of the library's datastore). Batches of the two fakes
alternate; the best of 5 counts.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable

import requests

from vcl_fake import FakeVCenter, ManualClock

USER = ("administrator@vsphere.local", "VMware1!")
SESSIONS = "/api/content/library/item/update-session"
ITEMS = "/api/content/library/item"


def populate(vc: FakeVCenter, count: int) -> tuple[str, str, str]:
    library = vc.create_library("l")
    backend = vc._backend
    item = ""
    with backend._lock:
        for n in range(count):
            item = vc.create_item(library, f"i{n}", files=[{"name": "a", "size": n}])
            session_id = backend._sessions.update_session_create({"library_item_id": item}, None)
            if n % 2:
                backend._sessions.update_session_complete(session_id)
    return library, item, session_id


def calls(vc: FakeVCenter, count: int) -> dict[str, Callable[[], object]]:
    library, item, session_id = populate(vc, count)
    http = requests.Session()
    http.headers["vmware-api-session-id"] = http.post(vc.url + "/api/session", auth=USER).json()
    one = f"{vc.url}{SESSIONS}/{session_id}"
    names = itertools.count()
    target = vc.create_item(library, "upload-target")

    def create() -> None:
        spec = {"library_id": library, "name": f"new{next(names)}", "type": "iso"}
        http.post(vc.url + ITEMS, json=spec).raise_for_status()

    def upload() -> None:  # complete checks the datastore's free space
        session = http.post(vc.url + SESSIONS, json={"library_item_id": target}).json()
        spec = {"name": "f.bin", "source_type": "PUSH", "size": 4096}
        info = http.post(f"{vc.url}{SESSIONS}/{session}/file", json=spec).json()
        http.put(info["upload_endpoint"]["uri"], data=bytes(4096)).raise_for_status()
        done = http.post(f"{vc.url}{SESSIONS}/{session}", params={"action": "complete"})
        done.raise_for_status()

    return {
        "update_session.get": lambda: http.get(one).raise_for_status(),
        "update_session.list (by item)": lambda: http.get(
            vc.url + SESSIONS, params={"library_item_id": item}
        ).raise_for_status(),
        "item.create": create,
        "item.find (by name)": lambda: http.post(
            vc.url + ITEMS, params={"action": "find"}, json={"name": "i3"}
        ).raise_for_status(),
        "library.find (by name)": lambda: http.post(
            vc.url + "/api/content/library", params={"action": "find"}, json={"name": "l"}
        ).raise_for_status(),
        "upload (4 calls)": upload,
    }


def timed(call: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - start) / count


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    sizes = (10, 20_000)
    fakes = [FakeVCenter(f"scale{n}.example.com", clock=ManualClock()) for n in sizes]
    for vc in fakes:
        vc.start()
    try:
        table = [calls(vc, n) for vc, n in zip(fakes, sizes, strict=True)]
        best = [dict.fromkeys(table[0], float("inf")) for _ in sizes]
        for _ in range(5):
            for name in table[0]:
                for side in (0, 1):  # side by side, alternating
                    best[side][name] = min(best[side][name], timed(table[side][name], count))
    finally:
        for vc in fakes:
            vc.stop()
    print(f"latency per call, best of 5 alternating batches of {count}")
    for name in table[0]:
        a, b = best[0][name] * 1e6, best[1][name] * 1e6
        print(f"  {name:30} 10: {a:6.0f} us   20,000: {b:6.0f} us   ratio {b / a:5.2f}x")


if __name__ == "__main__":
    main()

"""Memory of a long-lived fake: what each call leaves behind once the fake is warm, and what
200 uploads of 1 MiB sent as ``bytes`` leave behind with ``keep_content=False``.

Run: ``python bench/longrun.py [CALLS]`` (default 10500, just over the journal's default
bound; the goal is stated for 20000, about a minute more). Default settings throughout (the
journal keeps its default number of calls). The workload is the 9-call upload workflow of
``bench/overhead.py`` (login, create, get, add file, upload 4 KiB, keep-alive, validate,
complete, get), with the fake's manual clock moving 60 s after each workflow, as a long test
run's wall clock would: ended sessions and idle logins expire and must be purged. CALLS calls
warm the fake up, then the next CALLS are measured: the growth of traced Python memory per
call (the journal, full by then, takes one call in for each it lets go). Then 200 uploads of
1 MiB: the growth of traced memory. The last line is JSON. ``tests/test_memory.py`` runs both
measures with a smaller journal and fewer calls, and asserts the goals.
"""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc

import requests

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.journal import JOURNAL_LIMIT

USER = ("administrator@vsphere.local", "VMware1!")
SESSIONS = "/api/content/library/item/update-session"
DATA = b"x" * 4096
MIB = 1 << 20


def workflow(http: requests.Session, base: str, item: str, data: bytes = DATA) -> None:
    http.headers["vmware-api-session-id"] = http.post(base + "/api/session", auth=USER).json()
    session_id = http.post(base + SESSIONS, json={"library_item_id": item}).json()
    one = f"{base}{SESSIONS}/{session_id}"
    http.get(one).raise_for_status()
    info = http.post(
        one + "/file", json={"name": "f.bin", "source_type": "PUSH", "size": len(data)}
    ).json()
    http.put(info["upload_endpoint"]["uri"], data=data).raise_for_status()
    http.post(one, params={"action": "keep-alive"}, json={"client_progress": 50})
    http.post(one + "/file", params={"action": "validate"}).raise_for_status()
    http.post(one, params={"action": "complete"}).raise_for_status()
    assert http.get(one).json()["state"] == "DONE"


def traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def per_call(calls: int, journal_limit: int | None = JOURNAL_LIMIT) -> float:
    """Bytes retained per call over ``calls`` calls, after ``calls`` warm-up calls."""
    clock = ManualClock()
    with FakeVCenter("longrun.example.com", clock=clock, journal_limit=journal_limit) as vc:
        item = vc.create_item(vc.create_library("l"), "i")
        http = requests.Session()
        rounds = calls // 9
        for _ in range(rounds):
            workflow(http, vc.url, item)
            clock.advance(60)
        before = traced()
        for _ in range(rounds):
            workflow(http, vc.url, item)
            clock.advance(60)
        return (traced() - before) / (rounds * 9)


def uploads(count: int = 200) -> int:
    """Bytes retained by ``count`` upload workflows of 1 MiB, ``keep_content=False``."""
    with FakeVCenter("uploads.example.com", clock=ManualClock(), keep_content=False) as vc:
        item = vc.create_item(vc.create_library("l"), "i")
        http = requests.Session()
        data = bytes(MIB)
        workflow(http, vc.url, item, data)
        before = traced()
        for _ in range(count):
            workflow(http, vc.url, item, data)
        return traced() - before


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 10500
    tracemalloc.start()
    retained = per_call(calls)
    grown = uploads()
    tracemalloc.stop()
    print(f"{calls} calls after {calls} warm-up calls: {retained:8.1f} bytes retained per call")
    print(f"200 uploads of 1 MiB (keep_content=False): {grown / MIB:8.2f} MiB retained")
    print(json.dumps({"bytes_per_call": retained, "upload_bytes": grown}))


if __name__ == "__main__":
    main()

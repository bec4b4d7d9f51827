"""Served mode: whole upload lifecycles per second with concurrent clients over real sockets.

Run: ``python bench/served.py [SECONDS]`` (default 5 per configuration). Each lifecycle is
create session, add a file, upload 64 KiB, complete, get: five API calls and one upload.
Reported side by side: HTTP and HTTPS, 1 and 8 concurrent clients, and the same lifecycle
in-process through the responses adapter. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import sys
import threading
import time

import requests

from vcl_fake import FakeVCenter, ManualClock

USER = ("administrator@vsphere.local", "VMware1!")
SESSIONS = "/api/content/library/item/update-session"
DATA = bytes(range(256)) * 256


def client(url: str, verify: object) -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    http.verify = verify
    http.headers["vmware-api-session-id"] = http.post(url + "/api/session", auth=USER).json()
    return http


def lifecycle(http: requests.Session, url: str, item: str) -> None:
    session_id = http.post(url + SESSIONS, json={"library_item_id": item}).json()
    info = http.post(
        f"{url}{SESSIONS}/{session_id}/file",
        json={"name": "f.bin", "source_type": "PUSH", "size": len(DATA)},
    ).json()
    http.put(info["upload_endpoint"]["uri"], data=DATA).raise_for_status()
    http.post(f"{url}{SESSIONS}/{session_id}", params={"action": "complete"}).raise_for_status()
    assert http.get(f"{url}{SESSIONS}/{session_id}").json()["state"] == "DONE"


def measure(url: str, verify: object, items: list[str], threads: int, seconds: float) -> float:
    count = [0] * threads
    stop = time.perf_counter() + seconds

    def run(n: int) -> None:
        http = client(url, verify)
        while time.perf_counter() < stop:
            lifecycle(http, url, items[n])
            count[n] += 1

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(count) / (time.perf_counter() - start)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    rows = []
    with FakeVCenter("bench.example.com", clock=ManualClock(), keep_content=False) as vc:
        library = vc.create_library("l")
        items = [vc.create_item(library, f"i{n}") for n in range(8)]
        rows.append(("in-process (responses), 1 client", measure(vc.url, True, items, 1, seconds)))
    for tls in (False, True):
        vc = FakeVCenter("served.example.com", clock=ManualClock(), keep_content=False)
        library = vc.create_library("l")
        items = [vc.create_item(library, f"i{n}") for n in range(8)]
        with vc.serve(tls=tls) as url:
            verify = str(vc.server.ca_file) if tls else False
            for threads in (1, 8):
                plural = "s" if threads > 1 else ""
                name = f"served {'HTTPS' if tls else 'HTTP '}, {threads} client{plural}"
                rows.append((name, measure(url, verify, items, threads, seconds)))
    base = rows[0][1]
    print(f"whole upload lifecycles per second ({seconds:.0f} s each; 6 requests per lifecycle)")
    for name, rate in rows:
        print(f"  {name:34} {rate:8.1f}/s   ratio to in-process {rate / base:5.2f}x")


if __name__ == "__main__":
    main()

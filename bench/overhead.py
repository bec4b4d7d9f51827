"""Per-call overhead: a whole upload workflow through the fake, against the same HTTP calls
answered by a bare ``responses`` callback that returns canned answers.

Run: ``python bench/overhead.py [ROUNDS]`` (default 300). One workflow is 9 calls: login,
create session, get, add file, upload 4 KiB, keep-alive, validate, complete, get. Both sides
send the same requests through ``requests`` and ``responses``, each workflow with a session
id and an upload URL of its own; the ratio is what the
fake's routing, checks, model and journal add. Batches of the two alternate (so machine noise
hits both alike); the best of 7 of each is kept.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import time

import requests
import responses

from vcl_fake import FakeVCenter, ManualClock

USER = ("administrator@vsphere.local", "VMware1!")
SESSIONS = "/api/content/library/item/update-session"
DATA = b"x" * 4096


def workflow(http: requests.Session, base: str, item: str) -> None:
    http.headers["vmware-api-session-id"] = http.post(base + "/api/session", auth=USER).json()
    session_id = http.post(base + SESSIONS, json={"library_item_id": item}).json()
    one = f"{base}{SESSIONS}/{session_id}"
    http.get(one).json()
    info = http.post(
        one + "/file", json={"name": "f.bin", "source_type": "PUSH", "size": len(DATA)}
    ).json()
    http.put(info["upload_endpoint"]["uri"], data=DATA)
    http.post(one, params={"action": "keep-alive"}, json={"client_progress": 50})
    http.post(one + "/file", params={"action": "validate"}).json()
    http.post(one, params={"action": "complete"})
    http.get(one).json()


def canned(base: str):
    """A bare callback: parses nothing, answers what the workflow expects. Each session and
    upload URL it hands out is new, as the fake's are, so that both sides send the same
    requests (``requests`` caches the parsing of URLs it has seen: constant ones would spare
    the bare side work the fake's clients do)."""
    count = itertools.count()
    session = "{:08x}-1111-4111-8111-111111111111:22222222-2222-4222-8222-222222222222"
    file_info = (
        '{"name": "f.bin", "source_type": "PUSH", "bytes_transferred": 0, "status": '
        '"WAITING_FOR_TRANSFER", "upload_endpoint": {"uri": "' + base + '/cls/data/%s/f.bin"}}'
    )
    model = json.dumps(
        {
            "library_item_id": "i",
            "library_item_content_version": "1",
            "client_progress": 0,
            "state": "ACTIVE",
            "expiration_time": "2026-01-01T00:05:00.000Z",
        }
    )

    def answer(request):
        path, method = request.path_url, request.method
        if path.endswith("/api/session"):
            return 201, {"Content-Type": "application/json"}, '"token"'
        if path.endswith(SESSIONS):
            return 201, {"Content-Type": "application/json"}, f'"{session.format(next(count))}"'
        if "/cls/data/" in path:
            return 200, {}, ""
        if path.endswith("/file"):
            return 200, {"Content-Type": "application/json"}, file_info % next(count)
        if "action=validate" in path:
            return (
                200,
                {"Content-Type": "application/json"},
                '{"has_errors": false, "missing_files": [], "invalid_files": []}',
            )
        if method == "GET":
            return 200, {"Content-Type": "application/json"}, model
        return 204, {}, ""

    return answer


def batch(run, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        run()
    return (time.perf_counter() - start) / rounds


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    base = "https://vcenter.example.com"
    http = requests.Session()
    vc = FakeVCenter(clock=ManualClock(), keep_content=False)
    item = vc.create_item(vc.create_library("l"), "i")
    bare = fake = float("inf")
    for _ in range(7):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                url = re.compile(re.escape(base) + ".*")
                mock.add_callback(method, url, callback=canned(base), content_type=None)
            bare = min(bare, batch(lambda: workflow(http, base, "i"), rounds))
        with vc:
            fake = min(fake, batch(lambda: workflow(http, base, item), rounds))
    print(f"whole upload workflow (9 calls), best of 7 alternating batches of {rounds}")
    print(f"  bare responses callback {bare * 1e3:7.3f} ms   ({bare / 9 * 1e6:5.0f} us per call)")
    print(f"  vcl_fake                {fake * 1e3:7.3f} ms   ({fake / 9 * 1e6:5.0f} us per call)")
    print(f"  ratio                   {fake / bare:7.2f}x")


if __name__ == "__main__":
    main()

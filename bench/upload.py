"""PUSH upload throughput through the fake, as a ratio to hashing the same bytes with hashlib.

Run: ``python bench/upload.py [MiB]`` (default 256). Each round measures, side by side on the
same chunks: SHA-256 with hashlib alone; writing them to a temporary file alone (what keeping
content costs the disk); both at once, hashing while a thread writes (the floor of keeping
content, without the fake); an upload through requests -> responses -> the fake keeping only
digests (``keep_content=False``) and keeping the content (spooled to disk by a writer thread
while the request thread hashes); and the same two uploads to a served fake over HTTP on
loopback (the client is a thread of this process). The best of 3 rounds is reported.
Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import requests

from vcl_fake import FakeVCenter, ManualClock

CHUNK = 1 << 20
USER = ("administrator@vsphere.local", "VMware1!")


def hashing(chunk: bytes, count: int) -> str:
    digest = hashlib.sha256()
    for _ in range(count):
        digest.update(chunk)
    return digest.hexdigest()


def writing(chunk: bytes, count: int) -> None:
    with tempfile.TemporaryFile() as spool:
        for _ in range(count):
            spool.write(chunk)


def overlapped(chunk: bytes, count: int) -> None:
    """Hashing here while a thread writes through a queue of 4: the design's floor, without
    the fake (it reaches max(hash, write) only when a second core is free)."""
    ready: queue.Queue[bytes | None] = queue.Queue(4)
    with tempfile.TemporaryFile() as spool:

        def write() -> None:
            while (piece := ready.get()) is not None:
                spool.write(piece)

        writer = threading.Thread(target=write)
        writer.start()
        digest = hashlib.sha256()
        for _ in range(count):
            ready.put(chunk)
            digest.update(chunk)
        ready.put(None)
        writer.join()


@contextlib.contextmanager
def fake(keep_content: bool, served: bool) -> Iterator[tuple[FakeVCenter, str]]:
    with FakeVCenter("bench.example.com", clock=ManualClock(), keep_content=keep_content) as vc:
        if not served:
            yield vc, vc.url
            return
        with vc.serve(tls=False) as url:
            yield vc, url


def upload(chunk: bytes, count: int, digest: str, keep_content: bool, served: bool) -> float:
    with fake(keep_content, served) as (vc, url):
        item = vc.create_item(vc.create_library("l"), "i", type="iso")
        http = requests.Session()
        http.trust_env = False
        http.headers["vmware-api-session-id"] = http.post(f"{url}/api/session", auth=USER).json()
        base = f"{url}/api/content/library/item/update-session"
        sid = http.post(base, json={"library_item_id": item}).json()
        spec = {
            "name": "x.iso",
            "source_type": "PUSH",
            "size": CHUNK * count,
            "checksum_info": {"algorithm": "SHA256", "checksum": digest},
        }
        uri = http.post(f"{base}/{sid}/file", json=spec).json()["upload_endpoint"]["uri"]
        start = time.perf_counter()
        response = http.put(uri, data=(chunk for _ in range(count)))
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        assert http.get(f"{base}/{sid}/file/x.iso").json()["status"] == "READY"
        return elapsed


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    chunk = bytes(range(256)) * (CHUNK // 256)
    names = ["hashlib", "write", "both, 2 threads", "digests", "content"]
    names += ["served digests", "served content"]
    best = dict.fromkeys(names, float("inf"))
    digest = hashing(chunk, mib)
    for _ in range(3):
        for name in names:
            start = time.perf_counter()
            if name == "hashlib":
                hashing(chunk, mib)
                elapsed = time.perf_counter() - start
            elif name == "write":
                writing(chunk, mib)
                elapsed = time.perf_counter() - start
            elif name.startswith("both"):
                overlapped(chunk, mib)
                elapsed = time.perf_counter() - start
            else:  # the PUT alone
                served, keep = name.startswith("served"), name.endswith("content")
                elapsed = upload(chunk, mib, digest, keep, served)
            best[name] = min(best[name], elapsed)
    base = best["hashlib"]
    print(f"upload of {mib} MiB in 1 MiB chunks, SHA-256, best of 3 interleaved rounds")
    for name, seconds in best.items():
        rate = mib / seconds
        print(f"  {name:15} {seconds:7.3f} s  {rate:8.1f} MiB/s  ratio {seconds / base:5.2f}x")


if __name__ == "__main__":
    main()

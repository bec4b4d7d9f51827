"""PUSH upload throughput through the fake, as a ratio to hashing the same bytes with hashlib.

Run: ``python bench/upload.py [MiB]`` (default 256). Each round measures, side by side on the
same chunks: SHA-256 with hashlib alone; an upload through requests -> responses -> the fake
keeping only digests (``keep_content=False``); and one keeping the content (spooled to disk).
The best of 3 rounds is reported. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import hashlib
import sys
import time

import requests

from vcl_fake import FakeVCenter, ManualClock

CHUNK = 1 << 20
USER = ("administrator@vsphere.local", "VMware1!")


def hashing(chunk: bytes, count: int) -> str:
    digest = hashlib.sha256()
    for _ in range(count):
        digest.update(chunk)
    return digest.hexdigest()


def upload(chunk: bytes, count: int, digest: str, keep_content: bool) -> float:
    with FakeVCenter("bench.example.com", clock=ManualClock(), keep_content=keep_content) as vc:
        item = vc.create_item(vc.create_library("l"), "i", type="iso")
        http = requests.Session()
        http.headers["vmware-api-session-id"] = http.post(f"{vc.url}/api/session", auth=USER).json()
        base = f"{vc.url}/api/content/library/item/update-session"
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
    best = {"hashlib": float("inf"), "digests": float("inf"), "content": float("inf")}
    for _ in range(3):
        start = time.perf_counter()
        digest = hashing(chunk, mib)
        best["hashlib"] = min(best["hashlib"], time.perf_counter() - start)
        best["digests"] = min(best["digests"], upload(chunk, mib, digest, keep_content=False))
        best["content"] = min(best["content"], upload(chunk, mib, digest, keep_content=True))
    base = best["hashlib"]
    print(f"upload of {mib} MiB in 1 MiB chunks, SHA-256, best of 3")
    for name, seconds in best.items():
        rate = mib / seconds
        print(f"  {name:8} {seconds:7.3f} s  {rate:8.1f} MiB/s  ratio {seconds / base:5.2f}x")


if __name__ == "__main__":
    main()
